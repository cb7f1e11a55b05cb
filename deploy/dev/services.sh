#!/usr/bin/env bash
# Installs (Debian packages) and runs, on loopback only, the real services Tern's tests use.
#
#   eval "$(deploy/dev/services.sh up)"     install what is missing, start what is stopped, export addresses
#   deploy/dev/services.sh env              print the exports without starting anything
#   deploy/dev/services.sh down             stop every service (data is kept)
#   deploy/dev/services.sh status           say what runs (on stderr)
#
# A command may name services (`up postgres`); with none it acts on all of SERVICES.
# stdout carries only `export VAR=value` lines; everything else goes to stderr.
#
# Adding a service NAME: append it to SERVICES and define NAME_packages (Debian packages, one per
# line), NAME_up, NAME_down, NAME_status (exit 0 when running) and NAME_env (prints `VAR value` lines).
# A NAME_up that leaves a process running starts it through `detached`.
set -euo pipefail

SERVICES=(postgres mosquitto)

if [[ $(id -u) -eq 0 ]]; then
  # PostgreSQL refuses to run as root and runs as `postgres`, which cannot enter root's home.
  SERVICES_DIR=${TERN_SERVICES_DIR:-/var/lib/tern-services}
else
  SERVICES_DIR=${TERN_SERVICES_DIR:-$HOME/.tern-services}
fi
PG_PORT=${TERN_PG_PORT:-55432}
MQTT_PORT=${TERN_MQTT_PORT:-11883}

# Keep the real stdout for the exports; everything any command prints goes to stderr.
exec 3>&1 1>&2

log() { printf 'services: %s\n' "$*"; }
die() {
  printf 'services: error: %s\n' "$*"
  exit 1
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"
  fi
}

# Polls until a command succeeds, for at most SECONDS: `wait_for SECONDS CMD...`.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

port_open() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a program that leaves a daemon behind: `detached LOG CMD...`. The daemon must hold none of
# our descriptors: whoever reads our stdout (`$(services.sh up)`) or stderr (a CI log) waits for
# every writer to close it, so a daemon that inherits one keeps the caller waiting for ever.
detached() {
  local log=$1
  shift
  "$@" </dev/null >>"$log" 2>&1 3>&-
}

# ---- packages ---------------------------------------------------------------------------------

ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Installing must not start the packages' system-wide daemons on the default ports (5432, 1883:
  # the hub's own broker port); the Debian way to say so is a policy-rc.d that refuses.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  local status=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    status=$?
  ((added_policy)) && as_root rm -f "$policy"
  ((status == 0)) || die "apt-get install ${missing[*]} failed"
}

# ---- PostgreSQL -------------------------------------------------------------------------------

PG_DIR=$SERVICES_DIR/postgres
PG_DATA=$PG_DIR/data

postgres_packages() { echo postgresql; }

postgres_bin() {
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir ]] || die "no PostgreSQL server under /usr/lib/postgresql"
  echo "$dir"
}

# Runs a PostgreSQL program as the user that owns the cluster.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_status() { [[ -f $PG_DATA/PG_VERSION ]] && as_pg "$(postgres_bin)/pg_ctl" status -D "$PG_DATA" >/dev/null; }

postgres_init() {
  local bin=$1
  log "postgres: creating a cluster in $PG_DATA"
  mkdir -p "$PG_DIR/run"
  [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$PG_DIR"
  as_pg test -w "$PG_DIR" || die "postgres cannot write $PG_DIR (set TERN_SERVICES_DIR to a directory it can reach)"
  as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# Tern dev/test service (deploy/dev/services.sh)
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
EOF
}

postgres_up() {
  local bin
  bin=$(postgres_bin)
  [[ -f $PG_DATA/PG_VERSION ]] || postgres_init "$bin"
  if postgres_status; then
    log "postgres: already running on 127.0.0.1:$PG_PORT"
  else
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    if ! detached "$PG_DIR/pg_ctl.log" as_pg "$bin/pg_ctl" start -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t 60; then
      tail -n 20 "$PG_DIR/postgres.log" || true
      die "postgres did not start (log: $PG_DIR/postgres.log)"
    fi
  fi
  # Role and database, each created once; the socket is trusted for the superuser.
  local psql=("$bin/psql" -h "$PG_DIR/run" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  if [[ $(as_pg "${psql[@]}" -c "select 1 from pg_roles where rolname = 'tern'") != 1 ]]; then
    as_pg "${psql[@]}" -c "create role tern login createdb password 'tern'"
  fi
  if [[ $(as_pg "${psql[@]}" -c "select 1 from pg_database where datname = 'tern'") != 1 ]]; then
    as_pg "${psql[@]}" -c "create database tern owner tern"
  fi
}

postgres_down() {
  if postgres_status; then
    log "postgres: stopping"
    as_pg "$(postgres_bin)/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null
  else
    log "postgres: not running"
  fi
}

postgres_env() { echo "TERN_TEST_PG_URL postgres://tern:tern@127.0.0.1:$PG_PORT/tern"; }

# ---- Mosquitto --------------------------------------------------------------------------------

MQTT_DIR=$SERVICES_DIR/mosquitto

mosquitto_packages() { printf '%s\n' mosquitto mosquitto-clients; }

mosquitto_pid() {
  local pid
  pid=$(cat "$MQTT_DIR/mosquitto.pid" 2>/dev/null) || return 1
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == mosquitto ]] && echo "$pid"
}

