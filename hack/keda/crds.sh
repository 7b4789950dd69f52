#!/usr/bin/env bash
# Prints the directory holding KEDA's CRD YAMLs: config/crd/bases inside the
# github.com/kedacore/keda/v2 module at the version pinned in go.mod. The module
# zip (~3 MB) is fetched through the Go module proxy only when it is not in the
# module cache yet, so re-running is cheap and nothing is copied into the repo.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module=github.com/kedacore/keda/v2

if ! command -v go >/dev/null 2>&1; then
  echo "keda: Go is required to fetch KEDA's CRDs through the module proxy (https://go.dev/dl/)" >&2
  exit 1
fi

# Read the pin from go.mod without loading the module graph, which would fetch
# the go.mod of every KEDA dependency on a cold cache.
version="$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$here/go.mod")"
sum="$(awk -v m="$module" -v v="$version" '$1 == m && $2 == v { print $3 }' "$here/go.sum")"
if [[ -z "$version" || -z "$sum" ]]; then
  echo "keda: no requirement on $module (with its go.sum line) in $here" >&2
  exit 1
fi

# Run go outside this module: its go directive (KEDA's, go 1.26) would make an
# older Go fetch a newer toolchain just to hand out YAML files. The zip is
# checked against this module's go.sum below instead.
cd /
export GO111MODULE=on GOWORK=off
start=$SECONDS
if [[ -d "$(go env GOMODCACHE)/$module@$version" ]]; then
  echo "keda: $module@$version is in the module cache" >&2
else
  echo "keda: downloading $module@$version through GOPROXY (~3 MB)..." >&2
fi
# On failure the reason is in the JSON on stdout, so show it.
if ! json="$(go mod download -json "$module@$version")"; then
  err="$(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  echo "keda: ${err:-$json}" >&2
  exit 1
fi
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$json"; }
if [[ "$(field Sum)" != "$sum" ]]; then
  echo "keda: $module@$version has checksum $(field Sum), go.sum says $sum" >&2
  exit 1
fi
crds="$(field Dir)/config/crd/bases"
if [[ ! -f "$crds/keda.sh_scaledobjects.yaml" ]]; then
  echo "keda: $crds holds no keda.sh_scaledobjects.yaml" >&2
  exit 1
fi
echo "keda: CRDs of $module@$version ready in $((SECONDS - start))s" >&2
echo "$crds"
