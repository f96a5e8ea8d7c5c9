/* The seed-corpus generator: scripted close scenarios written as fuzz inputs.
 *
 *   make corpus            (builds build/corpus-gen and runs it on corpus/)
 *   build/corpus-gen DIR [PCAP...]
 *
 * Writes DIR/close_endpoint/<scenario>.bin and DIR/close_pair/<scenario>.bin
 * from the scripts below (one function each, named by scenario), and
 * DIR/segment_codec/<capture>-<n>-<what>.bin: raw IP packets taken from the
 * given Ethernet captures (by default none; `make corpus` passes a few of
 * tests/pcaps/linux). Deterministic: running it again gives the same files.
 * To add a seed, add a scenario function and a line in its table.
 *
 * In close_endpoint scripts, A is the model under test and every SEG is a
 * segment of the fuzzer's peer B, with seq counted from what A expects next
 * and ack from what A has sent (program.h): seg(p, flags, 0, 0, len) is
 * "the next in-order segment acknowledging everything". */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/driver.h"
#include "harness/program.h"
#include "stack/tcp.h"

#define A      EP_A
#define B      EP_B
#define SA     (TCP_SYN | TCP_ACK)
#define FA     (TCP_FIN | TCP_ACK)
#define RA     (TCP_RST | TCP_ACK)
#define PA     (TCP_PSH | TCP_ACK)
#define MSL_1S 6 /* program_msl_usecs index: MSL 1 s, TIME-WAIT 2 s */

static void seg(struct program *p, uint8_t flags, int seq_off, int ack_off, uint8_t len)
{
    program_seg(p, flags, seq_off, ack_off, len);
}
static void app(struct program *p, enum ev_app_call call, uint8_t len16)
{
    program_app(p, A, call, len16);
}
static void tick(struct program *p)
{
    program_clock(p, PROG_CLOCK_S, 0);
} /* next deadline */
static void two_msl(struct program *p)
{
    program_clock(p, PROG_CLOCK_HALF_MSL, 4);
}

/* A connects; B answers; ESTABLISHED. */
static void active(struct program *p, uint32_t seed)
{
    program_init(p, PROG_F_ACTIVE, seed);
    p->msl_choice = MSL_1S;
    seg(p, SA, 0, 0, 0);
}
/* A listens; B connects; ESTABLISHED. */
static void passive(struct program *p, uint32_t seed)
{
    program_init(p, 0, seed);
    p->msl_choice = MSL_1S;
    seg(p, TCP_SYN, 0, 0, 0);
    seg(p, TCP_ACK, 0, 0, 0);
}
/* From ESTABLISHED, A closes first and B acknowledges: FIN-WAIT-2. */
static void to_fin_wait_2(struct program *p)
{
    app(p, APP_CLOSE, 0);
    seg(p, TCP_ACK, 0, 0, 0);
}
/* From ESTABLISHED, B closes first: CLOSE-WAIT. */
static void to_close_wait(struct program *p)
{
    seg(p, FA, 0, 0, 0);
}
/* From ESTABLISHED, FINs cross: CLOSING (B's FIN does not ack A's). */
static void to_closing(struct program *p)
{
    app(p, APP_CLOSE, 0);
    seg(p, FA, 0, -1, 0);
}
static void to_time_wait(struct program *p)
{
    to_fin_wait_2(p);
    seg(p, FA, 0, 0, 0);
}
static void to_last_ack(struct program *p)
{
    to_close_wait(p);
    app(p, APP_CLOSE, 0);
}
/* Fire the retransmission timer until A gives up (retry choice 1: 3 retries). */
static void give_up(struct program *p)
{
    p->retry_choice = 1;
    for (int i = 0; i < 5; i++)
        tick(p);
}

/* ---- close_endpoint scenarios ---- */

