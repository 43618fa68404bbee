# terraform-aws-sfn-concurrency-lease — targets a newcomer can guess.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: help setup build test package bench demo fmt clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install the local peers (DynamoDB Local, ASL interpreter, validators) and restore packages
	@bash scripts/setup.sh

build: setup ## Build the solution
	dotnet build LeaseManager.sln --configuration Release --nologo

test: setup ## Run every test suite (the one test command)
	@bash scripts/test.sh

fmt: ## Format C# and Terraform sources
	dotnet format LeaseManager.sln --verbosity quiet
	terraform fmt -recursive

clean: ## Remove build output
	rm -rf artifacts out
	find . -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
