# uWS 20k-connection tuning lab — this file is the table of contents; `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE := node --import tsx

# --- knobs -----------------------------------------------------------------------------------------
WORKERS ?= 1
PORT ?= 8000
HOST ?= 127.0.0.1
STUB_MS ?= 200

# Placement (../shared/lab-contract.md): split = the server and wrk on disjoint CPU sets, the default (on 2 CPUs:
# server 1, wrk 0; the rule: wrk the lower half, the server the rest); shared = both float over every CPU.
PLACEMENT ?= split
SERVER_CPUS ?=
GENERATOR_CPUS ?=
PLACE = --placement $(PLACEMENT) $(if $(SERVER_CPUS),--server-cpus $(SERVER_CPUS)) \
	$(if $(GENERATOR_CPUS),--generator-cpus $(GENERATOR_CPUS))

# NOTE: a `ulimit` on its own recipe line dies with that line's shell: raise it on the line that launches.
RAISE_NOFILE := ulimit -n "$$(ulimit -Hn)"

.PHONY: help deps wrk lab test check run run-one-thread run-two-threads run-four-threads run-eight-threads \
	loadtest test-one-thread test-four-threads test-paced doctor tune untune experiment-backlog \
	sweep notes plan report compare diff export peers chaos iproute2 sshd chromium netns-up netns-down netns-clean \
	fleet-up fleet-down fleet-check lb-cost unshield

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-20s %s\n", $$1, $$2 }'

# --- install -----------------------------------------------------------------------------------------
# NOTE: npm ci comes first: the apt steps are a zx driver (scripts/deps.ts), which needs node_modules.
# NOTE: Debian's wrk stays installed beside the lab's build (WRK=/usr/bin/wrk runs it; the tests run both).
deps: node_modules/.package-lock.json ## npm ci; Debian's wrk + Python peers (apt); the lab's wrk (wrk/); HAProxy (haproxy/)
	@$(NODE) scripts/deps.ts wrk peers
	@wrk/build.sh
	@haproxy/get.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

wrk: node_modules/.package-lock.json ## Debian's wrk (apt) and the lab's build of it: Debian's source + wrk/patches (wrk/README.md)
	@$(NODE) scripts/deps.ts wrk
	@wrk/build.sh

# --- the server under test --------------------------------------------------------------------------
# NOTE: the server is pinned to its side of PLACEMENT (taskset; every worker inherits it), so a load test from
# another terminal (make test-four-threads, wrk on GENERATOR_CPUS) is judged as a split run.
run: deps ## start the server: WORKERS=1 PORT=8000 HOST=127.0.0.1 STUB_MS=200, pinned to SERVER_CPUS (PLACEMENT=split)
	@pin=$$($(NODE) scripts/placement.ts server $(PLACE) 2>/dev/null) || { $(NODE) scripts/placement.ts server $(PLACE); exit 2; }; \
	echo "placement $(PLACEMENT): server CPUs $${pin:-all}"; \
	$(RAISE_NOFILE) && exec $${pin:+taskset -c $$pin} $(NODE) server/main.ts --workers $(WORKERS) --port $(PORT) --host $(HOST) --stub-ms $(STUB_MS)

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
LOADTEST = $(RAISE_NOFILE) && $(NODE) scripts/loadtest.ts --url http://$(HOST):$(PORT)/ping/ $(PLACE) \
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

# NOTE: WORKERS defaults to 1 for `make run`; the doctor judges the lab's 2 (LAB_WORKERS) unless WORKERS is given.
doctor: node_modules/.package-lock.json ## can this box hold CONNECTIONS? limits + sysctls, exit 2 on a FAIL
	$(RAISE_NOFILE) && $(NODE) scripts/doctor.ts --connections $(CONNECTIONS) --threads $(THREADS) \
		$(if $(filter command line,$(origin WORKERS)),--workers $(WORKERS)) --url http://$(HOST):$(PORT)/ $(LAB_HOSTS)

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
	$(RAISE_NOFILE) && $(NODE) scripts/sweep.ts --name $(SWEEP) --workers-list $(WORKERS_LIST) \
		--connections-list $(CONNECTIONS_LIST) --modes $(MODES) --repeats $(REPEATS) --duration $(SWEEP_DURATION) \
		--warmup $(SWEEP_WARMUP) --cooldown $(COOLDOWN) --stub-ms $(STUB_MS) --budget-ms $(BUDGET_MS) \
		--threads $(THREADS) --results-dir $(RESULTS_DIR) $(if $(filter 1,$(FORCE)),--force) $(PLACE)