static void close_client_first(struct program *p)
{
    active(p, 1);
    seg(p, PA, 0, 0, 100);
    app(p, APP_RECV, 0);
    app(p, APP_SEND, 10);
    seg(p, TCP_ACK, 0, 0, 0);
    to_time_wait(p);
    two_msl(p);
}
static void close_server_first(struct program *p)
{
    passive(p, 2);
    to_last_ack(p);
    seg(p, TCP_ACK, 0, 0, 0);
}
static void close_passive_side(struct program *p)
{
    active(p, 3);
    to_close_wait(p);
    app(p, APP_SEND, 4);
    seg(p, TCP_ACK, 0, 0, 0);
    app(p, APP_CLOSE, 0);
    seg(p, TCP_ACK, 0, 0, 0);
}
static void close_simultaneous(struct program *p)
{
    active(p, 4);
    to_closing(p);
    seg(p, TCP_ACK, 0, 0, 0);
    two_msl(p);
}
static void close_fin_ack_combined(struct program *p)
{
    passive(p, 5);
    app(p, APP_CLOSE, 0);
    seg(p, FA, 0, 0, 0);
    two_msl(p);
}
static void close_half_close(struct program *p)
{
    active(p, 6);
    app(p, APP_SHUTDOWN, 0);
    seg(p, TCP_ACK, 0, 0, 0);
    seg(p, PA, 0, 0, 200);
    app(p, APP_RECV, 0);
    seg(p, PA, 0, 0, 200);
    app(p, APP_RECV, 0);
    seg(p, FA, 0, 0, 0);
    two_msl(p);
}
static void close_half_close_data_on_fin(struct program *p)
{
    passive(p, 7);
    seg(p, FA | TCP_PSH, 0, 0, 120);
    app(p, APP_RECV, 0);
    app(p, APP_SEND, 20);
    seg(p, TCP_ACK, 0, 0, 0);
    app(p, APP_CLOSE, 0);
    seg(p, TCP_ACK, 0, 0, 0);
}
static void close_fin_lost_retransmitted(struct program *p)
{
    active(p, 8);
    program_fault(p, A, PROG_FATE_DROP, 0);
    app(p, APP_CLOSE, 0);
    tick(p); /* RTO: the FIN again */
    seg(p, TCP_ACK, 0, 0, 0);
    seg(p, FA, 0, 0, 0);
    two_msl(p);
}
static void close_fin_retransmit_give_up(struct program *p)
{
    active(p, 9);
    app(p, APP_CLOSE, 0);
    give_up(p);
}
static void close_closing_give_up(struct program *p)
{
    active(p, 10);
    to_closing(p);
    give_up(p);
}
static void close_last_ack_give_up(struct program *p)
{
    passive(p, 11);
    to_last_ack(p);
    give_up(p);
}
static void close_established_give_up(struct program *p)
{
    active(p, 12);
    app(p, APP_SEND, 8);
    give_up(p);
}
static void close_close_wait_give_up(struct program *p)
{
    active(p, 13);
    to_close_wait(p);
    app(p, APP_SEND, 8);
    give_up(p);
}
static void close_fin_wait_2_timeout(struct program *p)
{
    active(p, 14);
    p->fw2_choice = 3; /* 5 s */
    to_fin_wait_2(p);
    program_clock(p, PROG_CLOCK_S, 6);
}
static void close_unread_data(struct program *p)
{
    active(p, 15);
    seg(p, PA, 0, 0, 50);
    app(p, APP_CLOSE, 0);
}
static void close_wait_unread_data(struct program *p)
{
    passive(p, 16);
    seg(p, FA | TCP_PSH, 0, 0, 50);
    app(p, APP_CLOSE, 0);
}
static void time_wait_fin_retransmitted(struct program *p)
{
    active(p, 17);
    to_time_wait(p);
    program_clock(p, PROG_CLOCK_100MS, 5); /* half-way through 2*MSL */
    seg(p, FA, -1, 0, 0);                  /* B's FIN again: A re-ACKs, restarts */
    two_msl(p);
}
static void time_wait_syn_probe(struct program *p)
{
    active(p, 18);
    to_time_wait(p);
    seg(p, TCP_SYN, 100, 0, 0);
    two_msl(p);
}
static void time_wait_rst(struct program *p)
{
    active(p, 19);
    to_time_wait(p);
    seg(p, TCP_RST, 0, 0, 0);
}
static void time_wait_rst_rfc1337(struct program *p)
{
    active(p, 20);
    p->flags |= PROG_F_RFC1337;
    to_time_wait(p);
    seg(p, TCP_RST, 0, 0, 0);
    two_msl(p);
}
static void rst_established(struct program *p)
{
    active(p, 21);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_established_in_window_challenge(struct program *p)
{
    active(p, 22);
    seg(p, TCP_RST, 5, 0, 0); /* in the window, not exact: challenge ACK */
    seg(p, TCP_RST, 0, 0, 0); /* then the exact one closes */
}
static void rst_fin_wait_1(struct program *p)
{
    active(p, 23);
    app(p, APP_CLOSE, 0);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_fin_wait_2(struct program *p)
{
    active(p, 24);
    to_fin_wait_2(p);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_closing(struct program *p)
{
    active(p, 25);
    to_closing(p);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_close_wait(struct program *p)
{
    passive(p, 26);
    to_close_wait(p);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_last_ack(struct program *p)
{
    passive(p, 27);
    to_last_ack(p);
    seg(p, TCP_RST, 0, 0, 0);
}
static void rst_syn_sent(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 28);
    seg(p, RA, 0, 0, 0); /* connection refused */
}
static void rst_syn_received(struct program *p)
{
    program_init(p, 0, 29);
    seg(p, TCP_SYN, 0, 0, 0);
    seg(p, TCP_RST, 0, 0, 0); /* back to LISTEN */
}
static void rst_syn_received_active(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 30);
    seg(p, TCP_SYN, 0, 0, 0); /* simultaneous open */
    seg(p, TCP_RST, 0, 0, 0);
}
static void abort_in(struct program *p, uint32_t seed, int how)
{
    active(p, seed);
    switch (how) {
    case 1:
        app(p, APP_CLOSE, 0);
        break;
    case 2:
        to_fin_wait_2(p);
        break;
    case 3:
        to_close_wait(p);
        break;
    case 4:
        to_closing(p);
        break;
    case 5:
        to_time_wait(p);
        break;
    case 6:
        to_last_ack(p);
        break;
    default:
        break;
    }
    app(p, APP_ABORT, 0);
}
static void abort_established(struct program *p)
{
    abort_in(p, 31, 0);
}
static void abort_fin_wait_1(struct program *p)
{
    abort_in(p, 32, 1);
}
static void abort_fin_wait_2(struct program *p)
{
    abort_in(p, 33, 2);
}
static void abort_close_wait(struct program *p)
{
    abort_in(p, 34, 3);
}
static void abort_closing(struct program *p)
{
    abort_in(p, 35, 4);
}
static void abort_time_wait(struct program *p)
{
    abort_in(p, 36, 5);
}
static void abort_last_ack(struct program *p)
{
    abort_in(p, 37, 6);
}
static void abort_listen(struct program *p)
{
    program_init(p, 0, 38);
    app(p, APP_ABORT, 0);
}
static void abort_syn_sent(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 39);
    app(p, APP_ABORT, 0);
}
static void abort_syn_received(struct program *p)
{
    program_init(p, 0, 40);
    seg(p, TCP_SYN, 0, 0, 0);
    app(p, APP_ABORT, 0);
}
static void open_listen_close(struct program *p)
{
    program_init(p, 0, 41);
    app(p, APP_CLOSE, 0);
}
static void open_listen_send(struct program *p)
{
    program_init(p, 0, 42);
    app(p, APP_SEND, 1); /* LISTEN -> SYN-SENT */
    seg(p, SA, 0, 0, 0);
    to_time_wait(p);
    two_msl(p);
}
static void open_syn_sent_close(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 43);
    app(p, APP_CLOSE, 0);
}
static void open_syn_sent_give_up(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 44);
    give_up(p);
}
static void open_syn_received_give_up(struct program *p)
{
    program_init(p, 0, 45);
    seg(p, TCP_SYN, 0, 0, 0);
    give_up(p);
}
static void open_syn_received_close(struct program *p)
{
    program_init(p, 0, 46);
    p->msl_choice = MSL_1S;
    seg(p, TCP_SYN, 0, 0, 0);
    app(p, APP_CLOSE, 0); /* SYN-RECEIVED -> FIN-WAIT-1 */
    seg(p, TCP_ACK, 0, 0, 0);
    seg(p, FA, 0, 0, 0);
    two_msl(p);
}
static void open_simultaneous(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 47);
    p->msl_choice = MSL_1S;
    seg(p, TCP_SYN, 0, 0, 0);
    seg(p, SA, -1, 0, 0); /* B's SYN again, now with the ACK of A's */
    to_time_wait(p);
    two_msl(p);
}
static void open_options_ipv6(struct program *p)
{
    program_init(p, PROG_F_ACTIVE | PROG_F_IPV6, 48);
    p->msl_choice = MSL_1S;
    program_seg_full(p, SA, 0, 0, 0, 0, 255, 0,
                     PROG_OPT_MSS | PROG_OPT_WSCALE | PROG_OPT_SACKP | PROG_OPT_TS);
    program_seg_full(p, PA, 0, 0, 0, 0, 255, 100, PROG_OPT_TS);
    app(p, APP_RECV, 0);
    to_time_wait(p);
    two_msl(p);
}
static void data_out_of_window_ignored(struct program *p)
{
    active(p, 49);
    program_seg_full(p, PA, 32, 26, 0, 0, 255, 0, 10); /* 2^31 away: never acceptable */
    to_time_wait(p);
    two_msl(p);
}
static void ack_of_unsent_data(struct program *p)
{
    active(p, 50);
    app(p, APP_CLOSE, 0);
    seg(p, TCP_ACK, 0, 5, 0); /* acks beyond the FIN: ignored, ACK sent */
    seg(p, FA, 0, 0, 0);
    two_msl(p);
}

