# prism-operator. `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

BIN_DIR ?= $(CURDIR)/bin
RESULTS ?= $(CURDIR)/.test-results
CONTROLPLANE_BINS := etcd kube-apiserver kube-controller-manager kubectl
MOCHA := node_modules/.bin/mocha
export PRISM_BIN_DIR := $(BIN_DIR)

# The kubectl built by `make controlplane` when present, else the one on PATH.
KUBECTL ?= $(if $(wildcard $(BIN_DIR)/kubectl),$(BIN_DIR)/kubectl,kubectl)
IMG ?= ghcr.io/prism/prism-operator:latest
# Pinned tool and add-on versions (KEDA's is the module pinned in hack/keda/go.mod).
KIND_VERSION ?= v0.33.0
KIND_CLUSTER ?= prism
KIND ?= $(BIN_DIR)/kind
METRICS_SERVER_VERSION ?= v0.8.0
KEDA_VERSION ?= $(shell awk '$$1 == "require" && $$2 == "github.com/kedacore/keda/v2" { print $$3 }' hack/keda/go.mod)
# Extra flags for the operator under local-run, e.g. ARGS=--http-bind-address=:9091
ARGS ?=
# local-test-*: WATCH=false prints once instead of watching.
WATCH ?= true
export KUBECTL WATCH

##@ Quick start

.PHONY: local-run
local-run: deps dist/.built $(if $(WITH_KEDA),keda) ## Run the operator locally (embedded control plane when no cluster answers; LOCAL_CLUSTER=embedded|current; WITH_KEDA=1 builds and runs KEDA)
	@node dist/cli/main.js local-run $(ARGS)

# Compiles only when a source changed, so a warm local-run starts at once.
dist/.built: node_modules/.installed tsconfig.json tsconfig.build.json $(shell find src -type f)
	node_modules/.bin/tsc -p tsconfig.build.json
	rm -rf dist/statusapi/page && cp -r src/statusapi/page dist/statusapi/page
	@touch $@

.PHONY: test
test: deps controlplane chromium ## Run every test suite (unit + integration + e2e) against a real control plane
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory test-unit
	-@$(MAKE) --no-print-directory test-integration
	-@$(MAKE) --no-print-directory e2e-run
	@node hack/test-summary.mjs $(RESULTS) unit integration e2e

##@ Development

.PHONY: deps
deps: node_modules/.installed ## Install npm dependencies (npm ci) when package-lock.json changed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: build
build: deps ## Compile TypeScript to dist/
	node_modules/.bin/tsc -p tsconfig.build.json
	rm -rf dist/statusapi/page && cp -r src/statusapi/page dist/statusapi/page

.PHONY: lint
lint: deps ## Type-check, lint and check formatting
	node_modules/.bin/tsc -p tsconfig.json --noEmit
	node_modules/.bin/eslint .
	node_modules/.bin/prettier --check .

.PHONY: fmt
fmt: deps ## Format the code with Prettier
	node_modules/.bin/prettier --write .

.PHONY: test-unit
test-unit: deps ## Unit tests (pure logic, no server); FILES=... runs only those
	PRISM_TEST_RESULTS=$(RESULTS) PRISM_TEST_SUITE=unit $(MOCHA) --config test/unit/.mocharc.json $(or $(FILES),'test/unit/**/*.test.ts')

.PHONY: test-integration
test-integration: deps controlplane ## Integration tests on etcd + kube-apiserver + kube-controller-manager; FILES=...
	PRISM_TEST_RESULTS=$(RESULTS) PRISM_TEST_SUITE=integration $(MOCHA) --config test/integration/.mocharc.json $(or $(FILES),'test/integration/**/*.test.ts')

.PHONY: test-e2e
test-e2e: deps controlplane keda ## End-to-end scaling on the real HPA controller and real KEDA (builds KEDA); FILES=...
	@$(MAKE) --no-print-directory e2e-run

# The HPA e2e always; the KEDA e2e when KEDA is built (`make keda`; .ci/run builds it first).
KEDA_BUILT = $(and $(wildcard $(BIN_DIR)/keda-operator),$(wildcard $(BIN_DIR)/keda-adapter))
E2E_FILES = test/e2e/hpa-*.test.ts $(if $(KEDA_BUILT),test/e2e/keda-*.test.ts)
.PHONY: e2e-run
e2e-run: ## Run the e2e suites without building anything first (what `make test` uses)
	@$(if $(FILES)$(KEDA_BUILT),,echo "e2e: KEDA is not built, so only the HPA e2e runs ('make keda' adds the KEDA e2e)")
	PRISM_TEST_RESULTS=$(RESULTS) PRISM_TEST_SUITE=e2e $(MOCHA) --config test/e2e/.mocharc.json $(or $(FILES),$(E2E_FILES))

.PHONY: manifests
manifests: deps ## Generate config/crd/bases (from src/api) and the RBAC roles in config/rbac (from src/controllers/permissions.ts)
	node_modules/.bin/tsx hack/gen-manifests.ts

.PHONY: rbac-namespaced
rbac-namespaced: deps ## Namespace-scoped RBAC (Roles per namespace) from config/rbac/role.yaml: NAMESPACES=a,b
	node_modules/.bin/tsx hack/gen-rbac-namespaced.ts "$(NAMESPACES)"

.PHONY: docs
docs: deps ## Regenerate the generated docs: README.md configuration table, docs/crd-reference.md
	node_modules/.bin/tsx hack/gen-docs.ts

