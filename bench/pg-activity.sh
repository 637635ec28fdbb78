#!/usr/bin/env bash
# Samples the statements PostgreSQL is running, beside a benchmark: every --every seconds (default 0.25) for
# --seconds (default 600), each client statement active for longer than --over ms (default 40), one line each:
#   time | ms active so far | wait event type | wait event | statement (first 140 characters, white space folded)
# A statement that recurs in the lines at the moments the server logs slow work is where to look (it found the
# segment recheck's table scans, docs/benchmarks.md, seventh pass). Reads pg_stat_activity only; needs psql.
#   bench/pg-activity.sh --seconds 900 > /tmp/pg.txt &   # then start the benchmark
set -euo pipefail
seconds=600 every=0.25 over=40 host=127.0.0.1 user=postgres db=test
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --every) every="$2"; shift 2 ;;
        --over) over="$2"; shift 2 ;;
        --host) host="$2"; shift 2 ;;
        --user) user="$2"; shift 2 ;;
        --db) db="$2"; shift 2 ;;
        *) echo "unknown option $1 (--seconds N --every S --over MS --host H --user U --db D)" >&2; exit 2 ;;
    esac
done
[[ "$over" =~ ^[0-9]+$ ]] || { echo "--over takes whole milliseconds" >&2; exit 2; }
end=$((SECONDS + seconds))
while [ "$SECONDS" -lt "$end" ]; do
    psql -h "$host" -U "$user" "$db" -Atc "SELECT to_char(now(), 'HH24:MI:SS.MS'), round(extract(epoch FROM now() - query_start) * 1000), \
        wait_event_type, wait_event, left(regexp_replace(query, '\s+', ' ', 'g'), 140) FROM pg_stat_activity \
        WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() \
        AND now() - query_start > interval '$over milliseconds'" 2>/dev/null || true
    sleep "$every"
done
