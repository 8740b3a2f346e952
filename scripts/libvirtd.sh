#!/usr/bin/env bash
# A throwaway libvirt daemon that serves only the secret driver, for tests and demos.
#
#   scripts/libvirtd.sh start [DIR]   # prints LIBVIRT_URI=...; DIR defaults to a new temp dir
#   scripts/libvirtd.sh stop DIR      # kills exactly the daemon started in DIR, removes DIR (no-op if gone)
#
# Environment: LIBVIRTD_START_TIMEOUT (s, default 20), STOP_WITH_PID (the daemon is stopped once
# that process is gone, even by SIGKILL: the test helper passes its pid).
#
# How it is isolated (Debian 12 ships libvirt 9.0 with only the monolithic libvirtd, no virtsecretd):
# - It runs as root, like the system daemon Nova talks to, so the URI is secret:///system?socket=...
#   A privileged libvirtd hard-codes /etc/libvirt/secrets and /run/libvirt, so it runs in a private
#   mount namespace where DIR/etc is mounted over /etc/libvirt and DIR/run over /run: the machine's
#   secrets and any system daemon's /run/libvirt are neither seen nor touched, and two instances
#   don't fight over /run/libvirt/secrets/driver.pid.
# - LIBVIRT_DRIVER_DIR holds only the secret driver, so no qemu/network/storage driver starts
#   (fast, and nothing probes KVM, bridges or iptables).
# - Its sockets live in DIR/sock, outside the overmounted paths, so clients outside see them.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/daemons.sh"

die() { echo "libvirtd.sh: $*" >&2; exit 1; }

# Installs the daemon and virsh unless present; safe to run from parallel test workers.
ensure_packages() {
  command -v libvirtd >/dev/null && command -v virsh >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "libvirtd/virsh missing and not root: apt-get install libvirt-daemon libvirt-clients"
  (
    flock 9
    command -v libvirtd >/dev/null && command -v virsh >/dev/null && exit 0
    local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends libvirt-daemon libvirt-clients)
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have stale or empty package lists: update once and retry.
    "${apt[@]}" >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=300 update >/dev/null && "${apt[@]}" >/dev/null; }
  ) 9>/tmp/.libvirtd-sh-install.lock || die "could not install libvirt-daemon libvirt-clients"
}

secret_driver() {
  local so
  for so in /usr/lib/*/libvirt/connection-driver/libvirt_driver_secret.so; do
    [ -f "$so" ] && { echo "$so"; return 0; }
  done
  die "libvirt_driver_secret.so not found (is libvirt-daemon installed?)"
}

# The daemon's pid if it is alive (zombies count as gone) and really is our libvirtd.
daemon_pid() {
  local dir=$1 pid
  pid=$(cat "$dir/libvirtd.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  # Guards against a recycled pid: the command line must name this DIR's config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config $dir/libvirtd.conf" || return 1
  echo "$pid"
}

stop_daemon() {
  local dir=$1
  [ -e "$dir" ] || return 0 # already stopped
  [ -f "$dir/libvirtd.conf" ] || die "$dir does not hold a daemon started by this script"
  dir=$(cd "$dir" && pwd)
  local pid
  if pid=$(daemon_pid "$dir"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      daemon_pid "$dir" >/dev/null || break
      sleep 0.1
    done
    # Only if it is still ours: its pid may have been recycled once it exited.
    daemon_pid "$dir" >/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

# Shows what the daemon said, then cleans up: the directory is removed with it.
fail_start() {
  local dir=$1 message=$2
  cat "$dir/libvirtd.stderr" "$dir/libvirtd.log" >&2 2>/dev/null || true
  stop_daemon "$dir"
  die "$message"
}

start_daemon() {
  check_owner
  ensure_packages
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/libvirtd-throwaway.XXXXXX"); fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/libvirtd.conf" ] && die "$dir already holds a daemon"
  # The path goes unescaped into a URI and a config file, and /run is overmounted in the namespace.
  [[ $dir =~ ^/[A-Za-z0-9._/-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/-]: $dir"
  case "$dir/" in /run/* | /etc/libvirt/*) die "DIR must not be under /run or /etc/libvirt" ;; esac
  local socket="$dir/sock/libvirt-sock"
  [ ${#socket} -lt 108 ] || die "socket path too long for a unix socket: $socket"
  local timeout=${LIBVIRTD_START_TIMEOUT:-20}

  chmod 700 "$dir"
  mkdir -p "$dir"/{drivers,sock,etc,run}
  ln -s "$(secret_driver)" "$dir/drivers/"
  cat >"$dir/libvirtd.conf" <<CONF
# Root-only sockets without authentication: the socket's mode is the access control.
unix_sock_dir = "$dir/sock"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
unix_sock_admin_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$dir/libvirtd.log"
CONF
  watch_owner_in_background "${BASH_SOURCE[0]}" "$dir" libvirtd.conf

  # --daemon returns once the daemon is set up; it writes its own pid file.
  # mount --no-mtab: don't record the mounts in the machine's /run/mount/utab.
  LIBVIRT_DRIVER_DIR="$dir/drivers" unshare --mount --propagation private -- sh -ec '
    mount --no-mtab --bind "$1/run" /run
    mount --no-mtab --bind "$1/etc" /etc/libvirt
    exec libvirtd --daemon --config "$1/libvirtd.conf" --pid-file "$1/libvirtd.pid"
  ' sh "$dir" 2>>"$dir/libvirtd.stderr" \
    || fail_start "$dir" "libvirtd failed to start (a private mount namespace needs root with CAP_SYS_ADMIN)"

  local uri="secret:///system?socket=$socket"
  local deadline=$((SECONDS + timeout))
  until LC_ALL=C virsh --quiet --connect "$uri" secret-list >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail_start "$dir" "libvirtd not answering on $uri after ${timeout}s"
    sleep 0.05
  done
  echo "LIBVIRT_URI=$uri"
  echo "LIBVIRT_DIR=$dir"
  echo "LIBVIRT_PID=$(daemon_pid "$dir")"
}

case "${1:-}" in
  start) start_daemon "${2:-}" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_daemon "$2" ;;
  # exit: the watcher outlives edits of this file, and bash reads a script as it goes.
  watch-owner) watch_owner stop_daemon "$2" "$3" "$4" "$5"; exit 0 ;;
  *) die "usage: $0 start [DIR] | stop DIR" ;;
esac
