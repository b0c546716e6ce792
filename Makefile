# Shortcuts; each target runs a script in tools/.
.PHONY: run test bench lint
run:   ## set up (first time), build and serve on http://127.0.0.1:3000
	bash tools/run.sh
test:  ## every test: cargo test, then Playwright against the release server
	bash tools/test.sh
bench: ## load test /healthz and /api/v1/user, print throughputs and WASM size
	bash tools/bench.sh
lint:  ## formatting and clippy for both targets
	bash tools/lint.sh