notes: node_modules/.package-lock.json ## RESULTS_DIR/capacity.md + capacity.json + SVG charts from every recorded uWS run (same results → same bytes)
	$(NODE) scripts/notes.ts --results-dir $(RESULTS_DIR)

# NOTE: every run and sweep writes its report.html itself; this is for older runs (no samples: the time charts say so).
ID ?=
SCREENSHOT ?=
report: node_modules/.package-lock.json ## RESULTS_DIR/ID/report.html for a run or a sweep (ID=<run id> | sweep-<name>; SCREENSHOT=docs/report-example.png saves a PNG via chromium)
	$(NODE) scripts/report.ts --id "$(ID)" --results-dir $(RESULTS_DIR) $(if $(SCREENSHOT),--screenshot $(SCREENSHOT))

# NOTE: P99_MS defaults to STUB_MS + BUDGET_MS; HANDLER_US is the handler's own CPU per request (the stub's is 0).
P99_MS ?=
HANDLER_US ?= 0
plan: node_modules/.package-lock.json ## server CPUs, workers, RAM, generator CPUs, hosts for TARGET_RPS CONNECTIONS STUB_MS [P99_MS HANDLER_US], from RESULTS_DIR's runs
	@$(NODE) scripts/plan.ts --target-rps $(TARGET_RPS) --connections $(CONNECTIONS) --stub-ms $(STUB_MS) \
		--p99-ms $(or $(P99_MS),$$(( $(STUB_MS) + $(BUDGET_MS) ))) --handler-us $(HANDLER_US) --results-dir $(RESULTS_DIR)

# NOTE: WORKERS defaults to 1 for `make run`; compare uses 2 unless WORKERS is given.
compare: deps ## uWS vs node:http cluster vs FastAPI+uvicorn, same stub: WORKERS=2 CONNECTIONS MODE DURATION
	$(RAISE_NOFILE) && $(NODE) scripts/compare.ts --workers $(if $(filter command line,$(origin WORKERS)),$(WORKERS),2) \
		--connections $(CONNECTIONS) --mode $(MODE) --duration $(DURATION) --warmup $(WARMUP) \
		--target-rps $(TARGET_RPS) --stub-ms $(STUB_MS) --budget-ms $(BUDGET_MS) --threads $(THREADS) \
		--results-dir $(RESULTS_DIR) $(PLACE)

# --- comparing and exporting runs (docs/diff.md) -------------------------------------------------------
# NOTE: THRESHOLDS holds < and >: it reaches the driver in single quotes. Unset, the driver's default applies
# (p99<+5%,rps>-2%); THRESHOLDS=none prints the table only. JSON=1: the diff as JSON on stdout.
diff: node_modules/.package-lock.json ## A=<id> B=<id> (or A=id,id,… B=id,id,…: groups of repeats against their noise): B against A; THRESHOLDS=p99<+5%,rps>-2% (metrics rps p50 p90 p99 p99_9 errors server_us_per_req generator_us_per_req; none = table only), exit 1 on a regression; JSON=1
	@$(NODE) scripts/diff.ts $(if $(A),--a '$(A)') $(if $(B),--b '$(B)') $(if $(THRESHOLDS),--thresholds '$(THRESHOLDS)') \
		$(if $(filter 1,$(JSON)),--json) --results-dir $(RESULTS_DIR)

export: node_modules/.package-lock.json ## ID=<id>|all: write the run's latency.hgrm (HdrHistogram text, as wrk2 prints); rebuild RESULTS_DIR/README.md + index.csv
	@$(NODE) scripts/export.ts $(if $(ID),--id '$(ID)') --results-dir $(RESULTS_DIR)

# NOTE: Debian's packages are importable only by /usr/bin/python3 (scripts/lib/machine/system-deps.ts).
peers: node_modules/.package-lock.json ## FastAPI + uvicorn (uvloop, httptools) from Debian, for make compare
	@$(NODE) scripts/deps.ts peers

