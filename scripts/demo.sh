#!/usr/bin/env bash
# The main job: a throwaway Ceph cluster (and libvirt daemon) on this machine, then `pulumi up` of
# the root program (Pulumi.yaml, program/index.ts): pools, cephx users, keyrings, the libvirt secret,
# and Glance / Cinder / Nova settings written under .demo/etc, then the drift gate (ceph-drift). It
# shows the generated files and how to tear it all down.
#
#   npm run demo                         # bring everything up
#   npm run demo -- down                 # pulumi destroy, stop the daemons, remove .demo
#   DEMO_EXAMPLE=quickstart npm run demo # the one-image quickstart (examples/quickstart) instead
#
# Environment: PULUMI_CONFIG_PASSPHRASE (default "demo": the demo's state is throwaway too).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EXAMPLE=${DEMO_EXAMPLE:-root}
# "root" is the main program at the repository root; anything else is a directory under examples/.
program_dir() { if [ "$1" = root ]; then echo "$ROOT"; else echo "$ROOT/examples/$1"; fi; }
DEMO_DIR="$ROOT/.demo"
STACK=demo
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-demo}
export PULUMI_BACKEND_URL="file://$DEMO_DIR/state"

down() {
  . scripts/env.sh
  if [ -f "$DEMO_DIR/example" ] && [ -d "$DEMO_DIR/state" ]; then
    (cd "$(program_dir "$(cat "$DEMO_DIR/example")")" && pulumi destroy --yes --non-interactive --stack "$STACK" --skip-preview &&
      pulumi stack rm --yes --stack "$STACK" >/dev/null) || echo "(destroy failed; stopping the daemons anyway)"
  fi
  [ -f "$DEMO_DIR/cluster-dir" ] && bash scripts/ceph-cluster.sh stop "$(cat "$DEMO_DIR/cluster-dir")" || true
  [ -f "$DEMO_DIR/libvirt-dir" ] && bash scripts/libvirtd.sh stop "$(cat "$DEMO_DIR/libvirt-dir")" || true
  rm -rf "$DEMO_DIR"
  echo "demo torn down"
}

if [ "${1:-}" = down ]; then down; exit 0; fi
[ -d "$(program_dir "$EXAMPLE")" ] || { echo "no example named $EXAMPLE" >&2; exit 1; }
if [ -f "$DEMO_DIR/cluster-dir" ]; then
  echo "a demo is already up; run 'npm run demo -- down' first" >&2
  exit 1
fi

bash scripts/setup.sh
. scripts/env.sh
mkdir -p "$DEMO_DIR/state"
# A demo that fails half-way leaves nothing running behind it.
trap 'status=$?; if [ $status -ne 0 ]; then echo "demo failed (exit $status): tearing down" >&2; cd "$ROOT"; down; fi' EXIT
echo "$EXAMPLE" > "$DEMO_DIR/example"

echo "== starting a throwaway Ceph cluster"
out=$(bash scripts/ceph-cluster.sh start)
echo "$out"
CEPH_CONF=$(echo "$out" | sed -n 's/^CEPH_CONF=//p')
echo "$out" | sed -n 's/^CEPH_DIR=//p' > "$DEMO_DIR/cluster-dir"

cd "$(program_dir "$EXAMPLE")"
pulumi stack select --create "$STACK" --non-interactive >/dev/null
pulumi config set ceph:conf "$CEPH_CONF" --stack "$STACK" --plaintext
pulumi config set ceph:label demo --stack "$STACK" --plaintext

if [ "$EXAMPLE" = quickstart ]; then
  echo "== creating pool 'volumes' (the quickstart expects it)"
  ceph -c "$CEPH_CONF" osd pool create volumes 8 >/dev/null 2>&1
  rbd -c "$CEPH_CONF" pool init volumes
else
  echo "== starting a throwaway libvirt daemon (secret driver only)"
  lv=$(bash "$ROOT/scripts/libvirtd.sh" start)
  echo "$lv" | sed -n 's/^LIBVIRT_DIR=//p' > "$DEMO_DIR/libvirt-dir"
  LIBVIRT_URI=$(echo "$lv" | sed -n 's/^LIBVIRT_URI=//p')
  # As the services' packages would have made them on a real host.
  mkdir -p "$DEMO_DIR/etc/ceph" "$DEMO_DIR/etc/glance" "$DEMO_DIR/etc/cinder" "$DEMO_DIR/etc/nova"
  pulumi config set etcDir "$DEMO_DIR/etc" --stack "$STACK" --plaintext
  pulumi config set libvirtUri "$LIBVIRT_URI" --stack "$STACK" --plaintext
  pulumi config set secretUuid "$(cat /proc/sys/kernel/random/uuid)" --stack "$STACK" --plaintext
fi

echo "== pulumi up"
pulumi up --yes --non-interactive --stack "$STACK"
echo "== outputs"
pulumi stack output --stack "$STACK"

if [ "$EXAMPLE" != quickstart ]; then
  echo
  echo "== the generated files under .demo/etc (keyrings listed, not printed: they hold keys)"
  ls -l "$DEMO_DIR/etc"/*/
  for f in ceph/ceph.conf glance/glance-api.conf cinder/cinder.conf nova/nova.conf; do
    echo "--- $f"
    cat "$DEMO_DIR/etc/$f"
  done
  echo "--- cephx users"
  ceph -c "$CEPH_CONF" auth ls 2>/dev/null | grep -A4 '^client\.\(glance\|cinder\)' | grep -v '^\s*key:'
fi

echo
echo "== the drift gate: ceph-drift (exit 0: the cluster matches the program)"
node "$ROOT/dist/bin/ceph-drift.js" --stack "$STACK"

cat <<MSG

Look at the result:
  export CEPH_CONF=$CEPH_CONF
  ceph osd pool ls detail; ceph auth get client.cinder; rbd ls -l volumes
  ls -l $DEMO_DIR/etc/*/
  (cd $(program_dir "$EXAMPLE") && PATH=$ROOT/.tools/bin:\$PATH PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE pulumi stack --stack $STACK)
Check for drift (edit a key in .demo/etc/cinder/cinder.conf first, then run it again):
  (cd $ROOT && PATH=$ROOT/.tools/bin:\$PATH PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE npm run --silent drift -- --cwd $(program_dir "$EXAMPLE") --stack $STACK)
Tear it all down:
  npm run demo -- down
MSG
