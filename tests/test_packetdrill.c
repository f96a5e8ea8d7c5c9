/* The packetdrill export (harness/packetdrill.c): a run of the model under
 * the fuzz driver becomes the exact packetdrill script a Linux developer
 * would replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/driver.h"
#include "harness/packetdrill.h"
#include "harness/sut_model.h"

static char *export(const struct program *p)
{
    static struct driver drv;
    static struct sut_model model;
    uint8_t data[PROGRAM_MAX_BYTES];
    size_t n = program_encode(p, data, sizeof data);
    driver_init(&drv);
    struct pd_writer w;
    pd_init(&w, "test");
    struct ev_sink sink = pd_sink(&w);
    struct sut s = {.ops = &sut_model_ops, .self = &model};
    assert_int_equal(driver_run(&drv, &s, data, n, &sink, 1), DRIVER_PASS);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pd_finish(&w, f), 0);
    fclose(f);
    return buf;
}

/* Each line of want appears in script, in this order. */
static void expect_in_order(const char *script, const char *const *want, size_t n)
{
    const char *at = script;
    for (size_t i = 0; i < n; i++) {
        const char *hit = strstr(at, want[i]);
        if (!hit)
            fail_msg("missing (in order) '%s' in:\n%s", want[i], script);
        at = hit + strlen(want[i]);
    }
}

/* Active open, the kernel closes first; the peer's FIN+ACK is lost once. */
static void test_packetdrill_active_close_with_lost_segment(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, PROG_F_ACTIVE, 7);
    program_seg(&p, TCP_SYN | TCP_ACK, 0, 0, 0);
    program_app(&p, EP_A, APP_CLOSE, 0);
    program_fault(&p, EP_B, PROG_FATE_DROP, 0);
    program_seg(&p, TCP_FIN | TCP_ACK, 0, 0, 0);
    program_seg(&p, TCP_FIN | TCP_ACK, 0, 0, 0);
    char *script = export(&p);
    const char *want[] = {
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
        "+0.000000 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n",
        "+0.000000 > S 0:0(0) <...>\n",
        "+0.000000 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n",
        "+0.000000 > . 1:1(0) ack 1\n",
        "+0.000000 close(3) = 0\n",
        "+0.000000 > F. 1:1(0) ack 1\n",
        "// dropped, never sent: +0.000000 < F. 1:1(0) ack 2 win 65535\n",
        "+0.000000 < F. 1:1(0) ack 2 win 65535\n",
        "+0.000000 > . 2:2(0) ack 2\n",
    };
    expect_in_order(script, want, sizeof want / sizeof want[0]);
    if (getenv("PD_SHOW"))
        fputs(script, stderr);
    free(script);
}

/* Passive open: accept() comes once the peer acknowledges the SYN-ACK, and
 * the application's calls use the accepted descriptor. */
static void test_packetdrill_passive_open_accepts_then_uses_fd_4(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, 0, 9);
    program_seg(&p, TCP_SYN, 0, 0, 0);
    program_seg(&p, TCP_ACK, 0, 0, 0);
    program_seg(&p, TCP_ACK | TCP_PSH, 0, 0, 10);
    program_app(&p, EP_A, APP_RECV, 0);
    program_app(&p, EP_A, APP_SHUTDOWN, 0);
    char *script = export(&p);
    const char *want[] = {
        "listen(3, 1) = 0\n",        "< S 0:0(0) win 65535 <mss 1460>\n",
        "> S. 0:0(0) ack 1 <...>\n", "< . 1:1(0) ack 1 win 65535\n",
        "accept(3, ..., ...) = 4\n", "< P. 1:11(10) ack 1 win 65535\n",
        "read(4, ..., 10) = 10\n",   "shutdown(4, SHUT_WR) = 0\n",
        "> F. 1:1(0) ack 11\n",
    };
    expect_in_order(script, want, sizeof want / sizeof want[0]);
    free(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packetdrill_active_close_with_lost_segment),
        cmocka_unit_test(test_packetdrill_passive_open_accepts_then_uses_fd_4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
