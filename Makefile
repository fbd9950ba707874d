# pysam-s3. Quick start (README.md): `make wheel`, then `make test`.
#
#   make wheel                      build, repair and verify the wheel for python3 -> dist/
#   make wheel PYTHONS="3.9 3.13"   ... for each listed CPython (any on PATH or in pyenv)
#   make wheel PYTHONS=all          ... for every CPython 3.9-3.13 found on the machine
#   make test                       the whole test suite (builds first if needed)
#   make clean                      remove build outputs (keeps verified downloads)

PYTHON  ?= python3
PYTHONS ?= $(PYTHON)
VENV    := .venv
TOOLS   := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: wheel test system-packages tools clean distclean
.DEFAULT_GOAL := wheel

system-packages:
	@sh scripts/apt-install.sh requirements/apt.txt

$(VENV)/.ready: requirements/tools.txt | system-packages
	@echo "==> creating the tool environment $(VENV)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements/tools.txt
	touch $@

tools: system-packages $(VENV)/.ready

wheel: tools
	$(TOOLS) -m recipe wheel $(addprefix --python ,$(PYTHONS))

test: wheel
	$(TOOLS) -m recipe test $(addprefix --python ,$(PYTHONS)) -- $(PYTEST_ARGS)

clean:
	find build -mindepth 1 -maxdepth 1 ! -name README.md ! -name downloads -exec rm -rf {} +
	rm -rf dist vendor/*/src

distclean: clean
	rm -rf build/downloads $(VENV)
