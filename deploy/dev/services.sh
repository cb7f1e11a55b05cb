#!/usr/bin/env bash
# Installs (Debian packages) and runs, on loopback only, the real services Tern's tests use.
#
#   eval "$(deploy/dev/services.sh up)"     install what is missing, start what is stopped, export addresses
#   deploy/dev/services.sh env              print the exports without starting anything
#   deploy/dev/services.sh down             stop every service (data is kept)
#   deploy/dev/services.sh status           say what runs (on stderr)
#
# Services: PostgreSQL, Mosquitto, Apache Kafka (KRaft, jars from Maven Central), MariaDB, RabbitMQ, an SFTP
# server (OpenSSH), an FTP server (vsftpd), and Podman
# serving the Docker API on a unix socket with two local images (tern/shell, tern/gcc) built from
# Debian packages, since no image registry is reachable.
#
# A command may name services (`up postgres`); with none it acts on all of SERVICES.
# stdout carries only `export VAR=value` lines; everything else goes to stderr.
#
# Adding a service NAME: append it to SERVICES and define NAME_packages (Debian packages, one per
# line), NAME_up, NAME_down, NAME_status (exit 0 when running) and NAME_env (prints `VAR value` lines).
# A NAME_up that leaves a process running starts it through `detached` (or `spawn`, which uses it);
# slow work that nothing else waits for may run through `in_background` (`up` waits for it at the end).
set -euo pipefail

# Podman comes early: its images build in the background while the others start.
SERVICES=(postgres mosquitto podman kafka mariadb rabbitmq sftp ftp chromium)

if [[ $(id -u) -eq 0 ]]; then
  # PostgreSQL refuses to run as root and runs as `postgres`, which cannot enter root's home.
  SERVICES_DIR=${TERN_SERVICES_DIR:-/var/lib/tern-services}
else
  SERVICES_DIR=${TERN_SERVICES_DIR:-$HOME/.tern-services}
