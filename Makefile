# The two commands (README): `make demo` and `make test`. Each installs what is missing,
# configures, builds (Release) and runs.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test bench clean fuzz-smoke fuzz-depth test-asan

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/lpo demo

test: build
	cd $(BUILD) && ctest --output-on-failure

bench: build
	bash bench/run.sh

# libFuzzer targets for the untrusted-file parsers (clang, ASan + UBSan), FUZZ_SECONDS each.
fuzz-smoke:
	@bash scripts/install-deps.sh --fuzz
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLPO_FUZZ=ON \
	  -DLPO_TESTS=OFF -DLPO_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	bash scripts/fuzz-smoke.sh build-fuzz

# The same targets at depth: up to 1,000,000 executions or 30 min each, and what they find
# (minimised) kept in fuzz/corpus/ for the next run.
fuzz-depth: fuzz-smoke
	FUZZ_RUNS=1000000 FUZZ_SECONDS=1800 FUZZ_KEEP=1 bash scripts/fuzz-smoke.sh build-fuzz

# The whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLPO_SANITIZE=ON -DLPO_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure

clean:
	rm -rf $(BUILD)
