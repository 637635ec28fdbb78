#!/usr/bin/env bash
# Ingest benchmark of the distribution's server: start -> ready, idle RSS, then (a) single events, (b) batches and
# (c) ack -> visible on the profile, each beside a plain-JDBC baseline measured in the same run. See bench/README.md.
# Needs a built distribution (mvn -B -ntp install -DskipTests); builds the bench module itself when it is missing or stale.
# The server runs from a copy of the distribution's 'rapport' server (server.xml, jvm.options, apps, jdbc) in a Liberty
# user dir of its own under bench/target/ingest-run, with a server.env written here: a server.env that a build left in
# distribution/target (the postgres profile writes DB_URL there, and server.env beats the environment) cannot redirect it,
# and a rebuild during the run cannot redeploy under it. Leaves nothing running: the server is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
WLP="$ROOT/distribution/target/liberty/wlp"
SERVER=rapport
RUN="$BENCH/target/ingest-run"
OUT="$BENCH/target/ingest-results.md"
SCHEMA_DIR="$ROOT/kernel/core/src/main/resources/db/kernel"

DB=h2
DURATION=20
WARMUP=5
THREADS=8
BATCH=500
BATCH_THREADS=2
VISIBLE_RATE=500
SETTLE=5
PORT=""
PHASES=abc
BUILD=auto
RESTART=1
KEEP_DB=0
READY_TIMEOUT=180
PG_URL="jdbc:postgresql://127.0.0.1:5432/test"
PG_USER=postgres
DRIVER_ARGS=()

