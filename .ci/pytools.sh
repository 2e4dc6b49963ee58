#!/usr/bin/env bash
# The Python tools the tests drive, in a virtual environment of their own (never the system's
# site-packages): `moto` in server mode (a real S3-compatible server for the object-store tests)
# and `schemathesis` (API fuzzing from the OpenAPI document). Pinned; installed from PyPI on
# first use and reused afterwards. Prints the environment's bin directory.
#
#   bash .ci/pytools.sh            → e.g. /root/.cache/merajut-pytools-1/bin
#
# MERAJUT_PYTOOLS overrides where the environment lives.
set -euo pipefail

MOTO_VERSION=5.2.5
SCHEMATHESIS_VERSION=4.32.5
# Bump the suffix when the pins change, so an older environment is not reused.
venv=${MERAJUT_PYTOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/merajut-pytools-1}

if [[ -x "$venv/bin/moto_server" && -x "$venv/bin/schemathesis" ]]; then
    echo "$venv/bin"
    exit 0
fi

python=
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [[ -z "$python" ]]; then
    # Debian's python3 needs python3-venv for `python3 -m venv`.
    bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" python3-venv >&2
    python=/usr/bin/python3
fi

echo "pytools: creating $venv with $($python --version)" >&2
rm -rf "$venv"
"$python" -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "schemathesis==$SCHEMATHESIS_VERSION" >&2
echo "$venv/bin"
