#!/usr/bin/env bash
# A throwaway Kubernetes control plane on loopback: Debian's etcd, a Go-built kube-apiserver and
# kube-controller-manager (scripts/setup.sh builds both into .tools/bin). No nodes, no pods: what
# the provider delivers (ConfigMaps, Secrets, StorageClasses) needs only the API, and the
# controller manager's garbage collector clears the finalizers of foreground deletes.
#
#   scripts/kube-cluster.sh start [DIR]   # prints KUBECONFIG=...; DIR defaults to a new temp dir
#   scripts/kube-cluster.sh stop DIR      # kills exactly the daemons started in DIR, removes DIR
#
# Auth: one bearer token (in the kubeconfig, mode 0600) for a user in system:masters; RBAC on.
# Environment: KUBE_START_TIMEOUT (s, default 90), STOP_WITH_PID (the control plane is stopped
# once that process is gone, even by SIGKILL: the test helper passes its pid).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/daemons.sh"

die() { echo "kube-cluster: $*" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.tools/bin"

stop_cluster() {
  local dir=$1
  [ -f "$dir/kubeconfig" ] || [ -d "$dir/run" ] || die "$dir does not hold a control plane started by this script"
  kill_pidfiles "$dir"
  rm -rf "$dir"
}

# Starts a daemon in the background with its output in log/NAME.log and its pid in run/NAME.pid.
spawn() {
  local dir=$1 name=$2; shift 2
  "$@" >"$dir/log/$name.log" 2>&1 &
  echo $! >"$dir/run/$name.pid"
}

start_cluster() {
  check_owner
  local dir=${1:-}
  for b in kube-apiserver kube-controller-manager; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run scripts/setup.sh"
  done
  command -v etcd >/dev/null || die "etcd is missing: run scripts/setup.sh (Debian's etcd-server)"
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/kube-throwaway.XXXXXX"); fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/kubeconfig" ] && die "$dir already holds a control plane"
  mkdir -p "$dir"/{run,log,pki,etcd}
  chmod 700 "$dir" "$dir/pki"
  watch_owner_in_background "${BASH_SOURCE[0]}" "$dir" run
  local timeout=${KUBE_START_TIMEOUT:-90}
  local etcd_port etcd_peer_port api_port
  etcd_port=$(free_port); etcd_peer_port=$(free_port); api_port=$(free_port)

  spawn "$dir" etcd etcd --name throwaway --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "throwaway=http://127.0.0.1:$etcd_peer_port" --log-level error

  local token; token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077; echo "$token,admin,admin,system:masters" >"$dir/pki/tokens.csv"
    echo "Authorization: Bearer $token" >"$dir/pki/auth-header")
  openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null

  spawn "$dir" kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$dir/pki" --token-auth-file "$dir/pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 --enable-priority-and-fairness=false

  local deadline=$((SECONDS + timeout))
  until [ -f "$dir/pki/apiserver.crt" ] &&
      curl -sf --cacert "$dir/pki/apiserver.crt" -H "@$dir/pki/auth-header" \
        "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; do
    kill -0 "$(cat "$dir/run/kube-apiserver.pid")" 2>/dev/null ||
      { tail -20 "$dir/log/kube-apiserver.log" >&2; stop_cluster "$dir"; die "kube-apiserver exited"; }
    [ $SECONDS -lt $deadline ] || { stop_cluster "$dir"; die "kube-apiserver not ready after ${timeout}s"; }
    sleep 0.3
  done

  local ca; ca=$(base64 -w0 "$dir/pki/apiserver.crt")
  (umask 077; cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: throwaway
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $ca
users:
- name: admin
  user:
    token: $token
contexts:
- name: throwaway
  context: {cluster: throwaway, user: admin, namespace: default}
current-context: throwaway
KUBECONFIG
)
  spawn "$dir" kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" \
    --authorization-kubeconfig "$dir/kubeconfig" --leader-elect=false \
    --controllers garbagecollector,namespace --bind-address 127.0.0.1 --secure-port 0 \
    --cert-dir "$dir/pki"

  until curl -sf --cacert "$dir/pki/apiserver.crt" -H "@$dir/pki/auth-header" \
      "https://127.0.0.1:$api_port/api/v1/namespaces/default" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { stop_cluster "$dir"; die "namespace default not there after ${timeout}s"; }
    sleep 0.3
  done
  echo "KUBECONFIG=$dir/kubeconfig"
  echo "KUBE_DIR=$dir"
  echo "KUBE_SERVER=https://127.0.0.1:$api_port"
}

case "${1:-}" in
  start) start_cluster "${2:-}" ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop_cluster "$2" ;;
  # exit: the watcher outlives edits of this file, and bash reads a script as it goes.
  watch-owner) watch_owner stop_cluster "$2" "$3" "$4" "$5"; exit 0 ;;
  *) die "usage: $0 start [DIR] | stop DIR" ;;
esac
