#!/usr/bin/env bash
# Installs everything the project needs, idempotently (a second run reuses what the first built):
#  1. Debian packages: Ceph Pacific daemons and CLI, librbd/librados headers, libvirt for the secret tests,
#     oslo.config for reading the generated OpenStack configs as the services do.
#  2. The Pulumi CLI and Node.js language host, built with `go build` from the pinned tools modules.
#  3. npm dependencies (npm ci), the native addon (node-gyp) and the TypeScript build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
log() { printf '[setup] %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------
# python3-oslo.config: tests read every generated OpenStack config file with oslo.config itself.
APT_PACKAGES=(ceph-mon ceph-mgr ceph-osd ceph-common librbd-dev librados-dev python3 g++ make
  libvirt-daemon libvirt-clients python3-oslo.config)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# --- 2. Pulumi CLI and language host (go build through the module proxy) ---------------------
build_go_tool() { # name module-dir package version
  local name=$1 dir=$2 pkg=$3 version=$4
  local stamp="$ROOT/.tools/$name.stamp"
  local want; want="$version $(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16) $(go version)"
  if [ -x "$ROOT/.tools/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "$name $version already built"
    return
  fi
  log "building $name $version with go build (a few minutes the first time)"
  (cd "$dir" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$ROOT/.tools/bin/$name" "$pkg")
  echo "$want" > "$stamp"
}
command -v go >/dev/null || { echo "setup: Go is required to build the Pulumi CLI" >&2; exit 1; }
mkdir -p .tools/bin
PULUMI_VERSION=v$(node -p 'require("./package.json").dependencies["@pulumi/pulumi"]')
grep -q "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION" tools/pulumi/go.mod ||
  { echo "setup: tools/pulumi/go.mod does not pin pkg/v3 $PULUMI_VERSION (package.json's @pulumi/pulumi)" >&2; exit 1; }
build_go_tool pulumi tools/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$PULUMI_VERSION"
LANGHOST_VERSION=$(sed -n 's/^\tgithub.com\/pulumi\/pulumi\/sdk\/v3 \(v[0-9.]*\).*/\1/p' tools/pulumi-language-nodejs/go.mod | head -1)
build_go_tool pulumi-language-nodejs tools/pulumi-language-nodejs \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$LANGHOST_VERSION"
install -m 0755 tools/bin/pulumi-resource-pulumi-nodejs .tools/bin/pulumi-resource-pulumi-nodejs

# --- 3. npm, the addon and the TypeScript build -----------------------------------------------
lock_sum=$(sha256sum package-lock.json | cut -c1-16)
if [ -d node_modules ] && [ "$(cat node_modules/.setup-stamp 2>/dev/null)" = "$lock_sum" ]; then
  log "node_modules up to date"
else
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.setup-stamp
fi
# Examples import the package by name, as users do: link it into node_modules like an install would.
ln -sfn .. node_modules/pulumi-ceph-openstack

addon=native/build/Release/ceph_native.node
if [ ! -f "$addon" ] || [ -n "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null | head -1)" ]; then
  log "building the native addon"
  npm run --silent build:native >/dev/null
else
  log "native addon up to date"
fi
log "compiling TypeScript"
npm run --silent build:ts
log "ready: pulumi $(pulumi version), node $(node --version)"
