#!/usr/bin/env bash
# A throwaway Ceph cluster on loopback: one mon (msgr v2), one mgr, one memstore OSD by default.
#
#   scripts/ceph-cluster.sh start [DIR]   # prints CEPH_CONF=...; DIR defaults to a new temp dir
#   scripts/ceph-cluster.sh stop DIR      # kills exactly the daemons started in DIR, removes DIR
#
# Environment: CEPH_MON_PORT (first mon's port, default: a free port), CEPH_MONS (1 or 3: three
# mons form one quorum, for monitor-failover tests), CEPH_OSDS (default 1; 3 allow an erasure-coded
# k=2,m=1 pool with failure domain osd), CEPH_START_TIMEOUT (s, default 60), STOP_WITH_PID (the
# cluster is stopped once that process is gone, even by SIGKILL: the test helpers pass their pid).
# Each daemon's pid file is run/<name>.pid: a test may stop (SIGSTOP/SIGKILL) one daemon by it and
# `restart DIR NAME` starts it again with the same data.
# For tests and demos only: pool size 1, pool deletion allowed, fast paxos proposals.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/daemons.sh"

die() { echo "ceph-cluster: $*" >&2; exit 1; }

stop_cluster() {
  local dir=$1
  [ -f "$dir/ceph.conf" ] || die "$dir does not hold a cluster started by this script"
  kill_pidfiles "$dir"
  rm -rf "$dir"
}