usage() {
    cat <<'EOF'
usage: bench/run-ingest.sh [options]

  --db h2|postgresql     database of the server and of the baseline (default h2)
  --duration S           measured seconds per phase (default 20)
  --warmup S             warm-up seconds before each phase (default 5)
  --threads N            client threads of (a), single events (default 8)
  --batch-size N         events per request in (b), 1..1000 (default 500)
  --batch-threads N      client threads of (b) (default 2)
  --visible-rate N       background events/s during (c) (default 500)
  --settle S             seconds between ready and the idle RSS reading (default 5)
  --phases abc           which of (a), (b), (c) to run (default abc)
  --plugins              run the plugin benchmark instead of the ingest one: install -> active, configuration -> applied,
                         and plugin churn under a steady ingest (--plugin-rate N events/s, default 500; --plugin-rounds N,
                         default 20; --duration applies); writes bench/target/plugin-results.md
  --segments             run the segment benchmark instead (PostgreSQL only): seeds --console-customers N profiles
                         with orders, builds 50 segments, rebuilds one beside the hand-written SQL, then 1,000 events/s
                         for 30 s from cold and 67 s more in steady state (65,536 changes, what the server keeps
                         latencies of), with the incremental evaluation's latency after each; writes
                         bench/target/segment-results.md.
                         --segment-load sessions (default: each customer sends a visit of 5 events, customers last seen
                         over the past 400 days) or random (every event from another random customer)
                         --segment-windows N: N steady-state windows one after the other (default 1), each reported
  --journeys             run the journey benchmark instead (PostgreSQL only): seeds --journey-customers N profiles
                         (default 100000), enrols them in a journey, wakes them all at the same minute and times them to
                         the end beside the hand-written SQL that writes the same rows; writes bench/target/journey-results.md
  --kpis                 run the KPI benchmark instead (PostgreSQL only): seeds --kpi-customers N profiles (default 1000000)
                         and their orders (CDNOW histories drawn at random, from --cdnow DIR, default ../shared/data/cdnow),
                         times POST /api/v1/kpis/compute (every KPI for the current day, week and month, predicted_clv's
                         fit and scores included) beside one SQL aggregation over the same orders; writes
                         bench/target/kpi-results.md
  --console              run the console benchmark instead (PostgreSQL only): seeds --console-customers N profiles
                         (default 1000000) into the server's schema with COPY, then times the calls of the customer
                         search, profile and plugins pages; writes bench/target/console-results.md
  --email                run the email benchmark instead: --email-messages N (default 100000) personalised messages
                         through POST /api/v1/messages/batch (500 per request) and the email plugin to an SMTP sink,
                         then 20,000 with one POST /api/v1/messages each, beside a bare Jakarta Mail loop; writes
                         bench/target/email-results.md
  --sms                  run the SMS benchmark instead: --sms-messages N (default 10000) personalised messages through
                         POST /api/v1/messages/batch (500 per request) and the sms plugin, rate-limited to --sms-rate R
                         per second (default 200), to an SMSC in the driver's JVM (TestSmsc, jSMPP); counted at the SMSC
                         (duplicates, busiest second <= R, average rate >= 0.95 R) beside a bare jSMPP loop at the same
                         rate; writes bench/target/sms-results.md
  --import               run the import benchmark instead: generates a CSV of --import-rows N contacts (default 1000000;
                         ~5 % repeats, ~1 % bad e-mails) in bench/target, times POST /api/v1/imports until the job is
                         done, beside the database's own bulk load of the same file (PostgreSQL COPY, H2 CSVREAD), with
                         the server JVM's peak RSS; writes bench/target/import-results.md
  --port N               server HTTP port (default: the first free one from 9181)
  --no-restart           measure the first start only (default: first start, stop, then a restart that is measured too)
  --build | --no-build   always / never build the bench module (default: when missing or older than its sources)
  --pg-url URL           PostgreSQL without schema (default jdbc:postgresql://127.0.0.1:5432/test); password from PGPASSWORD
  --pg-user NAME         PostgreSQL user (default postgres)
  --keep-db              keep the PostgreSQL schemas rapport_bench and rapport_bench_baseline after the run
                         (BENCH_SCHEMA=name in the environment names them otherwise, for two runs side by side)
  --prewarm S            unmeasured load before (a), so the JIT has settled (default 20; the smoke run can use 0)
  --customers N, --poll-ms MS, --probe-gap-ms MS, --probe-timeout-ms MS, --visible-max-inflight N, --drain-timeout S
                         passed to the driver (see bench/README.md)

Writes bench/target/ingest-results.md; the server (a copy of distribution/target/liberty/wlp/usr/servers/rapport in
the Liberty user dir bench/target/ingest-run/usr), its logs and its data are under bench/target/ingest-run/.
EOF
}

COMMAND="bench/run-ingest.sh"
for a in "$@"; do COMMAND+=" $(printf '%q' "$a")"; done

while [ $# -gt 0 ]; do
    case "$1" in
        --db) DB="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --batch-size) BATCH="$2"; shift 2 ;;
        --batch-threads) BATCH_THREADS="$2"; shift 2 ;;
        --visible-rate) VISIBLE_RATE="$2"; shift 2 ;;
        --settle) SETTLE="$2"; shift 2 ;;
        --phases) PHASES="$2"; shift 2 ;;
        --plugins) PLUGINS=1; shift ;;
        --console) CONSOLE=1; shift ;;
        --segments) SEGMENTS=1; shift ;;
        --journeys) JOURNEYS=1; shift ;;
        --segment-load) SEGMENT_LOAD="$2"; shift 2 ;;
        --segment-windows) SEGMENT_WINDOWS="$2"; shift 2 ;;
        --journey-customers) JOURNEY_CUSTOMERS="$2"; shift 2 ;;
        --kpis) KPIS=1; shift ;;
        --kpi-customers) KPI_CUSTOMERS="$2"; shift 2 ;;
        --cdnow) CDNOW="$2"; shift 2 ;;
        --email) EMAIL=1; shift ;;
        --email-messages) EMAIL_MESSAGES="$2"; shift 2 ;;
        --sms) SMS=1; shift ;;
        --sms-messages) SMS_MESSAGES="$2"; shift 2 ;;
        --sms-rate) SMS_RATE="$2"; shift 2 ;;
        --console-customers) CONSOLE_CUSTOMERS="$2"; shift 2 ;;
        --import) IMPORT=1; shift ;;
        --import-rows) IMPORT_ROWS="$2"; shift 2 ;;
        --plugin-rate) PLUGIN_RATE="$2"; shift 2 ;;
        --plugin-rounds) PLUGIN_ROUNDS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --no-restart) RESTART=0; shift ;;
        --build) BUILD=always; shift ;;
        --no-build) BUILD=never; shift ;;
        --pg-url) PG_URL="$2"; shift 2 ;;
        --pg-user) PG_USER="$2"; shift 2 ;;
        --keep-db) KEEP_DB=1; shift ;;
        --prewarm|--customers|--poll-ms|--probe-gap-ms|--probe-timeout-ms|--visible-max-inflight|--drain-timeout)
            DRIVER_ARGS+=("$1" "$2"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$DB" in h2|postgresql) ;; *) echo "--db is h2 or postgresql" >&2; exit 2 ;; esac
if [ "${CONSOLE:-0}" = 1 ] && [ "$DB" != postgresql ]; then echo "--console runs on --db postgresql (the issue's workload)" >&2; exit 2; fi
if [ "${SEGMENTS:-0}" = 1 ] && [ "$DB" != postgresql ]; then echo "--segments runs on --db postgresql (the issue's workload)" >&2; exit 2; fi
if [ "${JOURNEYS:-0}" = 1 ] && [ "$DB" != postgresql ]; then echo "--journeys runs on --db postgresql (the issue's workload)" >&2; exit 2; fi
if [ "${KPIS:-0}" = 1 ] && [ "$DB" != postgresql ]; then echo "--kpis runs on --db postgresql (the issue's workload)" >&2; exit 2; fi

log() { printf '[run-ingest] %s\n' "$*"; }
die() { printf '[run-ingest] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

command -v java >/dev/null || die "java is not on the PATH"
command -v curl >/dev/null || die "curl is not on the PATH"
[ -x "$WLP/bin/server" ] && [ -f "$WLP/usr/servers/$SERVER/server.xml" ] \
    || die "no Liberty server '$SERVER' under $WLP: run 'mvn -B -ntp install -DskipTests' first"

# --- the driver -----------------------------------------------------------------------------------------------
JAR="$BENCH/target/rapport-bench.jar"
need_build=0
case "$BUILD" in
    always) need_build=1 ;;
    never) [ -f "$JAR" ] || die "$JAR is missing (drop --no-build)" ;;
    auto) if [ ! -f "$JAR" ] || [ ! -d "$BENCH/target/lib" ] || [ -n "$(find "$BENCH/src" "$BENCH/pom.xml" -newer "$JAR" -print -quit)" ]; then need_build=1; fi ;;
