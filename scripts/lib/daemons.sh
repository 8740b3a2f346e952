# Shared by the throwaway-cluster scripts (sourced, not run): every daemon they start writes its
# pid to DIR/run/<name>.pid, so stopping kills exactly those pids and nothing else.

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Whether PID is a live process. A zombie answers `kill -0` but is gone: daemons re-parent to
# this machine's init, which may reap them late.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# The pid a pid file holds, or nothing: a Ceph daemon removes its own pid file as it exits, so
# the file can go between the glob and the read.
pid_in() {
  local pid
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && echo "$pid"
}

# SIGTERM every daemon with a pid file in DIR/run, wait up to 5 s for them, SIGKILL the rest.
kill_pidfiles() {
  local dir=$1 pidfile pid
  for pidfile in "$dir"/run/*.pid; do
    pid=$(pid_in "$pidfile") && kill "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pidfile in "$dir"/run/*.pid; do
      pid=$(pid_in "$pidfile") && running "$pid" && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pidfile in "$dir"/run/*.pid; do
    pid=$(pid_in "$pidfile") && kill -9 "$pid" 2>/dev/null || true
  done
}