/* B's sequence numbers straddle 2^32: the seed is chosen so that B's ISN
 * sits just below the wrap; the data, the FIN and its retransmission are on
 * both sides of it. */
static void close_wrap(struct program *p)
{
    uint32_t seed = 0;
    /* First seed whose peer ISN is within 300 bytes below 2^32. */
    while (driver_peer_iss(seed) < 0xFFFFFFFFu - 300u)
        seed++;
    active(p, seed);
    seg(p, PA, 0, 0, 200);
    seg(p, PA, 0, 0, 200); /* crosses 2^32 */
    app(p, APP_RECV, 0);
    app(p, APP_SEND, 20);
    seg(p, TCP_ACK, 0, 0, 0);
    to_time_wait(p);
    seg(p, FA, -1, 0, 0); /* retransmitted FIN at the wrapped seq */
    two_msl(p);
}

/* ---- close_pair scenarios (A = ep[0], B = ep[1]; time moves in clocks) ---- */

static void pair_open(struct program *p, uint32_t seed)
{
    program_init(p, PROG_F_ACTIVE, seed);
    p->msl_choice = MSL_1S;
    program_clock(p, PROG_CLOCK_MS, 10);
}
static void pair_app(struct program *p, enum ev_endpoint side, enum ev_app_call c, uint8_t n)
{
    program_app(p, side, c, n);
}
static void pair_ms(struct program *p, uint8_t ms)
{
    program_clock(p, PROG_CLOCK_MS, ms);
}

