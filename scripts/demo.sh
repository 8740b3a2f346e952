#!/usr/bin/env bash
# The main job: a throwaway Ceph cluster on loopback, then `pulumi up` of an example program.
#
#   npm run demo                 # bring everything up (examples/quickstart)
#   npm run demo -- down         # pulumi destroy, stop the cluster, remove the demo state
#
# Environment: DEMO_EXAMPLE (default quickstart), PULUMI_CONFIG_PASSPHRASE (default "demo").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EXAMPLE=${DEMO_EXAMPLE:-quickstart}
DEMO_DIR="$ROOT/.demo"
STACK=demo
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-demo}
export PULUMI_BACKEND_URL="file://$DEMO_DIR/state"

down() {
  . scripts/env.sh
  if [ -f "$DEMO_DIR/example" ] && [ -d "$DEMO_DIR/state" ]; then
    (cd "examples/$(cat "$DEMO_DIR/example")" && pulumi destroy --yes --non-interactive --stack "$STACK" --skip-preview || true)
  fi
  if [ -f "$DEMO_DIR/cluster-dir" ]; then
    bash scripts/ceph-cluster.sh stop "$(cat "$DEMO_DIR/cluster-dir")" || true
  fi
  rm -rf "$DEMO_DIR"
  echo "demo torn down"
}

if [ "${1:-}" = down ]; then down; exit 0; fi
[ -d "examples/$EXAMPLE" ] || { echo "no example named $EXAMPLE" >&2; exit 1; }
if [ -f "$DEMO_DIR/cluster-dir" ]; then
  echo "a demo is already up; run 'npm run demo -- down' first" >&2
  exit 1
fi

bash scripts/setup.sh
. scripts/env.sh
mkdir -p "$DEMO_DIR/state"
echo "$EXAMPLE" > "$DEMO_DIR/example"

echo "== starting a throwaway Ceph cluster"
out=$(bash scripts/ceph-cluster.sh start)
echo "$out"
CEPH_CONF=$(echo "$out" | sed -n 's/^CEPH_CONF=//p')
CEPH_DIR=$(echo "$out" | sed -n 's/^CEPH_DIR=//p')
echo "$CEPH_DIR" > "$DEMO_DIR/cluster-dir"

if [ "$EXAMPLE" = quickstart ]; then
  echo "== creating pool 'volumes' (the quickstart expects it)"
  ceph -c "$CEPH_CONF" osd pool create volumes 8 >/dev/null 2>&1
  rbd -c "$CEPH_CONF" pool init volumes
fi

cd "examples/$EXAMPLE"
pulumi stack select --create "$STACK" --non-interactive >/dev/null
pulumi config set ceph:conf "$CEPH_CONF" --stack "$STACK"
if [ -x ./demo-config.sh ]; then ./demo-config.sh "$STACK" "$CEPH_CONF" "$DEMO_DIR"; fi
echo "== pulumi up"
pulumi up --yes --non-interactive --stack "$STACK"
echo "== outputs"
pulumi stack output --stack "$STACK"
cat <<MSG

Look at the result:
  export CEPH_CONF=$CEPH_CONF
  rbd ls -l volumes; rbd info volumes/quickstart-volume
  (cd examples/$EXAMPLE && PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE $ROOT/.tools/bin/pulumi stack --stack $STACK)
Tear it all down:
  npm run demo -- down
MSG
