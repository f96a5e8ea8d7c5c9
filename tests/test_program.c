/* The fuzz input format: encode/decode round trips, lenient decoding of
 * arbitrary bytes, version rejection, the pretty-printer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/program.h"

static void assert_program_equal(const struct program *a, const struct program *b)
{
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->msl_choice, b->msl_choice);
    assert_int_equal(a->fw2_choice, b->fw2_choice);
    assert_int_equal(a->retry_choice, b->retry_choice);
    assert_int_equal(a->rto_min_short, b->rto_min_short);
    assert_int_equal(a->isn_seed, b->isn_seed);
    assert_int_equal(a->n_ops, b->n_ops);
    for (unsigned i = 0; i < a->n_ops; i++) {
        assert_int_equal(a->ops[i].kind, b->ops[i].kind);
        assert_int_equal(a->ops[i].side, b->ops[i].side);
        assert_memory_equal(&a->ops[i].u, &b->ops[i].u, sizeof a->ops[i].u);
    }
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ---- round trips ---- */

static void test_program_roundtrip_scripted(void **state)
{
    (void)state;
    struct program p, q;
    program_init(&p, PROG_F_ACTIVE | PROG_F_RFC1337, 0xdeadbeef);
    p.msl_choice = 6;
    p.fw2_choice = 2;
    p.retry_choice = 1;
    p.rto_min_short = true;
    assert_true(program_seg(&p, TCP_SYN | TCP_ACK, 0, 0, 0));
    assert_true(program_seg_full(&p, TCP_FIN | TCP_ACK, -3, 30, 5, 4, 0x10, 200, PROG_OPT_TS));
    assert_true(program_clock(&p, PROG_CLOCK_HALF_MSL, 4));
    assert_true(program_app(&p, EP_B, APP_SHUTDOWN, 0));
    assert_true(program_app(&p, EP_A, APP_SEND, 7));
    assert_true(program_fault(&p, EP_B, PROG_FATE_DELAY, 9));
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = program_encode(&p, buf, sizeof buf);
    assert_int_equal(n, PROGRAM_HEADER_LEN + 8 + 8 + 2 + 3 + 3 + 2);
    assert_int_equal(buf[0], PROGRAM_MAGIC_V1);
    assert_int_equal(program_decode(buf, n, &q), PROGRAM_OK);
    assert_program_equal(&p, &q);
    assert_int_equal(q.ops[1].u.seg.seq_off, -3);
    assert_int_equal(q.ops[1].u.seg.seq_shift, 30);
    assert_int_equal(q.ops[3].side, EP_B);
    assert_int_equal(program_clock_usecs(&q, &q.ops[2]), 2 * program_msl_usecs(&q));
}

static void test_program_roundtrip_random_bytes(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    uint8_t in[600], out[PROGRAM_MAX_BYTES], out2[PROGRAM_MAX_BYTES];
    struct program p, q;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = xorshift(&seed) % sizeof in;
        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)xorshift(&seed);
        if (len)
            in[0] = PROGRAM_MAGIC_V1;
        enum program_err e = program_decode(in, len, &p);
        if (len == 0) {
            assert_int_equal(e, PROGRAM_ERR_EMPTY);
            continue;
        }
        /* Lenient: every byte string with the version byte is a program. */
        assert_int_equal(e, PROGRAM_OK);
        assert_true(p.n_ops <= PROGRAM_MAX_OPS);
        size_t n = program_encode(&p, out, sizeof out);
        assert_true(n >= PROGRAM_HEADER_LEN);
        /* The canonical form decodes to the same program and is a fixed point. */
        assert_int_equal(program_decode(out, n, &q), PROGRAM_OK);
        assert_program_equal(&p, &q);
        assert_int_equal(program_encode(&q, out2, sizeof out2), n);
        assert_memory_equal(out, out2, n);
        char line[200];
        for (unsigned i = 0; i < q.n_ops; i++)
            assert_true(program_op_format(&q, &q.ops[i], line, sizeof line) > 0);
    }
}

/* ---- leniency and rejection ---- */