static void pair_close_client_first(struct program *p)
{
    pair_open(p, 101);
    pair_app(p, A, APP_SEND, 20);
    pair_ms(p, 10);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 10);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 10);
    program_clock(p, PROG_CLOCK_HALF_MSL, 4);
}
static void pair_close_server_first(struct program *p)
{
    pair_open(p, 102);
    pair_app(p, B, APP_SEND, 10);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 10);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 10);
}
static void pair_close_simultaneous(struct program *p)
{
    pair_open(p, 103);
    pair_app(p, A, APP_CLOSE, 0);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 10);
}
static void pair_half_close(struct program *p)
{
    pair_open(p, 104);
    pair_app(p, A, APP_SHUTDOWN, 0);
    pair_ms(p, 10);
    pair_app(p, B, APP_SEND, 40);
    pair_ms(p, 10);
    pair_app(p, B, APP_SEND, 40);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 20);
}
static void pair_fin_lost(struct program *p)
{
    pair_open(p, 105);
    program_fault(p, A, PROG_FATE_DROP, 0);
    pair_app(p, A, APP_CLOSE, 0);
    program_clock(p, PROG_CLOCK_S, 2);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 20);
}
/* A's FIN and every retransmission of it are lost: with 8 retries (RTO 1 s
 * doubling to the 120 s ceiling) A retransmits at 1, 3, 7, ... 247 s and
 * gives up at 367 s, exactly one ceiling after its last FIN (the limit of
 * fin-retransmit's give-up rule). A stack that never retransmits its FIN
 * (the NO_FIN_RETRANSMIT mutant) gives it up after 367 s of silence. */
