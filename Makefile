# The two commands (README): `make demo` and `make test`. Each installs what is missing,
# configures, builds (Release) and runs.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test bench clean

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

clean:
	rm -rf $(BUILD)
