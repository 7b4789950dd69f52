#!/usr/bin/env bash
# Builds KEDA's operator, metrics adapter and admission webhooks at the version
# pinned in go.mod into bin/ (or $BIN_DIR) as keda-operator, keda-adapter and
# keda-webhooks. A binary is rebuilt only when it is missing or was built for
# another version, so re-running is cheap. The first build downloads KEDA's
# dependencies (every scaler's SDK) and takes a long while on a small machine.
#
# The build runs inside KEDA's own module (its zip in the module cache, checked
# against this module's go.sum by crds.sh): that module's go.mod carries the
# replace block and its go.sum pins every dependency, so nothing has to be
# copied here and the binaries are exactly what KEDA's release would resolve.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${BIN_DIR:-$root/bin}"
mkdir -p "$bin/.stamps"

crds="$("$here/crds.sh")"
src="${crds%/config/crd/bases}"
version="${src##*@}"

export GO111MODULE=on GOWORK=off GOFLAGS="${GOFLAGS:-} -buildvcs=false"
cd "$src"

build() { # name package
  local name="$1" pkg="$2" stamp="$bin/.stamps/$1"
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    echo "keda: $name $version up to date"
    return
  fi
  echo "keda: building $name $version (first build downloads KEDA's dependencies and takes many minutes)..."
  local start=$SECONDS
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X=github.com/kedacore/keda/v2/version.Version=$version" \
    -o "$bin/$name.tmp" "$pkg"
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$version" > "$stamp"
  echo "keda: built $name in $((SECONDS - start))s"
}

targets=("${@:-keda-operator keda-adapter keda-webhooks}")
for t in ${targets[*]}; do
  case "$t" in
    keda-operator) build keda-operator ./cmd/operator ;;
    keda-adapter) build keda-adapter ./cmd/adapter ;;
    keda-webhooks) build keda-webhooks ./cmd/webhooks ;;
    *) echo "keda: unknown binary $t" >&2; exit 2 ;;
  esac
done
