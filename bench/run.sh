#!/usr/bin/env bash
# The service at provincial scale, measured against the machine's own floor (issue 14):
# `bash bench/run.sh`. A measurement to run by hand on a quiet machine; CI never runs it.
#
# Builds the release binary (or takes BENCH_BIN), generates BENCH_CASES cases into a data
# directory of its own with `merajut-sehat generate` (kept and reused by the next run with the
# same directory), starts the service on it (time to ready, idle RSS), signs in as several
# roles, and drives HTTP load over loopback with wrk: BENCH_CLIENTS connections for
# BENCH_SECONDS per scenario. In the same run it measures the floor: the same load on
# `/readyz`, and pgbench select-only (-S) and TPC-B-like on the same PostgreSQL (a database of
# its own). It prints one table (Markdown) with, per scenario, requests/s, p50/p95/p99, errors
# (connection errors, timeouts and answers other than 2xx/3xx), the server's peak RSS during
# the scenario (VmHWM, reset through /proc/PID/clear_refs), the ratio to its floor, the target
# of the issue and PASS/FAIL.
#
# Settings (environment):
#   BENCH_CASES=1000000   cases to generate          BENCH_CLIENTS=32   concurrent connections
#   BENCH_SECONDS=15      seconds per scenario       BENCH_THREADS=2    wrk threads
#   BENCH_DATA=/tmp/merajut-bench-$BENCH_CASES       data directory (reused when generated)
#   BENCH_BIN=…           a built merajut-sehat (skips the release build)
#   BENCH_SEED=2026       the generator's seed
#
# Needs: wrk (installed with .ci/apt-install.sh when missing, as root), pgbench, psql and
# createdb (Debian: postgresql-client; the server binaries for the embedded cluster: postgresql),
# curl, python3 (TOTP codes, free ports); Linux /proc.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CASES=${BENCH_CASES:-1000000}
CLIENTS=${BENCH_CLIENTS:-32}
DURATION=${BENCH_SECONDS:-15}
THREADS=${BENCH_THREADS:-2}
DATA=${BENCH_DATA:-/tmp/merajut-bench-$CASES}
SEED=${BENCH_SEED:-2026}
PASSWORD=bench-kata-sandi-2026
LUA=$(realpath bench/wrk.lua)

command -v wrk >/dev/null || bash .ci/apt-install.sh wrk
for tool in pgbench psql createdb curl python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

if [[ -z ${BENCH_BIN:-} ]]; then
    SQLX_OFFLINE=true cargo build --release --locked --quiet
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/merajut-sehat")
else
    BIN=$(realpath "$BENCH_BIN")
fi

mkdir -p "$DATA"
# The embedded server runs as `postgres` when this runs as root: it must reach the directory.
chmod 755 "$DATA"
WORK=$(mktemp -d /tmp/merajut-bench-run-XXXXXX)
SERVER=
stop_server() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER" 2>/dev/null || true
    fi
    SERVER=
}
trap 'stop_server; rm -rf "$WORK"' EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PG_PORT=$(free_port)
URL="http://127.0.0.1:$PORT"

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# Starts the server and waits for /readyz; READY is the seconds it took.
start_server() {
    local started
    started=$(now)
    MERAJUT_SIGN_IN_BURST=100000 RUST_LOG=${RUST_LOG:-info} \
        "$BIN" --data-dir "$DATA" --bind "127.0.0.1:$PORT" --pg-port "$PG_PORT" \
        --log-format json >>"$DATA/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 1200); do
        if curl -fs "$URL/readyz" >/dev/null 2>&1; then break; fi
        sleep 0.05
    done
    curl -fs "$URL/readyz" >/dev/null || { tail -20 "$DATA/server.log"; exit 1; }
    READY=$(since "$started")
}

cli() { RUST_LOG=warn "$BIN" --data-dir "$DATA" --pg-port "$PG_PORT" "$@"; }
SOCKET="$DATA/pg"
psql_su() { psql -qAt -v ON_ERROR_STOP=1 -h "$SOCKET" -p "$PG_PORT" -U merajut "$@"; }

