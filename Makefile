# Lectern — the README's commands. Each installs what is missing first.
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: deps build release run test chaos bench fuzz clean format format-check

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The whole platform on this machine: moto (local S3/SQS/DynamoDB), the API with the portal on :8080, and a worker
# pool that grows with the queue. Prints the portal URL and sign-in tokens; Ctrl-C stops everything.
# Overrides: API_PORT, MOTO_PORT, WORKERS (see scripts/run-local.sh).
run: deps
	$(SWIFT) build -c release
	scripts/run-local.sh

# Every test: unit tests, the SigV4 suite, integration tests against moto_server (started by the tests
# on a free loopback port) and real transcodes of clips the tests generate.
# Tests run in parallel: child processes are awaited through LecternTestSupport's ChildProcess, which holds no thread
# of the cooperative pool while a child runs. Some suites run after the rest, one at a time (SERIAL_SUITES):
# - SchemathesisTests: starts its own whole stack (API, worker) and schemathesis' generated load, which alone fills
#   2 cores; its time limits assume a machine to itself.
# - HTTP1EngineTests, EngineFairnessTests, HTTP1SocketReactorTests: they measure wall-clock windows of 0.1-2 s (a
#   request in flight during stop, scheduling order); among ~750 tests sharing 2 cores those windows stretched past
#   30 s. They need an injected clock or explicit gates to run among the rest (LectureRecordCacheTests got both).
# - HTTP1ConformanceTests: one test measures the process's memory growth, which parallel neighbours add to; the
#   others read answers with a socket receive timeout, which ran out for 18 of them at once in a fresh-clone run
#   once TranscoderTests' encodes joined the parallel step ("recv failed: errno 11").
# - WorkerJobTests, CaptionDraftTests: heartbeats every third of a 2-5 s visibility timeout and polls of a shared moto;
#   with the whole suite on moto at once a round trip took seconds and leases lapsed (a job claimed twice).
# - WorkerProcessTests, ObservabilityTests: a worker is killed or watched mid-encode; on a loaded machine the short
#   clip's encode finished first, or a 5 s task limit ran out.
# - SESIntegrationTests, SQSIntegrationTests: in two fresh-clone runs after session 9's merges (more encodes in the
#   parallel step) a moto call timed out after 15 s with no byte, and a long poll that must return early took 27 s.
# - HTTPEngineChoiceTests: a graceful stop with an idle keep-alive connection must end before the 10 s grace; in a
#   quiet-machine parallel run it took 14.9 s (the stop itself, starved), which says nothing about the idle connection.
# - DevWorkersTests: it must see the pool's two workers while three messages are still queued; under load (the
#   browser suite beside the parallel step) the workers rejected them and the pool scaled in before the test read
#   the pool's output, so the worker it killed was gone already. (It also needs ~25 s of 2 cores for 3 processes.)
# - ChangedRowsTranscodeTests: two encodes of one clip, with and without changed-rows scaling, must be the same
#   bytes, and alone they always are (18 runs; 8 concurrent transcodes in one process too). In 2 of 4 parallel runs
#   of the whole transcoder suite (2026-12-05, under extra load) one 240p segment differed: something another suite
#   does in the same process changes an encode's bytes. Unexplained; on the roadmap, not hidden: see the session note.
# moto itself runs at nice -10 (`MotoServer.raisePriority`): it stands in for AWS, which does not share our cores.
# CrossCuttingTests left the list (issue #18): its per-minute write limit runs on a clock the test moves
# (`APIApplication.init(clock:)`), so requests in a row need not fit a 30 s refill window any more.
# The portal browser suite (BESIDE_SUITES) runs beside the serial step, as the test bundle started directly (a second
# `swift test` only waits for the first one's lock on .build), its output shown when both end. It mostly waits on
# Chromium and the page: beside the serial suites (2026-12-05, one core's worth of load between them) it took 111 s
# instead of 103 s and they 147 s instead of 139 s, so the step takes ~147 s instead of ~242 s. Beside the parallel
# step it did not work: in session 8 a starved moto answered a live API test with 503; on 2026-12-05 an engine
# test's socket read timed out, run-local.sh took over 20 s to start, and both steps slowed (236 s instead of 180 s,
# 260 s instead of 113 s).
BESIDE_SUITES := PortalBrowserTests
SERIAL_SUITES := SchemathesisTests|ChangedRowsTranscodeTests|HTTP1EngineTests|EngineFairnessTests|EngineEventLoopTests|HTTP1SocketReactorTests|HTTP1ConformanceTests|WorkerJobTests|CaptionDraftTests|WorkerProcessTests|ObservabilityTests|SESIntegrationTests|SQSIntegrationTests|HTTPEngineChoiceTests|DevWorkersTests
test: deps format-check
	$(SWIFT) build --build-tests
	@start=$$(date +%s); $(SWIFT) test --skip-build --skip '$(SERIAL_SUITES)|$(BESIDE_SUITES)'; status=$$?; \
	  echo "--- the parallel step took $$(( $$(date +%s) - start )) s"; exit $$status
	@bin=$$($(SWIFT) build --show-bin-path); start=$$(date +%s); \
	  "$$bin/LecternPackageTests.xctest" --testing-library swift-testing \
	    --filter '$(BESIDE_SUITES)' > .build/beside-suites.log 2>&1 & beside=$$!; \
	  $(SWIFT) test --skip-build --no-parallel --filter '$(SERIAL_SUITES)'; serial=$$?; \
	  wait $$beside; besideStatus=$$?; echo "--- $(BESIDE_SUITES), run beside the serial step:"; \
	  cat .build/beside-suites.log; \
	  echo "--- the serial step and $(BESIDE_SUITES) took $$(( $$(date +%s) - start )) s"; \
	  [ $$serial -eq 0 ] && [ $$besideStatus -eq 0 ]

