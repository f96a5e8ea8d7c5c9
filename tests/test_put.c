/* put.h: the printf-free formatting of verdict lines. Every number is
 * written as printf("%llu") writes it, at every digit count and across the
 * boundaries between put_u64's ways (below 100, below 10^8, above). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/put.h"

/* Every power of ten, one below and one above it, and a few others. */
static size_t edge_values(uint64_t *v)
{
    size_t n = 0;
    v[n++] = 0;
    v[n++] = UINT64_MAX;
    v[n++] = 12345678;
    v[n++] = 87654321;
    v[n++] = 4294967295u;
    for (uint64_t t = 1;; t *= 10) {
        v[n++] = t - 1;
        v[n++] = t;
        v[n++] = t + 1;
        if (t > UINT64_MAX / 10)
            break;
    }
    return n;
}

static void test_u64_as_printf(void **state)
{
    (void)state;
    uint64_t v[80];
    size_t n = edge_values(v);
    for (size_t i = 0; i < n; i++) {
        char got[32], want[32];
        memset(got, 'x', sizeof got);
        *put_u64(got, v[i]) = '\0';
        snprintf(want, sizeof want, "%llu", (unsigned long long)v[i]);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_as_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
