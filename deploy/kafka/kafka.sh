#!/usr/bin/env bash
# Local infrastructure for Weft without a Docker engine: a single-node Apache
# Kafka broker (KRaft, broker + controller in one JVM) run from the official jars
# on Maven Central, plus the Postgres database named in DATABASE_URL.
#
#   kafka.sh up      fetch jars if missing, format storage once, start, wait until
#                    ready, ensure the database exists, write .infra/env
#   kafka.sh down    stop the broker (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT)
#   kafka.sh status  print running/stopped; exit 0 when running, 1 otherwise
#   kafka.sh reset   stop the broker and delete its data (topics, offsets)
#
# Environment (all optional): KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# KAFKA_HEAP_OPTS ("-Xms256m -Xmx1G"; KAFKA_HEAP is accepted too), KAFKA_JVM_OPTS
# (extra JVM flags), KAFKA_START_TIMEOUT (90 s), KAFKA_STOP_TIMEOUT (30 s),
# DATABASE_URL (postgres://postgres@127.0.0.1:5432/weft).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/kafka"

KAFKA_DIR="$ROOT/.infra/kafka"
LIB_DIR="$KAFKA_DIR/lib"
DATA_DIR="$KAFKA_DIR/data"
CONFIG_FILE="$KAFKA_DIR/server.properties"
PID_FILE="$KAFKA_DIR/kafka.pid"
LOG_FILE="$KAFKA_DIR/server.log"
# JVM output before logging is configured (bad flags, missing classes, crashes).
CONSOLE_FILE="$KAFKA_DIR/console.log"
ENV_FILE="$ROOT/.infra/env"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:-${KAFKA_HEAP:--Xms256m -Xmx1G}}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/weft}"

# The flags Kafka's own kafka-run-class.sh uses: G1 with short pauses keeps the
# broker's throughput for benchmarks; only the heap is smaller than production.
JVM_OPTS=(
  -server
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15
  -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$HERE/log4j.properties"
  "-Dkafka.logs.dir=$KAFKA_DIR"
)

log() { echo "kafka: $*"; }
die() {
  echo "kafka: $*" >&2
  exit 1
}

require() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"
}

# Prints the pid of the broker this script started, if it is still running.
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid="$(<"$PID_FILE")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  ps -p "$pid" -o command= 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The address the running broker advertises (it may differ from the current
# KAFKA_PORT if that changed after start).
running_address() {
  sed -n 's|^advertised.listeners=PLAINTEXT://||p' "$CONFIG_FILE" 2>/dev/null || true
}

# Byte offset in server.log where the current start attempt began, so a failure
# shows this attempt's lines rather than the previous run's shutdown.
LOG_START=0

show_log_tail() {
  if [[ -s $CONSOLE_FILE ]]; then
    echo "--- ${CONSOLE_FILE#"$ROOT"/} ---" >&2
    tail -n 30 "$CONSOLE_FILE" >&2
  fi
  if [[ -s $LOG_FILE ]]; then
    local size
    size="$(wc -c <"$LOG_FILE")"
    ((size >= LOG_START)) || LOG_START=0
    echo "--- last lines of ${LOG_FILE#"$ROOT"/} ---" >&2
    tail -c "+$((LOG_START + 1))" "$LOG_FILE" | tail -n 30 >&2
  fi
}

check_java() {
  require java "Java 11+; Java 17 recommended"
  local version major
  version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${version%%.*}"
  [[ $major == 1 ]] && major="$(echo "$version" | cut -d. -f2)"
  [[ $major =~ ^[0-9]+$ && $major -ge 11 ]] || die "Java 11+ is required to run Kafka 3.9 (found ${version:-none})"
}

# Copies the broker's runtime classpath from Maven Central, again only when
# pom.xml changed since the last fetch.
fetch_jars() {
  local stamp="$LIB_DIR/.pom.cksum" want
  want="$(cksum <"$HERE/pom.xml")"
  if [[ -f $stamp && "$(<"$stamp")" == "$want" ]]; then return 0; fi
  require mvn "Maven 3.6+, to fetch the Kafka jars from Maven Central"
  log "fetching Apache Kafka jars from Maven Central into ${LIB_DIR#"$ROOT"/}"
  local started=$SECONDS
  rm -rf "$LIB_DIR"
  # Maven's output is only worth reading when it fails.
  if ! mvn --batch-mode --quiet --no-transfer-progress -Dstyle.color=never \
    -f "$HERE/pom.xml" "-Dkafka.lib.dir=$LIB_DIR" dependency:copy-dependencies \
    >"$KAFKA_DIR/maven.log" 2>&1; then
    cat "$KAFKA_DIR/maven.log" >&2
    die "could not fetch the Kafka jars from Maven Central (output above)"
  fi
  echo "$want" >"$stamp"
  log "fetched in $((SECONDS - started))s"
}

render_config() {
  sed -e "s|\${KAFKA_PORT}|$KAFKA_PORT|g" \
    -e "s|\${KAFKA_CONTROLLER_PORT}|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|\${KAFKA_DATA_DIR}|$DATA_DIR|g" \
    "$HERE/server.properties" >"$CONFIG_FILE"
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not
# starting with '-' (what org.apache.kafka.common.Uuid.randomUuid produces).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ $id != -* ]] && break
  done
  echo "$id"
}