# --- reliability: chaos scenarios, expected vs measured ----------------------------------------------
SCENARIO ?= all
SCALE ?= moderate
# NOTE: PLACEMENT applies here too: every scenario's server on SERVER_CPUS, the driver (its clients) on GENERATOR_CPUS.
chaos: deps ## reliability scenarios, expected vs measured → results/chaos-<id>/: SCENARIO=all|name[,name] SCALE=moderate|small
	$(RAISE_NOFILE) && $(NODE) scripts/chaos.ts --scenario $(SCENARIO) --scale $(SCALE) --results-dir $(RESULTS_DIR) $(PLACE)

# --- placement: emulated hosts in network namespaces, and ssh to them ---------------------------------
# NOTE: the lab's addresses (configs/net.json, 10.77.0.0/24) exist only inside its own namespaces: the bridge
# sits in the lab's hub namespace, the root namespace gets no address and no route. State, keys and the
# inventory live in /run/labx-fleet (never in the repository). Everything here needs root.
CLIENTS ?= 2
FLEET_INVENTORY := /run/labx-fleet/inventory.json
FLEET = $(NODE) scripts/fleet.ts
FLEET_SHAPE = --clients $(CLIENTS) $(if $(SERVER_CPUS),--server-cpus $(SERVER_CPUS)) \
	$(if $(GENERATOR_CPUS),--generator-cpus $(GENERATOR_CPUS))

# NOTE: Debian's postinst may start and enable the system ssh service; the lab never uses it (each emulated
# host runs its own sshd), so a service the install just brought up is stopped and disabled again.
iproute2: ## ip and ss from Debian, for the network namespaces
	@command -v ip >/dev/null && command -v ss >/dev/null || { apt-get update -qq && apt-get install -y -qq iproute2; }

sshd: iproute2 ## openssh-server from Debian for the emulated hosts (the system ssh service stays off)
	@test -x /usr/sbin/sshd || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server && \
		{ systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || service ssh stop >/dev/null 2>&1 || true; }; }
	@command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || apt-get install -y -qq openssh-client

# NOTE: where apt cannot install it (no network, another distribution) the report's browser test says it skipped.
chromium: ## Debian's chromium for the report's browser test (puppeteer-core drives /usr/bin/chromium)
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
		echo "chromium: could not be installed — the report's browser test will be skipped (test/integration/report.test.ts)"

netns-up: node_modules/.package-lock.json iproute2 ## root: hub bridge + server + CLIENTS=2 client namespaces (SERVER_CPUS, GENERATOR_CPUS); prints the topology path last
	$(FLEET) netns-up $(FLEET_SHAPE)

netns-down: node_modules/.package-lock.json ## root: remove the namespaces netns-up recorded
	$(FLEET) netns-down

netns-clean: node_modules/.package-lock.json ## root: remove every labx- namespace, link, process and sshd a killed run left (safe twice)
	$(FLEET) clean

fleet-up: node_modules/.package-lock.json sshd wrk ## root: netns-up + a lab key + sshd in every host; prints the inventory path last
	$(FLEET) up $(FLEET_SHAPE)

fleet-down: node_modules/.package-lock.json ## root: stop the fleet's sshds, remove namespaces, links and keys (idempotent)
	$(FLEET) down

fleet-check: node_modules/.package-lock.json ## wrk version and nofile limits of every client host of HOSTS (default: the fleet's), over ssh
	$(FLEET) check --hosts $(or $(HOSTS),$(FLEET_INVENTORY))

# NOTE: one server host and HAProxy on SERVER_CPUS (default 1), wrk alone on GENERATOR_CPUS (default 0); the
# shape knobs reach the driver only when given (its defaults: 4,000 connections at 4,000 req/s, 20 s, 3 rounds).
lb-cost: deps ## root: the LB's cost — the same paced shape direct and through HAProxy, REPEATS rounds interleaved → results/lb-cost-<stamp>/ (CONNECTIONS TARGET_RPS DURATION WARMUP REPEATS)
	$(RAISE_NOFILE) && $(NODE) scripts/lb-cost.ts --results-dir $(RESULTS_DIR) $(call given,CONNECTIONS,-c) \
		$(call given,TARGET_RPS,-R) $(call given,DURATION,-d) $(call given,WARMUP,--warmup) $(call given,REPEATS,--repeats) \
		$(call given,THREADS,-t) $(if $(SERVER_CPUS),--server-cpus $(SERVER_CPUS)) \
		$(if $(GENERATOR_CPUS),--generator-cpus $(GENERATOR_CPUS))

