# Shared by the throwaway-daemon scripts (sourced, not run): every daemon they start writes its
# pid to DIR/run/<name>.pid, so stopping kills exactly those pids and nothing else; and, when the
# caller names its own pid, a watcher stops them once that caller is gone.

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Whether PID is a live process. A zombie answers `kill -0` but is gone: daemons re-parent to
# this machine's init, which may reap them late.
running() {
  start_ticks "$1"
}

# The pid a pid file holds, or nothing: a Ceph daemon removes its own pid file as it exits, so
# the file can go between the glob and the read.
pid_in() {
  local pid
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && echo "$pid"
}

# Waits up to TENTHS tenths of a second until no daemon with a pid file in DIR/run is running.
wait_pidfiles() {
  local dir=$1 tenths=$2 pidfile pid
  for _ in $(seq 1 "$tenths"); do
    local alive=0
    for pidfile in "$dir"/run/*.pid; do
      pid=$(pid_in "$pidfile") && running "$pid" && alive=1
    done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# SIGTERM every daemon with a pid file in DIR/run, wait up to 5 s for them, SIGKILL the rest and
# wait (2 s at most) until they are gone: a SIGKILLed process takes a moment to exit, and a caller
# may start the next daemon on the same port or check that nothing is left.
kill_pidfiles() {
  local dir=$1 pidfile pid
  for pidfile in "$dir"/run/*.pid; do
    pid=$(pid_in "$pidfile") && kill "$pid" 2>/dev/null || true
  done
  wait_pidfiles "$dir" 50 && return 0
  for pidfile in "$dir"/run/*.pid; do
    pid=$(pid_in "$pidfile") && kill -9 "$pid" 2>/dev/null || true
  done
  wait_pidfiles "$dir" 20 || true
}

# Sets REPLY to PID's start time (field 22 of /proc/PID/stat, clock ticks since boot) if PID is a
# live process and not a zombie; fails otherwise. No fork: the watcher below calls it every second.
# The start time tells the process apart from a later one given the same pid.
start_ticks() {
  local stat fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -ra fields <<<"${stat##*) }"
  [ "${fields[0]}" != Z ] || return 1
  REPLY=${fields[19]}
}

# With STOP_WITH_PID set (the test worker or bench process the daemons are for), a start calls
# check_owner before it makes anything and watch_owner_in_background once DIR/MARKER is written,
# before its first daemon starts. The watcher, in a session of its own, runs SCRIPT's stop on DIR
# once that process is gone however it ended (a run killed mid-way, SIGKILL included, even with the
# start's own process group while it was starting daemons) and ends by itself once DIR/MARKER is
# gone (stopped the normal way, or by the start's own clean-up when it fails).
check_owner() {
  OWNER_TICKS=
  [ -n "${STOP_WITH_PID:-}" ] || return 0
  [[ $STOP_WITH_PID =~ ^[0-9]+$ ]] && start_ticks "$STOP_WITH_PID" || die "STOP_WITH_PID=$STOP_WITH_PID is not a live process"
  OWNER_TICKS=$REPLY
}

#   watch_owner_in_background SCRIPT DIR MARKER
watch_owner_in_background() {
  local script=$1 dir=$2 marker=$3
  [ -n "${OWNER_TICKS:-}" ] || return 0
  setsid bash "$script" watch-owner "$dir" "$marker" "$STOP_WITH_PID" "$OWNER_TICKS" </dev/null >/dev/null 2>&1 &
}

# The watcher's loop (SCRIPT watch-owner DIR MARKER OWNER TICKS); STOP is the script's stop function.
watch_owner() {
  local stop=$1 dir=$2 marker=$3 owner=$4 ticks=$5
  while [ -e "$dir/$marker" ]; do
    if ! start_ticks "$owner" || [ "$REPLY" != "$ticks" ]; then
      "$stop" "$dir"
      return 0
    fi
    sleep 1
  done
}
