# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev,hf]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/depscreen demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --durations=15

# Every benchmark in sequence, one at a time (machine-wide lock: a run beside other jobs
# measures them too); each rewrites its docs/results/<name>.md + .json. Hours on 2 cores.
# Every script in benchmarks/ (helpers start with '_'), in alphabetical order.
BENCHMARKS ?= $(filter-out _%,$(basename $(notdir $(wildcard benchmarks/*.py))))
BENCH_LOCK ?= /tmp/depscreen-bench.lock

bench: $(STAMP)
	@for b in $(BENCHMARKS); do \
	  if [ ! -f benchmarks/$$b.py ]; then echo "benchmarks/$$b.py missing: skipped"; continue; fi; \
	  echo "== benchmarks/$$b.py"; \
	  flock $(BENCH_LOCK) $(BIN)/python benchmarks/$$b.py || exit $$?; \
	done

clean:
	rm -rf $(VENV) demo-output .pytest_cache
