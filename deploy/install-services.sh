#!/usr/bin/env bash
# PostgreSQL (>= 14.9, Prefect's requirement) and Redis from Debian's packages, for the production
# stack of deploy/stack.py. Does nothing when both servers are already installed.
set -euo pipefail

have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1; }

if have_postgres && have_redis; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "deploy/install-services.sh: PostgreSQL or Redis is missing; install them as root:" >&2
    echo "  apt-get install -y postgresql redis-server" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
# Debian starts the packaged services; the stack runs its own instances on free ports instead.
service redis-server stop >/dev/null 2>&1 || true
service postgresql stop >/dev/null 2>&1 || true
have_postgres && have_redis
