/* Deliberate faults ("mutants") that can be compiled into the model stack.
 *
 * A normal build defines none of these macros and the stack follows the RFCs.
 * `make mutants` builds the stack once per mutant with -DFINFUZZ_MUTANT_<NAME>
 * and checks that the oracle, the fuzz targets and the tests notice each
 * fault: a mutant nobody catches shows a hole in the checks.
 *
 * Each mutant is enabled by exactly one macro, and its #ifdef sits at the one
 * line of stack/tcp_*.c that it changes. FINFUZZ_MUTANT_LIST(X) names them
 * all, so scripts and code can enumerate them:
 *   #define X(name, what) puts(#name);
 *   FINFUZZ_MUTANT_LIST(X)
 * gives FIN_ACK_NO_PLUS_ONE, SKIP_TIME_WAIT, ...; the macro to define is
 * FINFUZZ_MUTANT_ followed by the name. */
#ifndef FINFUZZ_MUTANTS_H
#define FINFUZZ_MUTANTS_H

/* X(name, what it breaks) */
#define FINFUZZ_MUTANT_LIST(X)                                                                     \
    X(FIN_ACK_NO_PLUS_ONE, "every ACK after the peer's FIN acks FIN.seq instead of FIN.seq + 1")   \
    X(SKIP_TIME_WAIT, "the final FIN/ACK goes straight to CLOSED instead of TIME-WAIT")            \
    X(SHORT_TIME_WAIT, "TIME-WAIT lasts 1*MSL instead of 2*MSL")                                   \
    X(SKIP_CLOSING, "crossing FINs go to TIME-WAIT without waiting for the ACK of our FIN")        \
    X(DATA_AFTER_FIN, "data beyond the peer's FIN is accepted and acknowledged")                   \
    X(FIN_SEQ_CHANGES, "a retransmitted bare FIN carries FIN.seq + 1")                             \
    X(RST_ANY_IN_WINDOW, "any in-window RST closes the connection (no challenge ACK)")             \
    X(NO_FIN_RETRANSMIT, "a lost bare FIN is never retransmitted")                                 \
    X(NO_TW_REACK, "a retransmitted FIN in TIME-WAIT is not re-acknowledged")                      \
    X(SEND_AFTER_FIN, "tcp_send after our FIN puts new data on the wire beyond the FIN")           \
    X(NO_CHALLENGE_ACK, "a SYN in ESTABLISHED resets the connection instead of a challenge ACK")

#endif
