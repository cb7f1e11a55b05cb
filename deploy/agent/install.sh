#!/bin/sh
# Installs the Tern agent bundle (npm run build:agent → dist/tern-agent/) as the systemd service
# tern-agent: a system user, the launcher under /opt/tern-agent running the bundle from
# /var/lib/tern-agent/install (so that the hub can update it), settings in /etc/tern-agent/agent.env,
# state in /var/lib/tern-agent. With --no-updates the unit runs the bundle from /opt/tern-agent directly.
# Run as root; running it again installs the bundle given as the current version and keeps the settings.
# docs/device-install.md describes each step.
set -eu

usage() {
  cat <<USAGE
usage: install.sh [--bundle DIR] [--hub URL --id ID --token TOKEN] [--hub-api URL] [--node PATH]
                  [--no-updates] [--no-start]
  --bundle DIR   the built bundle: tern-agent.mjs, its *-worker.mjs and better_sqlite3.node
                 (default: the folder of this script's ../../dist/tern-agent, else this script's folder)
  --hub, --id, --token
                 written to /etc/tern-agent/agent.env when it does not exist yet
  --hub-api URL  the hub's HTTP API, where new agent versions are downloaded from (TERN_HUB_API_URL),
                 written with them
  --node PATH    the Node.js binary (default: node on PATH); Node.js 20.12 or later
  --no-updates   run the bundle directly, without the launcher: the hub cannot update this agent
  --no-start     install only; do not enable and start the service
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
bundle=
hub=
id=
token=
hub_api=
node=
start=1
updates=1
while [ $# -gt 0 ]; do
  case $1 in
    --bundle) bundle=$2; shift 2 ;;
    --hub) hub=$2; shift 2 ;;
    --id) id=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --hub-api) hub_api=$2; shift 2 ;;
    --no-updates) updates=0; shift ;;
    --node) node=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (it creates a user and writes under /opt, /etc and /var/lib)"

if [ -z "$bundle" ]; then
  if [ -f "$here/../../dist/tern-agent/tern-agent.mjs" ]; then bundle=$here/../../dist/tern-agent; else bundle=$here; fi
fi
for file in tern-agent.mjs better_sqlite3.node; do
  [ -f "$bundle/$file" ] || fail "$bundle/$file is missing: build the bundle with 'npm run build:agent', or pass --bundle DIR"
done

[ -n "$node" ] || node=$(command -v node || true)
[ -n "$node" ] && [ -x "$node" ] || fail "no Node.js found: install Node.js 20.12 or later, or pass --node PATH"
# shellcheck disable=SC2016 # evaluated by node
"$node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' ||
  fail "$node is Node.js $("$node" --version); the agent needs 20.12 or later"

prefix=/opt/tern-agent
user=tern-agent
# Where the launcher keeps the agent's versions: the agent's to write, so under its state directory.
install_dir=/var/lib/tern-agent/install

# 1. A system user and group of its own, no login, its home the state directory.
if ! getent group "$user" >/dev/null; then groupadd --system "$user"; fi
if ! getent passwd "$user" >/dev/null; then
  useradd --system --gid "$user" --home-dir /var/lib/tern-agent --no-create-home \
    --shell /usr/sbin/nologin --comment "Tern agent" "$user"
fi

# Copies the bundle's files into $1 with mode $2 (and owner $3 when given).
copy_bundle() {
  for file in "$bundle"/tern-agent.mjs "$bundle"/*-worker.mjs "$bundle"/better_sqlite3.node "$bundle"/*.LEGAL.txt; do
    if [ -f "$file" ]; then install -m "$2" ${3:+-o "$3" -g "$3"} "$file" "$1/"; fi
  done
}

# 2. The launcher (or, without updates, the bundle), owned by root and read-only for the service.
install -d -m 0755 "$prefix"
if [ "$updates" = 1 ]; then
  [ -f "$here/tern-agent-launcher" ] || fail "$here/tern-agent-launcher is missing: it comes with this script"
  install -m 0755 "$here/tern-agent-launcher" "$prefix/"
  # The bundle as the launcher's current version, named as it names itself (what it reports to the hub);
  # the agent's own, since an update from the hub writes beside it.
  version=$("$node" "$bundle/tern-agent.mjs" --version) || fail "$bundle/tern-agent.mjs --version failed"
  case $version in
    '' | .* | */* | *[!A-Za-z0-9._+-]*) fail "the bundle names itself '$version', which is no version name" ;;
  esac
  install -d -m 0750 -o "$user" -g "$user" /var/lib/tern-agent "$install_dir" "$install_dir/versions" \
    "$install_dir/versions/$version"
  copy_bundle "$install_dir/versions/$version" 0644 "$user"
  # -n: the link itself is replaced, not followed into the folder it points at.
  ln -sfn "versions/$version" "$install_dir/current"
  chown -h "$user:$user" "$install_dir/current"
  # Installed by hand: no update of the hub's is pending any more.
  rm -f "$install_dir/pending" "$install_dir/starts"
else
  copy_bundle "$prefix" 0644
fi

# 3. Settings: kept when they exist; root and the service's group only (they hold the token).
install -d -m 0750 -g "$user" /etc/tern-agent
if [ ! -f /etc/tern-agent/agent.env ]; then
  sed -e "s|^TERN_HUB_URL=.*|TERN_HUB_URL=$hub|" -e "s|^TERN_AGENT_ID=.*|TERN_AGENT_ID=$id|" \
    -e "s|^TERN_AGENT_TOKEN=.*|TERN_AGENT_TOKEN=$token|" \
    -e "${hub_api:+s|^# TERN_HUB_API_URL=.*|TERN_HUB_API_URL=$hub_api|}" "$here/agent.env" >/etc/tern-agent/agent.env
  chown "root:$user" /etc/tern-agent/agent.env
  chmod 0640 /etc/tern-agent/agent.env
fi

# 4. State: systemd creates it from StateDirectory=; made here too, for a first start without systemd.
install -d -m 0750 -o "$user" -g "$user" /var/lib/tern-agent

# 5. The unit, with this device's Node.js and the install folder; without updates, the bundle run directly
#    and restarted only on failure (the launcher needs every exit back: an update swapped in exits 0).
install -d -m 0755 /etc/systemd/system
if [ "$updates" = 1 ]; then
  run="$prefix/tern-agent-launcher $install_dir $node"
  restart=always
else
  run="$node $prefix/tern-agent.mjs"
  restart=on-failure
fi
sed -e "s|@RUN@|$run|" -e "s|@RESTART@|$restart|" "$here/tern-agent.service" >/etc/systemd/system/tern-agent.service
chmod 0644 /etc/systemd/system/tern-agent.service

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$start" = 1 ]; then
    systemctl enable tern-agent.service
    systemctl restart tern-agent.service
    echo "tern-agent installed and started: journalctl -u tern-agent -f"
  else
    echo "tern-agent installed: edit /etc/tern-agent/agent.env, then systemctl enable --now tern-agent"
  fi
else
  echo "tern-agent installed; systemd is not running here, so the service was not started"
fi
