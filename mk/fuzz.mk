# Fuzz builds: every targets/fuzz_<name>.c built three ways from one source.
#
#   make fuzz-build       libFuzzer + ASan + UBSan  -> build/fuzz-libfuzzer/fuzz_<name>
#   make fuzz-afl-build   AFL++ (afl-clang-fast) + ASan -> build/fuzz-afl/fuzz_<name>
#   make repro-build      plain reproducer (targets/repro_main.c, $(CC), the
#                         SANITIZE of the current build) -> $(BUILD)/repro/fuzz_<name>
#   make fuzz             the main job: short campaign + shipped captures (ci/fuzz.sh)
#   make mutants          the oracle's power: fuzz deliberately broken stacks (ci/mutants.sh)
#   make coverage         state diagram + llvm-cov HTML of a corpus replay (ci/coverage.sh)
#
# Each fuzz build compiles the library sources again in its own object folder
# with its own flags, so the sanitizer/coverage flags never mix with build/.
#
# OSS-Fuzz / ClusterFuzzLite: when LIB_FUZZING_ENGINE is set (their build.sh
# environment), fuzz-build uses $(CC) $(CFLAGS) $(LIB_FUZZING_ENGINE) exactly
# as given and picks no compiler or sanitizer of its own.

FUZZ_TARGET_SRC := $(sort $(wildcard targets/fuzz_*.c))
FUZZ_TARGETS := $(patsubst targets/fuzz_%.c,%,$(FUZZ_TARGET_SRC))
FUZZ_SECONDS ?= 20
MUTANT_SECONDS ?= 60

# Extra compile flags for every fuzz/repro flavour (ci/mutants.sh passes
# -DFINFUZZ_MUTANT_<NAME> here; never set it in a normal build).
FUZZ_EXTRA_CFLAGS ?=

# The whole library; a target links only the archive members it references.
FUZZ_LIB_SRC := $(LIB_SRC)
FUZZ_LINK_LIBS = -Wl,--as-needed $(PKG_LIBS) -lm

# ---- libFuzzer ------------------------------------------------------------
FUZZ_LF_DIR ?= build/fuzz-libfuzzer
ifdef LIB_FUZZING_ENGINE
# Their compiler, their flags (CFLAGS carries the sanitizer and
# -fsanitize=fuzzer-no-link); no -Werror, their clang may warn differently.
# Shared libraries are shipped next to the binaries in $OUT/lib (build.sh).
FUZZ_LF_CC = $(CC)
FUZZ_LF_CFLAGS = $(CFLAGS)
FUZZ_LF_WARN = -Wall -Wextra
FUZZ_LF_LINK = $(CFLAGS) $(LDFLAGS) $(LIB_FUZZING_ENGINE) -Wl,-rpath,'$$ORIGIN/lib'
else
FUZZ_LF_CC ?= clang
# -O2: the sanitizers check the same, and lwip_endpoint replays its corpus
# 5-8% faster per CPU-second than at -O1 (fourth session, 2,073 inputs x 10).
FUZZ_LF_CFLAGS ?= -g -O2 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_LF_WARN = $(WARN)
FUZZ_LF_LINK = $(FUZZ_LF_CFLAGS) -fsanitize=fuzzer,address,undefined
endif
FUZZ_LF_ALL_CFLAGS = $(STD) $(FUZZ_LF_WARN) $(FUZZ_LF_CFLAGS) $(FUZZ_EXTRA_CFLAGS) $(PKG_CFLAGS) -I. -MMD -MP
FUZZ_LF_LIB := $(FUZZ_LF_DIR)/libfinfuzz.a

# Some files keep their edge counters but not -fsanitize-coverage=trace-cmp,
# whose comparison table feeds mutations only with what they compare:
# - the lwIP adapter's lwIP-facing half (sut_lwip_glue.c, sut_lwip.c): lwIP's
#   own bookkeeping (pcb fields, timer ticks, list pointers) and the virtual
#   tick clock, never bytes of the input; with UBSan each pointer
#   dereference there added an alignment compare that went to the table as
#   (0, 0). Those callbacks were a seventh of lwip_endpoint's run time
#   (callgrind, build with UBSan);
# - the event tee (event.c), which every event of every target passes
#   twice: it compares a sink counter;
# - the filed-findings sink (sut_lwip_known.c): it does compare sequence
#   numbers of the input, but only to name a violation already found after
#   its filed root cause; steering mutations toward its conditions steers
#   toward bugs already filed, not new ones (7% of the target's time).
# The oracle, the driver, the input decoder and every other file keep it.
FUZZ_LF_NOCMP_OBJ := $(FUZZ_LF_DIR)/obj/harness/sut_lwip_glue.o $(FUZZ_LF_DIR)/obj/harness/sut_lwip.o \
	$(FUZZ_LF_DIR)/obj/harness/event.o $(FUZZ_LF_DIR)/obj/harness/sut_lwip_known.o
$(FUZZ_LF_NOCMP_OBJ): FUZZ_LF_ALL_CFLAGS += -fno-sanitize-coverage=trace-cmp
$(FUZZ_LF_NOCMP_OBJ): mk/fuzz.mk
FUZZ_LF_BINS := $(FUZZ_TARGETS:%=$(FUZZ_LF_DIR)/fuzz_%)

