#!/usr/bin/env bash
# Debian's rbd-mirror daemon against a throwaway cluster (scripts/ceph-cluster.sh), as its own cephx user.
#
#   scripts/rbd-mirror.sh start CLUSTER_DIR [NAME]   # NAME defaults to "a": user client.rbd-mirror.NAME
#   scripts/rbd-mirror.sh stop CLUSTER_DIR           # kills exactly the daemon started in CLUSTER_DIR
#
# The daemon replays images from the peers that `rbd mirror pool peer bootstrap import` (or the
# addon's bootstrap import) recorded in this cluster: it reaches them with the peer's own mon host
# and key, so nothing of the remote cluster is configured here.
# Environment: RBD_MIRROR_START_TIMEOUT (s, default 30).
set -euo pipefail

die() { echo "rbd-mirror: $*" >&2; exit 1; }

start_mirror() {
  local dir=$1 name=${2:-a}
  [ -f "$dir/ceph.conf" ] || die "$dir does not hold a cluster started by scripts/ceph-cluster.sh"
  [[ "$name" =~ ^[a-z0-9]+$ ]] || die "NAME must be lower-case letters and digits, not '$name'"
  local conf="$dir/ceph.conf" entity="client.rbd-mirror.$name"
  local keyring="$dir/keys/$entity.keyring" pidfile="$dir/run/rbd-mirror.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then die "rbd-mirror is already running in $dir"; fi
  # The daemon's caps as Ceph documents them: mon 'profile rbd-mirror', osd 'profile rbd'.
  (umask 077 && ceph -c "$conf" --connect-timeout 20 auth get-or-create "$entity" \
    mon 'profile rbd-mirror' osd 'profile rbd' -o "$keyring" 2>/dev/null)
  chmod 600 "$keyring"
  # Throwaway clusters are short-lived: find new pools and peers within a second (default 30 s),
  # poll journals every second (default 5 s).
  local QUICK=(--rbd_mirror_pool_replayers_refresh_interval 1 --rbd_mirror_journal_poll_age 1
    --rbd_mirror_image_state_check_interval 5 --rbd_mirror_leader_heartbeat_interval 1)
  # CEPH_CONF too: with only -c the pool replayer's own connection to this cluster finds no ceph.conf.
  CEPH_CONF="$conf" rbd-mirror -c "$conf" --id "rbd-mirror.$name" --keyring "$keyring" \
    --pid-file "$pidfile" --log-file "$dir/log/rbd-mirror.log" "${QUICK[@]}" 2>>"$dir/log/rbd-mirror.stderr" \
    || die "rbd-mirror did not start (see $dir/log/rbd-mirror.stderr)"
  # It daemonizes: wait for its pid file and its admin socket, bounded.
  local deadline=$((SECONDS + ${RBD_MIRROR_START_TIMEOUT:-30}))
  until [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && [ -S "$dir/run/$entity.asok" ]; do
    [ $SECONDS -lt $deadline ] || die "rbd-mirror not up after ${RBD_MIRROR_START_TIMEOUT:-30}s (see $dir/log/rbd-mirror.log)"
    sleep 0.1
  done
  echo "RBD_MIRROR_PID=$(cat "$pidfile")"
  echo "RBD_MIRROR_ENTITY=$entity"
}

stop_mirror() {
  local dir=$1 pidfile="$1/run/rbd-mirror.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  start) [ -n "${2:-}" ] || die "usage: $0 start CLUSTER_DIR [NAME]"; start_mirror "$2" "${3:-}" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop CLUSTER_DIR"; stop_mirror "$2" ;;
  *) die "usage: $0 start CLUSTER_DIR [NAME] | stop CLUSTER_DIR" ;;
esac
