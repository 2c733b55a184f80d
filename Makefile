# The two commands a new user needs are `make demo` (the main job) and `make test` (every
# test). Both set up what they need: the Python venv with moto server and awslambdaric,
# and the Cargo workspace.

VENV ?= $(CURDIR)/.venv
export CUTOVER_VENV := $(VENV)
PYTHON := $(VENV)/bin/python
CARGO ?= cargo

.PHONY: all venv chromium lint build functions test test-rust test-python corpus corpus-stats demo mutants clean

all: build

venv:
	@scripts/setup-python.sh

build:
	$(CARGO) build --workspace --all-targets

## Every test, Rust and Python, after the guardrails (rustfmt, clippy with warnings as
## errors). CI runs exactly this.
test: venv chromium lint
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace
	cd legacy-python && $(PYTHON) -m pytest -q
	cd recorder && $(PYTHON) -m pytest -q

test-rust: venv chromium
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

test-python: venv
	cd legacy-python && $(PYTHON) -m pytest -q
	cd recorder && $(PYTHON) -m pytest -q

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Headless Chromium (Debian's package) for the HTML report's browser test.
chromium:
	@scripts/setup-chromium.sh

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

## The main job, the whole story on the local stack, in three acts:
##  1. parity: events/ replayed against the Python (version 1) and the Rust (version 2) of
##     every function, each side on its own local Lambda with its own moto server; the
##     report of answers and writes is printed (exit 1 if anything differs);
##  2. canary: two rehearsals on the emulator's scaled clock, through the same SDK code
##     that runs against AWS: the healthy Rust version promoted and baked, then a faulty
##     one (a fifth of its calls fail) rolled back;
##  3. cost: the report for finance from the REPORT lines of act 1, printed as a table and
##     written as one self-contained HTML file, whose path is printed last.
DEMO_DIR := target/cutover-demo
CUTOVER := $(CARGO) run -q -p cutover --
REHEARSAL := canary rehearse validate-cluster-spec:live --to 2 --rate 120 --speed 20 --step-duration 5m --bake 15m
demo: venv functions
	$(CARGO) build -p cutover
	@mkdir -p $(DEMO_DIR)
	@echo "== 1/3 parity: Python (version 1) against Rust (version 2) on the recorded corpus" >&2
	@$(CUTOVER) parity run --baseline 'local:*:1' --candidate 'local:*:2' --corpus events --rules parity.toml \
		--sandbox-logs 2> $(DEMO_DIR)/parity.log || { tail -n 20 $(DEMO_DIR)/parity.log >&2; exit 1; }
	@echo "== 2/3 canary rehearsal: healthy version 2, 10 -> 50 -> 100 %, baked" >&2
	@$(CUTOVER) $(REHEARSAL) 2> $(DEMO_DIR)/rehearsal-healthy.log || { tail -n 20 $(DEMO_DIR)/rehearsal-healthy.log >&2; exit 1; }
	@echo "== 2/3 canary rehearsal: a faulty version 2 (20 % of its calls fail) is rolled back" >&2
	@$(CUTOVER) $(REHEARSAL) --fault error-share=0.2 2> $(DEMO_DIR)/rehearsal-faulty.log; \
		status=$$?; if [ $$status -ne 1 ]; then tail -n 20 $(DEMO_DIR)/rehearsal-faulty.log >&2; \
		echo "expected the faulty rehearsal to roll back (exit 1), got exit $$status" >&2; exit 1; fi
	@echo "== 3/3 cost report: before and after at 10M requests a month per function (a projection)" >&2
	@$(CUTOVER) report --source local --logs $(DEMO_DIR)/parity.log --monthly-requests 10000000 --region us-east-1
	@$(CUTOVER) report --source local --logs $(DEMO_DIR)/parity.log --monthly-requests 10000000 --region us-east-1 \
		--format html --output $(DEMO_DIR)/cost-report.html
	@echo "cost report: $(abspath $(DEMO_DIR)/cost-report.html)"

## Mutation testing of the modules where a wrong answer is worst (docs/testing.md); not
## part of `make test`, it takes hours on two cores. MUTANTS_FILES narrows it.
MUTANTS_FILES ?= parity/src/compare.rs parity/src/rules.rs parity/src/report.rs canary/src/gates.rs canary/src/statistics.rs reports/src/bill.rs
mutants: venv
	scripts/setup-mutants.sh
	$(CARGO) mutants --no-shuffle $(foreach file,$(MUTANTS_FILES),--file $(file)) -- --lib

clean:
	$(CARGO) clean
	rm -rf $(VENV)
