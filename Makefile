# The two commands of the README's Quickstart, and the builds behind them.
#   make demo   builds ctodesk, creates the demo company in ./demo, briefs on it
#   make test   builds with sanitizers and runs the whole suite through ctest
JOBS ?= $(shell nproc)

.PHONY: all deps test-deps build build-test demo test clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTODESK_TESTS=OFF >/dev/null
	@cmake --build build -j $(JOBS)

build-test: test-deps
	@cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCTODESK_TESTS=ON -DCTODESK_SANITIZE=ON >/dev/null
	@cmake --build build-test -j $(JOBS)

demo: build
	./build/ctodesk demo ./demo

test: build-test
	cd build-test && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf build build-test

# Open-ended fuzzing with libFuzzer (clang); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: test-deps
	@cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCTODESK_TESTS=OFF -DCTODESK_SANITIZE=ON -DCTODESK_FUZZ=ON >/dev/null
	@cmake --build build-fuzz --target config_fuzz -j $(JOBS)
	mkdir -p build-fuzz/corpus-config && ./build-fuzz/fuzz/config_fuzz -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus-config fuzz/corpus/config