# --- the main job -----------------------------------------------------------------------------------
# NOTE: unless the box is already tuned (a saved state exists), lab.ts applies PROFILE for its runs and restores
# the previous values afterwards, also when a run fails or is interrupted (one place undoes everything). PROFILE=none skips it.
# NOTE: 2 = the planning model's shape for 20k connections (the fd rule's minimum, and the lowest server CPU per
# request in the split sweep: 21–30 µs with 2 workers, 28–31 with 4, 35–42 with 8 — results/capacity.md).
LAB_WORKERS ?= 2
# NOTE: the shape knobs reach the lab only when given (its defaults: the SLO's, both modes paced first).
given = $(if $(filter command line environment,$(origin $(1))),$(2) $($(1)))
LAB_SHAPE = $(call given,CONNECTIONS,-c) $(call given,TARGET_RPS,-R) $(call given,DURATION,-d) \
	$(call given,MODES,--modes) $(call given,WARMUP,--warmup) $(call given,THREADS,-t) $(call given,REPEATS,--repeats)
# PLACEMENT=hosts HOSTS=<inventory>: the wrk shards on the inventory's client hosts over ssh (make fleet-up prints one).
LAB_HOSTS = $(if $(HOSTS),--hosts $(HOSTS))
# SHIELD=1 (split): every other task kept off SERVER_CPUS for the run (docs/generator.md: this VM's agent preempts the server).
LAB_SHIELD = $(if $(filter 1,$(SHIELD)),--shield)
lab: deps ## end to end: tune, LAB_WORKERS=2 workers on SERVER_CPUS (SHIELD=1 keeps other tasks off them), paced 20k RPS + saturate 20k conns (CONNECTIONS TARGET_RPS DURATION MODES), untune, verdicts
	@$(RAISE_NOFILE) && $(NODE) scripts/lab.ts --workers $(LAB_WORKERS) --port $(PORT) --results-dir $(RESULTS_DIR) \
		--profile $(PROFILE) $(PLACE) $(LAB_SHIELD) $(LAB_HOSTS) $(LAB_SHAPE) || { rc=$$?; \
		echo "exit $$rc: scripts/lab.ts (0 PASS, 1 FAIL, 2 invalid, 130 interrupted; its own exit line is above)" >&2; exit $$rc; }

unshield: node_modules/.package-lock.json ## put back the tasks a killed `make lab SHIELD=1` left off the server's CPUs (safe twice)
	$(NODE) scripts/unshield.ts

# --- tests ------------------------------------------------------------------------------------------
check: deps ## type-check and lint/format check
	npx tsc --noEmit
	npx biome ci .
	npx depcruise scripts server --config .dependency-cruiser.cjs

# NOTE: a failed assertion can leave a handle (a server, a timer) open, and node --test then waits for that file
# forever (one CI run sat so until its 90-min limit): --test-force-exit ends each file once its tests are done,
# and --test-timeout fails a stuck test after 5 min (the longest takes ~80 s).
TEST_FLAGS = --test --test-concurrency=1 --test-force-exit --test-timeout=300000 --test-reporter=spec
# NOTE: machine-guard.ts wraps the whole run: it snapshots namespaces, links, sshd, the lab's sysctls and /run/lab*
# before, samples PID 1's CPU set every 100 ms throughout, and fails the suite on any difference after.
# BUSY=1 keeps one CPU busy the whole time (the tests assert mechanics, not a quiet machine).
BUSY ?= 0
test: check sshd chromium ## type-check, lint, then the tests (real server, real wrk, loopback; namespaces + sshd); BUSY=1
	@guard=$$(mktemp -d /tmp/lab-guard-XXXXXX) && $(NODE) test/machine-guard.ts start $$guard $(if $(filter 1,$(BUSY)),--busy) && \
	{ $(RAISE_NOFILE) && $(NODE) $(TEST_FLAGS) $(wildcard test/unit/*.test.ts) $(wildcard test/integration/*.test.ts); rc=$$?; \
	  $(NODE) test/machine-guard.ts check $$guard || rc=1; rm -rf $$guard; exit $$rc; }
