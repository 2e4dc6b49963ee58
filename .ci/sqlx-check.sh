#!/usr/bin/env bash
# The SQL offline data (`.sqlx/`): checks that it matches the queries in the code, or rewrites it.
#
#   bash .ci/sqlx-check.sh           fail when .sqlx/ is stale (CI runs this)
#   bash .ci/sqlx-check.sh --write   regenerate .sqlx/ (run it after changing a query or a
#                                    migration, and commit the result with the change)
#
# `sqlx::query!` and friends check every statement against a real database at compile time.
# Builds without a database (CI, Docker, a fresh clone) read the answers from `.sqlx/` instead
# (SQLX_OFFLINE=true), so `.sqlx/` must say what a database migrated to `migrations/` says.
#
# This script starts a throw-away PostgreSQL (system binaries from /usr/lib/postgresql/*/bin, on
# a Unix socket in a temporary directory, no TCP port), applies the migrations, runs
# `cargo sqlx prepare [--check] -- --all-targets` against it and stops the server whatever
# happens. It never touches DATABASE_URL's server or the developer's dev database.
#
# Needs: sqlx-cli (installed when missing, pinned below) and the PostgreSQL server binaries
# (package `postgresql`, installed when missing and run as root). As root, the server runs as
# user `postgres`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SQLX_CLI_VERSION=0.8.6

mode=check
case "${1:-}" in
"" | --check) ;;
--write) mode=write ;;
*)
    echo "usage: bash .ci/sqlx-check.sh [--check | --write]" >&2
    exit 2
    ;;
esac

# --- tools ---------------------------------------------------------------------------------------
if ! cargo sqlx --version 2>/dev/null | grep -qF " $SQLX_CLI_VERSION"; then
    echo "sqlx-check: installing sqlx-cli $SQLX_CLI_VERSION" >&2
    cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked --no-default-features \
        --features postgres,rustls
fi

pg_bin() {
    if [[ -n "${MERAJUT_PG_BIN:-}" ]]; then
        echo "$MERAJUT_PG_BIN"
        return
    fi
    local dir
    # Newest major version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
            echo "$dir"
            return
        fi
    done
}
if [[ -z "$(pg_bin)" ]] || { [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; }; then
    bash .ci/apt-install.sh postgresql
fi
bin=$(pg_bin)
if [[ ! -x "$bin/initdb" ]]; then
    echo "sqlx-check: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in ${bin:-/usr/lib/postgresql/*/bin}" >&2
    exit 1
fi

# --- a throw-away server ---------------------------------------------------------------------------
# PostgreSQL refuses to run as root; as root, the server runs as `postgres`.
as_server_user() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/merajut-sqlx-XXXXXX")
started=
cleanup() {
    if [[ -n "$started" ]]; then
        as_server_user "$bin/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[[ $EUID -eq 0 ]] && chown postgres: "$tmp"

echo "sqlx-check: PostgreSQL from $bin in $tmp" >&2
if ! as_server_user "$bin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --no-locale \
    >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log" >&2
    exit 1
fi
started=1
if ! as_server_user "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses= -c unix_socket_directories=$tmp -c fsync=off -p 5432" start \
    >/dev/null; then
    cat "$tmp/server.log" >&2
    exit 1
fi

# The migrations are the schema the queries are checked against.
export DATABASE_URL="postgres://postgres@localhost:5432/merajut_sqlx?host=$tmp"
cargo sqlx database create
cargo sqlx migrate run --source migrations

# --- prepare -------------------------------------------------------------------------------------
if [[ $mode == write ]]; then
    cargo sqlx prepare -- --all-targets --locked
    echo "sqlx-check: .sqlx/ rewritten; commit it with the change (git add .sqlx)" >&2
    exit 0
fi

out="$tmp/prepare.out"
status=0
cargo sqlx prepare --check -- --all-targets --locked 2>&1 | tee "$out" || status=$?
# `prepare --check` only warns about query files that no query uses any more; stale is stale.
if ((status == 0)) && grep -q "potentially unused queries" "$out"; then
    status=1
fi
if ((status != 0)); then
    echo >&2
    echo "sqlx-check: .sqlx/ does not match the queries in the code (or the migrations)." >&2
    echo "Regenerate it and commit the result:" >&2
    echo "    bash .ci/sqlx-check.sh --write" >&2
    exit 1
fi
count=0
[[ -d .sqlx ]] && count=$(find .sqlx -maxdepth 1 -name 'query-*.json' | wc -l)
echo "sqlx-check: .sqlx/ is up to date ($count queries)" >&2
