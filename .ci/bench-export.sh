#!/usr/bin/env bash
# Peak memory of the server while it exports a long list: `bash .ci/bench-export.sh [ROWS]`
# (default 100000). A measurement to run by hand after changing the export path; CI does not
# run it (.ci/run never calls it).
#
# Builds the release binary, starts it on a fresh data directory (embedded PostgreSQL, a free
# port on 127.0.0.1), writes ROWS/10 and then ROWS cases straight into the table, and for
# each size downloads the monitoring list as CSV and as XLSX through the API (as `tim`, every
# case of NTT). Before each download the server's peak resident set size is reset
# (/proc/PID/clear_refs), and after it VmHWM is read: the peak during that download alone.
# The streamed exports should show about the same peak at both sizes.
#
# Needs: the PostgreSQL server binaries, psql and curl (Debian: postgresql, curl); Linux /proc.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=${1:-100000}
TARGET=${CARGO_TARGET_DIR:-target}
SQLX_OFFLINE=true cargo build --release --locked --quiet
BIN=$(realpath "$TARGET/release/merajut-sehat")

DATA=$(mktemp -d /tmp/merajut-bench-XXXXXX)
# The embedded server runs as `postgres` when this runs as root: it must reach the directory.
chmod 755 "$DATA"
SERVER=
cleanup() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PG_PORT=$(free_port)

"$BIN" --data-dir "$DATA" --bind "127.0.0.1:$PORT" --pg-port "$PG_PORT" --log-format json \
    >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$DATA/server.log"; exit 1; }

echo 'bench-password-2026' |
    RUST_LOG=warn "$BIN" --data-dir "$DATA" --pg-port "$PG_PORT" user create --username bench_tim --role tim --password-stdin >/dev/null
TOKEN=$(RUST_LOG=warn "$BIN" --data-dir "$DATA" --pg-port "$PG_PORT" token create --username bench_tim)

psql_app() {
    psql -q -v ON_ERROR_STOP=1 -h "$DATA/pg" -p "$PG_PORT" -U merajut -d merajut "$@"
}

# Cases numbered FROM..TO: at the NIK desk, at guarantee review, withdrawn; two hospitals.
insert_cases() {
    psql_app -c "
      INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date,
        has_identity_document, nik, domicile_kab_kota_code, admission_date, service_type,
        ward_class, jkn_status, state_entered_at, sla_due_date, created_at, closed_at)
      SELECT 'MS-2025-' || lpad(i::text, 6, '0'), s.state::case_state, h.id, u.id,
             'Pasien ' || i, 'P', '1990-05-12', true, '5371' || lpad(i::text, 12, '0'),
             h.kab_kota_code, current_date - 30, 'igd', 'kelas_3', 'tidak_ada',
             now() - interval '1 day',
             CASE WHEN s.state <> 'withdrawn' THEN current_date END,
             now() - i * interval '1 second',
             CASE WHEN s.state = 'withdrawn' THEN now() END
      FROM generate_series($1, $2) i
      CROSS JOIN LATERAL (SELECT (ARRAY['nik_check', 'guarantee_review', 'withdrawn'])[1 + i % 3] AS state) s
      CROSS JOIN LATERAL (SELECT id, kab_kota_code FROM hospitals
                          WHERE code = CASE WHEN i % 2 = 0 THEN 'RSUD-WZJ' ELSE 'RSUD-TCH' END) h
      CROSS JOIN (SELECT id FROM users WHERE username = 'bench_tim') u;
      ANALYZE cases;"
}

kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER/status"; }

measure() {
    local rows=$1 format=$2 start bytes seconds peak
    echo 5 >"/proc/$SERVER/clear_refs"
    start=$(date +%s.%N)
    bytes=$(curl -fs -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/api/v1/monitoring/export?format=$format" -o "$DATA/out.$format" \
        -w '%{size_download}')
    seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    peak=$(hwm)
    printf '%8s rows  %-4s  %10s bytes  %6ss  peak RSS %s\n' "$rows" "$format" "$bytes" "$seconds" "$(kib "$peak")"
    if [[ $format == xlsx ]]; then
        # The worksheet's XML, as the writer kept it in TMPDIR before zipping.
        python3 -c 'import sys, zipfile; print("%22s worksheet XML %d bytes" % ("", zipfile.ZipFile(sys.argv[1]).getinfo("xl/worksheets/sheet1.xml").file_size))' "$DATA/out.xlsx"
    fi
}

echo "server idle: RSS peak so far $(kib "$(hwm)")"
SMALL=$((ROWS / 10))
insert_cases 1 "$SMALL"
measure "$SMALL" csv
measure "$SMALL" xlsx
insert_cases $((SMALL + 1)) "$ROWS"
measure "$ROWS" csv
measure "$ROWS" xlsx