static void pair_fin_lost_until_give_up(struct program *p)
{
    pair_open(p, 112);
    /* (at most 4 faults wait at a time) */
    static const int drops_per_burst[3] = {4, 4, 1};
    for (int burst = 0; burst < 3; burst++) {
        for (int i = 0; i < drops_per_burst[burst]; i++)
            program_fault(p, A, PROG_FATE_DROP, 0);
        int steps = drops_per_burst[burst];
        if (burst == 0) {
            pair_app(p, A, APP_CLOSE, 0); /* its FIN: the first drop */
            steps--;
        }
        for (int i = 0; i < steps; i++)
            program_clock(p, PROG_CLOCK_S, 0); /* the next retransmission */
    }
    program_clock(p, PROG_CLOCK_S, 0); /* 367 s: A gives up (RST) */
}
static void pair_fin_ack_lost(struct program *p)
{
    pair_open(p, 106);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 10);
    pair_app(p, B, APP_CLOSE, 0);
    program_fault(p, A, PROG_FATE_DROP, 0); /* A's last ACK: B retransmits its FIN */
    program_clock(p, PROG_CLOCK_S, 2);
}
static void pair_duplicate_and_reorder(struct program *p)
{
    pair_open(p, 107);
    program_fault(p, A, PROG_FATE_DELAY, 10);
    program_fault(p, A, PROG_FATE_DUP, 0);
    pair_app(p, A, APP_SEND, 30);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 60);
    pair_app(p, B, APP_CLOSE, 0);
    pair_ms(p, 60);
}
static void pair_data_lost_before_fin(struct program *p)
{
    pair_open(p, 108);
    program_fault(p, B, PROG_FATE_DROP, 0);
    pair_app(p, B, APP_SEND, 20);
    pair_app(p, B, APP_SHUTDOWN, 0);
    program_clock(p, PROG_CLOCK_S, 3);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 20);
}
static void pair_close_unread_rst(struct program *p)
{
    pair_open(p, 109);
    p->flags |= PROG_F_A_NOREAD;
    pair_app(p, B, APP_SEND, 10);
    pair_ms(p, 10);
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 10);
}
static void pair_abort(struct program *p)
{
    pair_open(p, 110);
    pair_app(p, B, APP_ABORT, 0);
    pair_ms(p, 10);
}
static void pair_fin_wait_2_timeout(struct program *p)
{
    pair_open(p, 111);
    p->fw2_choice = 3;
    pair_app(p, A, APP_CLOSE, 0);
    pair_ms(p, 10);
    program_clock(p, PROG_CLOCK_S, 8);
}

