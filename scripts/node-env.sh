# Source this file to put Node 24 first on PATH.
# When the machine's Node is older than 22, Node 24 is installed from the npm
# registry's `node` package into .tools/node (git-ignored) and used instead.
_weft_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_weft_node_dir="$_weft_root/.tools/node"
_weft_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$_weft_node_dir/node_modules/.bin/node" ]; then
  export PATH="$_weft_node_dir/node_modules/.bin:$PATH"
elif [ "$(_weft_major)" -lt 22 ]; then
  echo "weft: Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into .tools/node" >&2
  mkdir -p "$_weft_node_dir"
  echo '{"private":true,"allowScripts":{"node":true}}' > "$_weft_node_dir/package.json"
  npm install --prefix "$_weft_node_dir" --no-package-lock --no-fund --no-audit node@24 >&2 || return 1 2>/dev/null || exit 1
  export PATH="$_weft_node_dir/node_modules/.bin:$PATH"
fi
export PATH="$_weft_root/node_modules/.bin:$PATH"
unset _weft_root _weft_node_dir
unset -f _weft_major