# --- Data -----------------------------------------------------------------------------------
if [[ ! -s "$DATA/generated.txt" ]]; then
    start_server
    echo "generating $CASES cases into $DATA (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    started=$(now)
    MERAJUT_GENERATE_PASSWORD=$PASSWORD cli generate --cases "$CASES" --seed "$SEED" \
        >"$WORK/generated.txt"
    echo "generated in $(since "$started") s (load average $(cut -d' ' -f1-3 /proc/loadavg))" \
        >>"$WORK/generated.txt"
    mv "$WORK/generated.txt" "$DATA/generated.txt"
    stop_server
fi
cat "$DATA/generated.txt" >&2

# --- Start: time to ready, idle footprint ---------------------------------------------------
start_server
sleep 2
IDLE_RSS=$(mib "$(status_kib VmRSS)")
echo "ready in $READY s, idle RSS $IDLE_RSS MiB" >&2

# --- Sessions and tokens --------------------------------------------------------------------
secret_of() { awk -v u="$1" '$1 == "totp" && $2 == u { print $3 }' "$DATA/generated.txt"; }
totp() {
    python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]
key = base64.b32decode(s + "=" * (-len(s) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}
# The Cookie header of a session signed in as $1 (with its second factor when it has one).
sign_in() {
    local user=$1 jar="$WORK/jar-$1" csrf location
    curl -fs -c "$jar" -b "$jar" -o /dev/null "$URL/masuk"
    csrf=$(awk '$6 == "merajut_csrf" { print $7 }' "$jar")
    location=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "username=$user" \
        --data-urlencode "password=$PASSWORD" "$URL/masuk")
    if [[ $location == */masuk/kode ]]; then
        location=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
            --data-urlencode "csrf_token=$csrf" --data-urlencode "code=$(totp "$(secret_of "$user")")" \
            "$URL/masuk/kode")
    fi
    [[ $location == "$URL/" ]] || { echo "bench: signing in as $user failed ($location)" >&2; exit 1; }
    sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF == 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }'
}
declare -A COOKIE
for user in gen_dukcapil_prov gen_dinsos_prov gen_dinkes_prov gen_bpjs gen_tim gen_rsud_wzj \
    gen_dukcapil_kab_5371; do
    COOKIE[$user]=$(sign_in "$user")
done
token() { cli token create --username "$1" --name bench --days 1; }
TOKEN_BPJS=$(token gen_bpjs)
TOKEN_DUKCAPIL=$(token gen_dukcapil_prov)
TOKEN_TIM=$(token gen_tim)

# A kept search of the monitoring list (the search is run again on every view of it).
kept_search() {
    local cookie=$1 q=$2 csrf location
    csrf=$(sed 's/.*merajut_csrf=\([^;]*\).*/\1/' <<<"$cookie")
    location=$(curl -s -H "Cookie: $cookie" -o /dev/null -w '%{redirect_url}' \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "q=$q" "$URL/pemantauan")
    [[ $location == *cari=* ]] || { echo "bench: search $q not kept ($location)" >&2; exit 1; }
    echo "${location#"$URL"}"
}
NIK=$(psql_su -d merajut -c "SELECT nik FROM cases WHERE nik IS NOT NULL ORDER BY number DESC LIMIT 1 OFFSET 500")
NIK_SEARCH=$(kept_search "${COOKIE[gen_tim]}" "$NIK")
NAME_SEARCH=$(kept_search "${COOKIE[gen_tim]}" "Maria Bria")

# Requests that vary: case pages of random cases; transitions, one per open case.
psql_su -d merajut -c "SELECT 'GET' || chr(9) || '/kasus/' || id FROM cases TABLESAMPLE SYSTEM (5) LIMIT 20000" \
    >"$WORK/case-pages.txt"
