#!/usr/bin/env bash
# Lighthouse on the four main pages, on a phone and on a desktop: `bash .ci/lighthouse.sh`.
# A measurement to run by hand after changing the pages, the head or the serving; CI does not
# run it (.ci/run never calls it). The figures of the last run are in docs/performance.md.
#
# Starts the service with the demo data (`--demo`, a fresh data directory, a free port on
# 127.0.0.1), signs in as the hospital PIC `demo_rsud` through the sign-in form (curl), and runs
# Lighthouse with Debian's Chromium (headless, --no-sandbox --disable-gpu) on
#   sign-in   /masuk          (not signed in)
#   queue     /antrean        (signed in: the session cookie goes in --extra-headers)
#   case      /kasus/{id}     (the first case of the queue, or of the hospital's cases)
#   intake    /kasus/baru
# once with Lighthouse's mobile emulation (a mid-range phone on a throttled 4G connection,
# simulated) and once with `--preset=desktop`. It prints, per page and form factor, the
# performance, accessibility and best-practices scores and the page weight (what the page
# transferred, compressed as sent), LCP, TBT and Lighthouse's CPU benchmark index of the run
# (below about 1000 the machine is busy or slow, and the mobile figures, which multiply the
# measured CPU time by four, come out worse than a phone would see), then the audits below 1
# that cost points, by id.
#
# Targets: accessibility 100, performance ≥ 95. The reports (JSON and HTML) stay in
# $OUT (default: a directory in /tmp, printed at the end).
#
# Needs: curl, python3 (a free port), Node.js and npm (Debian 12's `nodejs` 18.19 is enough:
# installed with apt when missing and running as root), /usr/bin/chromium (Debian `chromium`),
# the PostgreSQL server binaries. Lighthouse 12.8.2 is installed with npm into
# $LIGHTHOUSE_HOME (default ~/.cache/merajut-lighthouse) when no Lighthouse 12 is on the PATH:
# Lighthouse 13 needs Node 22.19, Lighthouse 12 runs on Node 18.16 and later.
#
# Environment:
#   MERAJUT_BIN      the binary to measure (default: `cargo build --release`, then
#                    target/release/merajut-sehat)
#   LIGHTHOUSE_HOME  where Lighthouse is installed when missing
#   OUT              where the reports go
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

LIGHTHOUSE_VERSION=12.8.2
CHROMIUM=/usr/bin/chromium
PASSWORD=lontar-sasando-pagi-hari
LIGHTHOUSE_HOME=${LIGHTHOUSE_HOME:-$HOME/.cache/merajut-lighthouse}
OUT=${OUT:-$(mktemp -d /tmp/merajut-lighthouse-XXXXXX)}
mkdir -p "$OUT"

# --- Node.js and Lighthouse ------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "Node.js and npm are missing: apt-get install nodejs npm (as root)" >&2
        exit 1
    fi
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 18 || (a === 18 && b >= 16) ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old for Lighthouse $LIGHTHOUSE_VERSION (needs 18.16)" >&2
    exit 1
fi
LIGHTHOUSE=
if command -v lighthouse >/dev/null && [[ $(lighthouse --version) == 12.* ]]; then
    LIGHTHOUSE=$(command -v lighthouse)
elif [[ -x $LIGHTHOUSE_HOME/node_modules/.bin/lighthouse ]]; then
    LIGHTHOUSE=$LIGHTHOUSE_HOME/node_modules/.bin/lighthouse
else
    echo "installing Lighthouse $LIGHTHOUSE_VERSION into $LIGHTHOUSE_HOME" >&2
    mkdir -p "$LIGHTHOUSE_HOME"
    npm install --silent --no-fund --no-audit --prefix "$LIGHTHOUSE_HOME" \
        "lighthouse@$LIGHTHOUSE_VERSION" >&2
    LIGHTHOUSE=$LIGHTHOUSE_HOME/node_modules/.bin/lighthouse
fi
[[ -x $CHROMIUM ]] || { echo "$CHROMIUM is missing: apt-get install chromium" >&2; exit 1; }

# --- The service with the demo data ----------------------------------------------------------
if [[ -n ${MERAJUT_BIN:-} ]]; then
    BIN=$(realpath "$MERAJUT_BIN")
else
    SQLX_OFFLINE=true cargo build --release --locked --quiet
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/merajut-sehat")
fi

DATA=$(mktemp -d /tmp/merajut-lighthouse-data-XXXXXX)
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
BASE="http://127.0.0.1:$PORT"

MERAJUT_DEMO_PASSWORD=$PASSWORD "$BIN" --data-dir "$DATA" --bind "127.0.0.1:$PORT" \
    --pg-port "$PG_PORT" --demo --worker false --log-format json >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 240); do
    if curl -fs "$BASE/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fs "$BASE/readyz" >/dev/null || { cat "$DATA/server.log"; exit 1; }