# The long chaos run (issue #13): 30 lectures through 3 worker processes killed every few seconds for 5 minutes;
# prints a table (ready, failed with a reason, stuck, published twice). `make test` runs a short one.
chaos: deps
	$(SWIFT) build --build-tests
	CHAOS_LECTURES=$${CHAOS_LECTURES:-30} CHAOS_WORKERS=$${CHAOS_WORKERS:-3} CHAOS_SECONDS=$${CHAOS_SECONDS:-300} \
	CHAOS_KILL_MIN_SECONDS=$${CHAOS_KILL_MIN_SECONDS:-1} CHAOS_KILL_MAX_SECONDS=$${CHAOS_KILL_MAX_SECONDS:-3} \
	$(SWIFT) test --skip-build --no-parallel --filter ChaosTests

# Side-by-side benchmarks against the peers each issue names (botocore, the ffmpeg CLI).
bench: deps
	Benchmarks/run

clean:
	rm -rf .build

# The style (issue #18): `.swift-format` (4 spaces, 120 columns, one argument per line once a call wraps).
# `make format` rewrites the tree; twice, because swift-format 6.3 settles a few wrapped expressions only on its
# second pass, then whole-line comments are rewrapped (swift-format leaves comments as they are). `make test` checks
# that nothing would change, and scripts/line-length.py that no Swift line in Sources/, Tests/ or Benchmarks/ is over
# 120 characters (swift format cannot break inside a string literal: split a long one as a multi-line literal with `\`
# line continuations). Its allow-list (scripts/long-lines-allowed.txt, a ratchet) is empty since issue #18.
# `scripts/line-length.py wrap FILE` breaks multi-line literals without changing their value (the OpenAPI JSON is
# wrapped that way).
SWIFT_FILES := Sources Tests Benchmarks Fuzz Package.swift
format:
	$(SWIFT) format --in-place --recursive --parallel $(SWIFT_FILES)
	$(SWIFT) format --in-place --recursive --parallel $(SWIFT_FILES)
	find Sources Tests Benchmarks Fuzz -name '*.swift' -print0 | xargs -0 python3 scripts/rewrap-comments.py
format-check:
	$(SWIFT) format lint --strict --recursive --parallel $(SWIFT_FILES)
	python3 scripts/line-length.py

# The HTTP/1.1 engine's parser fuzz targets (libFuzzer), optimised, five minutes each (`make test` runs them briefly).
# FUZZ_SECONDS=N to change the budget; findings land in .build/fuzz/artifacts/.
FUZZ_SECONDS ?= 300
fuzz: deps
	FUZZ_OPTIMIZE=1 Fuzz/run all --seconds $(FUZZ_SECONDS)
