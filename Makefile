# pysam-s3. Quick start (README.md): `make wheel`, then `make test`.
#
#   make wheel                      build, repair and verify the wheel for python3 -> dist/
#   make wheel PYTHONS="3.9 3.13"   ... for each listed CPython (any on PATH or in pyenv)
#   make wheel PYTHONS=all          ... for every CPython the release builds (3.9-3.15) found here
#   make unit                       the recipe's own unit tests: seconds, no wheel, no build, no download
#   make test                       the whole test suite (builds first if needed); on Debian x86_64
#                                   then also `make test ARCH=aarch64` (CROSS_ARCHS= skips it)
#   make wheel ARCH=aarch64         cross-build the aarch64 wheel with zig (x86_64 machine, Debian)
#   make test ARCH=aarch64          its installed-wheel and S3 smoke tests, under qemu-user
#   make musl-gate                  the network stack and libhts for musl (zig), through the feature gate
#   make sanitize                   htslib (the wheel's patched tree) with ASan + UBSan: its make check, and
#                                   S3 reads, writes and failures on moto (also part of make test); then
#                                   pysam's extensions built so, and the S3 suite with them on moto
#   make fuzz [FUZZ_SECONDS=300]   libFuzzer (clang) on the parsers the htslib series adds, each target for
#                                   FUZZ_SECONDS after its seed corpus (make test: 20 s each) -> build/fuzz/
#   make compare                    the S3 suite with our wheel and with stock pysam -> build/compare/table.md
#   make test-endpoint ENDPOINT=https://... BUCKET=b [PREFIX=p] [REGION=r]
#                                   the S3 suite against your own endpoint (credentials: AWS_*, ~/.aws)
#   make sdist                      the project's sdist -> dist/, checked, and built offline once
#   make sbom                       a CycloneDX SBOM next to each wheel in dist/
#   make check-pins                 is a bundled library behind a security release? (fails if so; needs network)
#   make lock                       requirements/build.lock from requirements/build.txt (hashes; needs PyPI)
#   make reproducible               build twice from clean clones of HEAD, compare the wheels
#   make bench                      ours vs stock pysam: speed, S3 requests, sizes, rebuild -> build/bench/
#   make downstream                 packages built on pysam, their tests with ours and stock -> build/downstream/
#   make clean                      remove build outputs (keeps verified downloads)

PYTHON  ?= python3
PYTHONS ?= $(PYTHON)
VENV    := .venv
TOOLS   := $(VENV)/bin/python
PYTEST_ARGS ?=
# ARCH: another machine to build for (aarch64), a cross build tested under qemu
ARCH ?=
# what `make test` also cross-builds and tests after this machine's wheel: aarch64
# on Debian x86_64 (Ubuntu serves arm64 packages from another archive, ports)
DISTRIBUTION := $(shell . /etc/os-release 2>/dev/null && echo $$ID)
CROSS_ARCHS ?= $(if $(and $(filter x86_64,$(shell uname -m)),$(filter debian,$(DISTRIBUTION))),aarch64)
PYTHON_VERSION = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# what runs under qemu for ARCH: the installed-wheel tests and the S3 smoke tests on moto
CROSS_TESTS ?= tests/wheel tests/s3/test_formats.py --s3-servers=moto

COMPARE := build/compare
S3_SUITE := tests/s3 tests/network_stack

.PHONY: cross-packages musl-gate wheel unit test test-sources sanitize fuzz compare test-endpoint sdist sbom check-pins lock reproducible bench downstream system-packages test-packages tools clean distclean
.DEFAULT_GOAL := wheel

system-packages:
	@sh scripts/apt-install.sh requirements/apt.txt

# node and npm for s3rver, from Debian only when npm is missing (a node from
# elsewhere, e.g. NodeSource, already brings its own npm); Ceph's monitor, OSD
# and RADOS Gateway for the third S3 server; Debian's libhts3, another htslib the
# wheel must not load; clang for the fuzz targets (apt-install.sh skips what is there).
test-packages: system-packages
	@command -v npm >/dev/null || sh scripts/apt-install.sh requirements/apt-node.txt
	@sh scripts/apt-install.sh requirements/apt-ceph.txt requirements/apt-htslib.txt requirements/apt-fuzz.txt

$(VENV)/.ready: requirements/tools.lock | system-packages
	@echo "==> creating the tool environment $(VENV)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q --require-hashes -r requirements/tools.lock
	touch $@

tools: system-packages $(VENV)/.ready

# ARCH=aarch64 (and `make test`'s CROSS_ARCHS): Debian's arm64 packages through
# multiarch (strip, CPython's configuration and interpreter, qemu), the
# interpreter unpacked into build/cross/.
cross-packages: system-packages
	@for arch in $(or $(ARCH),$(CROSS_ARCHS)); do \
	  sh scripts/apt-install.sh requirements/apt-$$arch.txt && sh scripts/cross-python.sh $$arch $(PYTHON_VERSION) || exit 1; \
	done

