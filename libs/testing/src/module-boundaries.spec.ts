import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/**
 * Runs the workspace's real lint (scripts/lint.sh with eslint.config.mjs and nx.json) on a scratch workspace
 * holding two apps and a lib, to prove the module-boundary constraints reject what they must.
 */
describe('module boundaries (npm run lint)', () => {
  let workspace: string;

  function project(dir: string, type: 'app' | 'lib', files: Record<string, string>) {
    const name = path.basename(dir);
    mkdirSync(path.join(workspace, dir, 'src'), { recursive: true });
    writeFileSync(
      path.join(workspace, dir, 'project.json'),
      JSON.stringify({ name, projectType: type === 'app' ? 'application' : 'library', sourceRoot: `${dir}/src`, tags: [`type:${type}`, `scope:${name}`] }),
    );
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(workspace, dir, 'src', file), text);
  }

  function lint(): { ok: boolean; output: string } {
    try {
      const output = execFileSync('bash', [path.join(workspace, 'scripts/lint.sh')], {
        cwd: workspace,
        env: { ...process.env, PATH: `${path.join(root, 'node_modules/.bin')}:${process.env['PATH']}` },
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { ok: true, output };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'weft-lint-'));
    symlinkSync(path.join(root, 'node_modules'), path.join(workspace, 'node_modules'));
    for (const file of ['eslint.config.mjs', 'nx.json', 'package.json']) copyFileSync(path.join(root, file), path.join(workspace, file));
    mkdirSync(path.join(workspace, 'scripts'));
    copyFileSync(path.join(root, 'scripts/lint.sh'), path.join(workspace, 'scripts/lint.sh'));
    writeFileSync(
      path.join(workspace, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          baseUrl: '.',
          types: [],
          paths: {
            '@weft/alpha': ['apps/alpha/src/index.ts'],
            '@weft/beta': ['apps/beta/src/index.ts'],
            '@weft/shared': ['libs/shared/src/index.ts'],
          },
        },
        include: ['apps/**/*.ts', 'libs/**/*.ts'],
      }),
    );
    project('apps/beta', 'app', { 'index.ts': 'export const beta = 1;\n' });
  });

  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('accepts an app that imports a lib', () => {
    project('libs/shared', 'lib', { 'index.ts': 'export const shared = 1;\n' });
    project('apps/alpha', 'app', { 'index.ts': "import { shared } from '@weft/shared';\n\nexport const alpha = shared;\n" });
    const result = lint();
    expect(result).toEqual({ ok: true, output: expect.any(String) });
  }, 60_000);

  it('fails on an app importing another app', () => {
    project('apps/alpha', 'app', { 'index.ts': "import { beta } from '@weft/beta';\n\nexport const alpha = beta;\n" });
    const result = lint();
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/apps\/alpha\/src\/index\.ts[\s\S]*@nx\/enforce-module-boundaries/);
    expect(result.output).toContain('Imports of apps are forbidden');
  }, 60_000);

  it('fails on a lib importing an app', () => {
    project('libs/shared', 'lib', { 'index.ts': "import { beta } from '@weft/beta';\n\nexport const shared = beta;\n" });
    const result = lint();
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/libs\/shared\/src\/index\.ts[\s\S]*@nx\/enforce-module-boundaries/);
  }, 60_000);
});
