#!/usr/bin/env bash
# Helpers behind the Makefile's cluster targets (make local-status, local-clean,
# local-test-*, local-install-deps, ...). Every command works on the current
# kubeconfig context; none is interactive.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUBECTL="${KUBECTL:-kubectl}"
WATCH="${WATCH:-true}"
MANAGED=app.kubernetes.io/managed-by=prism-operator
PRISM_KINDS=prismpatterns.prism.io,prismbackends.prism.io,prismnamespaces.prism.io,prismstacks.prism.io
k() { "$KUBECTL" "$@"; }

require_cluster() {
  if ! command -v "$KUBECTL" >/dev/null 2>&1; then
    echo "kubectl not found: run 'make controlplane' (builds bin/kubectl) or install kubectl" >&2
    exit 1
  fi
  if ! k version --request-timeout=5s >/dev/null 2>&1; then
    local ctx
    ctx="$(k config current-context 2>/dev/null || echo none)"
    echo "no Kubernetes cluster answers (current context: $ctx)." >&2
    echo "  start one with 'make kind-up' (Docker), use Docker Desktop's cluster, or run 'make local-run'" >&2
    echo "  (embedded control plane) and 'export KUBECONFIG=\$PWD/.controlplane/kubeconfig' in this shell." >&2
    exit 1
  fi
}

require_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    echo "this target needs Docker, and no 'docker' command is installed (https://docs.docker.com/get-docker/)." >&2
    echo "  without Docker: 'make local-run' runs the operator on an embedded control plane." >&2
    exit 1
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "this target needs Docker, and the Docker daemon does not answer ('docker info' fails): start Docker." >&2
    exit 1
  fi
}

# Whether the cluster serves a resource (e.g. scaledobjects.keda.sh).
served() { k get crd "$1" >/dev/null 2>&1; }

install_deps() {
  local metrics_version="$1" keda_version="$2"
  require_cluster
  echo "metrics-server $metrics_version"
  k apply --server-side --force-conflicts \
    -f "https://github.com/kubernetes-sigs/metrics-server/releases/download/$metrics_version/components.yaml"
  # kind and Docker Desktop kubelets serve self-signed certificates.
  case "$(k config current-context)" in
    kind-* | docker-desktop)
      if ! k -n kube-system get deployment metrics-server -o jsonpath='{.spec.template.spec.containers[0].args}' |
        grep -q -- --kubelet-insecure-tls; then
        k -n kube-system patch deployment metrics-server --type=json \
          -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]'
      fi
      ;;
  esac
  echo "KEDA $keda_version"
  k apply --server-side --force-conflicts \
    -f "https://github.com/kedacore/keda/releases/download/$keda_version/keda-${keda_version#v}.yaml"
  echo "waiting for metrics-server and KEDA to be available"
  k -n kube-system rollout status deployment/metrics-server --timeout=180s
  k -n keda rollout status deployment/keda-operator --timeout=180s
  k -n keda rollout status deployment/keda-operator-metrics-apiserver --timeout=180s
}

# Applies a sample and watches its autoscaler (hpa or scaledobject) in the sample's namespace.
try_sample() {
  local file="$1" kind="$2" ns
  require_cluster
  ns="$(awk '$1 == "namespace:" { print $2; exit }' "$file")"
  if [[ "$kind" == scaledobject ]] && ! served scaledobjects.keda.sh; then
    echo "KEDA is not installed in this cluster: run 'make local-install-deps' (or use 'make local-run'," >&2
    echo "  which installs KEDA's CRDs on its embedded control plane). Applying anyway: the pattern" >&2
    echo "  reports ScalerReady=False, reason KEDANotInstalled, until KEDA arrives." >&2
  fi
  k apply --server-side -f "$file"
  echo "--- $kind in namespace $ns (the operator must be running: make local-run)"
  if [[ "$WATCH" == true ]]; then
    k -n "$ns" get "$kind" -w
  else
    sleep 3
    k -n "$ns" get "$kind"
  fi
}

require_crds() {
  if ! served prismpatterns.prism.io; then
    echo "the Prism CRDs are not installed in this cluster: run 'make install' (make local-run does it too)" >&2
    exit 1
  fi
}

status() {
  require_cluster
  require_crds
  local namespaces kinds
  namespaces="$(k get "$PRISM_KINDS" -A --ignore-not-found \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' | sort -u)"
  if [[ -z "$namespaces" ]]; then
    echo "no Prism objects in any namespace (try 'make local-test-hpa')"
    return 0
  fi
  kinds="$PRISM_KINDS,horizontalpodautoscalers"
  served scaledobjects.keda.sh && kinds="$kinds,scaledobjects.keda.sh"
  for ns in $namespaces; do
    echo "=== namespace $ns"
    k -n "$ns" get "$kinds,deployments,pods" --ignore-not-found
    echo
  done
}

# Deletes Prism objects and what the operator made (by its label) only; never
# other HPAs or ScaledObjects.
clean() {
  require_cluster
  require_crds
  k delete "$PRISM_KINDS" -A --all --ignore-not-found --wait=false
  local kinds=deployments,services,configmaps,poddisruptionbudgets,horizontalpodautoscalers
  served scaledobjects.keda.sh && kinds="$kinds,scaledobjects.keda.sh,triggerauthentications.keda.sh"
  k delete "$kinds" -A -l "$MANAGED" --ignore-not-found --wait=false
}

cmd="${1:-}"
shift || true
case "$cmd" in
  require-cluster) require_cluster ;;
  require-docker) require_docker ;;
  install-deps) install_deps "$@" ;;
  try-sample) try_sample "$@" ;;
  status) status ;;
  clean) clean ;;
  *)
    echo "usage: hack/local.sh require-cluster|require-docker|install-deps|try-sample|status|clean" >&2
    exit 2
    ;;
esac