# ---- AFL++ ----------------------------------------------------------------
# ASan only: a UBSan-instrumented AFL++ binary dies with SIGILL and no
# message (TOOLCHAIN.md); AFL crash files are reproduced with the libFuzzer
# build, which has UBSan and reads the same files.
FUZZ_AFL_DIR ?= build/fuzz-afl
FUZZ_AFL_CC ?= afl-clang-fast
FUZZ_AFL_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_AFL_ENV = AFL_USE_ASAN=1 AFL_QUIET=1
FUZZ_AFL_ALL_CFLAGS = $(STD) $(WARN) $(FUZZ_AFL_CFLAGS) $(FUZZ_EXTRA_CFLAGS) $(PKG_CFLAGS) -I. -MMD -MP
FUZZ_AFL_LIB := $(FUZZ_AFL_DIR)/libfinfuzz.a
FUZZ_AFL_BINS := $(FUZZ_TARGETS:%=$(FUZZ_AFL_DIR)/fuzz_%)

# ---- plain reproducer -------------------------------------------------------
# Built in $(BUILD) with the library of that build, so `make test`
# (build/asan) gets ASan+UBSan reproducers for the regression replay.
FUZZ_REPRO_MAIN := $(wildcard targets/repro_main.c)
ifneq ($(FUZZ_REPRO_MAIN),)
FUZZ_REPRO_BINS := $(FUZZ_TARGETS:%=$(BUILD)/repro/fuzz_%)
else
FUZZ_REPRO_BINS :=
endif

.PHONY: fuzz-build fuzz-afl-build repro-build fuzz fuzz-list mutants coverage fuzz-FORCE

fuzz-build: $(FUZZ_LF_BINS)
fuzz-afl-build: $(FUZZ_AFL_BINS)
repro-build: $(FUZZ_REPRO_BINS)

# `make test` replays every corpus and regression through the reproducers.
tests-build: $(FUZZ_REPRO_BINS)

fuzz-list:
	@echo $(FUZZ_TARGETS)

# A flag change (another sanitizer, a mutant) must rebuild every object of
# that folder: the objects depend on a file that holds the flags and is only
# rewritten when they change.
$(FUZZ_LF_DIR)/.flags: fuzz-FORCE
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_LF_CC) $(FUZZ_LF_ALL_CFLAGS) $(FUZZ_LF_LINK)' | cmp -s - $@ || \
	    echo '$(FUZZ_LF_CC) $(FUZZ_LF_ALL_CFLAGS) $(FUZZ_LF_LINK)' > $@
$(FUZZ_AFL_DIR)/.flags: fuzz-FORCE
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_AFL_CC) $(FUZZ_AFL_ALL_CFLAGS)' | cmp -s - $@ || \
	    echo '$(FUZZ_AFL_CC) $(FUZZ_AFL_ALL_CFLAGS)' > $@

$(FUZZ_LF_DIR)/obj/%.o: %.c $(FUZZ_LF_DIR)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_LF_CC) $(FUZZ_LF_ALL_CFLAGS) -c $< -o $@

$(FUZZ_LF_LIB): $(FUZZ_LIB_SRC:%.c=$(FUZZ_LF_DIR)/obj/%.o)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_LF_DIR)/fuzz_%: $(FUZZ_LF_DIR)/obj/targets/fuzz_%.o $(FUZZ_LF_LIB)
	$(FUZZ_LF_CC) $^ $(FUZZ_LF_LINK) $(FUZZ_LINK_LIBS) -o $@

$(FUZZ_AFL_DIR)/obj/%.o: %.c $(FUZZ_AFL_DIR)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_AFL_ENV) $(FUZZ_AFL_CC) $(FUZZ_AFL_ALL_CFLAGS) -c $< -o $@

$(FUZZ_AFL_LIB): $(FUZZ_LIB_SRC:%.c=$(FUZZ_AFL_DIR)/obj/%.o)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_AFL_DIR)/fuzz_%: $(FUZZ_AFL_DIR)/obj/targets/fuzz_%.o $(FUZZ_AFL_LIB)
	$(FUZZ_AFL_ENV) $(FUZZ_AFL_CC) $(FUZZ_AFL_CFLAGS) -fsanitize=fuzzer $^ $(FUZZ_LINK_LIBS) -o $@

$(BUILD)/repro/fuzz_%: $(BUILD)/obj/targets/fuzz_%.o $(BUILD)/obj/targets/repro_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

# The main job and the other campaigns live in ci/ so CI and make share them.
# The main job fuzzes the built-in model stack (and finfuzz's own parsers);
# lwip_endpoint judges a third-party stack with known deviations, so it runs
# when asked: make fuzz FUZZ_TARGETS_ONLY=lwip_endpoint, or ci/fuzz.sh.
FUZZ_MAIN_TARGETS ?= close_endpoint,close_pair,segment_codec,pcap_check
FUZZ_SH_ARGS = --seconds $(FUZZ_SECONDS) --check-captures $(if $(filter 1,$(MERGE_INTO_CORPUS)),--merge-into-corpus) \
	--targets $(if $(FUZZ_TARGETS_ONLY),$(FUZZ_TARGETS_ONLY),$(FUZZ_MAIN_TARGETS))
fuzz: deps-check
	./ci/fuzz.sh $(strip $(FUZZ_SH_ARGS))

mutants: deps-check
	MUTANT_SECONDS=$(MUTANT_SECONDS) ./ci/mutants.sh

coverage: deps-check
	./ci/coverage.sh

-include $(shell find $(FUZZ_LF_DIR)/obj $(FUZZ_AFL_DIR)/obj -name '*.d' 2>/dev/null)

# Keep the target objects (make would delete them as intermediates).
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_LF_DIR)/obj/targets/fuzz_%.o) \
	$(FUZZ_TARGETS:%=$(FUZZ_AFL_DIR)/obj/targets/fuzz_%.o) \
	$(FUZZ_TARGETS:%=$(BUILD)/obj/targets/fuzz_%.o) $(BUILD)/obj/targets/repro_main.o
