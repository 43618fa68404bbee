# terraform-aws-sfn-concurrency-lease — targets a newcomer can guess.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: help setup build docs test test-apply package package-aot package-managed bench bench-sfn demo fmt clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install the local peers (DynamoDB Local, ASL interpreter, validators) and restore packages
	@bash scripts/setup.sh

build: setup ## Build the solution
	dotnet build LeaseManager.sln --configuration Release --nologo

test: setup package ## Run every test suite (the one test command)
	@bash scripts/test.sh

test-apply: setup ## Only the real apply test: examples and quick start against moto (init, apply, no-change plan, destroy)
	@bash scripts/test.d/50-apply.parallel.sh

package: setup ## Build both Lambda zips into artifacts/ (Native AOT bootstrap + framework-dependent)
	@bash scripts/package.sh all

package-aot: ## Build only the Native AOT zip (provided.al2023)
	@bash scripts/package.sh aot

package-managed: ## Build only the framework-dependent zip (dotnet8), for machines without a native toolchain
	@bash scripts/package.sh managed

demo: setup package ## Run examples/shared-table locally (two workflows, one lease table), then poll vs callback side by side; no AWS
	dotnet build tests/LocalLambda --configuration Release --nologo -v quiet
	dotnet build src/LeaseManager.Cli --configuration Release --nologo -v quiet
	@source scripts/terraform-env.sh && node tests/harness/demo.mjs

bench: setup package ## Run every benchmark side by side and rewrite docs/benchmarks.md
	dotnet run --project benchmarks/LeaseManager.Benchmarks --configuration Release -- --out docs/benchmarks.md

bench-sfn: setup package ## Only the Step Functions part of make bench (about 5 minutes); rewrites its section of docs/benchmarks.md
	dotnet run --project benchmarks/LeaseManager.Benchmarks --configuration Release -- --only sfn --out docs/benchmarks.md

docs: ## Regenerate the inputs/outputs tables in docs/reference.md and the examples' READMEs
	node tools/tfdocs.mjs . docs/reference.md
	for d in examples/*/; do [ -f $$d/README.md ] && node tools/tfdocs.mjs --full $$d $$d/README.md; done; true

fmt: ## Format C# and Terraform sources
	dotnet format LeaseManager.sln --verbosity quiet
	terraform fmt -recursive

clean: ## Remove build output
	rm -rf artifacts out
	find . -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
