# Shortcuts; each target runs a script in tools/. The cargo benches build in
# a target directory of their own: built without cargo-leptos, they would
# otherwise replace the release server that tools/test.sh and tools/bench.sh
# run (its page would then ask for WASM files under other names).
.PHONY: run test bench load crash fuzz deny bench-audit bench-mail lint
run:   ## set up (first time), build and serve on http://127.0.0.1:3000
	bash tools/run.sh
test:  ## every test: cargo test, then Playwright against the release server
	bash tools/test.sh
bench: ## load test /healthz, /api/v1/user, /auth/verify beside bare axum; revocation across instances; WASM size
	bash tools/bench.sh
load:  ## mixed traffic at 64 connections for 60 s: throughput, p50/p99, statuses, memory
	bash tools/load.sh
crash: ## 20 SIGKILLs at random moments of mixed traffic, SQLite then PostgreSQL
	bash tools/crash.sh
fuzz:  ## each fuzz target for 5 minutes (FUZZ_SECONDS), corpora in fuzz/corpus
	bash tools/fuzz.sh
deny:  ## cargo-deny: licenses, sources, duplicate versions, advisories (deny.toml)
	bash tools/deny.sh
bench-audit: ## the audit log at 1,000,000 events: page read times, export memory
	bash -c 'source tools/env.sh && CARGO_TARGET_DIR="$$CARGO_TARGET_DIR-benches" cargo bench --features ssr --bench audit'
bench-mail: ## 10,000 queued notices mailed to a local SMTP server: the drain rate
	bash -c 'source tools/env.sh && CARGO_TARGET_DIR="$$CARGO_TARGET_DIR-benches" cargo bench --features ssr --bench mail'
lint:  ## formatting, clippy for both targets, no import circle in src/
	bash tools/lint.sh
