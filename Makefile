# The two commands that matter: `make demo` and `make test`. Each builds .venv on first use from
# nothing but python3 and the package index, installing the exact versions in requirements.lock.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Prefect's server would otherwise send usage telemetry off this machine.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test bench lint lock clean services stack stack-down

$(STAMP): pyproject.toml sandbox/pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e . -e ./sandbox
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nestflow demo

# The suite includes the production stack (PostgreSQL and Redis from Debian's packages). Its
# tests (tests/pipeline/stack) spend most of their time waiting for dead runs' leases to expire
# (60 s, the Prefect server's shortest), so they run in a second pytest process alongside the
# others, in a temporary folder of their own; their report follows the others'. The first-hour
# tests (a demo and a quote on a machine loaded by 8 busy processes, about 3.5 min) run after them
# in that process: in the main run they held a worker and slowed the rest of it for their whole
# length (.ci/run 14 min 14 s, 2026-12-08). Either process failing fails the target.
STACK_TESTS := tests/pipeline/stack tests/pipeline/test_first_hour.py
# The others run in TEST_WORKERS pytest-xdist processes, one test file each at a time (module
# fixtures such as a file's sandbox are built once). The pipeline tests mostly wait on Prefect and
# the sandbox (one process used about half a core), so three workers on two cores took the main
# run from 14 min 0 s to 8 min 0 s, with the stack tests alongside (2026-11-28); four took a
# fresh clone's .ci/run from 17 min 9 s (three, one core lent to a benchmark for part of it) to
# 12 min 32 s on a quiet box, main run 11 min 16 s (2026-12-08).
TEST_WORKERS ?= 4
test: $(STAMP) services
	@stack_tmp=$$(mktemp -d); \
	$(BIN)/python -m pytest -q -p no:cacheprovider --basetemp=$$stack_tmp/tmp $(STACK_TESTS) \
		> $$stack_tmp/report 2>&1 & stack=$$!; \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=20 \
		$(addprefix --ignore=,$(STACK_TESTS)); others=$$?; \
	wait $$stack; stack_rc=$$?; \
	echo "== $(STACK_TESTS), run alongside (exit $$stack_rc):"; cat $$stack_tmp/report; \
	rm -rf $$stack_tmp; \
	test $$others -eq 0 && test $$stack_rc -eq 0

services:
	bash deploy/install-services.sh

# The production shape on this machine: PostgreSQL, Redis, Prefect API, its services, two
# process workers and every deployment of prefect.yaml (deploy/stack.py; state in .stack/).
stack: $(STAMP) services
	$(BIN)/python deploy/stack.py up

stack-down: $(STAMP)
	$(BIN)/python deploy/stack.py down

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every benchmark, one after the other (about 10 minutes); figures go into bench/RESULTS.md by hand.
BENCHES := bench_read bench_render bench_nesting bench_esicup bench_almacam_latency bench_cloudnest \
	bench_pipeline bench_scale_out bench_chaos bench_part_in_part bench_tiling \
	bench_corpus_dxf bench_corpus_manifest bench_corpus_security bench_corpus_vendor \
	bench_manifest_matching bench_cli
bench: $(STAMP) services
	for b in $(BENCHES); do echo "== $$b"; $(BIN)/python bench/$$b.py || exit 1; done

# Re-resolve the pinned direct dependencies and freeze the whole set (run after editing pyproject).
lock:
	rm -rf .lock-venv && $(PY) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[dev]" ./sandbox
	.lock-venv/bin/pip freeze --exclude nestflow --exclude nestflow-sandbox > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) out
