/* The trace printer: golden files for the textbook close and for a
 * violation (tests/golden/trace_*.txt; regenerate with UPDATE_GOLDEN=1 and
 * review the diff), and the violation line sits right under its event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/oracle.h"
#include "harness/trace.h"
#include "tests/support/evtrace.h"

#define MS 1000ull

/* The textbook close of tests/pcaps/linux/a_client_active_close.pcap,
 * written by hand with its real ISNs. */
static void textbook(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 3472262988u, 813627492u);
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 3472262989u, 813627493u, 120);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 813627493u, 3472263109u, 0);
    evt_seg(t, EP_A, 150 * MS, TCP_FIN | TCP_ACK, 3472263109u, 813627493u, 0);
    evt_seg(t, EP_B, 193 * MS, TCP_ACK, 813627493u, 3472263110u, 0);
    evt_seg(t, EP_B, 250 * MS, TCP_FIN | TCP_ACK, 813627493u, 3472263110u, 0);
    evt_seg(t, EP_A, 251 * MS, TCP_ACK, 3472263110u, 813627494u, 0);
}

/* The same close with B (reporting its states) acknowledging FIN.seq
 * instead of FIN.seq + 1 while it says CLOSE-WAIT. */
static void bad_fin_ack(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 3472262988u, 813627492u);
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 3472262989u, 813627493u, 120);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 813627493u, 3472263109u, 0);
    evt_seg(t, EP_A, 150 * MS, TCP_FIN | TCP_ACK, 3472263109u, 813627493u, 0);
    evt_state(t, EP_B, 193 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 193 * MS, TCP_ACK, 813627493u, 3472263109u, 0);
    evt_state(t, EP_B, 250 * MS, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 250 * MS, TCP_FIN | TCP_ACK, 813627493u, 3472263110u, 0);
    evt_seg(t, EP_A, 251 * MS, TCP_ACK, 3472263110u, 813627494u, 0);
    evt_state(t, EP_B, 252 * MS, TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_RCV_ACK);
}

static char *render(const struct evtrace *t, const struct oracle_config *cfg)
{
    static struct oracle o;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct trace_printer p;
    oracle_init(&o, cfg);
    trace_init(&p, f, &o);
    for (size_t i = 0; i < t->n; i++) {
        oracle_push(&o, i, &t->evs[i]);
        trace_push(&p, i, &t->evs[i]);
    }
    oracle_finish(&o, t->evs[t->n - 1].time_usecs);
    trace_finish(&p);
    fclose(f);
    return buf;
}

static void compare_golden(const char *got, const char *path)
{
    if (getenv("UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
        return;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1)", path);
    static char want[16384];
    size_t n = fread(want, 1, sizeof want - 1, f);
    want[n] = '\0';
    fclose(f);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "--- want (%s)\n%s--- got\n%s", path, want, got);
        fail_msg("trace differs from %s", path);
    }
}

static void test_trace_textbook_golden(void **state)
{
    (void)state;
    struct evtrace t;
    textbook(&t);
    struct oracle_config c;
    oracle_config_default(&c);
    char *out = render(&t, &c);
    compare_golden(out, "tests/golden/trace_textbook.txt");
    /* relative numbers as tcpdump prints them, inferred states marked */
    assert_non_null(strstr(out, "A > B  F.    seq 121 ack 1 "));
    assert_non_null(strstr(out, "A ~TIME-WAIT"));
    assert_non_null(strstr(out, "verdict: pass (profile rfc9293)"));
    free(out);
}

static void test_trace_violation_under_its_event(void **state)
{
    (void)state;
    struct evtrace t;
    bad_fin_ack(&t);
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[1] = true;
    char *out = render(&t, &c);
    compare_golden(out, "tests/golden/trace_violation.txt");
    const char *line = strstr(out, "\n   7 ");
    assert_non_null(line);
    const char *next = strchr(line + 1, '\n');
    assert_non_null(next);
    assert_true(
        strncmp(next + 1, "        ^^ VIOLATION fin-ack-plus-one (RFC 9293 §3.10.7.4) by B",
                strlen("        ^^ VIOLATION fin-ack-plus-one (RFC 9293 §3.10.7.4) by B")) == 0);
    assert_non_null(strstr(out, "expected ack 122, seen ack 121"));
    assert_non_null(strstr(out, "B CLOSE-WAIT")); /* reported: no ~ */
    assert_non_null(strstr(out, "verdict: fail (profile rfc9293), 1 violation"));
    free(out);
}

static void test_trace_without_oracle(void **state)
{
    (void)state;
    struct evtrace t;
    textbook(&t);
    evt_drop(&t, 300 * MS, 8);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct trace_printer p;
    trace_init(&p, f, NULL);
    evt_push_all(&t, trace_sink(&p));
    trace_finish(&p);
    fclose(f);
    assert_non_null(strstr(buf, "-- event 8 was lost"));
    assert_null(strstr(buf, "verdict"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_textbook_golden),
        cmocka_unit_test(test_trace_violation_under_its_event),
        cmocka_unit_test(test_trace_without_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