esac
if [ "$need_build" = 1 ]; then
    log "building the bench module"
    (cd "$ROOT" && mvn -B -ntp -q -pl bench -am package -DskipTests)
fi
CP="$JAR:$BENCH/target/lib/*"

# --- the server: a copy of the distribution's, in a Liberty user dir of its own --------------------------------------
DIST_SERVER="$WLP/usr/servers/$SERVER"
USR="$RUN/usr"
SRV="$USR/servers/$SERVER"
PIDFILE="$USR/servers/.pid/$SERVER.pid"
export WLP_USER_DIR="$USR"
unset WLP_OUTPUT_DIR DB_URL DB_USER DB_PASSWORD HTTP_PORT HTTP_HOST RAPPORT_DATA_DIR RAPPORT_ADMIN_PASSWORD LOG_DIR
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    log "a server of an earlier bench run still runs (pid $(cat "$PIDFILE")): stopping it"
    "$WLP/bin/server" stop "$SERVER" >/dev/null 2>&1 || die "could not stop the earlier bench server"
fi
port_in_use() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "$PORT" ]; then
    PORT=9181
    while port_in_use "$PORT"; do PORT=$((PORT + 1)); [ "$PORT" -lt 9300 ] || die "no free port in 9181..9299"; done
elif port_in_use "$PORT"; then
    die "port $PORT is in use"
fi

rm -rf "$RUN"
mkdir -p "$RUN/data" "$RUN/baseline" "$SRV"
rm -f "$OUT"
for f in server.xml jvm.options bootstrap.properties apps jdbc configDropins dropins plugins; do
    # the plugin benchmark installs the webhook plugin itself: the default set would already hold its name
    if [ "$f" = plugins ] && [ "${PLUGINS:-0}" = 1 ]; then continue; fi
    if [ -e "$DIST_SERVER/$f" ]; then cp -r "$DIST_SERVER/$f" "$SRV/"; fi
done
# more server JVM options for this run, separated by spaces (jvm.options takes one a line), such as a flight recording
# or a larger heap: BENCH_SERVER_JVM_EXTRA="-Xms512m -Xmx512m -XX:StartFlightRecording=..."
for opt in ${BENCH_SERVER_JVM_EXTRA:-}; do echo "$opt" >> "$SRV/jvm.options"; done

