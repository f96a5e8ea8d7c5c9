/* check_slab.c: the slots finfuzz check keeps its per-flow judges and
 * oracles in. Slots are line-aligned, distinct while held, reused most
 * recently freed first, and all released at once; a slot too large to map
 * is refused, not a crash. (AddressSanitizer, in this build, also checks
 * that nothing touches the padding after a slot's payload.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/check_slab.h"

#define N 5000

static void test_slots_are_aligned_distinct_and_reused(void **state)
{
    (void)state;
    static char *slot[N];
    struct slab_pool p;
    slab_init(&p, 1624); /* a compact oracle's size, not a multiple of 64 */
    assert_int_equal(p.slot_bytes, 1664);
    for (int i = 0; i < N; i++) {
        slot[i] = slab_get(&p);
        assert_non_null(slot[i]);
        assert_int_equal((uintptr_t)slot[i] % 64, 0);
        memset(slot[i], i & 0xff, 1624); /* the whole payload is writable */
    }
    /* Distinct: each still holds what was written to it. */
    for (int i = 0; i < N; i++)
        for (size_t b = 0; b < 1624; b += 97)
            assert_int_equal((unsigned char)slot[i][b], i & 0xff);
    /* Freed slots come back most recently freed first, before any new one. */
    slab_put(&p, slot[10]);
    slab_put(&p, slot[20]);
    assert_ptr_equal(slab_get(&p), slot[20]);
    assert_ptr_equal(slab_get(&p), slot[10]);
    size_t slabs = p.nslabs;
    assert_true(slabs > 1); /* 5000 slots took more than one slab */
    slab_free_all(&p);
    assert_int_equal(p.nslabs, 0);
    /* The pool works again after being emptied. */
    char *again = slab_get(&p);
    assert_non_null(again);
    again[0] = 1;
    slab_free_all(&p);
}

static void test_small_payloads_hold_the_free_link(void **state)
{
    (void)state;
    struct slab_pool p;
    slab_init(&p, 1);
    assert_int_equal(p.slot_bytes, 64);
    char *a = slab_get(&p), *b = slab_get(&p);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    slab_put(&p, a);
    assert_ptr_equal(slab_get(&p), a);
    slab_free_all(&p);
}

static void test_a_slot_too_large_is_refused(void **state)
{
    (void)state;
    struct slab_pool p;
    slab_init(&p, SIZE_MAX / 4);
    assert_null(slab_get(&p));
    slab_free_all(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_are_aligned_distinct_and_reused),
        cmocka_unit_test(test_small_payloads_hold_the_free_link),
        cmocka_unit_test(test_a_slot_too_large_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
