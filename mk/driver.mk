# The seed-corpus generator (corpus/generate.c) and `make corpus`.
#
#   make corpus     rebuild build/corpus-gen and regenerate corpus/close_endpoint,
#                   corpus/close_pair and corpus/segment_codec from the scripts
#                   and a few shipped Linux captures (deterministic: the same
#                   files every time, so `git diff corpus/` shows what changed)

DRIVER_CORPUS_GEN := $(BUILD)/corpus-gen
DRIVER_CORPUS_PCAPS := tests/pcaps/linux/a_client_active_close.pcap \
	tests/pcaps/linux/c_simultaneous_close.pcap tests/pcaps/linux/f_linger0_rst.pcap

$(DRIVER_CORPUS_GEN): $(BUILD)/obj/corpus/generate.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lm -o $@

.PHONY: corpus
corpus: $(DRIVER_CORPUS_GEN)
	$(DRIVER_CORPUS_GEN) corpus $(DRIVER_CORPUS_PCAPS)