mosquitto_status() { mosquitto_pid >/dev/null; }

mosquitto_up() {
  if mosquitto_status; then
    log "mosquitto: already running on 127.0.0.1:$MQTT_PORT"
    return 0
  fi
  port_open "$MQTT_PORT" && die "port $MQTT_PORT is taken by another process"
  mkdir -p "$MQTT_DIR"
  # Started as root, mosquitto drops to the `mosquitto` user before it opens its log.
  [[ $(id -u) -eq 0 ]] && chown mosquitto: "$MQTT_DIR"
  cat >"$MQTT_DIR/mosquitto.conf" <<EOF
# Tern dev/test broker (deploy/dev/services.sh); rewritten on every start.
pid_file $MQTT_DIR/mosquitto.pid
persistence false
log_dest file $MQTT_DIR/mosquitto.log
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
# Without it every loopback hop waits 20-40 ms for Nagle's algorithm.
set_tcp_nodelay true
EOF
  log "mosquitto: starting on 127.0.0.1:$MQTT_PORT"
  rm -f "$MQTT_DIR/mosquitto.pid"
  detached "$MQTT_DIR/start.log" mosquitto -c "$MQTT_DIR/mosquitto.conf" -d
  if ! wait_for 15 port_open "$MQTT_PORT"; then
    tail -n 20 "$MQTT_DIR/mosquitto.log" || true
    die "mosquitto did not start (log: $MQTT_DIR/mosquitto.log)"
  fi
}

mosquitto_down() {
  local pid
  if pid=$(mosquitto_pid); then
    log "mosquitto: stopping"
    kill "$pid"
    wait_for 15 sh -c "! kill -0 $pid" || die "mosquitto ($pid) did not stop"
    rm -f "$MQTT_DIR/mosquitto.pid"
  else
    log "mosquitto: not running"
  fi
}

mosquitto_env() { echo "TERN_TEST_MQTT_URL mqtt://127.0.0.1:$MQTT_PORT"; }

# ---- main -------------------------------------------------------------------------------------

print_env() {
  local service var value
  for service in "$@"; do
    while read -r var value; do
      printf 'export %s=%q\n' "$var" "$value" >&3
    done < <("${service}_env")
  done
}

main() {
  local command=${1:-}
  shift || true
  local selected=("$@")
  ((${#selected[@]})) || selected=("${SERVICES[@]}")
  local service
  for service in "${selected[@]}"; do
    [[ " ${SERVICES[*]} " == *" $service "* ]] || die "unknown service '$service' (known: ${SERVICES[*]})"
  done

  case $command in
  up)
    local packages=()
    for service in "${selected[@]}"; do mapfile -t -O "${#packages[@]}" packages < <("${service}_packages"); done
    ensure_packages "${packages[@]}"
    for service in "${selected[@]}"; do "${service}_up"; done
    print_env "${selected[@]}"
    ;;
  down)
    for service in "${selected[@]}"; do "${service}_down"; done
    ;;
  env)
    print_env "${selected[@]}"
    ;;
  status)
    local all_up=0
    for service in "${selected[@]}"; do
      if "${service}_status"; then log "$service: running"; else
        log "$service: stopped"
        all_up=1
      fi
    done
    return $all_up
    ;;
  *)
    die "usage: services.sh up|down|env|status [service...]   (services: ${SERVICES[*]})"
    ;;
  esac
}

main "$@"
