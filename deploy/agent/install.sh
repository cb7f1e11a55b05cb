#!/bin/sh
# Installs the Tern agent bundle (npm run build:agent → dist/tern-agent/) as the systemd service
# tern-agent: a system user, the bundle under /opt/tern-agent, settings in /etc/tern-agent/agent.env,
# state in /var/lib/tern-agent. Run as root; running it again upgrades the bundle and keeps the settings.
# docs/device-install.md describes each step.
set -eu

usage() {
  cat <<USAGE
usage: install.sh [--bundle DIR] [--hub URL --id ID --token TOKEN] [--node PATH] [--no-start]
  --bundle DIR   the built bundle: tern-agent.mjs, its *-worker.mjs and better_sqlite3.node
                 (default: the folder of this script's ../../dist/tern-agent, else this script's folder)
  --hub, --id, --token
                 written to /etc/tern-agent/agent.env when it does not exist yet
  --node PATH    the Node.js binary (default: node on PATH); Node.js 20.12 or later
  --no-start     install only; do not enable and start the service
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
bundle=
hub=
id=
token=
node=
start=1
while [ $# -gt 0 ]; do
  case $1 in
    --bundle) bundle=$2; shift 2 ;;
    --hub) hub=$2; shift 2 ;;
    --id) id=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
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

# 1. A system user and group of its own, no login, its home the state directory.
if ! getent group "$user" >/dev/null; then groupadd --system "$user"; fi
if ! getent passwd "$user" >/dev/null; then
  useradd --system --gid "$user" --home-dir /var/lib/tern-agent --no-create-home \
    --shell /usr/sbin/nologin --comment "Tern agent" "$user"
fi

# 2. The bundle, owned by root and read-only for the service.
install -d -m 0755 "$prefix"
for file in "$bundle"/tern-agent.mjs "$bundle"/*-worker.mjs "$bundle"/better_sqlite3.node "$bundle"/*.LEGAL.txt; do
  if [ -f "$file" ]; then install -m 0644 "$file" "$prefix/"; fi
done
# The launcher, for agents that the hub updates (docs/device-install.md, "Updates from the hub").
if [ -f "$here/tern-agent-launcher" ]; then install -m 0755 "$here/tern-agent-launcher" "$prefix/"; fi

# 3. Settings: kept when they exist; root and the service's group only (they hold the token).
install -d -m 0750 -g "$user" /etc/tern-agent
if [ ! -f /etc/tern-agent/agent.env ]; then
  sed -e "s|^TERN_HUB_URL=.*|TERN_HUB_URL=$hub|" -e "s|^TERN_AGENT_ID=.*|TERN_AGENT_ID=$id|" \
    -e "s|^TERN_AGENT_TOKEN=.*|TERN_AGENT_TOKEN=$token|" "$here/agent.env" >/etc/tern-agent/agent.env
  chown "root:$user" /etc/tern-agent/agent.env
  chmod 0640 /etc/tern-agent/agent.env
fi

# 4. State: systemd creates it from StateDirectory=; made here too, for a first start without systemd.
install -d -m 0750 -o "$user" -g "$user" /var/lib/tern-agent

# 5. The unit, with this device's Node.js and the install folder.
install -d -m 0755 /etc/systemd/system
sed -e "s|@NODE@|$node|" -e "s|@PREFIX@|$prefix|" "$here/tern-agent.service" >/etc/systemd/system/tern-agent.service
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
