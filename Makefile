# greenfi front door. `make demo` and `make test` set everything up on first use:
# a virtualenv at .venv with the pinned Python packages, the npm dev tools, and the Solidity compiler.
# A second run reinstalls nothing (stamp files track pyproject.toml, requirements.lock, package-lock.json).

VENV      := .venv
BIN       := $(VENV)/bin
NETWORK   ?= development
PYTHON    ?= $(shell command -v python3.11 || command -v python3)
PY_STAMP  := $(VENV)/.greenfi-installed
NPM_STAMP := node_modules/.greenfi-installed
DEB_STAMP := $(VENV)/.greenfi-debian-packages
SLITHER_VENV  := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.greenfi-installed

export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)

.PHONY: setup demo test test-deep test-forge test-forge-deep compile lock clean help bench bench-check slither coverage coverage-brownie mutation forge-vectors lint-imports test-operator

help:
	@echo "make demo            run the end-to-end demo on an embedded local chain (NETWORK=$(NETWORK))"
	@echo "make test            run the whole test suite: the forge suites (test/foundry) and the operator tests beside Brownie"
	@echo "                     (NETWORK=ganache for ganache; BROWNIE_WORKERS=$(BROWNIE_WORKERS) xdist workers, each with its own node)"
	@echo "make test ARGS=tests/token   only those paths or node ids, with Brownie; other ARGS go to brownie test (ARGS=\"-k bond -x\")"
	@echo "make test-deep       both with 10x longer stateful runs (hypothesis x10, forge invariants 2,560 runs x 500 calls)"
	@echo "make test-operator   only the operator runbook and the live-like rehearsal (tests/operator, docs/operator.md)"
	@echo "make test-forge      only the forge suites (test/foundry: invariant, differential, unit; docs/quality.md)"
	@echo "make mutation        seed one bug per conservation law and show its invariant suite fail (tools/mutation.py)"
	@echo "make bench           run every benchmark; write bench/results.json and bench/results.md"
	@echo "make bench-check     fail if a gas figure grew more than 2% over bench/results.json"
	@echo "make coverage        contract line+branch coverage from forge coverage: reports/forge-coverage/ (lcov.info, summary.md)"
	@echo "make coverage-brownie the Brownie-traced coverage (slow): reports/coverage-summary.json"
	@echo "make lint-imports    check the Python layering (pyproject.toml [tool.importlinter], docs/architecture.md)"
	@echo "make slither         static analysis of every contract; fails on untriaged findings (slither.triage.json)"
	@echo "make setup           only install: .venv, npm dev tools, Solidity compiler"
	@echo "make lock            re-pin requirements.lock from the current .venv"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "greenfi needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml requirements.lock | $(BIN)/python
	@echo "[1/3] Python packages into $(VENV) (the first time: about a minute)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@echo "[2/3] npm dev tools into node_modules (anvil, ganache, solc; the first time: about a minute)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(DEB_STAMP): debian-packages.txt | $(BIN)/python
	tools/install_debian_packages.sh debian-packages.txt
	@touch $@

setup: $(PY_STAMP) $(NPM_STAMP)
	@echo "[3/3] Solidity compiler and Brownie networks"
	@$(BIN)/greenfi toolchain

compile: setup
	$(BIN)/brownie compile

# Three jobs side by side: the forge suites (CPU-bound, so niced: they take what the other two leave), the
# operator tests (tests/operator: a runbook and a rehearsal that mostly wait on their own nodes' 2-second
# blocks and on CLI start-ups) and the rest of the Brownie suite, in BROWNIE_WORKERS pytest-xdist workers,
# each with its own anvil (Brownie waits on its node, so one worker leaves a core idle; the slow modules
# go first: tests/support/schedule.py). The operator tests use no Brownie fixture and start their own
# nodes on free ports, so they run under plain pytest (Brownie's plugin off). forge compiles into
# build/forge/ while Brownie compiles build/contracts/ (both Brownie and the operator's CLI read it).
# The side jobs' output goes to reports/test-*.log and is printed when all are done; the target fails
# if any failed.
# `make test ARGS=...`: paths (or node ids) in ARGS run just those with Brownie, no side jobs; the other
# words of ARGS go to `brownie test` as options (ARGS="-k voucher -x").
OPERATOR_TESTS = tests/operator
BROWNIE_WORKERS ?= 2
TEST_PATHS = $(foreach word,$(ARGS),$(if $(wildcard $(firstword $(subst ::, ,$(word)))),$(word)))
TEST_OPTIONS = $(filter-out $(TEST_PATHS),$(ARGS))
BROWNIE_TEST = $(BIN)/brownie test $(or $(TEST_PATHS),tests --ignore=$(OPERATOR_TESTS)) --network $(NETWORK) \
	-n $(BROWNIE_WORKERS) --durations=25 $(TEST_OPTIONS)
