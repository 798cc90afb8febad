# crossmodal: the two commands a user needs are `make demo` and `make test`.
DATASET ?= ../shared/flickr8k
BIN := .build/release/crossmodal

# The tests' oracles (NumPy, the scripts) run on the Python of .cache/venv, which `make setup` creates.
TEST_PATH := PATH="$(CURDIR)/.cache/venv/bin:$$PATH"

.PHONY: setup build release test test-fast demo clean

setup:
	@bash scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release --product crossmodal

test: setup
	@bash scripts/setup_test_tools.sh
	$(TEST_PATH) swift test

# The unit tests alone: no end-to-end command runs, no PostgreSQL, no browser (about a minute once built).
test-fast: setup
	$(TEST_PATH) swift test --skip CrossmodalCLITests --skip PostgresVectorSearchTests --skip PostgresGalleryWriterTests --skip PostgresWorkQueueTests --skip matchesThePyTorchImplementation

demo: release
	@bash scripts/demo.sh "$(DATASET)"

clean:
	rm -rf .build