psql_su -d merajut -v bpjs="Bearer $TOKEN_BPJS" -v dukcapil="Bearer $TOKEN_DUKCAPIL" \
    >"$WORK/transitions.txt" <<'SQL'
    SELECT concat_ws(chr(9), 'POST', '/api/v1/cases/' || id || '/actions/' || action, auth, body)
    FROM (
        SELECT id, 'record_pbi_refused' AS action, :'bpjs' AS auth,
               json_build_object('version', version, 'reason', 'Kuota PBI bulan ini penuh')::text AS body,
               state_entered_at
        FROM cases WHERE state = 'pbi_proposed'
        UNION ALL
        SELECT id, 'verify_nik', :'dukcapil',
               json_build_object('version', version, 'source_system', 'siak',
                                 'registry_data', 'Terdaftar di SIAK')::text,
               state_entered_at
        FROM cases WHERE state = 'nik_check' AND nik IS NOT NULL AND has_identity_document
    ) t ORDER BY md5(id::text);
SQL

# The provincial report of the last complete quarter (created once, as the team).
QUARTER_START=$(python3 -c 'import datetime as d; t = d.date.today(); q = (t.month - 1) // 3; y, q = (t.year, q - 1) if q else (t.year - 1, 3); print(y, q + 1)')
REPORT=$(psql_su -d merajut -c "SELECT id FROM reports WHERE kind = 'triwulan' AND status = 'draft' ORDER BY period_start DESC LIMIT 1")
if [[ -z $REPORT ]]; then
    read -r year part <<<"$QUARTER_START"
    csrf=$(sed 's/.*merajut_csrf=\([^;]*\).*/\1/' <<<"${COOKIE[gen_tim]}")
    curl -s -o /dev/null -H "Cookie: ${COOKIE[gen_tim]}" --data-urlencode "csrf_token=$csrf" \
        --data-urlencode "year=$year" --data-urlencode "part=$part" "$URL/laporan"
    REPORT=$(psql_su -d merajut -c "SELECT id FROM reports WHERE kind = 'triwulan' ORDER BY created_at DESC LIMIT 1")
fi

# The registration day from which the monitoring list holds about 100,000 cases.
EXPORT_FROM=$(psql_su -d merajut -c "SELECT ((created_at AT TIME ZONE 'Asia/Makassar')::date)::text FROM cases ORDER BY created_at DESC LIMIT 1 OFFSET 99999")
EXPORT_FROM=${EXPORT_FROM:-2000-01-01}

