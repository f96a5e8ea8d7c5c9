# finfuzz check: extra binaries for its tests and benchmark (owner: check).
#
#   $(BUILD)/check-tools/check_capdump    frame, flags, seq, ack of every TCP
#                                         record as finfuzz reads it (the e2e
#                                         test compares it with tshark)
#   $(BUILD)/check-tools/check_gen        synthetic capture generator
#   $(BUILD)/check-tools/check_bareloop   bare pcap_next_ex loop (the baseline)
#   $(BUILD)/check-tools/check_measure    wall time + peak RSS of a command
#
# They are built with the tests (make test) and the benchmarks (make bench).

CHECK_TOOLS := check_capdump check_gen check_bareloop check_measure
CHECK_TOOL_BIN := $(CHECK_TOOLS:%=$(BUILD)/check-tools/%)

$(BUILD)/check-tools/check_capdump: $(BUILD)/obj/tests/tools/check_capdump.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

$(BUILD)/check-tools/check_gen: $(BUILD)/obj/bench/check_gen.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

$(BUILD)/check-tools/check_bareloop: $(BUILD)/obj/bench/check_bareloop.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/check-tools/check_measure: $(BUILD)/obj/bench/check_measure.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

.PHONY: check-tools
check-tools: $(CHECK_TOOL_BIN)
tests-build: $(CHECK_TOOL_BIN)
bench-build: $(CHECK_TOOL_BIN)
