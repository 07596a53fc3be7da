#!/usr/bin/env bash
# Install the citus extension into this machine's PostgreSQL, built from the source tarball $CITUS_SOURCE,
# unless the server already has it. As root with apt-get, the build dependencies come from Debian's
# packages; otherwise they must be installed already (see docs/scale-out.md).
set -euo pipefail

pg_config=${PG_CONFIG:-pg_config}
if ! command -v "$pg_config" >/dev/null; then
  echo "citus: pg_config not found (install PostgreSQL's server development files, or set PG_CONFIG)" >&2
  exit 1
fi
major=$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
if [ -f "$("$pg_config" --sharedir)/extension/citus.control" ] \
   && [ -f "$("$pg_config" --pkglibdir)/citus.so" ]; then
  echo "citus: installed in PostgreSQL $major"
  exit 0
fi
if [ -z "${CITUS_SOURCE:-}" ]; then
  echo "citus: not installed in PostgreSQL $major; set CITUS_SOURCE to a Citus source tarball to build it" >&2
  exit 1
fi
source_file=$(readlink -f "$CITUS_SOURCE")
[ -f "$source_file" ] || { echo "citus: CITUS_SOURCE=$CITUS_SOURCE is not a file" >&2; exit 1; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  deps="postgresql-server-dev-$major libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev"
  # shellcheck disable=SC2086
  if ! dpkg -s $deps >/dev/null 2>&1; then
    echo "citus: installing the build dependencies from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $deps >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $deps >/dev/null; }
  fi
  pg_config=/usr/lib/postgresql/$major/bin/pg_config  # the server's own, which the dev package provides
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$source_file" -C "$work" --strip-components=1
cd "$work"
# PostgreSQL 15.20 declares have_createdb_privilege() in its own headers; Citus 13.2's compatibility header
# defines a static function of the same name for versions before 16. Give Citus's copy its own name.
compat=src/include/pg_version_compat.h
if grep -q '^have_createdb_privilege(void)' "$compat"; then
  sed -i 's/^have_createdb_privilege(void)/citus_have_createdb_privilege(void)/' "$compat"
  sed -i '/^citus_have_createdb_privilege(void)/i #define have_createdb_privilege citus_have_createdb_privilege' "$compat"
fi
echo "citus: building $(basename "$source_file") against PostgreSQL $major (a few minutes)"
PG_CONFIG=$pg_config ./configure --quiet >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
make -s -j"$(nproc)" >>build.log 2>&1 || { grep -m 20 -B2 -A5 'error' build.log >&2; exit 1; }
make -s install >>build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
echo "citus: installed into $("$pg_config" --pkglibdir)"
