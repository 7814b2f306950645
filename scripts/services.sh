#!/usr/bin/env bash
# Private test services on loopback: a PostgreSQL cluster, a Redis server and an S3-compatible
# test server (moto_server from the PyPI package moto[server], an S3 emulator), with their data
# in /tmp/tim-services-<hash of this checkout's path> (or $TIM_SERVICES_DIR; outside the checkout
# because the postgres user must reach it, and a checkout under /root is not reachable). Each
# checkout gets its own services. Installs the Debian packages when missing.
#
#   scripts/services.sh start   # install if needed, start both (idempotent), print the env
#   scripts/services.sh env     # print `export TIM_TEST_POSTGRES_URL=… TIM_TEST_REDIS_URL=…
#                               #   TIM_TEST_S3_ENDPOINT=… TIM_TEST_S3_BUCKET=…`
#   scripts/services.sh stop    # stop both and delete their data
#
# Use: eval "$(scripts/services.sh start)"
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TIM_SERVICES_DIR:-${TMPDIR:-/tmp}/tim-services-$(printf %s "$PWD" | md5sum | cut -c1-10)}"
pgdata="$dir/pg"
# moto is installed once per machine into its own virtualenv (kept across start/stop).
moto_venv="${TIM_MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tim-wasm/moto-venv}"
s3_bucket=tim-test

log() { echo "services: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  command -v pg_ctl >/dev/null && dirname "$(command -v pg_ctl)"
}

install() {
  local need=()
  [ -n "$(pg_bin)" ] || need+=(postgresql)
  command -v redis-server >/dev/null || need+=(redis-server)
  # moto goes into a venv: Debian ships python3's venv/ensurepip separately.
  command -v python3 >/dev/null || need+=(python3)
  python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >&2
  fi
  if [ ! -x "$moto_venv/bin/moto_server" ]; then
    log "installing moto[server] (S3-compatible test server) into $moto_venv"
    # Not fatal: without it the S3 tests skip loudly, PostgreSQL and Redis still run.
    if ! { python3 -m venv "$moto_venv" >&2 && "$moto_venv/bin/pip" install -q 'moto[server]==5.*' >&2; }; then
      log "WARNING: could not install moto[server]; the S3 tests will be skipped"
      rm -rf "$moto_venv"
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_running() { [ -f "$dir/pg.port" ] && as_pg "$(pg_bin)/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; }
s3_running() {
  [ -f "$dir/s3.port" ] && [ -f "$dir/s3.pid" ] && kill -0 "$(cat "$dir/s3.pid")" 2>/dev/null
}
redis_running() {
  [ -f "$dir/redis.port" ] && [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null
}

print_env() {
  [ -f "$dir/pg.port" ] && echo "export TIM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$(cat "$dir/pg.port")/postgres"
  [ -f "$dir/redis.port" ] && echo "export TIM_TEST_REDIS_URL=redis://127.0.0.1:$(cat "$dir/redis.port")/"
  [ -f "$dir/s3.port" ] && echo "export TIM_TEST_S3_ENDPOINT=http://127.0.0.1:$(cat "$dir/s3.port") TIM_TEST_S3_BUCKET=$s3_bucket"
  return 0
}

start() {
  install
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chmod 755 "$dir"
  local bin
  bin="$(pg_bin)"
  if ! pg_running; then
    if [ ! -f "$pgdata/PG_VERSION" ]; then
      rm -rf "$pgdata"
      mkdir -p "$pgdata"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdata"
      as_pg "$bin/initdb" -D "$pgdata" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    fi
    local port
    port=$(free_port)
    # Test cluster: no durability needed, sockets only on loopback TCP.
    as_pg "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
    echo "$port" > "$dir/pg.port"
    log "postgres on 127.0.0.1:$port ($pgdata)"
  fi
  if ! redis_running; then
    local port
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
    for _ in $(seq 1 50); do [ -s "$dir/redis.pid" ] && break; sleep 0.1; done
    echo "$port" > "$dir/redis.port"
    log "redis on 127.0.0.1:$port"
  fi
  if [ -x "$moto_venv/bin/moto_server" ] && ! s3_running; then
    local port
    port=$(free_port)
    nohup "$moto_venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$dir/s3.log" 2>&1 &
    echo $! > "$dir/s3.pid"
    local up=""
    for _ in $(seq 1 100); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && { up=1; break; }
      sleep 0.1
    done
    [ -n "$up" ] || { log "moto_server did not start:"; cat "$dir/s3.log" >&2; return 1; }
    # The test bucket (moto accepts unsigned requests).
    curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$port/$s3_bucket"
    echo "$port" > "$dir/s3.port"
    log "S3-compatible test server (moto) on 127.0.0.1:$port, bucket $s3_bucket"
  fi
  print_env
}

stop() {
  if [ -f "$pgdata/PG_VERSION" ] && [ -n "$(pg_bin)" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  fi
  if [ -f "$dir/s3.pid" ]; then
    kill "$(cat "$dir/s3.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
