#!/usr/bin/env bash
# `make test-citus` (run.sh test [pytest args]) and `make bench-citus` (run.sh bench): the citus extension
# (built from $CITUS_SOURCE when missing), a coordinator and two workers on loopback (data under
# .data/citus/), then
# - test: the service's own database laid out on them with the service's commands (migrate, distribute,
#   distribute again, which finds nothing to do, and the check), then the test suite against the
#   coordinator;
# - bench: the Citus benchmark (scorecard PUT on the cluster, on plain PostgreSQL and the bare handler).
# The servers are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
what=${1:?usage: run.sh test|bench [args]}
shift

bash tests/citus/build-citus.sh
trap '$python -m tests.citus.cluster down' EXIT
$python -m tests.citus.cluster up
coordinator_and_workers=$($python -m tests.citus.cluster env)
export $coordinator_and_workers  # TEST_DATABASE_URL (the coordinator) and TEST_CITUS_WORKERS

case $what in
  test)
    url=$($python -m tests.citus.cluster database mlcf)
    DATABASE_URL=$url $python -m service migrate
    DATABASE_URL=$url $python -m service distribute
    DATABASE_URL=$url $python -m service distribute | tail -n 1
    DATABASE_URL=$url $python -m service distribute --check | tail -n 1
    echo "tests use the Citus cluster: coordinator $TEST_DATABASE_URL, workers $TEST_CITUS_WORKERS"
    $python -m pytest "$@"
    ;;
  bench)
    # The plain PostgreSQL beside it: PLAIN_DATABASE_URL's server, else the embedded one.
    export BENCH_DATABASE_URL=$TEST_DATABASE_URL BENCH_CITUS_WORKERS=$TEST_CITUS_WORKERS
    if [ -n "${PLAIN_DATABASE_URL:-}" ]; then export TEST_DATABASE_URL=$PLAIN_DATABASE_URL; else unset TEST_DATABASE_URL; fi
    $python -m bench citus "$@"
    ;;
  *) echo "usage: run.sh test|bench [args]" >&2; exit 2 ;;
esac
