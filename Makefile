# stickgen: `make repro` sets up and runs the pipeline; `make test` sets up and runs the suite.
# Python >= 3.11: python3.11 when present (the version requirements.txt is checked on), else a newer one.
PYTHON ?= $(firstword $(foreach p,python3.11 python3.12 python3.13 python3.14 python3,$(if $(shell command -v $(p) 2>/dev/null),$(p))))
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export HF_HUB_OFFLINE ?= 1
export DVC_NO_ANALYTICS := 1
# Python writes the bytecode of what it imports (the install compiles nothing), where the environment asks
# it not to as well: every import of every stage would compile again (.dvcignore keeps it out of the
# stages' dependencies)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup lock browser repro test quality format plots reproduce-check verify-cache params clean-venv

setup: $(VENV)/.installed

# the exact versions of requirements.lock (every distribution, transitive ones included), not a fresh
# resolution of requirements.txt: a clone set up months later gets the same environment. Nothing is
# compiled at install: pip compiles every file on one core (a 69-s install here, 33 s without; all files on
# two cores took 21 s more), where the pipeline imports a fraction of them, compiled on first import
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "stickgen needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# re-resolve requirements.txt into requirements.lock: a throw-away venv installs requirements.txt (the
# registries' newest matching versions), tools/lock.py pins what it installed; then `make setup` uses it
LOCK_VENV := $(VENV)-lock
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -r requirements.txt
	$(LOCK_VENV)/bin/python tools/lock.py --requirements requirements.txt --out requirements.lock
	rm -rf $(LOCK_VENV)

# the cache is rehashed first: DVC trusts it, and would restore a corrupted object for a stage to train on
repro: setup verify-cache
	dvc repro
	@echo "model:   models/production/ (the selected model; why: eval_results/selection.json)"
	@echo "         every checkpoint: models/<variant>/<phase>/model_checkpoint_best.pth"
	@echo "metrics: eval_results/<variant>/<phase>/metrics.json  (dvc metrics show; dvc plots show)"
	@echo "try it:  stickgen generate \"a person waves\" --checkpoint models/production --out wave.gif"

# the browser tests' Chromium (Debian's package; playwright's own browser download is not reachable everywhere)
# and Blender for the BVH import test: apt-get installs the missing ones when running as root (CI); otherwise
# a hint. Blender is optional (its test skips without it); Chromium is not (STICKGEN_REQUIRE_BROWSER below).
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="chromium"; \
	command -v blender >/dev/null 2>&1 || missing="$$missing blender"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install$$missing (for the browser and Blender tests)"; \
		apt-get update -qq; \
		for pkg in $$missing; do DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg >/dev/null \
			|| echo "make: apt-get could not install $$pkg"; done; \
	else echo "make: not installed:$$missing (as root: apt-get install -y$$missing; the browser tests need chromium)"; fi

# TEST_WORKERS: processes the suite runs in (pytest-xdist; auto: one per core; tests/conftest.py shares it out)
TEST_WORKERS ?= auto
# STICKGEN_REQUIRE_BROWSER: a missing browser fails the browser tests instead of skipping them (tests/browserkit.py)
test: setup browser
	STICKGEN_REQUIRE_BROWSER=$${STICKGEN_REQUIRE_BROWSER:-1} python -m pytest -n $(TEST_WORKERS)

plots: setup  ## render the DVC plots offline into plots/ (PNG + self-contained index.html)
	python -m stickgen.ops.plots --out plots $(REVS)

params: setup  ## params.yaml composed from conf/ (default profile) with DVC's own writer, as `dvc exp run` does
	python -c "import os; from dvc.utils.hydra import compose_and_dump; \
	compose_and_dump('params.yaml', os.path.abspath('conf'), None, 'config', os.getcwd(), [])"

verify-cache: setup  ## rehash every DVC cache object against its name; exit 1 naming each corrupt one
	python -m stickgen.ops.cache_check

reproduce-check: setup  ## rerun the data stages twice from scratch; their dvc.lock hashes must match
	python -m stickgen.ops.reproduce --out reproduce_check.json

quality: setup
	ruff check src stages tests bench tools
	ruff format --check src stages tests bench tools

format: setup
	ruff format src stages tests bench tools
	ruff check --fix src stages tests bench tools

clean-venv:
	rm -rf $(VENV)