# Compiled before `brownie test`: its first process then prunes build/ before the workers start (each
# worker loads the project and deletes unused dependency artifacts, which races when two find the same).
BROWNIE_COMPILE = $(BIN)/brownie compile > reports/compile.log 2>&1
test: setup $(DEB_STAMP)
ifneq ($(strip $(TEST_PATHS)),)
	@mkdir -p reports; $(BROWNIE_COMPILE) || { cat reports/compile.log; exit 1; }
	$(BROWNIE_TEST)
else
	@mkdir -p reports; status=0; \
	nice -n 10 $(MAKE) --no-print-directory test-forge > reports/test-forge.log 2>&1 & forge=$$!; \
	$(BROWNIE_COMPILE) || { cat reports/compile.log; kill $$forge; exit 1; }; \
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/python -m pytest $(OPERATOR_TESTS) --confcutdir=$(OPERATOR_TESTS) \
		-p no:cacheprovider -q --durations=15 > reports/test-operator.log 2>&1 & operator=$$!; \
	$(BROWNIE_TEST) || status=$$?; \
	wait $$operator || status=$$?; \
	wait $$forge || status=$$?; \
	echo "---- the operator tests (reports/test-operator.log)"; cat reports/test-operator.log; \
	echo "---- make test-forge (reports/test-forge.log)"; cat reports/test-forge.log; \
	exit $$status
endif

test-operator: setup
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/python -m pytest $(OPERATOR_TESTS) --confcutdir=$(OPERATOR_TESTS) -p no:cacheprovider $(ARGS)

test-deep: setup $(DEB_STAMP)
	@status=0; \
	$(MAKE) --no-print-directory test-forge-deep || status=$$?; \
	GREENFI_STATEFUL_SCALE=10 $(BIN)/brownie test $(TEST_PATHS) --network $(NETWORK) $(TEST_OPTIONS) || status=$$?; \
	exit $$status

# forge (npm @foundry-rs/forge) with the compiler greenfi toolchain resolved: see tools/forge, foundry.toml.
forge-vectors: setup
	$(BIN)/python tools/forge_vectors.py

# Two compilations: all of test/foundry at once is more than the solcjs shim's wasm memory holds
# (RuntimeError: memory access out of bounds), so the suites and the unit tests build apart.
FORGE_SUITES = --skip '*/foundry/unit/*'
FORGE_UNIT = --skip '*/foundry/invariant/*' --skip '*/foundry/differential/*' --match-path 'test/foundry/unit/*'

test-forge: forge-vectors
	tools/forge test $(FORGE_SUITES) $(FORGE_ARGS)
	tools/forge test $(FORGE_UNIT) $(FORGE_ARGS)

test-forge-deep: forge-vectors
	FOUNDRY_PROFILE=deep tools/forge test $(FORGE_SUITES) $(FORGE_ARGS)
	FOUNDRY_PROFILE=deep tools/forge test $(FORGE_UNIT) $(FORGE_ARGS)

mutation: forge-vectors
	$(BIN)/python tools/mutation.py $(ARGS)

bench: setup
	$(BIN)/greenfi bench --network $(NETWORK) $(ARGS)

# The layers of the Python code may import only downward (docs/architecture.md).
lint-imports: setup
	$(BIN)/lint-imports --no-cache

bench-check: setup
	$(BIN)/brownie test tests/quality --network $(NETWORK)

coverage: forge-vectors
	$(BIN)/python tools/forge_coverage.py $(ARGS)

# anvil needs --steps-tracing for coverage, and brownie 1.22 needs three work-arounds: see tools/brownie_coverage.py.
coverage-brownie: setup $(DEB_STAMP)
	$(BIN)/python tools/brownie_coverage.py --network $(NETWORK) $(ARGS)

# Slither lives in its own venv (requirements-slither.lock): see tools/run_slither.py.
$(SLITHER_STAMP): requirements-slither.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "greenfi needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-slither.lock
	@touch $@

slither: setup $(SLITHER_STAMP)
	@mkdir -p reports
	$(SLITHER_VENV)/bin/python tools/run_slither.py --json reports/slither.json \
		--solc "$$($(BIN)/python -c 'from greenfi.toolchain.solc import resolve_solc; print(resolve_solc().path)')"

demo: setup
	$(BIN)/greenfi demo --network $(NETWORK)

lock: | $(BIN)/python
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^greenfi' > requirements.lock

clean:
	rm -rf build reports/*/ .hypothesis

# The dApp dashboard (docs/dashboard.md): serve it for NETWORK, or rewrite docs/dashboard.png.
.PHONY: dashboard dashboard-screenshot
dashboard: setup
	$(BIN)/greenfi dashboard --network $(NETWORK) $(ARGS)

dashboard-screenshot: setup $(DEB_STAMP)
	$(BIN)/python -m greenfi.dashboard.screenshot $(ARGS)