# --- Signing in as the hospital PIC ----------------------------------------------------------
JAR="$DATA/cookies"
CSRF=$(curl -fs -c "$JAR" "$BASE/masuk" |
    sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" \
    --data-urlencode "csrf_token=$CSRF" --data-urlencode "username=demo_rsud" \
    --data-urlencode "password=$PASSWORD" "$BASE/masuk")
[[ $STATUS == 303 ]] || { echo "signing in as demo_rsud answered $STATUS" >&2; exit 1; }
# The jar in Netscape format; HttpOnly cookies are the lines marked `#HttpOnly_`.
COOKIE=$(awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$JAR")
HEADERS="{\"Cookie\": \"$COOKIE\"}"
first_case() {
    curl -fs -H "Cookie: $COOKIE" "$BASE$1" |
        grep -o 'href="/kasus/[0-9a-f-]\{36\}"' | head -1 | sed 's/href="\(.*\)"/\1/'
}
CASE=$(first_case /antrean)
[[ -n $CASE ]] || CASE=$(first_case /kasus-saya)
[[ -n $CASE ]] || { echo "demo_rsud sees no case" >&2; exit 1; }

# --- Lighthouse ------------------------------------------------------------------------------
PAGES=("sign-in /masuk" "queue /antrean" "case $CASE" "intake /kasus/baru")
export CHROME_PATH=$CHROMIUM
for form in mobile desktop; do
    for page in "${PAGES[@]}"; do
        name=${page%% *}
        path=${page#* }
        args=(--quiet --output=json --output=html --output-path="$OUT/$name-$form"
              --only-categories=performance,accessibility,best-practices
              --chrome-flags="--headless=new --no-sandbox --disable-gpu")
        [[ $form == desktop ]] && args+=(--preset=desktop)
        [[ $name != sign-in ]] && args+=(--extra-headers="$HEADERS")
        echo "lighthouse $name ($form): $BASE$path" >&2
        # A busy machine now and then loses the trace (NO_NAVSTART): up to three attempts.
        for attempt in 1 2 3; do
            if "$LIGHTHOUSE" "$BASE$path" "${args[@]}" >/dev/null 2>"$OUT/$name-$form.log"; then
                break
            fi
            [[ $attempt -lt 3 ]] || { cat "$OUT/$name-$form.log" >&2; exit 1; }
            echo "  again: $(grep -o 'Runtime error.*' "$OUT/$name-$form.log" | head -1)" >&2
        done
    done
done

# --- Figures ---------------------------------------------------------------------------------
node - "$OUT" "$($LIGHTHOUSE --version)" "$(chromium --version 2>/dev/null | head -1)" <<'EOF'
const fs = require("fs");
const path = require("path");
const [dir, lighthouse, chromium] = process.argv.slice(2);
const score = (r, c) => Math.round(r.categories[c].score * 100);
const kib = (bytes) => (bytes / 1024).toFixed(0) + " KiB";
console.log(`Lighthouse ${lighthouse}, ${chromium}, ${new Date().toISOString().slice(0, 10)}`);
console.log("");
console.log("| page | form factor | performance | accessibility | best practices | page weight | requests | LCP | TBT | CPU index |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
const findings = new Map();
for (const form of ["mobile", "desktop"]) {
  for (const name of ["sign-in", "queue", "case", "intake"]) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, `${name}-${form}.report.json`), "utf8"));
    if (r.runtimeError) console.log(`${name} ${form}: ${r.runtimeError.code} ${r.runtimeError.message}`);
    const weight = r.audits["total-byte-weight"].numericValue;
    const requests = r.audits["network-requests"].details?.items?.length ?? "?";
    const lcp = r.audits["largest-contentful-paint"].displayValue;
    console.log(`| ${name} | ${form} | ${score(r, "performance")} | ${score(r, "accessibility")} | ` +
      `${score(r, "best-practices")} | ${kib(weight)} | ${requests} | ${lcp} | ` +
      `${r.audits["total-blocking-time"].displayValue} | ${Math.round(r.environment.benchmarkIndex)} |`);
    for (const [cat, { auditRefs }] of Object.entries(r.categories)) {
      for (const ref of auditRefs) {
        const a = r.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) {
          const key = `${cat}: ${ref.id}`;
          if (!findings.has(key)) findings.set(key, { title: a.title, pages: [] });
          findings.get(key).pages.push(`${name}/${form}`);
        }
      }
    }
  }
}
console.log("");
console.log(findings.size ? "Audits that cost points:" : "No audit cost points.");
for (const [key, { title, pages }] of findings) console.log(`- ${key} — ${title} (${pages.join(", ")})`);
EOF
echo "reports: $OUT" >&2
