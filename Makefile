# prism-operator. `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

BIN_DIR ?= $(CURDIR)/bin
RESULTS ?= $(CURDIR)/.test-results
CONTROLPLANE_BINS := etcd kube-apiserver kube-controller-manager kubectl
MOCHA := node_modules/.bin/mocha
export PRISM_BIN_DIR := $(BIN_DIR)

##@ Quick start

.PHONY: local-run
local-run: deps build ## Run the operator locally (embedded control plane when no cluster answers)
	@echo "local-run: the operator process arrives with the controller runtime; the control plane can already be built with 'make controlplane'."

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
e2e-run:
	@$(if $(FILES)$(KEDA_BUILT),,echo "e2e: KEDA is not built, so only the HPA e2e runs ('make keda' adds the KEDA e2e)")
	PRISM_TEST_RESULTS=$(RESULTS) PRISM_TEST_SUITE=e2e $(MOCHA) --config test/e2e/.mocharc.json $(or $(FILES),$(E2E_FILES))

.PHONY: manifests
manifests: deps ## Generate config/crd/bases from the API schemas in src/api
	node_modules/.bin/tsx hack/gen-manifests.ts

.PHONY: rbac-namespaced
rbac-namespaced: deps ## Namespace-scoped RBAC (Roles per namespace) from config/rbac/role.yaml: NAMESPACES=a,b
	node_modules/.bin/tsx hack/gen-rbac-namespaced.ts "$(NAMESPACES)"

.PHONY: docs
docs: deps ## Regenerate the generated parts of README.md (configuration table)
	node_modules/.bin/tsx hack/gen-docs.ts

.PHONY: bench
bench: deps build controlplane ## Benchmarks: work queue, then the operator on a real control plane (N=, N_LARGE=, CONCURRENCY=, STEADY_SECONDS=, UPDATES=)
	node_modules/.bin/tsx test/bench/workqueue.bench.ts
	node_modules/.bin/tsx test/bench/operator.bench.ts

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