wheel: tools $(if $(ARCH),cross-packages)
	$(TOOLS) -m recipe wheel $(addprefix --python ,$(PYTHONS)) $(if $(ARCH),-C pysam-s3.arch=$(ARCH))

# musllinux, as far as this glibc machine can take it: the network stack and
# libhts for <machine>-linux-musl, built with zig in the build environment and
# through the feature gate (pysam's extensions need a musl CPython: CI only).
musl-gate: tools
	@sh scripts/apt-install.sh requirements/apt-musl.txt
	$(TOOLS) -m recipe native --build-env -C pysam-s3.libc=musl

# The recipe's unit tests (marked `unit`) in the tool environment: no wheel, so no --pysam.
UNIT_TESTS := tests/pipeline tests/release
unit: tools
	$(TOOLS) -m pytest -m unit -p no:cacheprovider $(UNIT_TESTS) $(PYTEST_ARGS)

# The tests have no network: what they build from (the pristine htslib that
# tests/pipeline/test_htslib_release.py builds a wheel of) is fetched first.
test-sources: tools
	$(TOOLS) -m recipe fetch htslib-release htscodecs-release

test: wheel test-packages cross-packages musl-gate test-sources
ifeq ($(ARCH),)
	$(TOOLS) -m recipe test $(addprefix --python ,$(PYTHONS)) -- $(PYTEST_ARGS)
	@for arch in $(CROSS_ARCHS); do $(MAKE) --no-print-directory test ARCH=$$arch PYTHONS=$(PYTHON) PYTEST_ARGS= || exit 1; done
	@test -n "$(CROSS_ARCHS)" || echo "==> no cross-built wheel tested (CROSS_ARCHS is empty: Debian x86_64 tests aarch64)"
else
	$(TOOLS) -m recipe test --arch $(ARCH) $(addprefix --python ,$(PYTHONS)) -- $(CROSS_TESTS) $(PYTEST_ARGS)
endif

sanitize: wheel test-packages test-sources
	$(TOOLS) -m recipe test -- tests/s3/test_sanitized_htslib.py tests/s3/test_sanitized_pysam.py --s3-servers=moto --sanitized-pysam $(PYTEST_ARGS)

# Both runs may have failures (stock pysam fails where its system libcurl is
# missing): the table is the result.
FUZZ_SECONDS ?= 300
fuzz: wheel test-packages
	$(TOOLS) -m recipe test -- tests/fuzz --fuzz-seconds=$(FUZZ_SECONDS) $(PYTEST_ARGS)

compare: wheel test-packages
	mkdir -p $(COMPARE)
	-$(TOOLS) -m recipe test --pysam ours -- $(S3_SUITE) -q -p no:cacheprovider --junitxml=$(CURDIR)/$(COMPARE)/ours.xml
	-$(TOOLS) -m recipe test --pysam stock -- $(S3_SUITE) -q -p no:cacheprovider --junitxml=$(CURDIR)/$(COMPARE)/stock.xml
	$(TOOLS) -m testkit.compare $(COMPARE)/ours.xml $(COMPARE)/stock.xml > $(COMPARE)/table.md
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

# The locks: every package, for every Python 3.9+ and platform (uv's universal
# resolution), with the sha256 of each of its files. build.lock, the build
# toolchain: consumed by the build venvs (recipe/venvs.py) and cibuildwheel's
# before-build; tools.lock: the tool environment .venv.
# The build runs on CPython 3.9+; the tools (auditwheel) need 3.10+.
lock: tools
	$(call uv-lock,build,the build toolchain,3.9)
	$(call uv-lock,tools,the tool environment (.venv),3.10)
	$(call uv-lock,downstream,the downstream corpus (make downstream),3.11)

define uv-lock
	{ echo "# Generated by \`make lock\` from requirements/$(1).txt (uv pip compile --universal"; \
	  echo "# --generate-hashes): $(2), installed with --require-hashes. Do not edit."; \
	  $(VENV)/bin/uv pip compile requirements/$(1).txt --universal --generate-hashes --python-version $(3) \
	    --no-header --quiet; } > requirements/$(1).lock.new
	mv requirements/$(1).lock.new requirements/$(1).lock
endef
reproducible: tools
	$(TOOLS) -m recipe reproducible

# BENCH_ARGS: e.g. --rounds 3, --cold-build (also times `make wheel` from scratch)
bench: wheel test-packages
	$(TOOLS) -m bench $(BENCH_ARGS)

# Packages built on pysam (downstream/corpus.toml) from their pinned sdists, their own
# tests with our wheel and with stock pysam: long, so not part of `make test`.
# GIT_MIRROR: a local copy of each package's repository, a template with {owner} and
# {name} (e.g. /srv/git/{owner}/{name}.git), tried before the repository itself.
downstream: wheel
	$(TOOLS) -m downstream --python $(PYTHON) $(if $(GIT_MIRROR),--git-mirror '$(GIT_MIRROR)')

clean:
	find build -mindepth 1 -maxdepth 1 ! -name README.md ! -name downloads -exec rm -rf {} +
	rm -rf dist vendor/*/src

distclean: clean
	rm -rf build/downloads $(VENV)