start_cluster() {
  check_owner
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/ceph-throwaway.XXXXXX"); fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/ceph.conf" ] && die "$dir already holds a cluster"
  local mons=${CEPH_MONS:-1} osds=${CEPH_OSDS:-1}
  case "$mons" in 1|3) ;; *) die "CEPH_MONS must be 1 or 3, not '$mons'" ;; esac
  [[ "$osds" =~ ^[1-9]$ ]] || die "CEPH_OSDS must be 1 to 9, not '$osds'"
  local mon_names=(a b c); mon_names=("${mon_names[@]:0:$mons}")
  local ports=() m
  ports+=("${CEPH_MON_PORT:-$(free_port)}")
  while [ ${#ports[@]} -lt "$mons" ]; do
    local p; p=$(free_port)
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
  local mon_host="" i
  for i in "${!ports[@]}"; do mon_host+="${mon_host:+,}[v2:127.0.0.1:${ports[$i]}]"; done
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  local timeout=${CEPH_START_TIMEOUT:-60}
  mkdir -p "$dir"/{run,log,keys,mgr.x}
  for m in "${mon_names[@]}"; do mkdir -p "$dir/mon.$m"; done
  for ((i = 0; i < osds; i++)); do mkdir -p "$dir/osd.$i"; done
  chmod 700 "$dir/keys"

  cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = $mon_host
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

[mon]
keyring = $dir/keys/mon.keyring

[mgr.x]
keyring = $dir/keys/mgr.x.keyring
mgr data = $dir/mgr.x

[osd]
keyring = $dir/keys/\$name.keyring
CONF
  local conf="$dir/ceph.conf"
  watch_owner_in_background "${BASH_SOURCE[0]}" "$dir" ceph.conf
  local ceph=(ceph -c "$conf" --connect-timeout 20)

  ceph-authtool --create-keyring "$dir/keys/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/keys/client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  chmod 600 "$dir/keys/client.admin.keyring" "$dir/keys/mon.keyring"
  ceph-authtool "$dir/keys/mon.keyring" --import-keyring "$dir/keys/client.admin.keyring" >/dev/null
  local monmap_args=()
  for i in "${!mon_names[@]}"; do monmap_args+=(--addv "${mon_names[$i]}" "[v2:127.0.0.1:${ports[$i]}]"); done
  monmaptool --create --fsid "$fsid" "${monmap_args[@]}" "$dir/monmap" >/dev/null
  for m in "${mon_names[@]}"; do
    ceph-mon -c "$conf" -i "$m" --mkfs --monmap "$dir/monmap" --keyring "$dir/keys/mon.keyring"
    ceph-mon -c "$conf" -i "$m" 2>>"$dir/log/mon.$m.stderr"
  done

  # mgr and osd keys are made in one mon session each.
  "${ceph[@]}" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
    -o "$dir/keys/mgr.x.keyring" 2>/dev/null
  ceph-mgr -c "$conf" -i x 2>>"$dir/log/mgr.x.stderr"

  local osd_uuid osd_key osd_id
  for ((i = 0; i < osds; i++)); do
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    osd_key=$(ceph-authtool --gen-print-key)
    osd_id=$(echo "{\"cephx_secret\": \"$osd_key\"}" | "${ceph[@]}" osd new "$osd_uuid" -i -)
    [ "$osd_id" = "$i" ] || die "expected osd id $i, got '$osd_id'"
    ceph-authtool --create-keyring "$dir/keys/osd.$i.keyring" --name "osd.$i" --add-key "$osd_key" >/dev/null
    chmod 600 "$dir/keys/osd.$i.keyring"
    ceph-osd -c "$conf" -i "$i" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 \
      || die "ceph-osd --mkfs failed (see $dir/log/osd.$i.log)"
    ceph-osd -c "$conf" -i "$i" 2>>"$dir/log/osd.$i.stderr"
  done

  local deadline=$((SECONDS + timeout))
  until "${ceph[@]}" osd dump -f json 2>/dev/null | python3 -c \
      'import json,sys; d=json.load(sys.stdin); n=int(sys.argv[1]); sys.exit(0 if len(d["osds"]) == n and all(o["up"] == 1 for o in d["osds"]) else 1)' "$osds"; do
    [ $SECONDS -lt $deadline ] || { stop_cluster "$dir"; die "$osds osd(s) not up after ${timeout}s"; }
    sleep 0.2
  done
  if [ "$mons" -gt 1 ]; then
    until "${ceph[@]}" quorum_status -f json 2>/dev/null | python3 -c \
        'import json,sys; d=json.load(sys.stdin); sys.exit(0 if len(d["quorum"]) == int(sys.argv[1]) else 1)' "$mons"; do
      [ $SECONDS -lt $deadline ] || { stop_cluster "$dir"; die "$mons mons not in quorum after ${timeout}s"; }
      sleep 0.2
    done
  fi
  cat > "$dir/env" <<ENV
export CEPH_CONF=$conf
export CEPH_ARGS="-c $conf"
ENV
  echo "CEPH_CONF=$conf"
  echo "CEPH_DIR=$dir"
  local mh=""
  for i in "${!ports[@]}"; do mh+="${mh:+,}v2:127.0.0.1:${ports[$i]}"; done
  echo "CEPH_MON_HOST=$mh"
  echo "CEPH_FSID=$fsid"
}

# Starts one daemon again (after a test killed it) with the data and config it had.
restart_daemon() {
  local dir=$1 name=$2
  [ -f "$dir/ceph.conf" ] || die "$dir does not hold a cluster started by this script"
  local type=${name%%.*} id=${name#*.}
  case "$type" in mon|mgr|osd) ;; *) die "cannot restart '$name': expected mon.X, mgr.X or osd.N" ;; esac
  [ -d "$dir/$name" ] || die "$dir has no $name"
  local pidfile="$dir/run/$name.pid"
  if [ -f "$pidfile" ] && running "$(cat "$pidfile")"; then die "$name is still running"; fi
  "ceph-$type" -c "$dir/ceph.conf" -i "$id" 2>>"$dir/log/$name.stderr"
}

case "${1:-}" in
  start) start_cluster "${2:-}" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_cluster "$2" ;;
  restart) [ -n "${3:-}" ] || die "usage: $0 restart DIR NAME"; restart_daemon "$2" "$3" ;;
  # exit: the watcher outlives edits of this file, and bash reads a script as it goes.
  watch-owner) watch_owner stop_cluster "$2" "$3" "$4" "$5"; exit 0 ;;
  *) die "usage: $0 start [DIR] | stop DIR | restart DIR NAME" ;;
esac
