#!/usr/bin/env bash
# PostgreSQL's server programs for the tests (`make test` runs this first): Debian's `postgresql` package,
# installed when missing and we are root with apt-get (CI is); otherwise a note, and the PostgreSQL tests
# skip (or fail, with CI=true). The tests start and stop a throw-away server themselves (tests/postgres.py).
set -euo pipefail

installed() {
    command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

installed && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: PostgreSQL's server is not installed (Debian: apt-get install postgresql);" \
         "the tests that need it will skip" >&2
    exit 0
fi
echo "installing PostgreSQL (Debian's postgresql package) for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's own cluster is not used: the tests make theirs in a temp dir, on another port.
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
installed