fi
SERVICES_DIR=$(realpath -m "$SERVICES_DIR") # daemons start in /, so every path must be absolute
PG_PORT=${TERN_PG_PORT:-55432}
MQTT_PORT=${TERN_MQTT_PORT:-11883}
KAFKA_PORT=${TERN_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${TERN_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_VERSION=${TERN_KAFKA_VERSION:-4.1.1}
MYSQL_PORT=${TERN_MYSQL_PORT:-13306}
AMQP_PORT=${TERN_AMQP_PORT:-15680}
SFTP_PORT=${TERN_SFTP_PORT:-12222}
FTP_PORT=${TERN_FTP_PORT:-12121}

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

# Polls CHECK like wait_for, giving up early once the daemon is gone: `await_daemon SECONDS PID_FN CHECK...`.
await_daemon() {
  local deadline=$((SECONDS + $1)) pid_fn=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    "$pid_fn" >/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

port_open() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a program that leaves a daemon behind: `detached LOG CMD...`. The daemon must hold none of
# our descriptors: whoever reads our stdout (`$(services.sh up)`) or stderr (a CI log) waits for
# every writer to close it, so a daemon that inherits one keeps the caller waiting for ever. Any
# descriptor above 2 is closed, not only ours: a CI runner may hand its own pipes down as well.
detached() {
  local log=$1
  shift
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    # Nor the caller's directory: a daemon outlives it (a CI checkout removed afterwards leaves
    # podman's conmon failing with "Failed to get working directory").
    cd /
    "$@" </dev/null >>"$log" 2>&1
  )
}

# Starts a program that stays in the foreground as a daemon, in its own session, and records its pid:
# `spawn PIDFILE LOG CMD...`. Returns once the pid file is written.
spawn() {
  local pidfile=$1 log=$2
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner shell
  detached "$log" setsid --fork bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@"
  wait_for 10 test -s "$pidfile" || die "${pidfile##*/}: $1 did not start (log: $log)"
}

BACKGROUND=()

# Runs a command in the background, without our stdout: `in_background NAME CMD...`. `up` waits for
# every such job before it prints the exports, and fails if one failed.
in_background() {
  local name=$1
  shift
  ("$@") 3>&- &
  BACKGROUND+=("$name:$!")
}

wait_background() {
  local job failed=()
  for job in "${BACKGROUND[@]}"; do
    wait "${job#*:}" || failed+=("${job%%:*}")
  done
  ((${#failed[@]} == 0)) || die "failed: ${failed[*]}"
}

# Prints the pid in PIDFILE if that process runs and its command line contains PATTERN.
live_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n $pid ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$2" && echo "$pid"
}

# Sends SIGTERM and waits for the process to end: `stop_pid NAME PID SECONDS`.
stop_pid() {
  log "$1: stopping"
  kill "$2" 2>/dev/null || return 0
  wait_for "$3" sh -c "! kill -0 $2" || die "$1 ($2) did not stop within $3 s"
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

# The dynamic-security plugin ships with Debian's mosquitto package; the tests of the logins the hub
# manages start a private Mosquitto with it (test/support/mosquitto.ts).
mosquitto_dynsec_plugin() {
  local path
  for path in $(dpkg -L mosquitto 2>/dev/null | grep '/mosquitto_dynamic_security\.so$') \
    /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so; do
    [[ -f $path ]] && { echo "$path"; return 0; }
  done
  return 1
}

mosquitto_env() {
  echo "TERN_TEST_MQTT_URL mqtt://127.0.0.1:$MQTT_PORT"
  local plugin
  if plugin=$(mosquitto_dynsec_plugin); then echo "TERN_MOSQUITTO_DYNSEC_PLUGIN $plugin"; fi
}

# ---- Apache Kafka (KRaft) ----------------------------------------------------------------------

KAFKA_DIR=$SERVICES_DIR/kafka
KAFKA_LIB=$KAFKA_DIR/$KAFKA_VERSION/lib
KAFKA_JAVA=(java -Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIB/*")

# Java and Maven are usually on the machine already; only a missing command costs an install.
kafka_packages() {
  command -v java >/dev/null || echo openjdk-17-jre-headless
  command -v mvn >/dev/null || echo maven
}

kafka_pid() { live_pid "$KAFKA_DIR/kafka.pid" kafka.Kafka; }

kafka_status() { kafka_pid >/dev/null && port_open "$KAFKA_PORT"; }

# The server jars come from Maven Central (no Apache download site is reachable): a generated pom
# naming kafka_2.13 plus the log4j binding the distribution ships, resolved once per version.
kafka_fetch() {
  [[ -f $KAFKA_LIB/.complete ]] && return 0
  local dir=$KAFKA_DIR/$KAFKA_VERSION
  log "kafka: fetching $KAFKA_VERSION from Maven Central"
  rm -rf "$KAFKA_LIB"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tern.services</groupId>
  <artifactId>kafka-server</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>2.24.3</version>
    </dependency>
  </dependencies>
</project>
EOF
  if ! mvn -B -f "$dir/pom.xml" -Dmaven.repo.local="$KAFKA_DIR/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" >"$dir/mvn.log" 2>&1; then
    tail -n 20 "$dir/mvn.log" || true
    die "kafka: could not fetch kafka_2.13:$KAFKA_VERSION from Maven Central (log: $dir/mvn.log)"
  fi
  touch "$KAFKA_LIB/.complete"
}

kafka_config() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Tern dev/test broker (deploy/dev/services.sh); rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
num.network.threads=2
num.io.threads=2
# One node: internal topics with one replica and one partition, so the first group join is quick.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$KAFKA_DIR/server.log
appender.file.append=false
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
EOF
}

kafka_up() {
  if kafka_pid >/dev/null; then
    await_daemon 90 kafka_pid kafka_ready || die "kafka runs but does not answer (log: $KAFKA_DIR/server.log)"
    log "kafka: already running on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process"
  kafka_fetch
  mkdir -p "$KAFKA_DIR"
  kafka_config
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    # A cluster id is 16 random bytes in URL-safe base64 without padding; like Kafka's own, not one
    # starting with '-', which the command line would take for an option.
    local cluster_id=-
    while [[ $cluster_id == -* ]]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    log "kafka: formatting storage (cluster $cluster_id)"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >/dev/null || die "kafka: storage format failed"
  fi
  log "kafka: starting $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  spawn "$KAFKA_DIR/kafka.pid" "$KAFKA_DIR/stdout.log" \
    "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
  if ! await_daemon 90 kafka_pid kafka_ready; then
    tail -n 20 "$KAFKA_DIR/server.log" "$KAFKA_DIR/stdout.log" || true
    die "kafka did not start (log: $KAFKA_DIR/server.log)"
  fi
}

# The broker accepts connections before it serves requests; the log says when it does.
kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_DIR/server.log"
}

kafka_down() {
  local pid
  if pid=$(kafka_pid); then stop_pid kafka "$pid" 60; else log "kafka: not running"; fi
}

kafka_env() { echo "TERN_TEST_KAFKA_BROKERS 127.0.0.1:$KAFKA_PORT"; }

# ---- MariaDB ----------------------------------------------------------------------------------

MYSQL_DIR=$SERVICES_DIR/mariadb

# The server and client cores only: `mariadb-server` adds Galera, Perl tools and a system instance.
mariadb_packages() { printf '%s\n' mariadb-server-core mariadb-client-core; }

mariadb_pid() { live_pid "$MYSQL_DIR/mariadbd.pid" mariadbd; }

mariadb_status() { mariadb_pid >/dev/null && port_open "$MYSQL_PORT"; }

# The administrator connects over the socket as the OS user that created the datadir.
mariadb_sql() { mariadb --defaults-file="$MYSQL_DIR/my.cnf" -u root -N -B "$@"; }

mariadb_config() {
  local run_as=
  [[ $(id -u) -eq 0 ]] && run_as='user = root'
  cat >"$MYSQL_DIR/my.cnf" <<EOF
# Tern dev/test server (deploy/dev/services.sh); rewritten on every start.
[client]
socket = $MYSQL_DIR/run/mariadb.sock

[mariadbd]
$run_as
datadir = $MYSQL_DIR/data
socket = $MYSQL_DIR/run/mariadb.sock
pid-file = $MYSQL_DIR/mariadbd.pid
log-error = $MYSQL_DIR/mariadb.log
bind-address = 127.0.0.1
port = $MYSQL_PORT
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
max_connections = 200
innodb_buffer_pool_size = 128M
innodb_log_file_size = 32M
EOF
}

mariadb_up() {
  if mariadb_pid >/dev/null; then
    await_daemon 60 mariadb_pid mariadb_sql -e 'select 1' ||
      die "mariadb runs but does not answer (log: $MYSQL_DIR/mariadb.log)"
    log "mariadb: already running on 127.0.0.1:$MYSQL_PORT"
  else
    port_open "$MYSQL_PORT" && die "port $MYSQL_PORT is taken by another process"
    mkdir -p "$MYSQL_DIR/run"
    mariadb_config
    if [[ ! -d $MYSQL_DIR/data/mysql ]]; then
      log "mariadb: creating a datadir in $MYSQL_DIR/data"
      mariadb-install-db --defaults-file="$MYSQL_DIR/my.cnf" --skip-test-db \
        --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" \
        >"$MYSQL_DIR/install.log" 2>&1 || die "mariadb-install-db failed (log: $MYSQL_DIR/install.log)"
    fi
    log "mariadb: starting on 127.0.0.1:$MYSQL_PORT"
    spawn "$MYSQL_DIR/mariadbd.pid" "$MYSQL_DIR/stdout.log" mariadbd --defaults-file="$MYSQL_DIR/my.cnf"
    if ! await_daemon 60 mariadb_pid mariadb_sql -e 'select 1'; then
      tail -n 20 "$MYSQL_DIR/mariadb.log" || true
      die "mariadb did not start (log: $MYSQL_DIR/mariadb.log)"
    fi
  fi
  mariadb_sql -e "create user if not exists 'tern'@'%' identified by 'tern';
    create database if not exists tern;
    grant all privileges on *.* to 'tern'@'%';"
}

mariadb_down() {
  local pid
  if pid=$(mariadb_pid); then stop_pid mariadb "$pid" 60; else log "mariadb: not running"; fi
}

mariadb_env() { echo "TERN_TEST_MYSQL_URL mysql://tern:tern@127.0.0.1:$MYSQL_PORT/tern"; }

# ---- RabbitMQ ---------------------------------------------------------------------------------

AMQP_DIR=$SERVICES_DIR/rabbitmq

rabbitmq_packages() { echo rabbitmq-server; }

# Our node, apart from any system one: its own name, files, cookie (in HOME) and Erlang port mapper
# (epmd, on loopback and on a port of its own). rabbitmqctl needs the same to find the node.
AMQP_ENV=(
  HOME="$AMQP_DIR" RABBITMQ_NODENAME=tern@localhost RABBITMQ_CONFIG_FILE="$AMQP_DIR/rabbitmq.conf"
  RABBITMQ_MNESIA_BASE="$AMQP_DIR/mnesia" RABBITMQ_LOG_BASE="$AMQP_DIR/log"
  RABBITMQ_PID_FILE="$AMQP_DIR/beam.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$AMQP_DIR/enabled_plugins"
  RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000)) ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$((AMQP_PORT + 1))
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
)

rabbitmq_pid() { live_pid "$AMQP_DIR/rabbitmq.pid" rabbit; }

rabbitmq_status() { rabbitmq_pid >/dev/null && port_open "$AMQP_PORT"; }

rabbitmq_config() {
  cat >"$AMQP_DIR/rabbitmq.conf" <<EOF
# Tern dev/test broker (deploy/dev/services.sh); rewritten on every start.
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
# Applied when the database is created, on the first start.
default_user = tern
default_pass = tern
# A test machine's disk may be nearly full: publishers are blocked only below 50 MB free.
disk_free_limit.absolute = 50MB
log.file.level = warning
log.console = false
EOF
  echo '[].' >"$AMQP_DIR/enabled_plugins"
}

rabbitmq_up() {
  if rabbitmq_pid >/dev/null; then
    await_daemon 90 rabbitmq_pid port_open "$AMQP_PORT" ||
      die "rabbitmq runs but does not listen (logs: $AMQP_DIR/log)"
    log "rabbitmq: already running on 127.0.0.1:$AMQP_PORT"
    return 0
  fi
  port_open "$AMQP_PORT" && die "port $AMQP_PORT is taken by another process"
  mkdir -p "$AMQP_DIR/log"
  rabbitmq_config
  # Erlang refuses a cookie that others may read.
  if [[ ! -s $AMQP_DIR/.erlang.cookie ]]; then
    head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$AMQP_DIR/.erlang.cookie"
    chmod 400 "$AMQP_DIR/.erlang.cookie"
  fi
  log "rabbitmq: starting on 127.0.0.1:$AMQP_PORT"
  local started=$SECONDS
  # The program under /usr/lib, not /usr/sbin's wrapper, which switches to the `rabbitmq` user.
  spawn "$AMQP_DIR/rabbitmq.pid" "$AMQP_DIR/stdout.log" env "${AMQP_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
  if ! await_daemon 120 rabbitmq_pid port_open "$AMQP_PORT"; then
    tail -n 20 "$AMQP_DIR/stdout.log" "$AMQP_DIR"/log/*.log || true
    die "rabbitmq did not start (logs: $AMQP_DIR/stdout.log, $AMQP_DIR/log)"
  fi
  log "rabbitmq: listening after $((SECONDS - started)) s"
}

rabbitmq_down() {
  local pid
  if pid=$(rabbitmq_pid); then stop_pid rabbitmq "$pid" 60; else log "rabbitmq: not running"; fi
  # The node's port mapper outlives it; ours serves no other node.
  env "${AMQP_ENV[@]}" epmd -kill >/dev/null 2>&1 || true
}

rabbitmq_env() { echo "TERN_TEST_AMQP_URL amqp://tern:tern@127.0.0.1:$AMQP_PORT"; }

# ---- File servers: the user both log in as ------------------------------------------------------

# One local user for SFTP and FTP, password `tern`, its home in the services dir (both servers start
# a session there; relative paths are relative to it).
FILES_USER=ternfs
FILES_HOME=$SERVICES_DIR/files/home

files_user() {
  [[ $(id -u) -eq 0 ]] || die "sftp/ftp: a local user is created for them, which needs root"
  if ! getent passwd "$FILES_USER" >/dev/null; then
    log "files: creating the user $FILES_USER"
    useradd --system --home-dir "$FILES_HOME" --shell /bin/bash "$FILES_USER"
    echo "$FILES_USER:tern" | chpasswd
  fi
  mkdir -p "$FILES_HOME"
  chown "$FILES_USER:" "$FILES_HOME"
}

# ---- SFTP (OpenSSH) ---------------------------------------------------------------------------

SFTP_DIR=$SERVICES_DIR/sftp

sftp_packages() { printf '%s\n' openssh-server openssh-sftp-server; }

sftp_pid() { live_pid "$SFTP_DIR/sshd.pid" "$SFTP_DIR/sshd_config"; }

sftp_status() { sftp_pid >/dev/null && port_open "$SFTP_PORT"; }

# Our own sshd: its own host key, config and port on loopback; SFTP only (no shell, no forwarding).
# The user logs in with the password or with either client key (the second one has the passphrase `tern`).
sftp_config() {
  mkdir -p "$SFTP_DIR"
  [[ -f $SFTP_DIR/host_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$SFTP_DIR/host_key"
  [[ -f $SFTP_DIR/client_key ]] || ssh-keygen -q -t ed25519 -N '' -C tern-test -f "$SFTP_DIR/client_key"
  [[ -f $SFTP_DIR/client_key_passphrase ]] ||
    ssh-keygen -q -t ed25519 -N tern -C tern-test -f "$SFTP_DIR/client_key_passphrase"
  cat "$SFTP_DIR/client_key.pub" "$SFTP_DIR/client_key_passphrase.pub" >"$SFTP_DIR/authorized_keys"
  cat >"$SFTP_DIR/sshd_config" <<EOF
# Tern dev/test SFTP server (deploy/dev/services.sh); rewritten on every start.
ListenAddress 127.0.0.1
Port $SFTP_PORT
HostKey $SFTP_DIR/host_key
PidFile none
AuthorizedKeysFile $SFTP_DIR/authorized_keys
StrictModes no
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $FILES_USER
AllowTcpForwarding no
X11Forwarding no
ForceCommand internal-sftp
Subsystem sftp internal-sftp
LogLevel INFO
EOF
}

sftp_up() {
  files_user
  if sftp_pid >/dev/null; then
    await_daemon 15 sftp_pid port_open "$SFTP_PORT" || die "sftp runs but does not listen (log: $SFTP_DIR/sshd.log)"
    log "sftp: already running on 127.0.0.1:$SFTP_PORT"
    return 0
  fi
  port_open "$SFTP_PORT" && die "port $SFTP_PORT is taken by another process"
  sftp_config
  mkdir -p /run/sshd # privilege separation needs it; a container may start without it
  log "sftp: starting on 127.0.0.1:$SFTP_PORT"
  spawn "$SFTP_DIR/sshd.pid" "$SFTP_DIR/sshd.log" /usr/sbin/sshd -D -e -f "$SFTP_DIR/sshd_config"
  if ! await_daemon 15 sftp_pid port_open "$SFTP_PORT"; then
    tail -n 20 "$SFTP_DIR/sshd.log" || true
    die "sftp did not start (log: $SFTP_DIR/sshd.log)"
  fi
}

sftp_down() {
  local pid
  if pid=$(sftp_pid); then stop_pid sftp "$pid" 15; else log "sftp: not running"; fi
}

sftp_env() {
  echo "TERN_TEST_SFTP_URL sftp://$FILES_USER:tern@127.0.0.1:$SFTP_PORT"
  echo "TERN_TEST_SFTP_KEY $SFTP_DIR/client_key"
}

# ---- FTP (vsftpd) -----------------------------------------------------------------------------

FTP_DIR=$SERVICES_DIR/ftp

ftp_packages() { printf '%s\n' vsftpd openssl; }

ftp_pid() { live_pid "$FTP_DIR/vsftpd.pid" "$FTP_DIR/vsftpd.conf"; }

ftp_status() { ftp_pid >/dev/null && port_open "$FTP_PORT"; }

# Passive mode on loopback, on the 20 ports after the control port. No namespaces nor seccomp sandbox:
# a container may refuse both.
ftp_config() {
  mkdir -p "$FTP_DIR/empty"
  [[ -f $FTP_DIR/cert.pem ]] ||
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
      -keyout "$FTP_DIR/key.pem" -out "$FTP_DIR/cert.pem" 2>/dev/null
  cat >"$FTP_DIR/vsftpd.conf" <<EOF
# Tern dev/test FTP server (deploy/dev/services.sh); rewritten on every start.
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$FTP_PORT
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$((FTP_PORT + 1))
pasv_max_port=$((FTP_PORT + 20))
pam_service_name=vsftpd
userlist_enable=YES
userlist_deny=NO
userlist_file=$FTP_DIR/users
secure_chroot_dir=$FTP_DIR/empty
isolate=NO
isolate_network=NO
seccomp_sandbox=NO
vsftpd_log_file=$FTP_DIR/vsftpd.log
xferlog_enable=YES
max_per_ip=50
# Explicit FTPS (AUTH TLS) on the same port, optional: plain FTP works too. A self-signed certificate.
ssl_enable=YES
rsa_cert_file=$FTP_DIR/cert.pem
rsa_private_key_file=$FTP_DIR/key.pem
force_local_logins_ssl=NO
force_local_data_ssl=NO
allow_anon_ssl=NO
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
EOF
  echo "$FILES_USER" >"$FTP_DIR/users"
}

ftp_up() {
  files_user
  if ftp_pid >/dev/null; then
    await_daemon 15 ftp_pid port_open "$FTP_PORT" || die "ftp runs but does not listen (log: $FTP_DIR/stdout.log)"
    log "ftp: already running on 127.0.0.1:$FTP_PORT"
    return 0
  fi
  port_open "$FTP_PORT" && die "port $FTP_PORT is taken by another process"
  ftp_config
  log "ftp: starting on 127.0.0.1:$FTP_PORT"
  spawn "$FTP_DIR/vsftpd.pid" "$FTP_DIR/stdout.log" /usr/sbin/vsftpd "$FTP_DIR/vsftpd.conf"
  if ! await_daemon 15 ftp_pid port_open "$FTP_PORT"; then
    tail -n 20 "$FTP_DIR/stdout.log" "$FTP_DIR/vsftpd.log" || true
    die "ftp did not start (log: $FTP_DIR/stdout.log)"
  fi
}

ftp_down() {
  local pid
  if pid=$(ftp_pid); then stop_pid ftp "$pid" 15; else log "ftp: not running"; fi
}

ftp_env() { echo "TERN_TEST_FTP_URL ftp://$FILES_USER:tern@127.0.0.1:$FTP_PORT"; }

# ---- Podman (Docker API) ----------------------------------------------------------------------

PODMAN_DIR=$SERVICES_DIR/podman
PODMAN_SOCKET=$PODMAN_DIR/podman.sock
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

podman_packages() { printf '%s\n' podman runc debootstrap curl; }

# Every podman command, the API service included, uses our configuration and storage.
podman_cli() {
  CONTAINERS_CONF=$PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf podman "$@"
}

podman_pid() { live_pid "$PODMAN_DIR/service.pid" 'system service'; }

podman_ping() { curl -sf --max-time 2 --unix-socket "$PODMAN_SOCKET" http://d/_ping; }

podman_status() { podman_pid >/dev/null && podman_ping >/dev/null; }

podman_config() {
  # Containers get the limits podman itself may grant: its default (1048576 open files) is more than
  # a sandbox without CAP_SYS_RESOURCE allows, and runc fails with EPERM; 4096 processes is plenty.
  local nofile
  nofile=$(ulimit -Hn)
  [[ $nofile == unlimited ]] && nofile=1048576
  cat >"$PODMAN_DIR/containers.conf" <<EOF
# Tern dev/test container engine (deploy/dev/services.sh); rewritten on every start.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"

[network]
network_config_dir = "$PODMAN_DIR/networks"
EOF
  cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/storage"
runroot = "$PODMAN_DIR/run"
EOF
}

# The Debian mirror apt uses here (deb822 or one-line sources), for the images' root filesystems.
debian_mirror() {
  local uri
  uri=$(awk '$1 == "URIs:" && $2 !~ /security/ { print $2 }' /etc/apt/sources.list.d/*.sources 2>/dev/null ||
    true)
  [[ -n $uri ]] ||
    uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2 }' /etc/apt/sources.list 2>/dev/null || true)
  uri=${uri%%$'\n'*}
  [[ -n $uri ]] && echo "$uri"
}

# `podman_import ROOTFS NAME` makes an image of a root filesystem.
podman_import() {
  tar -C "$1" -c . |
    podman_cli import --quiet --change 'CMD ["/bin/bash"]' --change "ENV PATH=$IMAGE_PATH" - "$2" >/dev/null
}

# tern/shell is a minimal Debian; tern/gcc adds gcc and libc6-dev. Both are built from Debian packages
# (debootstrap, then apt-get in a chroot) and imported, since no image registry is reachable.
podman_images() {
  local have_shell=0 have_gcc=0
  podman_cli image exists tern/shell:latest && have_shell=1
  podman_cli image exists tern/gcc:latest && have_gcc=1
  ((have_shell && have_gcc)) && return 0
  local build=$PODMAN_DIR/build suite mirror
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  mirror=$(debian_mirror) ||
    die "no Debian mirror in apt's sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list): add one"
  rm -rf "$build"
  mkdir -p "$build" "$PODMAN_DIR/debs"
  log "podman: building tern/shell ($suite from $mirror)"
  debootstrap --variant=minbase --cache-dir="$PODMAN_DIR/debs" "$suite" "$build/shell" "$mirror" \
    >"$PODMAN_DIR/debootstrap.log" 2>&1 || die "debootstrap failed (log: $PODMAN_DIR/debootstrap.log)"
  # Like the slim images elsewhere: no manuals, documentation or translations.
  cat >"$build/shell/etc/dpkg/dpkg.cfg.d/01-tern-slim" <<EOF
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
  rm -rf "$build/shell/usr/share/"{doc,man,info}/*
  find "$build/shell/usr/share/locale" -mindepth 1 ! -name locale.alias -delete
  if ((!have_gcc)); then
    log "podman: building tern/gcc"
    cp -a "$build/shell" "$build/gcc"
    chroot "$build/gcc" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      gcc libc6-dev >"$PODMAN_DIR/gcc.log" 2>&1 || die "installing gcc failed (log: $PODMAN_DIR/gcc.log)"
  fi
  local image
  for image in shell gcc; do
    [[ -d $build/$image ]] || continue
    chroot "$build/$image" apt-get clean
    rm -rf "$build/$image/var/lib/apt/lists/"*
  done
  ((have_shell)) || podman_import "$build/shell" tern/shell:latest
  ((have_gcc)) || podman_import "$build/gcc" tern/gcc:latest
  rm -rf "$build"
}

podman_up() {
  [[ $(id -u) -eq 0 ]] || die "podman: runs as root here (rootless Podman needs more set-up than this does)"
  mkdir -p "$PODMAN_DIR"
  if podman_pid >/dev/null; then
    await_daemon 30 podman_pid podman_ping ||
      die "podman runs but does not answer (log: $PODMAN_DIR/service.log)"
    log "podman: already serving the Docker API on $PODMAN_SOCKET"
  else
    podman_config
    log "podman: serving the Docker API on $PODMAN_SOCKET"
    rm -f "$PODMAN_SOCKET"
    spawn "$PODMAN_DIR/service.pid" "$PODMAN_DIR/service.log" \
      env CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf" \
      podman system service --time=0 "unix://$PODMAN_SOCKET"
    if ! await_daemon 30 podman_pid podman_ping; then
      tail -n 20 "$PODMAN_DIR/service.log" || true
      die "podman system service did not answer (log: $PODMAN_DIR/service.log)"
    fi
  fi
  in_background 'podman images' podman_images
}

podman_down() {
  local pid
  if pid=$(podman_pid); then
    podman_cli stop --all --time 5 >/dev/null || true
    stop_pid podman "$pid" 30
  else
    log "podman: not running"
  fi
}

podman_env() { echo "DOCKER_HOST unix://$PODMAN_SOCKET"; }

# ---- Chromium (package only) ------------------------------------------------------------------

# Headless Chromium for the web UI's end-to-end tests (playwright-core drives it); nothing runs.
chromium_packages() { echo chromium; }
chromium_up() { command -v chromium >/dev/null || die "chromium is not installed"; }
chromium_down() { :; }
chromium_status() { command -v chromium >/dev/null; }
chromium_env() { echo "TERN_TEST_CHROMIUM $(command -v chromium || echo /usr/bin/chromium)"; }

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

  # One `up` or `down` at a time: several test runs may share the machine and its services.
  if [[ $command == up || $command == down ]]; then
    mkdir -p "$SERVICES_DIR"
    exec 8>>"$SERVICES_DIR/.lock"
    flock -w 900 8 || die "another services.sh has held $SERVICES_DIR/.lock for 15 minutes"
  fi

  case $command in
  up)
    local packages=()
    for service in "${selected[@]}"; do mapfile -t -O "${#packages[@]}" packages < <("${service}_packages"); done
    ensure_packages "${packages[@]}"
    for service in "${selected[@]}"; do "${service}_up"; done
    wait_background
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
