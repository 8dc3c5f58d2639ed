# The two commands that matter: `make demo` and `make test`. Each builds .venv on first use from
# nothing but python3 and the package index, installing the exact versions in requirements.lock.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Prefect's server would otherwise send usage telemetry off this machine.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: demo test bench lint lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nestflow demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every benchmark, one after the other (about 10 minutes); figures go into bench/RESULTS.md by hand.
BENCHES := bench_read bench_render bench_nesting bench_esicup bench_almacam_latency bench_cloudnest \
	bench_pipeline
bench: $(STAMP)
	for b in $(BENCHES); do echo "== $$b"; $(BIN)/python bench/$$b.py || exit 1; done

# Re-resolve the pinned direct dependencies and freeze the whole set (run after editing pyproject).
lock:
	rm -rf .lock-venv && $(PY) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[dev]"
	.lock-venv/bin/pip freeze --exclude nestflow > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) out