# --- Load -----------------------------------------------------------------------------------
RESULTS="$WORK/results.txt"
: >"$RESULTS"
# Waits (at most a minute) until the database has no statement running: requests a scenario
# left queued in the server when wrk stopped must not be counted against the next one.
quiet() {
    for _ in $(seq 1 120); do
        [[ $(psql_su -d merajut -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'merajut'
                AND state = 'active' AND pid <> pg_backend_pid()") == 0 ]] && return
        sleep 0.5
    done
}
# run NAME KIND [wrk arguments…]: one scenario; KIND names its floor and target.
run() {
    local name=$1 kind=$2 before peak line
    shift 2
    quiet
    echo 5 >"/proc/$SERVER/clear_refs"
    before=$(status_kib VmRSS)
    line=$(WRK_THREADS=$THREADS wrk -t"$THREADS" -c"$CLIENTS" -d"${DURATION}s" --timeout 30s \
        -s "$LUA" "$@" | grep '^RESULT' || true)
    peak=$(status_kib VmHWM)
    echo "$name|$kind|${line#RESULT }|$(mib "$before")|$(mib "$peak")|$(mib "$(status_kib VmRSS)")" >>"$RESULTS"
    echo "  $name: ${line:-no result}" >&2
}
page() {
    local name=$1 kind=$2 user=$3 path=$4
    run "$name" "$kind" -H "Cookie: ${COOKIE[$user]}" "$URL$path"
}

echo "load: $CLIENTS connections, $THREADS threads, ${DURATION}s per scenario" >&2
run "/readyz (floor)" floor "$URL/readyz"
csrf=$(sed 's/.*merajut_csrf=\([^;]*\).*/\1/' <<<"${COOKIE[gen_tim]}")
# One line per generated desk user without a second factor (hospitals' and kab/kota PICs): the
# connections sign in as different people. One account signing in $CLIENTS times at once is
# refused with 429 by the per-account limit, which counts an attempt before its password is
# checked (docs/security.md).
psql_su -d merajut -c "SELECT username FROM users WHERE username LIKE 'gen\_%'
        AND role IN ('rsud', 'dukcapil_kab', 'dinsos_kab', 'dinkes_kab') ORDER BY md5(username)" |
    while read -r user; do
        printf 'POST\t/masuk\t\tcsrf_token=%s&username=%s&password=%s\n' "$csrf" "$user" "$PASSWORD"
    done >"$WORK/sign-in.txt"
run "sign-in (desk PICs, burst of $CLIENTS)" signin -H "Cookie: merajut_csrf=$csrf" \
    -H "Content-Type: application/x-www-form-urlencoded" "$URL" -- "$WORK/sign-in.txt"
sleep 2
AFTER_SIGN_IN=$(mib "$(status_kib VmRSS)")
page "queue, Dukcapil prov" fast gen_dukcapil_prov /antrean
page "queue, Dinsos prov" fast gen_dinsos_prov /antrean
page "queue, Dinkes prov" fast gen_dinkes_prov /antrean
page "queue, BPJS" fast gen_bpjs /antrean
page "queue, RSUD (WZJ)" fast gen_rsud_wzj /antrean
page "queue, Dukcapil Kota Kupang" fast gen_dukcapil_kab_5371 /antrean
page "monitoring list (Tim)" fast gen_tim /pemantauan
run "case page (Tim, random cases)" fast -H "Cookie: ${COOKIE[gen_tim]}" "$URL" -- "$WORK/case-pages.txt"
page "NIK search (Tim)" fast gen_tim "$NIK_SEARCH"
page "name search (Tim)" fast gen_tim "$NAME_SEARCH"
run "API queue (Dukcapil prov)" fast -H "Authorization: Bearer $TOKEN_DUKCAPIL" "$URL/api/v1/queue"
# Each line is one open case's step; a run that sends more requests than there are lines sends
# steps again that were done (409), which is not a measurement: the report says so.
OPEN_STEPS=$(wc -l <"$WORK/transitions.txt")
echo "  transitions: $OPEN_STEPS open cases to step" >&2
run "transition (API, a case each)" transition -H "Content-Type: application/json" "$URL" -- "$WORK/transitions.txt"
page "dashboard (Dinkes prov)" figures gen_dinkes_prov /dasbor
page "bottleneck page (Dinkes prov)" figures gen_dinkes_prov /hambatan
page "quarterly report (Tim)" figures gen_tim "/laporan/$REPORT"

# The export: one download of about 100,000 rows, timed, with the RSS it adds.
quiet
echo 5 >"/proc/$SERVER/clear_refs"
before=$(status_kib VmRSS)
started=$(now)
code=$(curl -s -o "$WORK/export.xlsx" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_TIM" \
    "$URL/api/v1/monitoring/export?format=xlsx&from=$EXPORT_FROM")
seconds=$(since "$started")
rows=$(python3 -c 'import sys, zipfile, re; x = zipfile.ZipFile(sys.argv[1]).read("xl/worksheets/sheet1.xml"); print(len(re.findall(rb"<row ", x)) - 1)' "$WORK/export.xlsx" 2>/dev/null || echo 0)
peak=$(status_kib VmHWM)
EXPORT_LINE="XLSX export, $rows rows|export|$seconds|$code|$(mib "$before")|$(mib "$peak")"

# --- The database's floor -------------------------------------------------------------------
psql_su -d merajut -c "SELECT 1 FROM pg_database WHERE datname = 'pgbench_floor'" | grep -q 1 ||
    { createdb -h "$SOCKET" -p "$PG_PORT" -U merajut pgbench_floor &&
        pgbench -q -i -s 20 -h "$SOCKET" -p "$PG_PORT" -U merajut pgbench_floor >/dev/null 2>&1; }
tps() { pgbench -n "$@" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -h "$SOCKET" -p "$PG_PORT" -U merajut pgbench_floor 2>/dev/null |
    awk '/^tps/ { print $3; exit }'; }
PG_SELECT=$(tps -S)
PG_TPCB=$(tps)

# --- Report ---------------------------------------------------------------------------------
stop_server
python3 - "$RESULTS" "$EXPORT_LINE" "$PG_SELECT" "$PG_TPCB" "$READY" "$IDLE_RSS" "$AFTER_SIGN_IN" \
    "$CASES" "$CLIENTS" "$DURATION" "$OPEN_STEPS" "$DATA" <<'PY'
import sys
(results, export, pg_select, pg_tpcb, ready, idle, after_sign_in, cases, clients, seconds,
 open_steps, data) = sys.argv[1:]
pg_select, pg_tpcb = float(pg_select or 0), float(pg_tpcb or 0)
rows = [l.rstrip("\n").split("|") for l in open(results) if l.strip()]
floor = next((float(r[2].split()[1]) for r in rows if r[1] == "floor" and len(r[2].split()) == 6), 0.0)

def verdict(ok):
    return "PASS" if ok else "**FAIL**"

print(f"{int(cases):,} cases, {clients} connections, {seconds} s per scenario; "
      f"floor: /readyz {floor:,.0f} req/s, pgbench select-only {pg_select:,.0f} tps, "
      f"TPC-B-like {pg_tpcb:,.0f} tps")
print()
print("| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB | ratio to floor | target | result |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, kind, result, before, peak, after in rows:
    parts = result.split()
    if len(parts) != 6:
        print(f"| {name} | no result | | | | | | | | **FAIL** |")
        continue
    requests, rps, p50, p95, p99, errors = parts
    rps, p95f, errors = float(rps), float(p95), int(errors)
    if kind == "transition" and int(requests) > int(open_steps):
        print(f"| {name} | {requests} requests for {open_steps} open cases: steps sent again "
              f"(409), not a measurement; generate new data (remove {data}) | | | | {errors} | "
              f"{peak} | | ≥ 0.2 of pgbench TPC-B-like | **INVALID** |")
        continue
    if kind == "floor":
        ratio, target, ok = "1", "(floor)", True
    elif kind == "fast":
        ratio = f"{rps / floor:.3f} of /readyz" if floor else "-"
        target = "p95 ≤ 50 ms, ≥ 0.4 of /readyz"
        ok = p95f <= 50 and floor and rps / floor >= 0.4
    elif kind == "transition":
        ratio = f"{rps / pg_tpcb:.3f} of TPC-B" if pg_tpcb else "-"
        target = "≥ 0.2 of pgbench TPC-B-like"
        ok = pg_tpcb and rps / pg_tpcb >= 0.2
    elif kind == "figures":
        ratio = f"{rps / floor:.4f} of /readyz" if floor else "-"
        target = "p95 ≤ 300 ms"
        ok = p95f <= 300
    else:
        ratio = f"{rps / floor:.4f} of /readyz" if floor else "-"
        target = "RSS after the burst < 200 MB"
        ok = float(after_sign_in) < 200
    ok = ok and errors == 0
    print(f"| {name} | {rps:,.1f} | {p50} | {p95} | {p99} | {errors} | {peak} | {ratio} | {target} | {verdict(ok)} |")
name, kind, seconds_, code, before, peak = export.split("|")
growth = int(peak) - int(before)
ok = code == "200" and float(seconds_) <= 10 and growth <= 100
print(f"| {name} (HTTP {code}) | one download in {seconds_} s | | | | | {peak} (+{growth}) | | ≤ 10 s, RSS growth ≤ 100 MB | {verdict(ok)} |")
print(f"| footprint | ready in {ready} s, idle RSS {idle} MiB, after the sign-in burst {after_sign_in} MiB | | | | | | | ready ≤ 2 s, idle ≤ 50 MB | {verdict(float(ready) <= 2 and int(idle) <= 50)} |")
PY
