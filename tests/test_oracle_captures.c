/* The oracle on real Linux captures (tests/pcaps/linux, see its README):
 * under the linux profile every flow passes or is incomplete; the strict
 * profiles fail exactly where Linux deviates from them; the observer infers
 * the close states the README's `ss` output shows. Both endpoints are
 * judged, no states reported (captures cannot report them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/check.h"
#include "harness/oracle.h"

#define DIR "tests/pcaps/linux/"

struct seen {
    unsigned flows, pass, fail, incomplete;
    char first_fail_id[48];
    uint64_t first_fail_frame;
    uint8_t first_fail_endpoint;
    struct oracle_endpoint_view view[2]; /* of the first flow */
};

static void on_flow(void *ctx, const struct flow *f, const struct check_verdict *o,
                    uint64_t end_usecs, enum flow_end why)
{
    (void)f;
    (void)end_usecs;
    (void)why;
    struct seen *s = ctx;
    if (s->flows == 0) {
        s->view[0] = o->view[EP_A];
        s->view[1] = o->view[EP_B];
    }
    s->flows++;
    switch (o->verdict) {
    case VERDICT_PASS:
        s->pass++;
        break;
    case VERDICT_INCOMPLETE:
        s->incomplete++;
        break;
    case VERDICT_FAIL: {
        size_t n = o->nviolations;
        const struct oracle_violation *v = o->violations;
        if (s->fail++ == 0 && n) {
            snprintf(s->first_fail_id, sizeof s->first_fail_id, "%s", v[0].inv->id);
            s->first_fail_frame = v[0].frame;
            s->first_fail_endpoint = v[0].endpoint;
        }
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %s frame %llu by %c: %s\n", v[i].inv->id,
                    (unsigned long long)v[i].frame, v[i].endpoint ? 'B' : 'A', v[i].message);
        break;
    }
    }
}

static void on_message(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "  check: %s\n", msg);
}

static struct seen check_file(const char *file, enum oracle_profile p)
{
    struct check_options opt;
    check_options_default(&opt);
    opt.cfg.profile = p;
    struct seen s = {0};
    struct check_hooks hooks = {.ctx = &s, .flow = on_flow, .message = on_message};
    struct check_result res;
    char path[256];
    snprintf(path, sizeof path, DIR "%s", file);
    assert_true(check_path(path, &opt, &hooks, &res));
    assert_true(s.flows > 0);
    return s;
}

static const char *const all_files[] = {
    "a_client_active_close.pcap", "b_server_active_close.pcap", "c_simultaneous_close.pcap",
    "d_half_close.pcap",          "e_close_unread_rst.pcap",    "f_linger0_rst.pcap",
    "g_fin_retransmit.pcap",      "h_timewait_probes.pcap",     "h2_timewait_syn_reuse.pcap",
    "i_rfc1337_0.pcap",           "i_rfc1337_1.pcap",           "j_many_connections.pcap",
};

static void test_linux_profile_every_capture_conforms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_files / sizeof all_files[0]; i++) {
        struct seen s = check_file(all_files[i], PROFILE_LINUX);
        if (s.fail)
            fprintf(stderr, "%s failed under linux\n", all_files[i]);
        assert_int_equal(s.fail, 0);
    }
}

static void test_plain_closes_pass_under_every_profile(void **state)
{
    (void)state;
    const char *plain[] = {"a_client_active_close.pcap", "b_server_active_close.pcap",
                           "c_simultaneous_close.pcap",  "d_half_close.pcap",
                           "e_close_unread_rst.pcap",    "f_linger0_rst.pcap",
                           "g_fin_retransmit.pcap"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        for (int p = 0; p < PROFILE_COUNT; p++) {
            struct seen s = check_file(plain[i], (enum oracle_profile)p);
            assert_int_equal(s.fail, 0);
            assert_int_equal(s.pass, s.flows);
        }
}

static void test_rfc1337_profile_fails_time_wait_assassination(void **state)
{
    (void)state;
    struct seen s = check_file("i_rfc1337_0.pcap", PROFILE_RFC1337);
    assert_int_equal(s.fail, 1);
    assert_string_equal(s.first_fail_id, "rst-in-time-wait");
    assert_int_equal(s.first_fail_frame, 13); /* the client's RST to the FIN */
    assert_int_equal(s.first_fail_endpoint, EP_A);
    /* with tcp_rfc1337=1 the RST is ignored: conforms */
    s = check_file("i_rfc1337_1.pcap", PROFILE_RFC1337);
    assert_int_equal(s.fail, 0);
}

static void test_strict_profile_fails_linux_60s_time_wait(void **state)
{
    (void)state;
    /* 2*MSL = 240 s by default; Linux answers RST after 60 s. */
    struct seen s = check_file("h_timewait_probes.pcap", PROFILE_RFC9293);
    assert_int_equal(s.fail, 1);
    assert_string_equal(s.first_fail_id, "time-wait-duration");
    assert_int_equal(s.first_fail_frame, 20);
}

static void test_inferred_states(void **state)
{
    (void)state;
    struct {
        const char *file;
        enum tcp_state a, b;
    } want[] = {
        {"a_client_active_close.pcap", TCP_TIME_WAIT, TCP_CLOSED},
        {"b_server_active_close.pcap", TCP_CLOSED, TCP_TIME_WAIT},
        {"c_simultaneous_close.pcap", TCP_TIME_WAIT, TCP_TIME_WAIT},
        {"d_half_close.pcap", TCP_TIME_WAIT, TCP_CLOSED},
        {"e_close_unread_rst.pcap", TCP_CLOSED, TCP_CLOSED},
        {"f_linger0_rst.pcap", TCP_CLOSED, TCP_CLOSED},
        {"g_fin_retransmit.pcap", TCP_TIME_WAIT, TCP_CLOSED},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct seen s = check_file(want[i].file, PROFILE_LINUX);
        if (s.view[0].state != want[i].a || s.view[1].state != want[i].b)
            fprintf(stderr, "%s: A %s B %s\n", want[i].file, tcp_state_name(s.view[0].state),
                    tcp_state_name(s.view[1].state));
        assert_true(s.view[0].state_known && s.view[1].state_known);
        assert_int_equal(s.view[0].state, want[i].a);
        assert_int_equal(s.view[1].state, want[i].b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_profile_every_capture_conforms),
        cmocka_unit_test(test_plain_closes_pass_under_every_profile),
        cmocka_unit_test(test_rfc1337_profile_fails_time_wait_assassination),
        cmocka_unit_test(test_strict_profile_fails_linux_60s_time_wait),
        cmocka_unit_test(test_inferred_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
