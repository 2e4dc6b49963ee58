#!/usr/bin/env bash
# The test command: `bash .ci/test.sh [extra cargo test arguments]`.
#
# Runs every test binary and the library's unit tests with plain `cargo test` (not nextest: the
# integration tests share one PostgreSQL server per test process, and process-per-test would
# start one per test).
#
# Needs, on Debian 12:
#   - the PostgreSQL server binaries (package `postgresql`): the tests start their own private
#     cluster under $TMPDIR and never use the system's. DATABASE_URL (a server on which the
#     tests may CREATE DATABASE) replaces that shared cluster, but the tests of database trouble
#     and of TLS to PostgreSQL (tests/api/database_trouble.rs, database_tls.rs) stop, start and
#     configure clusters of their own, so the binaries are needed either way;
#   - `openssl` (the command) for the TLS test's CA and server certificate;
#   - `chromium` and `chromium-driver` for the browser tests;
#   - `python3-aiosmtpd` for the e-mail tests (a real SMTP server run by /usr/bin/python3).
# Run as root, this script installs what is missing; otherwise it says what to install.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

have_pg_server() {
    local initdb
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        [[ -x "$initdb" && -x "$(dirname "$initdb")/postgres" ]] && return 0
    done
    [[ -n "${MERAJUT_PG_BIN:-}" && -x "$MERAJUT_PG_BIN/initdb" && -x "$MERAJUT_PG_BIN/postgres" ]] && return 0
    command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

missing=()
# As root the embedded server runs as user `postgres`, which the package also creates.
if ! have_pg_server || { [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; }; then
    missing+=(postgresql)
fi
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)

if ((${#missing[@]} > 0)); then
    bash .ci/apt-install.sh "${missing[@]}" || {
        exit 1
    }
fi

echo "test.sh: $(cargo --version), $(rustc --version)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?/) p += $i; if ($(i+1) ~ /^failed;?/) f += $i; if ($(i+1) ~ /^ignored;?/) s += $i } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
