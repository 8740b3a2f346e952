#!/usr/bin/env bash
# Installs everything the project needs, idempotently (a second run reuses what the first built):
#  1. Debian packages: Ceph Pacific daemons and CLI, librbd/librados headers, libvirt for the secret tests,
#     oslo.config for reading the generated OpenStack configs as the services do, etcd for Kubernetes.
#  2. The Pulumi CLI and Node.js language host, built with `go build` from the pinned tools modules;
#     the Kubernetes resource plugin, kube-apiserver and kube-controller-manager likewise (for the
#     Kubernetes delivery and its tests; the longest part of a cold set-up).
#  3. npm dependencies (npm ci), the native addon (node-gyp) and the TypeScript build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
log() { printf '[setup] %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------
# python3-oslo.config: tests read every generated OpenStack config file with oslo.config itself.
# rbd-mirror: the replication tests run Debian's daemon (same Ceph release) between two throwaway clusters.
APT_PACKAGES=(ceph-mon ceph-mgr ceph-osd ceph-common librbd-dev librados-dev python3 g++ make
  libvirt-daemon libvirt-clients python3-oslo.config etcd-server openssl curl rbd-mirror)
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
build_go_tool() { # name module-dir package version [version-ldflags]
  local name=$1 dir=$2 pkg=$3 version=$4
  local ldflags=${5:--X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version}
  local out=${GO_TOOL_OUT:-$ROOT/.tools/bin}
  local stamp="$ROOT/.tools/$name.stamp"
  local want; want="$version $(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16) $(go version)"
  if [ -x "$out/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    log "$name $version already built"
    return
  fi
  log "building $name $version with go build (minutes the first time)"
  (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out/$name" "$pkg")
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

# The Kubernetes control plane for the Kubernetes delivery's tests (scripts/kube-cluster.sh).
go_mod_version() { sed -n "s|^[[:space:]]*\(require \)\{0,1\}$2 \(v[^ ]*\).*|\2|p" "$1" | head -1; }
KUBE_VERSION=$(go_mod_version tools/kubernetes/go.mod k8s.io/kubernetes)
KUBE_LDFLAGS="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
KUBE_LDFLAGS+=" -X k8s.io/component-base/version.gitMajor=$(echo "$KUBE_VERSION" | cut -d. -f1 | tr -d v)"
KUBE_LDFLAGS+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)"
for daemon in kube-apiserver kube-controller-manager; do
  build_go_tool "$daemon" tools/kubernetes "k8s.io/kubernetes/cmd/$daemon" "$KUBE_VERSION" "$KUBE_LDFLAGS"
done

# The Kubernetes resource plugin, at the version of the @pulumi/kubernetes package.json pins. Its
# main package embeds two files the published module lacks: build from a writable copy of the
# verified module (tools/pulumi-kubernetes/go.mod replaces the module with it) with them written.
K8S_PLUGIN_VERSION=$(node -p 'require("./package.json").dependencies["@pulumi/kubernetes"]')
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_PSEUDO=$(go_mod_version tools/pulumi-kubernetes/go.mod "$K8S_PROVIDER_MODULE")
K8S_BUILD=.tools/build/pulumi-kubernetes-provider
if [ ! -f "$K8S_BUILD/.source" ] || [ "$(cat "$K8S_BUILD/.source")" != "$K8S_PROVIDER_PSEUDO $K8S_PLUGIN_VERSION" ]; then
  # Outside any module, so the replace below does not apply to the download itself.
  src=$(cd "$(mktemp -d)" && go mod download -json "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
  rm -rf "$K8S_BUILD" && mkdir -p "$(dirname "$K8S_BUILD")" && cp -r "$src" "$K8S_BUILD" && chmod -R u+w "$K8S_BUILD"
  node scripts/kubernetes-plugin-embeds.js "$K8S_BUILD/cmd/pulumi-resource-kubernetes" "$K8S_PLUGIN_VERSION"
  echo "$K8S_PROVIDER_PSEUDO $K8S_PLUGIN_VERSION" > "$K8S_BUILD/.source"
fi
mkdir -p "$ROOT/.tools/build/bin"
GO_TOOL_OUT="$ROOT/.tools/build/bin" build_go_tool pulumi-resource-kubernetes tools/pulumi-kubernetes \
  "$K8S_PROVIDER_MODULE/cmd/pulumi-resource-kubernetes" "$K8S_PLUGIN_VERSION" \
  "-X $K8S_PROVIDER_MODULE/pkg/version.Version=$K8S_PLUGIN_VERSION"
# Installed as the engine's plugin (so nothing tries to download it, npm's install script included).
if ! pulumi plugin ls --json 2>/dev/null | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{
      const want=process.argv[1]; const l=JSON.parse(s||"[]");
      process.exit(l.some(p=>p.name==="kubernetes"&&p.kind==="resource"&&p.version===want)?0:1)})' "$K8S_PLUGIN_VERSION" ||
    [ "$ROOT/.tools/build/bin/pulumi-resource-kubernetes" -nt "$ROOT/.tools/kubernetes-plugin.installed" ]; then
  log "installing the kubernetes plugin $K8S_PLUGIN_VERSION into PULUMI_HOME"
  pulumi plugin install resource kubernetes "$K8S_PLUGIN_VERSION" --reinstall --file "$ROOT/.tools/build/bin/pulumi-resource-kubernetes" >/dev/null
  touch "$ROOT/.tools/kubernetes-plugin.installed"
fi

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
