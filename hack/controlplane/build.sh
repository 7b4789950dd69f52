#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the Go
# module proxy into bin/ (or $BIN_DIR). A binary is rebuilt only when it is
# missing or was built for another version, so re-running is cheap.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${BIN_DIR:-$root/bin}"
mkdir -p "$bin/.stamps"

if ! command -v go >/dev/null 2>&1; then
  echo "controlplane: Go 1.24+ is required to build the control plane (https://go.dev/dl/)" >&2
  exit 1
fi

cd "$here"
k8s="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
etcd="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
minor="${k8s#v1.}"; minor="${minor%%.*}"

# Version ldflags so `--version` and /version report the real release rather
# than v0.0.0-master.
kver="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
kver="$kver -X k8s.io/client-go/pkg/version.gitVersion=$k8s -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

build() { # name package version
  local name="$1" pkg="$2" version="$3" stamp="$bin/.stamps/$1"
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    echo "controlplane: $name $version up to date"
    return
  fi
  echo "controlplane: building $name $version (first build takes several minutes)..."
  local start=$SECONDS
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $kver" -o "$bin/$name.tmp" "$pkg"
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$version" > "$stamp"
  echo "controlplane: built $name in $((SECONDS - start))s"
}

targets=("${@:-etcd kube-apiserver kube-controller-manager kubectl}")
for t in ${targets[*]}; do
  case "$t" in
    etcd) build etcd go.etcd.io/etcd/server/v3 "$etcd" ;;
    kube-apiserver) build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s" ;;
    kube-controller-manager) build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s" ;;
    kubectl) build kubectl k8s.io/kubernetes/cmd/kubectl "$k8s" ;;
    *) echo "controlplane: unknown binary $t" >&2; exit 2 ;;
  esac
done
