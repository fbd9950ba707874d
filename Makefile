# pysam-s3. Quick start (README.md): `make wheel`, then `make test`.
#
#   make wheel                      build, repair and verify the wheel for python3 -> dist/
#   make wheel PYTHONS="3.9 3.13"   ... for each listed CPython (any on PATH or in pyenv)
#   make wheel PYTHONS=all          ... for every CPython 3.9-3.13 found on the machine
#   make test                       the whole test suite (builds first if needed)
#   make compare                    the S3 suite with our wheel and with stock pysam -> build/compare/table.md
#   make test-endpoint ENDPOINT=https://... BUCKET=b [PREFIX=p] [REGION=r]
#                                   the S3 suite against your own endpoint (credentials: AWS_*, ~/.aws)
#   make sdist                      the project's sdist -> dist/, checked, and built offline once
#   make sbom                       a CycloneDX SBOM next to each wheel in dist/
#   make check-pins                 is a bundled library behind a security release? (fails if so; needs network)
#   make reproducible               build twice from clean clones of HEAD, compare the wheels
#   make bench                      ours vs stock pysam: speed, S3 requests, sizes, rebuild -> build/bench/
#   make clean                      remove build outputs (keeps verified downloads)

PYTHON  ?= python3
PYTHONS ?= $(PYTHON)
VENV    := .venv
TOOLS   := $(VENV)/bin/python
PYTEST_ARGS ?=

COMPARE := build/compare
S3_SUITE := tests/s3 tests/network_stack

.PHONY: wheel test compare test-endpoint sdist sbom check-pins reproducible bench system-packages test-packages tools clean distclean
.DEFAULT_GOAL := wheel

system-packages:
	@sh scripts/apt-install.sh requirements/apt.txt

# node and npm for s3rver, from Debian only when npm is missing (a node from
# elsewhere, e.g. NodeSource, already brings its own npm); Ceph's monitor, OSD
# and RADOS Gateway for the third S3 server; Debian's libhts3, another htslib the
# wheel must not load (apt-install.sh skips what is there).
test-packages: system-packages
	@command -v npm >/dev/null || sh scripts/apt-install.sh requirements/apt-node.txt
	@sh scripts/apt-install.sh requirements/apt-ceph.txt requirements/apt-htslib.txt

$(VENV)/.ready: requirements/tools.txt | system-packages
	@echo "==> creating the tool environment $(VENV)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements/tools.txt
	touch $@

tools: system-packages $(VENV)/.ready

wheel: tools
	$(TOOLS) -m recipe wheel $(addprefix --python ,$(PYTHONS))

test: wheel test-packages
	$(TOOLS) -m recipe test $(addprefix --python ,$(PYTHONS)) -- $(PYTEST_ARGS)

# Both runs may have failures (stock pysam fails where its system libcurl is
# missing): the table is the result.
compare: wheel test-packages
	mkdir -p $(COMPARE)
	-$(TOOLS) -m recipe test --pysam ours -- $(S3_SUITE) -q -p no:cacheprovider --junitxml=$(CURDIR)/$(COMPARE)/ours.xml
	-$(TOOLS) -m recipe test --pysam stock -- $(S3_SUITE) -q -p no:cacheprovider --junitxml=$(CURDIR)/$(COMPARE)/stock.xml
	$(TOOLS) -m tests.s3.compare $(COMPARE)/ours.xml $(COMPARE)/stock.xml > $(COMPARE)/table.md
	@echo "==> ours vs stock: $(COMPARE)/table.md"

test-endpoint: wheel test-packages
	@test -n "$(ENDPOINT)" -a -n "$(BUCKET)" || { echo "usage: make test-endpoint ENDPOINT=https://host[:port] BUCKET=name [PREFIX=path] [REGION=us-east-1] [ADDRESSING=path|virtual]" >&2; exit 2; }
	$(TOOLS) -m recipe test -- tests/s3 -p no:cacheprovider --s3-endpoint=$(ENDPOINT) --s3-bucket=$(BUCKET) \
		--s3-prefix=$(PREFIX) --s3-region=$(or $(REGION),us-east-1) $(if $(ADDRESSING),--s3-addressing=$(ADDRESSING))

sdist: tools
	$(TOOLS) -m recipe sdist

sbom: wheel
	$(TOOLS) -m recipe sbom dist/*.whl

check-pins: tools
	$(TOOLS) -m recipe check-pins

reproducible: tools
	$(TOOLS) -m recipe reproducible

# BENCH_ARGS: e.g. --rounds 3, --cold-build (also times `make wheel` from scratch)
bench: wheel test-packages
	$(TOOLS) -m bench $(BENCH_ARGS)

clean:
	find build -mindepth 1 -maxdepth 1 ! -name README.md ! -name downloads -exec rm -rf {} +
	rm -rf dist vendor/*/src

distclean: clean
	rm -rf build/downloads $(VENV)