static void test_program_rejects_unknown_version(void **state)
{
    (void)state;
    struct program p;
    const uint8_t v2[] = {0xF2, 0x01, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t zero[] = {0x00};
    assert_int_equal(program_decode(v2, sizeof v2, &p), PROGRAM_ERR_VERSION);
    assert_int_equal(program_decode(zero, sizeof zero, &p), PROGRAM_ERR_VERSION);
    assert_int_equal(program_decode(v2, 0, &p), PROGRAM_ERR_EMPTY);
    assert_non_null(strstr(program_err_str(PROGRAM_ERR_VERSION), "version"));
}

static void test_program_short_header_reads_zeros(void **state)
{
    (void)state;
    struct program p;
    const uint8_t in[] = {PROGRAM_MAGIC_V1, PROG_F_ACTIVE};
    assert_int_equal(program_decode(in, sizeof in, &p), PROGRAM_OK);
    assert_int_equal(p.flags, PROG_F_ACTIVE);
    assert_int_equal(p.isn_seed, 0);
    assert_int_equal(p.n_ops, 0);
}

static void test_program_truncated_op_ignored(void **state)
{
    (void)state;
    struct program p;
    /* header, one CLOCK (2 bytes), then a SEG cut after 3 of its 8 bytes */
    const uint8_t in[] = {PROGRAM_MAGIC_V1, 0, 0, 0, 0, 1, 2, 3, 4, 0x01, 0x45, 0x00, 0x11, 0x00};
    assert_int_equal(program_decode(in, sizeof in, &p), PROGRAM_OK);
    assert_int_equal(p.n_ops, 1);
    assert_int_equal(p.ops[0].kind, PROG_OP_CLOCK);
    assert_int_equal(p.ops[0].u.clock.unit, PROG_CLOCK_100MS);
    assert_int_equal(p.ops[0].u.clock.n, 5);
    assert_int_equal(p.isn_seed, 0x04030201u);
}

static void test_program_ops_capped(void **state)
{
    (void)state;
    uint8_t in[PROGRAM_HEADER_LEN + 2 * 200];
    memset(in, 0, sizeof in);
    in[0] = PROGRAM_MAGIC_V1;
    for (size_t i = PROGRAM_HEADER_LEN; i + 1 < sizeof in; i += 2)
        in[i] = PROG_OP_CLOCK;
    struct program p;
    assert_int_equal(program_decode(in, sizeof in, &p), PROGRAM_OK);
    assert_int_equal(p.n_ops, PROGRAM_MAX_OPS);
}

static void test_program_values_reduced_to_range(void **state)
{
    (void)state;
    struct program p;
    /* flags with unknown bits, MSL 0xFF, FW2 0xFF, APP call 200 */
    const uint8_t in[] = {PROGRAM_MAGIC_V1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x82, 200, 0};
    assert_int_equal(program_decode(in, sizeof in, &p), PROGRAM_OK);
    assert_int_equal(p.flags, PROG_F_MASK);
    assert_int_equal(p.msl_choice, 7);
    assert_int_equal(p.fw2_choice, 3);
    assert_int_equal(p.ops[0].kind, PROG_OP_APP);
    assert_int_equal(p.ops[0].side, EP_B);
    assert_int_equal(p.ops[0].u.app.call, 200 % APP_CALL_COUNT);
    assert_int_equal(program_app_bytes(&p.ops[0]), PROGRAM_APP_ALL);
}

/* ---- the pretty-printer ---- */

static void test_program_print_names_every_op(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, PROG_F_ACTIVE, 7);
    program_seg(&p, TCP_FIN | TCP_ACK, -1, 0, 0);
    program_clock(&p, PROG_CLOCK_S, 3);
    program_app(&p, EP_A, APP_CLOSE, 0);
    program_fault(&p, EP_A, PROG_FATE_DROP, 0);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    program_print(&p, f);
    fclose(f);
    assert_non_null(strstr(text, "A connects"));
    assert_non_null(strstr(text, "seg   B>A [F.] seq=expected-1 ack=sent+0"));
    assert_non_null(strstr(text, "clock +3s (3000 ms)"));
    assert_non_null(strstr(text, "app   A close"));
    assert_non_null(strstr(text, "fault next segment from A: drop"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_roundtrip_scripted),
        cmocka_unit_test(test_program_roundtrip_random_bytes),
        cmocka_unit_test(test_program_rejects_unknown_version),
        cmocka_unit_test(test_program_short_header_reads_zeros),
        cmocka_unit_test(test_program_truncated_op_ignored),
        cmocka_unit_test(test_program_ops_capped),
        cmocka_unit_test(test_program_values_reduced_to_range),
        cmocka_unit_test(test_program_print_names_every_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
