# uWS 20k-connection tuning lab — this file is the table of contents; `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE := node --import tsx

# --- knobs -----------------------------------------------------------------------------------------
WORKERS ?= 1
PORT ?= 8000
HOST ?= 127.0.0.1
STUB_MS ?= 200

# NOTE: a `ulimit` on its own recipe line dies with that line's shell: raise it on the line that launches.
RAISE_NOFILE := ulimit -n "$$(ulimit -Hn)"

.PHONY: help deps wrk lab test check run run-one-thread run-two-threads run-four-threads run-eight-threads \
	loadtest test-one-thread test-four-threads test-paced doctor tune untune experiment-backlog \
	sweep notes compare peers chaos

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-20s %s\n", $$1, $$2 }'

# --- install -----------------------------------------------------------------------------------------
# NOTE: npm ci comes first: the apt steps are a zx driver (scripts/deps.ts), which needs node_modules.
deps: node_modules/.package-lock.json ## install npm packages (npm ci), wrk and the Python peers (apt) when missing
	@$(NODE) scripts/deps.ts wrk peers

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

wrk: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts wrk

# --- the server under test --------------------------------------------------------------------------
run: deps ## start the server: WORKERS=1 PORT=8000 HOST=127.0.0.1 STUB_MS=200
	$(RAISE_NOFILE) && exec $(NODE) server/main.ts --workers $(WORKERS) --port $(PORT) --host $(HOST) --stub-ms $(STUB_MS)

run-one-thread: WORKERS = 1
run-one-thread: run ## server with 1 worker
run-two-threads: WORKERS = 2
run-two-threads: run ## server with 2 workers
run-four-threads: WORKERS = 4
run-four-threads: run ## server with 4 workers
run-eight-threads: WORKERS = 8
run-eight-threads: run ## server with 8 workers

# --- load runs against a running server (start one with make run-four-threads) ---------------------
CONNECTIONS ?= 20000
DURATION ?= 30s
WARMUP ?= 5s
THREADS ?= 2
MODE ?= saturate
TARGET_RPS ?= 20000
BUDGET_MS ?= 20
RESULTS_DIR ?= results
LOADTEST = $(RAISE_NOFILE) && $(NODE) scripts/loadtest.ts --url http://$(HOST):$(PORT)/ping/ \
	--connections $(CONNECTIONS) --duration $(DURATION) --warmup $(WARMUP) --target-rps $(TARGET_RPS) \
	--budget-ms $(BUDGET_MS) --results-dir $(RESULTS_DIR)

loadtest: deps ## one run: MODE=saturate|paced THREADS CONNECTIONS DURATION TARGET_RPS BUDGET_MS
	$(LOADTEST) --mode $(MODE) --threads $(THREADS)

test-one-thread: deps ## saturate, wrk -t1 per shard, 20k connections, 30 s (the seed's run, sharded)
	$(LOADTEST) --mode saturate --threads 1

test-four-threads: deps ## saturate, wrk -t4 per shard, 20k connections, 30 s
	$(LOADTEST) --mode saturate --threads 4

test-paced: deps ## paced at TARGET_RPS over CONNECTIONS: the SLO question without coordinated omission
	$(LOADTEST) --mode paced --threads $(THREADS)

# --- tuning: is the box ready, and the sysctl profiles (configs/tuning/*.conf) ----------------------
PROFILE ?= 20k
PERSIST ?= 0
TUNE_STATE := results/.tune-saved.json

# NOTE: WORKERS defaults to 1 for `make run`; the doctor judges the lab's 4 unless WORKERS is given.
doctor: node_modules/.package-lock.json ## can this box hold CONNECTIONS? limits + sysctls, exit 2 on a FAIL
	$(RAISE_NOFILE) && $(NODE) scripts/doctor.ts --connections $(CONNECTIONS) --threads $(THREADS) \
		$(if $(filter command line,$(origin WORKERS)),--workers $(WORKERS)) --url http://$(HOST):$(PORT)/

tune: node_modules/.package-lock.json ## root: apply configs/tuning/PROFILE.conf (PROFILE=20k; PERSIST=1 also writes /etc/sysctl.d)
	$(NODE) scripts/tune.ts tune --profile $(PROFILE) $(if $(filter 1,$(PERSIST)),--persist)

untune: node_modules/.package-lock.json ## root: restore the values saved by make tune, byte for byte
	$(NODE) scripts/tune.ts untune

