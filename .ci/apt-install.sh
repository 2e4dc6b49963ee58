#!/usr/bin/env bash
# Installs Debian packages the CI scripts need: `bash .ci/apt-install.sh PACKAGE…`.
#
# As root it installs them with apt (quietly, without recommends). Otherwise it prints the
# command to run and fails, so a developer's machine is never changed behind their back.
#
# Debian's `postgresql` package would create and start a cluster of its own ("main"). The CI
# scripts start private, throw-away clusters and never use it, so the package is asked not to
# create one, for this install only.
set -euo pipefail

(($# > 0)) || exit 0

if [[ $EUID -ne 0 ]]; then
    echo "missing packages: $*" >&2
    echo "Install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y $*" >&2
    exit 1
fi

echo "installing $*" >&2
export DEBIAN_FRONTEND=noninteractive
dropin=/etc/postgresql-common/createcluster.d/zz-merajut-ci-no-main-cluster.conf
if [[ " $* " == *" postgresql "* && ! -d /etc/postgresql ]]; then
    mkdir -p "$(dirname "$dropin")"
    echo "create_main_cluster = off" >"$dropin"
    trap 'rm -f "$dropin"; rmdir --ignore-fail-on-non-empty "$(dirname "$dropin")"' EXIT
fi
extra=()
# Chromium renders pages with whatever fonts exist; without any, text measures oddly.
[[ " $* " == *" chromium "* ]] && extra+=(fonts-liberation)
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" "${extra[@]}" >/dev/null
