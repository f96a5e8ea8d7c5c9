/* Profiles: the deviations of real stacks that a user may choose to accept.
 *
 * Read RFC 1337 (TIME-WAIT assassination) and RFC 5961 §3.2/§7 (challenge
 * ACK throttling) first. Each profile is a fixed set of rules; the oracle's
 * checks consult the rules, never the profile's name. */
#include <string.h>

#include "oracle_impl.h"

static const char *const profile_names[PROFILE_COUNT] = {
    [PROFILE_RFC9293] = "rfc9293",
    [PROFILE_RFC1337] = "rfc1337",
    [PROFILE_LINUX] = "linux",
    [PROFILE_LWIP] = "lwip",
};

static const char *const profile_summaries[PROFILE_COUNT] = {
    [PROFILE_RFC9293] = "strict RFC 9293 + RFC 5961; TIME-WAIT = 2*MSL; an acceptable RST "
                        "may end TIME-WAIT",
    [PROFILE_RFC1337] = "as rfc9293, and rst-in-time-wait: an RST in TIME-WAIT must be ignored",
    [PROFILE_LINUX] = "TIME-WAIT = 60 s whatever the MSL, restarted by any ACK-bearing segment; "
                      "RST may end TIME-WAIT (tcp_rfc1337=0); orphaned FIN-WAIT-2 may end "
                      "after 60 s; missing challenge ACKs tolerated (rate limit)",
    [PROFILE_LWIP] = "lwIP 2.1: TIME-WAIT = 2*MSL (Debian's TCP_MSL 60 s: 120 s); RST in "
                     "TIME-WAIT ignored; in-window SYN in TIME-WAIT answered with RST; "
                     "FIN-WAIT-2 may end after 20 s; missing challenge ACKs tolerated; timers "
                     "on a 500 ms tick (deadlines judged with 500 ms slack); RTO up to "
                     "0x7FFF ticks (FIN retransmissions may be 384 s and more apart)",
};

const char *oracle_profile_name(enum oracle_profile p)
{
    return (unsigned)p < PROFILE_COUNT ? profile_names[p] : "?";
}

const char *oracle_profile_summary(enum oracle_profile p)
{
    return (unsigned)p < PROFILE_COUNT ? profile_summaries[p] : "?";
}

bool oracle_profile_parse(const char *name, enum oracle_profile *out)
{
    for (unsigned i = 0; name && i < PROFILE_COUNT; i++) {
        if (strcmp(name, profile_names[i]) == 0) {
            *out = (enum oracle_profile)i;
            return true;
        }
    }
    return false;
}

void oracle_rules_for(enum oracle_profile p, uint64_t msl_usecs, struct oracle_rules *r)
{
    /* rfc9293: RFC 9293 §3.10.7.4 lets an acceptable RST close TIME-WAIT
     * ("If the RST bit is set, then enter the CLOSED state"); RFC 1337's fix
     * (ignore it) is also allowed, so neither outcome is a violation. */
    memset(r, 0, sizeof *r); /* padding too: oracles are compared bytewise (check.c) */
    r->time_wait_usecs = 2 * msl_usecs;
    r->tw_rst_may_close = true;
    switch (p) {
    case PROFILE_RFC9293:
    case PROFILE_COUNT:
        break;
    case PROFILE_RFC1337:
        r->tw_rst_may_close = false;
        r->tw_rst_must_be_ignored = true;
        break;
    case PROFILE_LINUX:
        /* TCP_TIMEWAIT_LEN is a compile-time 60 s; tcp_timewait_state_process
         * re-arms it for any segment with ACK it answers; tcp_fin_timeout
         * (60 s) ends an orphaned FIN-WAIT-2; tcp_challenge_ack_limit and
         * tcp_invalid_ratelimit may suppress challenge ACKs. */
        r->time_wait_usecs = 60ull * 1000 * 1000;
        r->tw_restart_on_any_ack = true;
        r->fin_wait_2_timeout_usecs = 60ull * 1000 * 1000;
        r->challenge_ack_may_be_missing = true;
        break;
    case PROFILE_LWIP:
        /* tcp_timewait_input(): RST ignored, FIN restarts the timer and is
         * ACKed, an in-window SYN draws an RST. tcp_slowtmr(): FIN-WAIT-2
         * with the receive side closed ends after TCP_FIN_WAIT_TIMEOUT (20 s).
         * Challenge ACKs were not checked against lwIP's source here, so
         * their absence is tolerated rather than assumed either way. */
        r->time_wait_usecs = 2 * 60ull * 1000 * 1000; /* 2 * TCP_MSL (60 s in Debian) */
        r->fin_wait_2_timeout_usecs = 20ull * 1000 * 1000;
        r->challenge_ack_may_be_missing = true;
        r->tw_syn_may_draw_rst = true;
        /* Every TCP timeout of lwIP (TIME-WAIT, RTO, FIN-WAIT-2, persist) is
         * counted in slow-timer ticks (TCP_SLOW_INTERVAL, 500 ms) and acts
         * at the first tick past its limit: up to 500 ms late. */
        r->timer_granularity_usecs = 500ull * 1000;
        /* tcp_slowtmr(): rto = ((sa >> 3) + sv) << tcp_backoff[nrtx] with
         * shifts {1,2,3,4,5,6,7,7,...}, clamped to 0x7FFF slow ticks: from
         * the initial 3 s the gaps reach 384 s, and measured RTTs raise the
         * base up to that clamp (16383.5 s). RFC 6298 (2.5) allows any
         * ceiling of at least 60 s. */
        r->fin_rto_max_usecs = 0x7FFFull * 500 * 1000;
        /* It gives up once nrtx reaches TCP_MAXRTX (12): at most 12
         * retransmissions, each at most that clamp (plus the tick it is
         * counted on) after the one before; an ACK of new data resets
         * nrtx. With the RTO a slow peer can drive up, that is far beyond
         * the oracle's usual two hours (lwip-open-fin-retransmit.bin:
         * gaps of 1,856 s, still retransmitting at 9,265 s, as lwIP may). */
        r->fin_give_up_usecs = 12 * (0x7FFFull + 1) * 500 * 1000;
        break;
    }
}