experiment-backlog: deps ## root: docs/tuning.md experiment — somaxconn × workers × port range, saturate 20k
	$(RAISE_NOFILE) && $(NODE) scripts/backlog-experiment.ts --results-dir $(RESULTS_DIR)

# --- capacity planning: sweep the grid, write the notes, compare with the peers ---------------------
WORKERS_LIST ?= 1,2,4,8
CONNECTIONS_LIST ?= 1000,5000,10000,20000
MODES ?= saturate,paced
SWEEP ?= default
REPEATS ?= 1
SWEEP_DURATION ?= 10s
SWEEP_WARMUP ?= 3s
COOLDOWN ?= 5s
FORCE ?= 0

sweep: deps ## capacity grid WORKERS_LIST × CONNECTIONS_LIST × MODES; resumes SWEEP=name (FORCE=1 reruns, REPEATS=3)
	$(RAISE_NOFILE) && $(NODE) scripts/sweep.ts --name $(SWEEP) --workers $(WORKERS_LIST) \
		--connections $(CONNECTIONS_LIST) --modes $(MODES) --repeats $(REPEATS) --duration $(SWEEP_DURATION) \
		--warmup $(SWEEP_WARMUP) --cooldown $(COOLDOWN) --stub-ms $(STUB_MS) --budget-ms $(BUDGET_MS) \
		--threads $(THREADS) --results-dir $(RESULTS_DIR) $(if $(filter 1,$(FORCE)),--force)

notes: node_modules/.package-lock.json ## RESULTS_DIR/capacity.md + SVG charts, generated from every recorded uWS run
	$(NODE) scripts/notes.ts --results-dir $(RESULTS_DIR)

# NOTE: WORKERS defaults to 1 for `make run`; compare uses 2 unless WORKERS is given.
compare: deps ## uWS vs node:http cluster vs FastAPI+uvicorn, same stub: WORKERS=2 CONNECTIONS MODE DURATION
	$(RAISE_NOFILE) && $(NODE) scripts/compare.ts --workers $(if $(filter command line,$(origin WORKERS)),$(WORKERS),2) \
		--connections $(CONNECTIONS) --mode $(MODE) --duration $(DURATION) --warmup $(WARMUP) \
		--target-rps $(TARGET_RPS) --stub-ms $(STUB_MS) --budget-ms $(BUDGET_MS) --threads $(THREADS) \
		--results-dir $(RESULTS_DIR)

# NOTE: Debian's packages are importable only by /usr/bin/python3 (scripts/lib/machine/system-deps.ts).
peers: node_modules/.package-lock.json ## FastAPI + uvicorn (uvloop, httptools) from Debian, for make compare
	@$(NODE) scripts/deps.ts peers

# --- reliability: chaos scenarios, expected vs measured ----------------------------------------------
SCENARIO ?= all
SCALE ?= moderate
chaos: deps ## reliability scenarios, expected vs measured → results/chaos-<id>/: SCENARIO=all|name[,name] SCALE=moderate|small
	$(RAISE_NOFILE) && $(NODE) scripts/chaos.ts --scenario $(SCENARIO) --scale $(SCALE) --results-dir $(RESULTS_DIR)

# --- the main job -----------------------------------------------------------------------------------
# NOTE: unless the box is already tuned (a saved state exists), the lab applies PROFILE for its runs and
# restores the previous values afterwards, also when a run fails or is interrupted. PROFILE=none skips it.
LAB_WORKERS ?= 4
lab: deps ## end to end: tune, start LAB_WORKERS=4 workers, paced 20k RPS + saturate 20k conns, stop, untune, verdicts
	@$(RAISE_NOFILE); tuned=0; \
	if [ "$(PROFILE)" != none ] && [ ! -f $(TUNE_STATE) ]; then \
	  $(NODE) scripts/tune.ts tune --profile $(PROFILE) && tuned=1 || echo "lab: running untuned (see make doctor)"; fi; \
	$(NODE) scripts/lab.ts --workers $(LAB_WORKERS) --port $(PORT) --results-dir $(RESULTS_DIR); rc=$$?; \
	if [ $$tuned = 1 ]; then $(NODE) scripts/tune.ts untune; fi; exit $$rc

# --- tests ------------------------------------------------------------------------------------------
check: deps ## type-check and lint/format check
	npx tsc --noEmit
	npx biome ci .

test: check ## type-check, lint, then the tests (real server, real wrk, loopback)
	$(RAISE_NOFILE) && $(NODE) --test --test-concurrency=1 --test-reporter=spec $(wildcard test/unit/*.test.ts) $(wildcard test/integration/*.test.ts)
