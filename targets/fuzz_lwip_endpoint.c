/* Fuzz target: lwIP 2.1 (Debian's liblwip, in-process) as endpoint A
 * against a fuzzer-driven peer B.
 *
 * The input is close_endpoint's format (harness/program.h); the same driver
 * and oracle judge lwIP under the `lwip` profile, which names lwIP's
 * accepted differences. Every run starts from the same lwIP state (the
 * adapter restores lwIP's data to a snapshot, harness/sut_lwip.h), so a
 * crash file reproduces with `finfuzz repro --target lwip FILE`.
 *
 * FINFUZZ_LWIP_IGNORE="id,id" lets a campaign look past invariants whose
 * lwIP findings are already filed (corpus/regressions/third-party/): their
 * violations do not abort. Unset, every violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/driver.h"
#include "harness/sut_lwip.h"

static struct driver drv;
static struct sut_lwip lwip;

static bool ignored(const char *id)
{
    const char *list = getenv("FINFUZZ_LWIP_IGNORE");
    size_t n = strlen(id);
    for (const char *p = list; p && (p = strstr(p, id)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    drv.use_profile = true;
    drv.profile = PROFILE_LWIP;
    const struct sut sut = {.ops = &sut_lwip_ops, .self = &lwip};
    int r = driver_run(&drv, &sut, data, size, NULL, 0);
    if (r == DRIVER_SUT_ERROR) {
        fprintf(stderr, "finfuzz: lwip: %s\n", driver_error(&drv));
        abort();
    }
    const struct driver_violation *v = driver_violation(&drv);
    if (r == DRIVER_VIOLATION && !ignored(v->id)) {
        fprintf(stderr, "finfuzz: lwip violation %s: %s\n", v->id, v->message);
        abort();
    }
    return 0;
}
