# tidings: `make dev` runs everything locally, `make test` runs every check.
# Both install what is missing: a project-local Python virtualenv (.venv) for moto and
# cfn-lint, the web app's npm packages (web/node_modules) and, for its browser tests,
# Debian's Chromium. Everything else is Cargo.

SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
export CARGO_TERM_COLOR ?= never

.PHONY: dev test readme web-test bench capacity package deploy-check lint fmt clean

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Local AWS stack (moto for SES/SNS/S3, DynamoDB embedded), the local API on :3000 and the
## web app at http://127.0.0.1:3000/app/ (built with npm from web/package-lock.json).
dev: $(VENV)/.installed
	scripts/dev.sh

## fmt, clippy, cfn-lint, then every test against a moto server started on a free port.
test: $(VENV)/.installed
	scripts/test.sh

## The web app's journeys in Debian's Chromium (Playwright), against their own local API.
web-test: $(VENV)/.installed
	scripts/web-test.sh

## README.md's walk-through, run against its own local API and checked block by block.
readme: $(VENV)/.installed
	scripts/readme.sh

## One table: package sizes, start-up time and memory, throughput, capacity and price.
bench: $(VENV)/.packaging
	scripts/bench.sh

$(VENV)/.packaging: requirements-package.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-package.txt
	touch $@

## Every function for Lambda (arm64): target/lambda/<function>/bootstrap.zip, sizes printed.
package: $(VENV)/.packaging
	scripts/package.sh

$(VENV)/.deploying: requirements-deploy.txt $(VENV)/.packaging
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
	touch $@

## `sam validate --lint` and `sam build` (arm64, no Docker), without deploying.
deploy-check: $(VENV)/.deploying
	scripts/deploy-check.sh

## DynamoDB requests and capacity units per operation, with the price per million (email
## replies against a moto server it starts for S3).
capacity: $(VENV)/.installed
	scripts/capacity.sh

lint: $(VENV)/.installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/cfn-lint infra/template.yaml

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf $(VENV) .tidings web/node_modules web/dist
