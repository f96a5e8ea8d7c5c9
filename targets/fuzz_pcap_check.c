/* Fuzz `finfuzz check` end to end: arbitrary bytes as a capture file, read
 * from memory by libpcap (fmemopen + pcap_fopen_offline), split into
 * segments and flows and judged by the oracle under every profile. Verdicts
 * on random traffic mean nothing; what must hold is no crash, no
 * out-of-bounds read, no leak, and a sane count of the flows judged. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/check.h"

static void count_flow(void *ctx, const struct flow *f, const struct check_verdict *v,
                       uint64_t end_usecs, enum flow_end why)
{
    (void)end_usecs;
    (void)why;
    if (v->verdict > VERDICT_INCOMPLETE || f->segments == 0 || v->nviolations > v->violations_total)
        abort(); /* a verdict outside the enum, a flow judged with no segment, or more
                    violations kept than found */
    ++*(uint64_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses a zero-length buffer */
    uint64_t flows = 0;
    struct check_options opt;
    check_options_default(&opt);
    opt.cfg.profile = (enum oracle_profile)(data[size - 1] % PROFILE_COUNT);
    opt.max_flows = 64; /* exercises eviction too */
    struct check_hooks hooks = {.ctx = &flows, .flow = count_flow};
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    struct check_result res;
    check_stream(fp, "fuzz", &opt, &hooks, &res); /* owns and closes fp */
    if (flows > res.packets)
        abort(); /* every flow needs at least one record */
    return 0;
}
