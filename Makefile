# The two commands a new user needs are `make demo` (the main job) and `make test` (every
# test). Both set up what they need: the Python venv with moto server and awslambdaric,
# and the Cargo workspace.

VENV ?= $(CURDIR)/.venv
export CUTOVER_VENV := $(VENV)
PYTHON := $(VENV)/bin/python
CARGO ?= cargo

.PHONY: all venv build functions test test-rust test-python corpus corpus-stats demo mutants clean

all: build

venv:
	@scripts/setup-python.sh

build:
	$(CARGO) build --workspace --all-targets

## Every test, Rust and Python. CI runs exactly this.
test: venv
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace
	cd legacy-python && $(PYTHON) -m pytest -q

test-rust: venv
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

test-python: venv
	cd legacy-python && $(PYTHON) -m pytest -q

## Regenerate the recorded corpus in events/ by running the traffic scenario through the
## Python functions with the recorder on.
corpus: venv
	$(PYTHON) legacy-python/tools/record_corpus.py --out events/corpus.jsonl

## Print counts per route and status for a corpus (CORPUS=path to override).
CORPUS ?= events/corpus.jsonl
corpus-stats: venv
	$(PYTHON) legacy-python/tools/corpus_stats.py $(CORPUS)

## The Rust functions, built and staged as target/lambda/<function>/bootstrap (version
## "2" of each function in cutover.toml).
functions:
	CARGO=$(CARGO) scripts/stage-functions.sh

## The main job: replay events/ against the Python (version 1) and the Rust (version 2) of
## every function, each side on its own local Lambda with its own moto server, and print
## the parity report (responses and writes). Exit 1 if anything differs.
demo: venv functions
	$(CARGO) build -p cutover
	$(CARGO) run -q -p cutover -- parity run --baseline 'local:*:1' --candidate 'local:*:2' --corpus events --rules parity.toml

## Mutation testing of the modules where a wrong answer is worst (docs/testing.md); not
## part of `make test`, it takes hours on two cores. MUTANTS_FILES narrows it.
MUTANTS_FILES ?= parity/src/compare.rs parity/src/rules.rs parity/src/report.rs canary/src/gates.rs canary/src/statistics.rs reports/src/bill.rs
mutants: venv
	scripts/setup-mutants.sh
	$(CARGO) mutants --no-shuffle $(foreach file,$(MUTANTS_FILES),--file $(file)) -- --lib

clean:
	$(CARGO) clean
	rm -rf $(VENV)
