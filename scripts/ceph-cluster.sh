#!/usr/bin/env bash
# A throwaway Ceph cluster on loopback: one mon (msgr v2), one mgr, one memstore OSD.
#
#   scripts/ceph-cluster.sh start [DIR]   # prints CEPH_CONF=...; DIR defaults to a new temp dir
#   scripts/ceph-cluster.sh stop DIR      # kills exactly the daemons started in DIR, removes DIR
#
# Environment: CEPH_MON_PORT (default: a free port), CEPH_START_TIMEOUT (s, default 60).
# For tests and demos only: pool size 1, pool deletion allowed, fast paxos proposals.
set -euo pipefail

die() { echo "ceph-cluster: $*" >&2; exit 1; }

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

stop_cluster() {
  local dir=$1
  [ -f "$dir/ceph.conf" ] || die "$dir does not hold a cluster started by this script"
  local pidfile pid
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
  done
  # Give daemons a moment to exit cleanly, then make sure they are gone.
  for _ in $(seq 1 50); do
    local alive=0
    for pidfile in "$dir"/run/*.pid; do
      [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$dir"
}

start_cluster() {
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/ceph-throwaway.XXXXXX"); fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/ceph.conf" ] && die "$dir already holds a cluster"
  local port=${CEPH_MON_PORT:-$(free_port)}
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  local timeout=${CEPH_START_TIMEOUT:-60}
  mkdir -p "$dir"/{run,log,keys,mon.a,mgr.x,osd.0}
  chmod 700 "$dir/keys"

  cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$port]
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/keys/client.admin.keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
crash dir = $dir/log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 1
mon data avail crit = 0
# Snapshot, pool and auth changes each wait for a paxos proposal: keep it short here.
paxos propose interval = 0.02
paxos min wait = 0.01
mon osd report timeout = 900
osd objectstore = memstore
memstore device bytes = 4294967296
osd data = $dir/\$name
mon data = $dir/\$name
ms bind msgr1 = false

[mon.a]
keyring = $dir/keys/mon.a.keyring

[mgr.x]
keyring = $dir/keys/mgr.x.keyring
mgr data = $dir/mgr.x

[osd.0]
keyring = $dir/keys/osd.0.keyring
CONF
  local conf="$dir/ceph.conf"
  local ceph=(ceph -c "$conf" --connect-timeout 20)

  ceph-authtool --create-keyring "$dir/keys/mon.a.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/keys/client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  chmod 600 "$dir/keys/client.admin.keyring" "$dir/keys/mon.a.keyring"
  ceph-authtool "$dir/keys/mon.a.keyring" --import-keyring "$dir/keys/client.admin.keyring" >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" --keyring "$dir/keys/mon.a.keyring"
  ceph-mon -c "$conf" -i a 2>>"$dir/log/mon.a.stderr"

  # mgr and osd keys are made in one mon session each.
  "${ceph[@]}" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
    -o "$dir/keys/mgr.x.keyring" 2>/dev/null
  ceph-mgr -c "$conf" -i x 2>>"$dir/log/mgr.x.stderr"

  local osd_uuid osd_key osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_key=$(ceph-authtool --gen-print-key)
  osd_id=$(echo "{\"cephx_secret\": \"$osd_key\"}" | "${ceph[@]}" osd new "$osd_uuid" -i -)
  [ "$osd_id" = 0 ] || die "expected osd id 0, got '$osd_id'"
  ceph-authtool --create-keyring "$dir/keys/osd.0.keyring" --name osd.0 --add-key "$osd_key" >/dev/null
  chmod 600 "$dir/keys/osd.0.keyring"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 \
    || die "ceph-osd --mkfs failed (see $dir/log/osd.0.log)"
  ceph-osd -c "$conf" -i 0 2>>"$dir/log/osd.0.stderr"

  local deadline=$((SECONDS + timeout))
  until "${ceph[@]}" osd dump -f json 2>/dev/null | python3 -c \
      'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["osds"] and d["osds"][0]["up"] == 1 else 1)'; do
    [ $SECONDS -lt $deadline ] || { stop_cluster "$dir"; die "osd.0 not up after ${timeout}s"; }
    sleep 0.2
  done
  cat > "$dir/env" <<ENV
export CEPH_CONF=$conf
export CEPH_ARGS="-c $conf"
ENV
  echo "CEPH_CONF=$conf"
  echo "CEPH_DIR=$dir"
  echo "CEPH_MON_HOST=v2:127.0.0.1:$port"
  echo "CEPH_FSID=$fsid"
}

case "${1:-}" in
  start) start_cluster "${2:-}" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_cluster "$2" ;;
  *) die "usage: $0 start [DIR] | stop DIR" ;;
esac
