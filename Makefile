# finfuzz build. Non-recursive: one Makefile plus fragments in mk/.
#
#   make             library + build/finfuzz
#   make test        everything under ASan+UBSan, then every test (tests/run.sh)
#   make fuzz        the main job: a short fuzzing campaign + a check of the
#                    shipped captures (mk/fuzz.mk)
#   make bench       benchmarks, printed as ratios (bench/run.sh)
#   make clean
#
# CC, CFLAGS, LDFLAGS and SANITIZE=address,undefined are honoured. BUILD
# picks the output folder (build/ by default; `make test` uses build/asan).

ifeq ($(origin CC),default)
CC := clang
endif
CFLAGS ?= -O2 -g
BUILD ?= build
SANITIZE ?=

WARN := -Wall -Wextra -Werror
STD := -std=c11 -D_GNU_SOURCE
DEP_PKGS := libpcap lwip cmocka json-c libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags libpcap lwip json-c libxml-2.0 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libpcap lwip json-c libxml-2.0 2>/dev/null)

SAN_FLAGS :=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

ALL_CFLAGS = $(STD) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -I. -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

STACK_SRC := $(sort $(wildcard stack/*.c))
HARNESS_SRC := $(sort $(filter-out harness/main.c,$(wildcard harness/*.c)))
LIB_SRC := $(STACK_SRC) $(HARNESS_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libfinfuzz.a
FINFUZZ := $(BUILD)/finfuzz

TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test tests-build run-tests bench bench-build clean deps format
.DEFAULT_GOAL := all
# Keep objects of tests and benches between runs (make would delete them as
# intermediates).
.SECONDARY: $(TEST_SRC:%.c=$(BUILD)/obj/%.o) $(TEST_SUPPORT_OBJ) $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)

all: deps-check $(LIB) $(FINFUZZ)

# Install what is missing (ci/deps.sh explains itself if it cannot).
.PHONY: deps-check
deps-check:
	@pkg-config --exists $(DEP_PKGS) && command -v clang >/dev/null || ./ci/deps.sh

deps:
	./ci/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(FINFUZZ): $(BUILD)/obj/harness/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lcmocka -lm -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

# Tests run under ASan+UBSan unless the caller chose otherwise.
TEST_SANITIZE ?= address,undefined
test: deps-check
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=$(TEST_SANITIZE) run-tests

tests-build: $(LIB) $(FINFUZZ) $(TEST_BIN)

run-tests: tests-build
	BUILD=$(BUILD) ./tests/run.sh

bench-build: $(LIB) $(FINFUZZ) $(BENCH_BIN)

# Benchmarks never run under sanitizers: build/bench is a plain -O2 build.
bench: deps-check
	$(MAKE) --no-print-directory BUILD=build/bench-build SANITIZE= CFLAGS="-O2 -g" bench-build
	BUILD=build/bench-build ./bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include mk/*.mk
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