ADMIN_PASSWORD="bench-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
STARTED=0
PID=""
SERVER_SCHEMA_URL=""

schema() { # reset|drop URL: PostgreSQL schemas, through the driver's class path
    java -cp "$CP" io.rapport.bench.Schema "$1" "$2" "$PG_USER"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$STARTED" = 1 ]; then
        [ -n "$PID" ] || PID="$(cat "$PIDFILE" 2>/dev/null || true)"
        local t0; t0=$(now_ms)
        "$WLP/bin/server" stop "$SERVER" >"$RUN/server-stop.out" 2>&1 || log "server stop failed; see $RUN/server-stop.out"
        local t1; t1=$(now_ms)
        if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
            log "the server JVM $PID is still alive after 'server stop': ending it"
            kill "$PID" 2>/dev/null || true
            sleep 3
            kill -0 "$PID" 2>/dev/null && kill -9 "$PID" 2>/dev/null || true
        fi
        log "server stopped ($(( t1 - t0 )) ms)"
        [ -f "$OUT" ] && printf -- '- `server stop` at the end took %.1f s.\n' "$(echo "$(( t1 - t0 ))" | awk '{print $1/1000}')" >>"$OUT"
    fi
    if [ "$DB" = postgresql ] && [ "$KEEP_DB" = 0 ] && [ -n "$SERVER_SCHEMA_URL" ]; then
        schema drop "$SERVER_SCHEMA_URL" >/dev/null 2>&1 || log "could not drop schema ${SCHEMA:-rapport_bench}"
        schema drop "$BASELINE_URL" >/dev/null 2>&1 || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- database ---------------------------------------------------------------------------------------------------
if [ "$DB" = postgresql ]; then
    SCHEMA="${BENCH_SCHEMA:-rapport_bench}"
    SERVER_SCHEMA_URL="$PG_URL?currentSchema=$SCHEMA&reWriteBatchedInserts=true"
    BASELINE_URL="$PG_URL?currentSchema=${SCHEMA}_baseline&reWriteBatchedInserts=true"
    BASELINE_USER="$PG_USER"
    log "PostgreSQL: (re)creating schema $SCHEMA"
    schema reset "$SERVER_SCHEMA_URL"
    if [ "${IMPORT:-0}" = 1 ]; then schema reset "$BASELINE_URL"; fi
    DB_ENV="DB_URL=$SERVER_SCHEMA_URL
DB_USER=$PG_USER"
    if [ -n "${PGPASSWORD:-}" ]; then DB_ENV+="
DB_PASSWORD=$PGPASSWORD"; export BASELINE_PASSWORD="$PGPASSWORD"; fi
    DB_LABEL="PostgreSQL, schema $SCHEMA at ${PG_URL#jdbc:} (reWriteBatchedInserts=true)"
else
    DB_ENV=""
    # the same H2 settings as the server's default URL (server.xml), so both commit the same way
    H2_SETTINGS=$(sed -n 's/.*name="db.url" defaultValue="jdbc:h2:file:[^;]*\(;[^"]*\)".*/\1/p' "$ROOT/distribution/src/main/liberty/config/server.xml")
    BASELINE_URL="jdbc:h2:file:$RUN/baseline/baseline$H2_SETTINGS"
    BASELINE_USER=rapport
    DB_LABEL="H2 $(ls "$BENCH/target/lib" | sed -n 's/^h2-\(.*\)\.jar$/\1/p'), embedded file database of the server (default URL, data dir bench/target/ingest-run/data)"
fi

# --- start -> ready ---------------------------------------------------------------------------------------------------
{
    echo "# written by bench/run-ingest.sh"
    echo "keystore_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    echo "HTTP_PORT=$PORT"
    echo "HTTP_HOST=127.0.0.1"
    echo "RAPPORT_DATA_DIR=$RUN/data"
    echo "RAPPORT_ADMIN_PASSWORD=$ADMIN_PASSWORD"
    [ -z "$DB_ENV" ] || echo "$DB_ENV"
} >"$SRV/server.env"
chmod 600 "$SRV/server.env"

# start_ready NAME: starts the server, waits for /health/ready 200; sets READY_MS and START_MS
start_ready() {
    local t0 t1 t2 code deadline ready=0
    STARTED=1
    t0=$(now_ms)
    if ! "$WLP/bin/server" start "$SERVER" >"$RUN/server-$1.out" 2>&1; then
        cat "$RUN/server-$1.out" >&2
        tail -n 40 "$SRV/logs/messages.log" >&2 2>/dev/null || true
        die "server start failed"
    fi
    t1=$(now_ms)
    PID="$(cat "$PIDFILE")"
    deadline=$(( t0 + READY_TIMEOUT * 1000 ))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/health/ready" || true)"
        if [ "$code" = 200 ]; then ready=1; break; fi
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    t2=$(now_ms)
    if [ "$ready" != 1 ]; then
        tail -n 40 "$SRV/logs/messages.log" >&2 2>/dev/null || true
        die "server not ready after ${READY_TIMEOUT} s"
    fi
    READY_MS=$(( t2 - t0 ))
    START_MS=$(( t1 - t0 ))
    log "$1: ready in ${READY_MS} ms ('server start' returned after ${START_MS} ms); pid $PID"
}

log "server '$SERVER' (copy in $SRV) on 127.0.0.1:$PORT, $DB, data in $RUN/data"
start_ready first-start
FIRST_READY_MS=$READY_MS
FIRST_START_MS=$START_MS
if [ "$DB" = h2 ] && [ ! -f "$RUN/data/rapport.mv.db" ]; then die "the server's H2 file is not in $RUN/data: its server.env was not applied"; fi
if grep -q "Kernel started on" "$SRV/logs/messages.log" && ! grep -qi "Kernel started on $DB" "$SRV/logs/messages.log"; then
    die "the server did not start on $DB: $(grep -o 'Kernel started on [A-Z0-9]*' "$SRV/logs/messages.log" | head -n 1)"
fi
RESTART_READY_MS=-1
RESTART_START_MS=-1
STOP_MS=-1
if [ "$RESTART" = 1 ]; then
    t_stop=$(now_ms)
    "$WLP/bin/server" stop "$SERVER" >"$RUN/server-first-stop.out" 2>&1 || die "server stop failed; see $RUN/server-first-stop.out"
    STOP_MS=$(( $(now_ms) - t_stop ))
    STARTED=0
    log "stopped in ${STOP_MS} ms; restarting"
    start_ready restart
    RESTART_READY_MS=$READY_MS
    RESTART_START_MS=$START_MS
fi

sleep "$SETTLE"
IDLE_RSS_KB="$(ps -o rss= -p "$PID" | tr -d ' ')"
log "idle RSS after ${SETTLE} s: $(( IDLE_RSS_KB / 1024 )) MB"

SERVER_JAVA="$(readlink -f "/proc/$PID/exe" 2>/dev/null || echo java)"
SERVER_JVM="$("$SERVER_JAVA" -version 2>&1 | head -n 2 | tail -n 1) ($SERVER_JAVA)"
SERVER_JVM_OPTIONS="$(grep -v '^[[:space:]]*#' "$SRV/jvm.options" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')"
MACHINE="nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), load average before the run $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
# PostgreSQL's memory, checkpoint and vacuum settings move the figures as much as the code does: the report names them
if [ "$DB" = postgresql ] && [ -n "$SERVER_SCHEMA_URL" ]; then
    MACHINE="$MACHINE; $(schema settings "$SERVER_SCHEMA_URL" 2>/dev/null || echo 'PostgreSQL settings unknown')"
fi

# --- the driver -----------------------------------------------------------------------------------------------------
set +e
if [ "${PLUGINS:-0}" = 1 ]; then
    PLUGIN_JAR="$(ls "$ROOT"/plugins/channel-webhook/target/channel-webhook-*.jar 2>/dev/null | grep -v sources | head -n 1)"
    [ -n "$PLUGIN_JAR" ] || die "no plugins/channel-webhook/target/channel-webhook-*.jar: run 'mvn -B -ntp install -DskipTests' first"
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx512m -XX:+UseSerialGC -cp "$CP" io.rapport.bench.PluginBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --plugin-jar "$PLUGIN_JAR" --rounds "${PLUGIN_ROUNDS:-20}" --rate "${PLUGIN_RATE:-500}" \
        --duration "$DURATION" --warmup "$WARMUP" --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/plugin-results.md"
    exit $?
fi
if [ "${EMAIL:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.EmailBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --messages "${EMAIL_MESSAGES:-100000}" \
        --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/email-results.md"
    exit $?
fi
if [ "${SMS:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.SmsBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --messages "${SMS_MESSAGES:-10000}" --rate "${SMS_RATE:-200}" \
        --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/sms-results.md"
    exit $?
fi
if [ "${IMPORT:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx512m -XX:+UseSerialGC -cp "$CP" io.rapport.bench.ImportBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --rows "${IMPORT_ROWS:-1000000}" \
        --csv "$BENCH/target/import-contacts-${IMPORT_ROWS:-1000000}.csv" --server-pid "$PID" \
        --baseline-url "$BASELINE_URL" --baseline-user "$BASELINE_USER" --schema-dir "$SCHEMA_DIR" \
        --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/import-results.md"
    exit $?
fi
if [ "${SEGMENTS:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.SegmentBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --jdbc-url "$SERVER_SCHEMA_URL" --jdbc-user "$PG_USER" \
        --customers "${CONSOLE_CUSTOMERS:-1000000}" --load "${SEGMENT_LOAD:-sessions}" --windows "${SEGMENT_WINDOWS:-1}" --machine "$MACHINE" --command "$COMMAND" \
        --out "$ROOT/bench/target/segment-results.md"
    exit $?
fi
if [ "${JOURNEYS:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.JourneyBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --jdbc-url "$SERVER_SCHEMA_URL" --jdbc-user "$PG_USER" \
        --customers "${JOURNEY_CUSTOMERS:-100000}" --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/journey-results.md"
    exit $?
fi
if [ "${KPIS:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.KpiBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --jdbc-url "$SERVER_SCHEMA_URL" --jdbc-user "$PG_USER" \
        --customers "${KPI_CUSTOMERS:-1000000}" --cdnow "${CDNOW:-$ROOT/../shared/data/cdnow}" --server-pid "$PID" \
        --server-log "$SRV/logs/messages.log" --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/kpi-results.md"
    exit $?
fi
if [ "${CONSOLE:-0}" = 1 ]; then
    BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx1g -XX:+UseSerialGC -cp "$CP" io.rapport.bench.ConsoleBench \
        --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" --jdbc-url "$SERVER_SCHEMA_URL" --jdbc-user "$PG_USER" \
        --customers "${CONSOLE_CUSTOMERS:-1000000}" --duration "$DURATION" --warmup "$WARMUP" \
        --machine "$MACHINE" --command "$COMMAND" --out "$ROOT/bench/target/console-results.md"
    exit $?
fi
BENCH_ADMIN_PASSWORD="$ADMIN_PASSWORD" java -Xms64m -Xmx512m -XX:+UseSerialGC -cp "$CP" io.rapport.bench.IngestBench \
    --url "http://127.0.0.1:$PORT" --db "$DB_LABEL" \
    --threads "$THREADS" --warmup "$WARMUP" --duration "$DURATION" \
    --batch-size "$BATCH" --batch-threads "$BATCH_THREADS" --visible-rate "$VISIBLE_RATE" --phases "$PHASES" \
    --server-pid "$PID" --clk-tck "$(getconf CLK_TCK)" \
    --first-ready-ms "$FIRST_READY_MS" --first-start-ms "$FIRST_START_MS" --stop-ms "$STOP_MS" \
    --restart-ready-ms "$RESTART_READY_MS" --restart-start-ms "$RESTART_START_MS" --idle-rss-kb "$IDLE_RSS_KB" --settle "$SETTLE" \
    --baseline-url "$BASELINE_URL" --baseline-user "$BASELINE_USER" --schema-dir "$SCHEMA_DIR" \
    --server-jvm "$SERVER_JVM" --server-jvm-options "$SERVER_JVM_OPTIONS" --machine "$MACHINE" \
    --command "$COMMAND" --out "$OUT" "${DRIVER_ARGS[@]}"
rc=$?
set -e
[ "$rc" = 0 ] || log "the driver exited with $rc (failed requests are listed under the table)"
exit "$rc"
