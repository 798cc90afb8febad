# crossmodal: the two commands a user needs are `make demo` and `make test`.
DATASET ?= ../shared/flickr8k
BIN := .build/release/crossmodal

.PHONY: setup build release test demo clean

setup:
	@bash scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release --product crossmodal

test: setup
	@bash scripts/setup_test_tools.sh
	swift test

demo: release
	@bash scripts/demo.sh "$(DATASET)"

clean:
	rm -rf .build
