/* Fuzz target: lwIP 2.1 (Debian's liblwip, in-process) as endpoint A
 * against a fuzzer-driven peer B.
 *
 * The input is close_endpoint's format (harness/program.h); the same driver
 * and oracle judge lwIP under the `lwip` profile, which names lwIP's
 * accepted differences. Every run starts from the same lwIP state (the
 * adapter restores lwIP's data to a snapshot, harness/sut_lwip.h), so a
 * crash file reproduces with `finfuzz repro --target lwip FILE`.
 *
 * lwIP's own assertions (LWIP_ASSERT, which abort in Debian's build) are
 * caught by the adapter and reported here like a violation, with the id
 * "lwip-assert-..." of a filed finding (corpus/regressions/third-party/) or
 * "lwip-assert" for a new one. When lwIP asserted, that is the run's
 * finding: what the oracle said afterwards judged a frozen lwIP.
 *
 * A violation whose filed root cause the run shows on the wire
 * (harness/sut_lwip_known.h: lwIP took text without ACK, its RST to SYN+FIN)
 * is reported under that finding's id, with the invariant it broke.
 *
 * FINFUZZ_LWIP_IGNORE="id,id" lets a campaign look past findings already
 * filed: invariant ids, assertion ids or filed finding ids; their runs do
 * not abort, and the next input starts from a restored lwIP. Unset, every
 * finding aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/driver.h"
#include "harness/sut_lwip.h"
#include "harness/sut_lwip_known.h"

static struct driver drv;
static struct sut_lwip lwip;
static struct lwip_known known;

static bool ignored(const char *id)
{
    const char *list = getenv("FINFUZZ_LWIP_IGNORE");
    size_t n = strlen(id);
    for (const char *p = list; p && (p = strstr(p, id)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* The assertions a peer can reach that are filed in
 * corpus/regressions/third-party/ (the id is the reproducer's name). */
static const char *assertion_id(const char *text)
{
    static const struct {
        const char *needle, *id;
    } filed[] = {
        {"\"insane offset!\"", "lwip-assert-insane-offset"},
        {"\"inconsistent oversize vs. space\"", "lwip-assert-oversize-vs-space"},
        {"\"mss_local is too small\"", "lwip-assert-mss-local-too-small"},
        {"\"tcp_slowtimr: persist ticking with empty send buffer\"",
         "lwip-assert-persist-empty-buffer"},
        {"\"tcp_receive: segment not trimmed correctly to ooseq queue",
         "lwip-assert-ooseq-not-trimmed"},
    };
    for (size_t i = 0; i < sizeof filed / sizeof filed[0]; i++)
        if (strstr(text, filed[i].needle))
            return filed[i].id;
    return "lwip-assert";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    drv.use_profile = true;
    drv.profile = PROFILE_LWIP;
    lwip.catch_asserts = true;
    lwip.took_text_without_ack = lwip_known_took_text;
    lwip.took_ctx = &known;
    const struct sut sut = {.ops = &sut_lwip_ops, .self = &lwip};
    lwip_known_reset(&known);
    const struct ev_sink sink = lwip_known_sink(&known);
    int r = driver_run(&drv, &sut, data, size, &sink, 1);
    if (r == DRIVER_SUT_ERROR) {
        fprintf(stderr, "finfuzz: lwip: %s\n", driver_error(&drv));
        abort();
    }
    const char *assertion = sut_lwip_assertion(&lwip);
    if (assertion) {
        const char *id = assertion_id(assertion);
        if (!ignored(id)) {
            fprintf(stderr, "finfuzz: lwip %s: %s\n", id, assertion);
            abort();
        }
        return 0;
    }
    const struct driver_violation *v = driver_violation(&drv);
    if (r != DRIVER_VIOLATION)
        return 0;
    const char *filed = lwip_known_explain(&known, v);
    if (filed && !ignored(filed)) {
        fprintf(stderr, "finfuzz: lwip %s (violation %s at event %llu): %s\n", filed, v->id,
                (unsigned long long)v->event_index, v->message);
        abort();
    }
    if (!filed && !ignored(v->id)) {
        fprintf(stderr, "finfuzz: lwip violation %s: %s\n", v->id, v->message);
        abort();
    }
    return 0;
}
