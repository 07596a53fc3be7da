#!/usr/bin/env bash
# `make test-citus`: the citus extension (built from $CITUS_SOURCE when missing), a coordinator and two
# workers on loopback (data under .data/citus/), the service's own database laid out on them with the
# service's commands, then the test suite against the coordinator. The servers are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}

bash tests/citus/build-citus.sh
trap '$python -m tests.citus.cluster down' EXIT
$python -m tests.citus.cluster up

# The commands an operator runs, on a database of their own: migrate, distribute (twice: the second
# finds nothing to do), and the check.
url=$($python -m tests.citus.cluster database mlcf)
DATABASE_URL=$url $python -m service migrate
DATABASE_URL=$url $python -m service distribute
DATABASE_URL=$url $python -m service distribute | tail -n 1
DATABASE_URL=$url $python -m service distribute --check | tail -n 1

export $($python -m tests.citus.cluster env)
echo "tests use the Citus cluster: coordinator $TEST_DATABASE_URL, workers $TEST_CITUS_WORKERS"
$python -m pytest "$@"