# Formats the KRaft storage once; the cluster id is kept beside the data so a
# wiped data folder is re-formatted under the same id.
format_storage() {
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  local id_file="$KAFKA_DIR/cluster.id"
  [[ -s $id_file ]] || new_cluster_id >"$id_file"
  log "formatting storage in ${DATA_DIR#"$ROOT"/} (cluster id $(<"$id_file"))"
  java "-Dlog4j.configuration=file:$HERE/log4j.properties" "-Dkafka.logs.dir=$KAFKA_DIR" \
    -cp "$LIB_DIR/*" kafka.tools.StorageTool format \
    --config "$CONFIG_FILE" --cluster-id "$(<"$id_file")" --ignore-formatted >/dev/null ||
    die "formatting the storage failed"
}

start_broker() {
  local -a heap extra launcher=()
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a extra <<<"${KAFKA_JVM_OPTS:-}"
  # A session of its own, so Ctrl-C on `npm run` or closing the terminal does
  # not take the broker down with it; fd 9 (the up/down lock) is not inherited.
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  ${launcher[@]+"${launcher[@]}"} nohup java "${heap[@]}" "${JVM_OPTS[@]}" ${extra[@]+"${extra[@]}"} \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE" \
    </dev/null >"$CONSOLE_FILE" 2>&1 9>&- &
  echo $! >"$PID_FILE"
}

wait_ready() {
  local pid="$1" code=0
  # --no-warnings: kafkajs trips Node's TimeoutNegativeWarning while the port is still closed.
  node --no-warnings "$HERE/infra.mjs" wait-kafka "127.0.0.1:$KAFKA_PORT" "$pid" "$KAFKA_START_TIMEOUT" || code=$?
  case $code in
    0) return 0 ;;
    2)
      rm -f "$PID_FILE"
      show_log_tail
      die "the broker exited during startup"
      ;;
    *)
      show_log_tail
      stop_broker "$pid" >/dev/null
      die "the broker did not accept metadata requests on 127.0.0.1:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s; stopped it"
      ;;
  esac
}

stop_broker() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < KAFKA_STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL to pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

write_env() {
  local tmp="$ENV_FILE.$$"
  printf 'KAFKA_BROKERS=%s\nDATABASE_URL=%s\n' "$1" "$DATABASE_URL" >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

ensure_database() {
  node "$HERE/infra.mjs" ensure-database "$DATABASE_URL" ||
    die "could not reach Postgres or create the database in DATABASE_URL=$DATABASE_URL"
}

# One up/down at a time on this checkout (several terminals, parallel CI steps).
take_lock() {
  mkdir -p "$KAFKA_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$KAFKA_DIR/.lock"
    flock 9
  fi
}

cmd_up() {
  take_lock
  source "$ROOT/scripts/node-env.sh"
  [[ -d $ROOT/node_modules/kafkajs ]] || die "the npm packages are not installed; run \`npm install\` first"
  local pid address
  if pid="$(running_pid)"; then
    address="$(running_address)"
    log "already running (pid $pid) on $address"
  else
    port_open "$KAFKA_PORT" && die "127.0.0.1:$KAFKA_PORT is taken by another process; stop it or set KAFKA_PORT"
    port_open "$KAFKA_CONTROLLER_PORT" &&
      die "127.0.0.1:$KAFKA_CONTROLLER_PORT is taken by another process; stop it or set KAFKA_CONTROLLER_PORT"
    check_java
    fetch_jars
    mkdir -p "$DATA_DIR"
    render_config
    format_storage
    local started=$SECONDS
    [[ -f $LOG_FILE ]] && LOG_START="$(wc -c <"$LOG_FILE")"
    start_broker
    pid="$(<"$PID_FILE")"
    wait_ready "$pid"
    address="127.0.0.1:$KAFKA_PORT"
    log "running (pid $pid) on $address, ready in $((SECONDS - started))s; log: ${LOG_FILE#"$ROOT"/}"
  fi
  ensure_database
  write_env "$address"
  log "wrote ${ENV_FILE#"$ROOT"/} (KAFKA_BROKERS=$address, DATABASE_URL=$DATABASE_URL)"
}

cmd_down() {
  take_lock
  local pid
  if pid="$(running_pid)"; then
    stop_broker "$pid"
  else
    rm -f "$PID_FILE"
    log "not running"
  fi
}

cmd_status() {
  local pid address
  if pid="$(running_pid)"; then
    address="$(running_address)"
    if port_open "${address##*:}"; then
      log "running (pid $pid) on $address"
    else
      log "running (pid $pid), starting up: $address not accepting connections yet"
    fi
    return 0
  fi
  log "stopped"
  return 1
}

cmd_reset() {
  cmd_down
  rm -rf "$DATA_DIR" "$KAFKA_DIR/cluster.id"
  log "deleted ${DATA_DIR#"$ROOT"/}"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *) die "usage: $0 up|down|status|reset" ;;
esac