struct scenario {
    const char *name;
    void (*build)(struct program *p);
};

static const struct scenario endpoint_scenarios[] = {
    {"close-client-first", close_client_first},
    {"close-server-first", close_server_first},
    {"close-passive-side-sends-then-closes", close_passive_side},
    {"close-simultaneous", close_simultaneous},
    {"close-fin-ack-combined", close_fin_ack_combined},
    {"close-half-close", close_half_close},
    {"close-half-close-data-on-fin", close_half_close_data_on_fin},
    {"close-fin-lost-retransmitted", close_fin_lost_retransmitted},
    {"close-fin-retransmit-give-up", close_fin_retransmit_give_up},
    {"close-closing-give-up", close_closing_give_up},
    {"close-last-ack-give-up", close_last_ack_give_up},
    {"close-established-give-up", close_established_give_up},
    {"close-close-wait-give-up", close_close_wait_give_up},
    {"close-fin-wait-2-timeout", close_fin_wait_2_timeout},
    {"close-unread-data-rst", close_unread_data},
    {"close-wait-unread-data-rst", close_wait_unread_data},
    {"close-wrap-2-32", close_wrap},
    {"time-wait-fin-retransmitted", time_wait_fin_retransmitted},
    {"time-wait-syn-probe", time_wait_syn_probe},
    {"time-wait-rst", time_wait_rst},
    {"time-wait-rst-rfc1337", time_wait_rst_rfc1337},
    {"rst-established", rst_established},
    {"rst-established-in-window-challenge", rst_established_in_window_challenge},
    {"rst-fin-wait-1", rst_fin_wait_1},
    {"rst-fin-wait-2", rst_fin_wait_2},
    {"rst-closing", rst_closing},
    {"rst-close-wait", rst_close_wait},
    {"rst-last-ack", rst_last_ack},
    {"rst-syn-sent-refused", rst_syn_sent},
    {"rst-syn-received-passive", rst_syn_received},
    {"rst-syn-received-active", rst_syn_received_active},
    {"abort-established", abort_established},
    {"abort-fin-wait-1", abort_fin_wait_1},
    {"abort-fin-wait-2", abort_fin_wait_2},
    {"abort-close-wait", abort_close_wait},
    {"abort-closing", abort_closing},
    {"abort-time-wait", abort_time_wait},
    {"abort-last-ack", abort_last_ack},
    {"abort-listen", abort_listen},
    {"abort-syn-sent", abort_syn_sent},
    {"abort-syn-received", abort_syn_received},
    {"open-listen-close", open_listen_close},
    {"open-listen-send-turns-active", open_listen_send},
    {"open-syn-sent-close", open_syn_sent_close},
    {"open-syn-sent-give-up", open_syn_sent_give_up},
    {"open-syn-received-give-up", open_syn_received_give_up},
    {"open-syn-received-close", open_syn_received_close},
    {"open-simultaneous", open_simultaneous},
    {"open-options-ipv6", open_options_ipv6},
    {"data-out-of-window-ignored", data_out_of_window_ignored},
    {"ack-of-unsent-data", ack_of_unsent_data},
};