.PHONY: bench
bench: deps build controlplane ## Benchmarks: work queue, then the operator on a real control plane (N=, N_LARGE=, CONCURRENCY=, STEADY_SECONDS=, UPDATES=)
	node_modules/.bin/tsx test/bench/workqueue.bench.ts
	node_modules/.bin/tsx test/bench/operator.bench.ts

##@ Cluster

.PHONY: install
install: ## Install or update the Prism CRDs in the current cluster (server-side apply)
	@hack/local.sh require-cluster
	$(KUBECTL) apply --server-side --force-conflicts -f config/crd/bases
	$(KUBECTL) wait --for=condition=Established --timeout=60s -f config/crd/bases

.PHONY: uninstall
uninstall: ## Remove the Prism CRDs (and with them every Prism object) from the current cluster
	@hack/local.sh require-cluster
	$(KUBECTL) delete --ignore-not-found -f config/crd/bases

.PHONY: local-install-deps
local-install-deps: ## Install metrics-server and KEDA (pinned releases) into the current cluster; idempotent
	@hack/local.sh install-deps $(METRICS_SERVER_VERSION) $(KEDA_VERSION)

.PHONY: local-test-hpa
local-test-hpa: ## Apply the HPA sample, then watch its HPA (WATCH=false: print once)
	@hack/local.sh try-sample samples/prismpattern_hpa_example.yaml hpa

.PHONY: local-test-keda
local-test-keda: ## Apply the KEDA Kafka sample, then watch its ScaledObject
	@hack/local.sh try-sample samples/prismpattern_keda_kafka_example.yaml scaledobject

.PHONY: local-test-multi
local-test-multi: ## Apply the multi-trigger KEDA sample, then watch its ScaledObject
	@hack/local.sh try-sample samples/prismpattern_keda_multi_trigger_example.yaml scaledobject

.PHONY: local-status
local-status: ## Show Prism objects, HPAs, ScaledObjects, deployments and pods in every namespace with Prism objects
	@hack/local.sh status

.PHONY: local-clean
local-clean: ## Delete Prism objects and what the operator created (label managed-by=prism-operator) only
	@hack/local.sh clean

.PHONY: kind-up
kind-up: ## Create the kind cluster from hack/kind/config.yaml (needs Docker; installs kind into bin/)
	@hack/local.sh require-docker
	@[[ -x "$(KIND)" ]] || { echo "installing kind $(KIND_VERSION) into $(BIN_DIR)"; GOBIN="$(BIN_DIR)" go install sigs.k8s.io/kind@$(KIND_VERSION); }
	@if "$(KIND)" get clusters | grep -qx "$(KIND_CLUSTER)"; then echo "kind cluster $(KIND_CLUSTER) exists"; \
	  else "$(KIND)" create cluster --name "$(KIND_CLUSTER)" --config hack/kind/config.yaml; fi

.PHONY: kind-down
kind-down: ## Delete the kind cluster
	@hack/local.sh require-docker
	@[[ -x "$(KIND)" ]] || { echo "kind is not installed in $(BIN_DIR): nothing to delete"; exit 0; }; \
	  "$(KIND)" delete cluster --name "$(KIND_CLUSTER)"

.PHONY: deploy
deploy: ## Deploy the operator (kustomize config/default) with image IMG= into the current cluster
	@hack/local.sh require-cluster
	$(KUBECTL) kustomize config/default | sed 's|image: ghcr.io/prism/prism-operator:latest|image: $(IMG)|' \
	  | $(KUBECTL) apply --server-side --force-conflicts -f -

.PHONY: undeploy
undeploy: ## Remove what deploy created, CRDs included (so every Prism object)
	@hack/local.sh require-cluster
	$(KUBECTL) kustomize config/default | $(KUBECTL) delete --ignore-not-found -f -

##@ Image

.PHONY: docker-build
docker-build: ## Build the operator image IMG= (needs Docker)
	@hack/local.sh require-docker
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image IMG= (needs Docker)
	@hack/local.sh require-docker
	docker push $(IMG)

##@ Control plane

# KEDA's operator, metrics adapter and admission webhooks, built from the module pinned in hack/keda.
KEDA_BINS := keda-operator keda-adapter keda-webhooks
.PHONY: keda
keda: ## Build KEDA (operator, metrics adapter, webhooks) into bin/ (only when missing; slow the first time)
	@bash hack/keda/build.sh $(KEDA_BINS)

.PHONY: controlplane
controlplane: ## Build etcd, kube-apiserver, kube-controller-manager, kubectl into bin/ (only when missing)
	@bash hack/controlplane/build.sh $(CONTROLPLANE_BINS)

# KEDA's CRDs ship in its Go module (pinned in hack/keda/go.mod); nothing is copied into the repo.
.PHONY: keda-crds
keda-crds: ## Download KEDA's CRDs through the Go module proxy (prints their directory)
	@bash hack/keda/crds.sh

# The status page test drives Debian's Chromium (never a downloaded browser); installed once, as root.
.PHONY: chromium
chromium: ## Install Debian's chromium package for the status page test (only when missing)
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

.PHONY: clean
clean: ## Remove build output and test results (keeps the control plane binaries)
	rm -rf dist $(RESULTS)

.PHONY: clean-all
clean-all: clean ## Also remove bin/ (the control plane is rebuilt on next use)
	rm -rf $(BIN_DIR)

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)
