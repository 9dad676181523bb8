# uWS 20k-connection tuning lab — this file is the table of contents; `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE := node --import tsx

# --- knobs ---------------------------------------------------------------------------------------------
# NOTE: a knob reaches a driver only when given (on the command line or in the environment, not empty): every
# default lives once, in the driver's options (scripts/lib/core/option-catalogue.ts; each driver's --help).
# WORKERS, PORT, HOST, STUB_MS: the server's (2 workers, 127.0.0.1:8000, the SLO's 200 ms stub); CONNECTIONS,
# TARGET_RPS, DURATION: configs/slo.json's; the rest as `make help` and README say.
given = $(if $(filter command line environment,$(origin $(1))),$(if $($(1)),$(2) $($(1))))
on = $(if $(filter 1,$($(1))),$(2))

# Placement (../shared/lab-contract.md): split = the server and wrk on disjoint CPU sets, the default (on 2 CPUs:
# server 1, wrk 0; the rule: wrk the lower half, the server the rest); shared = both float over every CPU.
PLACE = $(call given,PLACEMENT,--placement) $(call given,SERVER_CPUS,--server-cpus) \
	$(call given,GENERATOR_CPUS,--generator-cpus)
# NOTE: the load targets aim at the server `make run` started: at HOST:PORT when either is given (the other
# then as the server defaults it), else the drivers' default URL (the same address).
SERVER_URL = $(if $(call given,HOST,x)$(call given,PORT,x),--url http://$(or $(HOST),127.0.0.1):$(or $(PORT),8000)$(1))
RESULTS = $(call given,RESULTS_DIR,--results-dir)

# NOTE: a `ulimit` on its own recipe line dies with that line's shell: raise it on the line that launches.
RAISE_NOFILE := ulimit -n "$$(ulimit -Hn)"

.PHONY: help deps wrk lab test check run run-1-worker run-2-workers run-4-workers run-8-workers \
	run-one-thread run-two-threads run-four-threads run-eight-threads loadtest loadtest-saturate-t1 \
	loadtest-saturate-t4 loadtest-paced test-one-thread test-four-threads test-paced doctor tune untune \
	experiment-backlog sweep notes plan report compare diff export peers chaos iproute2 sshd chromium netns-up \
	netns-down netns-clean fleet-up fleet-down fleet-check lb-cost unshield

## list the targets
help:
	@awk '/^## /{ d = d (d == "" ? "" : " ") substr($$0, 4); next } \
		/^[a-z0-9-]+:/ && d != "" { sub(/:.*/, ""); printf "  %-22s %s\n", $$0, d } { d = "" }' $(MAKEFILE_LIST)
	@echo "Knobs (WORKERS=4, CONNECTIONS=…) reach a driver only when given; unset, the driver's own default applies:"
	@echo "node --import tsx scripts/<driver>.ts --help lists them. WORKERS is 2 for make run and make lab alike"
	@echo "(one process cannot hold 20,000 connections' fds)."

# --- install -------------------------------------------------------------------------------------------
# NOTE: npm ci comes first: the apt steps are a zx driver (scripts/deps.ts), which needs node_modules.
# NOTE: Debian's wrk stays installed beside the lab's build (WRK=/usr/bin/wrk runs it; the tests run both).
## install npm packages (npm ci), Debian's wrk and the Python peers (apt) when missing;
## build the lab's wrk (wrk/); unpack Debian's HAProxy (haproxy/, no service)
deps: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts wrk peers
	@wrk/build.sh
	@haproxy/get.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## Debian's wrk (apt) and the lab's build of it: Debian's source + wrk/patches (wrk/README.md)
wrk: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts wrk
	@wrk/build.sh

# --- the server under test -----------------------------------------------------------------------------
# NOTE: the server is pinned to its side of PLACEMENT (taskset; every worker inherits it), so a load test from
# another terminal (make loadtest-saturate-t4, wrk on GENERATOR_CPUS) is judged as a split run.
# NOTE: WORKERS defaults to 2 here as in make lab: one process cannot hold 20,000 connections' fds (make doctor).
RUN_WORKERS = $(call given,WORKERS,--workers)
## start the server: WORKERS (2) PORT (8000) HOST (127.0.0.1) STUB_MS (200), pinned to SERVER_CPUS (split)
run: deps
	@pin=$$($(NODE) scripts/placement.ts server $(PLACE) 2>/dev/null) || \
		{ $(NODE) scripts/placement.ts server $(PLACE); exit 2; }; \
	echo "server CPUs $${pin:-all}$(if $(PLACEMENT), (PLACEMENT=$(PLACEMENT)))"; \
	$(RAISE_NOFILE) && exec $${pin:+taskset -c $$pin} $(NODE) server/main.ts $(RUN_WORKERS) \
		$(call given,PORT,--port) $(call given,HOST,--host) $(call given,STUB_MS,--stub-ms)

run-1-worker: RUN_WORKERS = --workers 1
## the server with 1 worker process
run-1-worker: run
run-2-workers: RUN_WORKERS = --workers 2
## the server with 2 worker processes
run-2-workers: run
run-4-workers: RUN_WORKERS = --workers 4
## the server with 4 worker processes
run-4-workers: run
run-8-workers: RUN_WORKERS = --workers 8
## the server with 8 worker processes
run-8-workers: run

# --- load runs against a running server (start one with make run-4-workers) ----------------------------
SHAPE = $(call given,CONNECTIONS,--connections) $(call given,TARGET_RPS,--target-rps) \
	$(call given,DURATION,--duration) $(call given,WARMUP,--warmup)
LOADTEST = $(RAISE_NOFILE) && $(NODE) scripts/loadtest.ts $(call SERVER_URL,/ping/) $(PLACE) $(SHAPE) \
	$(call given,BUDGET_MS,--budget-ms) $(RESULTS)

## one run: MODE=saturate|paced THREADS CONNECTIONS DURATION TARGET_RPS BUDGET_MS
loadtest: deps
	$(LOADTEST) $(call given,MODE,--mode) $(call given,THREADS,--threads)

## saturate, wrk -t1 per shard, 20k connections, 30 s (the seed's run, sharded)
loadtest-saturate-t1: deps
	$(LOADTEST) --mode saturate --threads 1

## saturate, wrk -t4 per shard, 20k connections, 30 s
loadtest-saturate-t4: deps
	$(LOADTEST) --mode saturate --threads 4

## paced at TARGET_RPS over CONNECTIONS: the SLO question without coordinated omission
loadtest-paced: deps
	$(LOADTEST) --mode paced $(call given,THREADS,--threads)

# NOTE: the older names, still taken: test-*-thread(s) are load runs (not tests), run-*-threads count workers.
## older name of run-1-worker
run-one-thread: run-1-worker
## older name of run-2-workers
run-two-threads: run-2-workers
## older name of run-4-workers
run-four-threads: run-4-workers
## older name of run-8-workers
run-eight-threads: run-8-workers
## older name of loadtest-saturate-t1
test-one-thread: loadtest-saturate-t1
## older name of loadtest-saturate-t4
test-four-threads: loadtest-saturate-t4
## older name of loadtest-paced
test-paced: loadtest-paced

# --- doctor and tuning (scripts/lib/doctor, scripts/lib/machine; configs/tuning/*.conf) ----------------
# NOTE: the doctor judges the running server at HOST:PORT when one answers, else WORKERS (2) planned workers.
## can this box hold CONNECTIONS? limits + sysctls, exit 2 on a FAIL
doctor: node_modules/.package-lock.json
	$(RAISE_NOFILE) && $(NODE) scripts/doctor.ts $(call given,CONNECTIONS,--connections) $(call given,THREADS,--threads) \
		$(call given,WORKERS,--workers) $(call SERVER_URL,/) $(call given,HOSTS,--hosts)

## root: apply configs/tuning/PROFILE.conf (PROFILE=20k; PERSIST=1 also writes /etc/sysctl.d)
tune: node_modules/.package-lock.json
	$(NODE) scripts/tune.ts tune $(call given,PROFILE,--profile) $(call on,PERSIST,--persist)

## root: restore the values saved by make tune, byte for byte
untune: node_modules/.package-lock.json
	$(NODE) scripts/tune.ts untune

## root: docs/tuning.md experiment — somaxconn × workers × port range, saturate 20k
experiment-backlog: deps
	$(RAISE_NOFILE) && $(NODE) scripts/backlog-experiment.ts $(RESULTS)

# --- sweep (scripts/lib/sweep): the capacity grid ------------------------------------------------------
## capacity grid WORKERS_LIST × CONNECTIONS_LIST × MODES; resumes SWEEP=name (FORCE=1 reruns, REPEATS=3)
sweep: deps
	$(RAISE_NOFILE) && $(NODE) scripts/sweep.ts $(call given,SWEEP,--name) $(call given,WORKERS_LIST,--workers-list) \
		$(call given,CONNECTIONS_LIST,--connections-list) $(call given,MODES,--modes) $(call given,REPEATS,--repeats) \
		$(call given,SWEEP_DURATION,--duration) $(call given,SWEEP_WARMUP,--warmup) $(call given,COOLDOWN,--cooldown) \
		$(call given,STUB_MS,--stub-ms) $(call given,BUDGET_MS,--budget-ms) $(call given,THREADS,--threads) \
		$(RESULTS) $(call on,FORCE,--force) $(PLACE)

# --- notes (scripts/lib/notes): the capacity notes from the recorded runs ------------------------------
## RESULTS_DIR/capacity.md + capacity.json + SVG charts from every recorded uWS run (same results → same bytes)
notes: node_modules/.package-lock.json
	$(NODE) scripts/notes.ts $(RESULTS)

# --- report (scripts/lib/report): a run's or a sweep's page --------------------------------------------
# NOTE: every run and sweep writes its report.html itself; this is for older runs (no samples: the time charts say so).
## RESULTS_DIR/ID/report.html for a run or a sweep (ID=<run id> | sweep-<name>;
## SCREENSHOT=docs/report-example.png saves a PNG via chromium)
report: node_modules/.package-lock.json
	$(NODE) scripts/report.ts $(if $(ID),--id '$(ID)') $(RESULTS) $(call given,SCREENSHOT,--screenshot)

# --- model (scripts/lib/model): the plan for a target, from the recorded runs --------------------------
# NOTE: P99_MS defaults to STUB_MS + BUDGET_MS; HANDLER_US is the handler's own CPU per request (the stub's is 0).
# The fleet section (server hosts of HOST_CPUS, default this machine's, and HAProxy in front) comes when one host
# cannot serve the target; FLEET=1 always (docs/fleet.md, "Planning in hosts").
## server CPUs, workers, RAM, generator CPUs, hosts for TARGET_RPS CONNECTIONS STUB_MS [P99_MS HANDLER_US], from
## RESULTS_DIR's runs; server hosts and HAProxy: FLEET=1 HOST_CPUS; CHECK=<fleet run id>: predicted vs measured
plan: node_modules/.package-lock.json
	@$(NODE) scripts/plan.ts $(call given,TARGET_RPS,--target-rps) $(call given,CONNECTIONS,--connections) \
		$(call given,STUB_MS,--stub-ms) $(call given,BUDGET_MS,--budget-ms) $(call given,P99_MS,--p99-ms) \
		$(call given,HANDLER_US,--handler-us) $(call on,FLEET,--fleet) $(call given,HOST_CPUS,--host-cpus) \
		$(call given,CHECK,--check) $(RESULTS)

# --- compare (scripts/lib/compare): uWS against the peers on the same stub -----------------------------
# NOTE: compare's own defaults apply unless given: 2 workers, 10 s runs after a 3 s warm-up (scripts/compare.ts).
## uWS vs node:http cluster vs FastAPI+uvicorn, same stub: WORKERS CONNECTIONS MODE DURATION
compare: deps
	$(RAISE_NOFILE) && $(NODE) scripts/compare.ts $(call given,WORKERS,--workers) $(SHAPE) $(call given,MODE,--mode) \
		$(call given,STUB_MS,--stub-ms) $(call given,BUDGET_MS,--budget-ms) $(call given,THREADS,--threads) \
		$(RESULTS) $(PLACE)

# --- diff and export (scripts/lib/diff, scripts/lib/results; docs/diff.md) -----------------------------
# NOTE: THRESHOLDS holds < and >: it reaches the driver in single quotes. Unset, the driver's default applies
# (p99<+5%,rps>-2%); THRESHOLDS=none prints the table only. JSON=1: the diff as JSON on stdout.
## A=<id> B=<id> (or A=id,id,… B=id,id,…: groups of repeats against their noise): B against A;
## THRESHOLDS=p99<+5%,rps>-2% (metrics rps p50 p90 p99 p99_9 errors server_us_per_req generator_us_per_req; none
## = table only), exit 1 on a regression; JSON=1
diff: node_modules/.package-lock.json
	@$(NODE) scripts/diff.ts $(if $(A),--a '$(A)') $(if $(B),--b '$(B)') $(if $(THRESHOLDS),--thresholds '$(THRESHOLDS)') \
		$(call on,JSON,--json) $(RESULTS)

## ID=<id>|all: write the run's latency.hgrm (HdrHistogram text, as wrk2 prints); rebuild RESULTS_DIR/README.md +
## index.csv
export: node_modules/.package-lock.json
	@$(NODE) scripts/export.ts $(if $(ID),--id '$(ID)') $(RESULTS)

# NOTE: Debian's packages are importable only by /usr/bin/python3 (scripts/lib/machine/system-deps.ts).
## FastAPI + uvicorn (uvloop, httptools) from Debian, for make compare
peers: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts peers

# --- chaos (scripts/chaos, scripts/lib/chaos): reliability scenarios, expected vs measured -------------
# NOTE: PLACEMENT applies here too: every scenario's server on SERVER_CPUS, the driver (its clients) on
# GENERATOR_CPUS.
## reliability scenarios, expected vs measured → results/chaos-<id>/:
## SCENARIO=all|name[,name] SCALE=moderate|small (host-loss, host-return: a fleet, root; only when named)
chaos: deps
	$(RAISE_NOFILE) && $(NODE) scripts/chaos.ts $(call given,SCENARIO,--scenario) $(call given,SCALE,--scale) \
		$(RESULTS) $(PLACE)

# --- placement (scripts/lib/placement): emulated hosts in network namespaces, and ssh to them ----------
# NOTE: the lab's addresses (configs/net.json, 10.77.0.0/24) exist only inside its own namespaces: the bridge
# sits in the lab's hub namespace, the root namespace gets no address and no route. State, keys and the
# inventory live in /run/labx-fleet (never in the repository). Everything here needs root.
FLEET_INVENTORY := /run/labx-fleet/inventory.json
FLEET_CMD = $(NODE) scripts/fleet.ts
FLEET_SHAPE = $(call given,CLIENTS,--clients) $(call given,SERVER_CPUS,--server-cpus) \
	$(call given,GENERATOR_CPUS,--generator-cpus)

# NOTE: the apt steps are scripts/deps.ts (scripts/lib/machine/system-deps.ts): each only when missing.
## ip and ss from Debian, for the network namespaces
iproute2: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts iproute2

# NOTE: a system ssh service the install starts is stopped and disabled again: each emulated host runs its own sshd.
## openssh-server and -client from Debian for the emulated hosts (the system ssh service stays off)
sshd: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts iproute2 sshd ssh-client

# NOTE: where apt cannot install it (no network, another distribution) it says so, and the report's browser test skips.
## Debian's chromium for the report's browser test (puppeteer-core drives /usr/bin/chromium)
chromium: node_modules/.package-lock.json
	@$(NODE) scripts/deps.ts chromium

## root: hub bridge + server + CLIENTS=2 client namespaces (SERVER_CPUS, GENERATOR_CPUS); prints the topology
## path last
netns-up: node_modules/.package-lock.json iproute2
	$(FLEET_CMD) netns-up $(FLEET_SHAPE)

## root: remove the namespaces netns-up recorded
netns-down: node_modules/.package-lock.json
	$(FLEET_CMD) netns-down

## root: remove every labx- namespace, link, process and sshd a killed run left (safe twice)
netns-clean: node_modules/.package-lock.json
	$(FLEET_CMD) clean

## root: netns-up + a lab key + sshd in every host; SERVERS=n: n server hosts behind an LB host (the inventory
## names "servers" and "lb"); prints the inventory path last
fleet-up: node_modules/.package-lock.json sshd wrk
	$(FLEET_CMD) up $(FLEET_SHAPE) $(call given,SERVERS,--servers)

## root: stop the fleet's sshds, remove namespaces, links and keys (idempotent)
fleet-down: node_modules/.package-lock.json
	$(FLEET_CMD) down

## wrk version and nofile limits of every client host of HOSTS (default: the fleet's), node on its server
## hosts and HAProxy on its LB, over ssh
fleet-check: node_modules/.package-lock.json
	$(FLEET_CMD) check --hosts $(or $(HOSTS),$(FLEET_INVENTORY))

# NOTE: one server host and HAProxy on SERVER_CPUS (default 1), wrk alone on GENERATOR_CPUS (default 0); the
# shape knobs reach the driver only when given (its defaults: 4,000 connections at 4,000 req/s, 20 s, 3 rounds).
## root: the LB's cost — one paced shape direct and through HAProxy, REPEATS rounds interleaved
## → results/lb-cost-<stamp>/ (CONNECTIONS TARGET_RPS DURATION WARMUP REPEATS THREADS)
lb-cost: deps
	$(RAISE_NOFILE) && $(NODE) scripts/lb-cost.ts $(RESULTS) $(call given,CONNECTIONS,-c) $(call given,TARGET_RPS,-R) \
		$(call given,DURATION,-d) $(call given,WARMUP,--warmup) $(call given,REPEATS,--repeats) $(call given,THREADS,-t) \
		$(call given,SERVER_CPUS,--server-cpus) $(call given,GENERATOR_CPUS,--generator-cpus)

# --- the main job --------------------------------------------------------------------------------------
# NOTE: unless the box is already tuned (a saved state exists), lab.ts applies PROFILE for its runs and restores
# the previous values afterwards, also when a run fails or is interrupted (one place undoes everything).
# PROFILE=none skips it.
# NOTE: 2 = the planning model's shape for 20k connections (the fd rule's minimum, and the lowest server CPU per
# request in the split sweep: 21–30 µs with 2 workers, 28–31 with 4, 35–42 with 8 — results/capacity.md).
# NOTE: LAB_WORKERS is make lab's older name of WORKERS (still taken); both given and different is refused.
LAB_WORKERS_ARG = $(if $(and $(call given,LAB_WORKERS,x),$(call given,WORKERS,x),\
		$(filter-out $(WORKERS),$(LAB_WORKERS))),\
	$(error LAB_WORKERS=$(LAB_WORKERS) contradicts WORKERS=$(WORKERS): LAB_WORKERS is WORKERS' older name — give one),\
	$(or $(call given,WORKERS,--workers),$(call given,LAB_WORKERS,--workers)))
# NOTE: the shape knobs reach the lab only when given (its defaults: the SLO's, both modes paced first).
LAB_SHAPE = $(call given,CONNECTIONS,-c) $(call given,TARGET_RPS,-R) $(call given,DURATION,-d) \
	$(call given,MODES,--modes) $(call given,WARMUP,--warmup) $(call given,THREADS,-t) $(call given,REPEATS,--repeats)
# HOSTS=<inventory>: the wrk shards on the inventory's client hosts over ssh (make fleet-up prints one); HOSTS
# implies PLACEMENT=hosts, and another PLACEMENT beside it is refused (scripts/lib/placement/local.ts).
# SHIELD=1 (split): every other task kept off SERVER_CPUS for the run (docs/generator.md: this VM's agent
# preempts the server).
# SERVERS=n: a fleet — n server hosts (WORKERS each) behind HAProxy in the lab's namespaces, wrk in CLIENTS client
# hosts targeting the LB; servers and HAProxy share SERVER_CPUS (docs/fleet.md). One HAProxy process holds ≤ ≈ 9,480
# connections under the 20,000 fd hard limit: more connections start more processes on the LB's port
# (SO_REUSEPORT; LB_PROCESSES=k sets them). RATE_LIMIT=<req/s per client address>: HAProxy answers 429 beyond it
# (seed 004's limit), counted as non-2xx; one process only (a stick table per process).
## end to end: tune, WORKERS (2) on SERVER_CPUS (SHIELD=1 keeps other tasks off them), paced 20k RPS + saturate
## 20k conns (CONNECTIONS TARGET_RPS DURATION MODES; SERVERS=n behind HAProxy), untune, verdicts
lab: deps
	@$(RAISE_NOFILE) && $(NODE) scripts/lab.ts $(LAB_WORKERS_ARG) $(call given,PORT,--port) $(RESULTS) \
		$(call given,PROFILE,--profile) $(PLACE) $(call on,SHIELD,--shield) $(call given,HOSTS,--hosts) \
		$(call given,SERVERS,--servers) $(call given,LB_PROCESSES,--lb-processes) \
		$(call given,RATE_LIMIT,--rate-limit) $(call given,CLIENTS,--clients) $(LAB_SHAPE) || { rc=$$?; echo "exit $$rc: scripts/lab.ts (0 PASS, 1 FAIL, 2 invalid, 130 interrupted;" \
		"its own exit line is above)" >&2; exit $$rc; }

## put back the tasks a killed `make lab SHIELD=1` left off the server's CPUs (safe twice)
unshield: node_modules/.package-lock.json
	$(NODE) scripts/unshield.ts

# --- tests ---------------------------------------------------------------------------------------------
## type-check and lint/format check
check: deps
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
## type-check, lint, then the tests (real server, real wrk, loopback; namespaces + sshd); BUSY=1
test: check sshd chromium
	@guard=$$(mktemp -d /tmp/lab-guard-XXXXXX) && \
	$(NODE) test/machine-guard.ts start $$guard $(call on,BUSY,--busy) && \
	{ $(RAISE_NOFILE) && $(NODE) $(TEST_FLAGS) $(wildcard test/unit/*.test.ts) $(wildcard test/integration/*.test.ts); \
	  rc=$$?; $(NODE) test/machine-guard.ts check $$guard || rc=1; rm -rf $$guard; exit $$rc; }