static const struct scenario pair_scenarios[] = {
    {"close-client-first", pair_close_client_first},
    {"close-server-first", pair_close_server_first},
    {"close-simultaneous", pair_close_simultaneous},
    {"close-half-close", pair_half_close},
    {"close-fin-lost", pair_fin_lost},
    {"close-last-ack-lost", pair_fin_ack_lost},
    {"close-duplicate-and-reorder", pair_duplicate_and_reorder},
    {"close-data-lost-before-fin", pair_data_lost_before_fin},
    {"close-unread-data-rst", pair_close_unread_rst},
    {"abort", pair_abort},
    {"close-fin-wait-2-timeout", pair_fin_wait_2_timeout},
    {"close-fin-lost-until-give-up", pair_fin_lost_until_give_up},
};

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "corpus-gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "corpus-gen: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int write_scenarios(const char *dir, const struct scenario *s, size_t n)
{
    if (make_dir(dir) != 0)
        return -1;
    struct program prog;
    uint8_t buf[PROGRAM_MAX_BYTES];
    for (size_t i = 0; i < n; i++) {
        s[i].build(&prog);
        size_t len = program_encode(&prog, buf, sizeof buf);
        if (!len || write_file(dir, s[i].name, buf, len) != 0)
            return -1;
    }
    printf("corpus-gen: %zu seeds in %s\n", n, dir);
    return 0;
}

/* A few IP packets from an Ethernet capture: the SYN, the first data, the
 * first FIN and the first RST (whichever exist). */
static int write_packets(const char *dir, const char *pcap_path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(pcap_path, errbuf);
    if (!pc) {
        fprintf(stderr, "corpus-gen: %s: %s\n", pcap_path, errbuf);
        return -1;
    }
    const char *base = strrchr(pcap_path, '/');
    base = base ? base + 1 : pcap_path;
    char stem[128];
    snprintf(stem, sizeof stem, "%.*s", (int)strcspn(base, "."), base);
    bool got[4] = {false, false, false, false};
    static const char *const what[4] = {"syn", "data", "fin", "rst"};
    struct pcap_pkthdr *h;
    const u_char *pkt;
    unsigned frame = 0, written = 0;
    while (pcap_next_ex(pc, &h, &pkt) == 1) {
        frame++;
        if (pcap_datalink(pc) != DLT_EN10MB || h->caplen < 14 + 40)
            continue;
        unsigned etype = (unsigned)pkt[12] << 8 | pkt[13];
        if (etype != 0x0800 && etype != 0x86dd)
            continue;
        const uint8_t *ip = pkt + 14;
        size_t len = h->caplen - 14;
        size_t thl = etype == 0x0800 ? (size_t)(ip[0] & 15u) * 4u : 40u;
        if (len < thl + 20)
            continue;
        uint8_t flags = ip[thl + 13];
        size_t doff = (size_t)(ip[thl + 12] >> 4) * 4u;
        size_t iplen =
            etype == 0x0800 ? ((size_t)ip[2] << 8 | ip[3]) : 40u + ((size_t)ip[4] << 8 | ip[5]);
        int k = (flags & TCP_SYN)    ? 0
                : (flags & TCP_RST)  ? 3
                : (flags & TCP_FIN)  ? 2
                : iplen > thl + doff ? 1
                                     : -1;
        if (k < 0 || got[k])
            continue;
        got[k] = true;
        char name[200];
        snprintf(name, sizeof name, "%s-frame%u-%s", stem, frame, what[k]);
        if (write_file(dir, name, ip, iplen < len ? iplen : len) != 0) {
            pcap_close(pc);
            return -1;
        }
        written++;
    }
    pcap_close(pc);
    printf("corpus-gen: %u packets from %s in %s\n", written, pcap_path, dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: corpus-gen DIR [ETHERNET.pcap...]\n");
        return 2;
    }
    char path[512];
    if (make_dir(argv[1]) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/close_endpoint", argv[1]);
    if (write_scenarios(path, endpoint_scenarios,
                        sizeof endpoint_scenarios / sizeof endpoint_scenarios[0]) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/close_pair", argv[1]);
    if (write_scenarios(path, pair_scenarios, sizeof pair_scenarios / sizeof pair_scenarios[0]) !=
        0)
        return 1;
    snprintf(path, sizeof path, "%s/segment_codec", argv[1]);
    if (argc > 2 && make_dir(path) != 0)
        return 1;
    for (int i = 2; i < argc; i++)
        if (write_packets(path, argv[i]) != 0)
            return 1;
    return 0;
}
