/* Printable names of states and causes, as RFC 9293 spells the states. */
#include "tcp.h"

static const char *const state_names[] = {
    [TCP_CLOSED] = "CLOSED",           [TCP_LISTEN] = "LISTEN",
    [TCP_SYN_SENT] = "SYN-SENT",       [TCP_SYN_RECEIVED] = "SYN-RECEIVED",
    [TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCP_FIN_WAIT_2] = "FIN-WAIT-2",   [TCP_CLOSING] = "CLOSING",
    [TCP_TIME_WAIT] = "TIME-WAIT",     [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCP_LAST_ACK] = "LAST-ACK",
};
_Static_assert(sizeof state_names / sizeof state_names[0] == TCP_STATE_COUNT, "one name per state");

static const char *const cause_names[] = {
    [TCP_CAUSE_APP_OPEN_ACTIVE] = "app-connect",
    [TCP_CAUSE_APP_OPEN_PASSIVE] = "app-listen",
    [TCP_CAUSE_APP_SEND_SYN] = "app-send-in-listen",
    [TCP_CAUSE_APP_CLOSE] = "app-close",
    [TCP_CAUSE_APP_ABORT] = "app-abort",
    [TCP_CAUSE_APP_CLOSE_UNREAD] = "app-close-unread-data",
    [TCP_CAUSE_RCV_SYN] = "rcv-syn",
    [TCP_CAUSE_RCV_SYN_ACK] = "rcv-syn-ack",
    [TCP_CAUSE_RCV_ACK] = "rcv-ack",
    [TCP_CAUSE_RCV_FIN] = "rcv-fin",
    [TCP_CAUSE_RCV_FIN_ACK] = "rcv-fin-ack",
    [TCP_CAUSE_RCV_RST] = "rcv-rst",
    [TCP_CAUSE_TIMEOUT_TIME_WAIT] = "timeout-time-wait",
    [TCP_CAUSE_TIMEOUT_RETRIES] = "timeout-retries",
    [TCP_CAUSE_TIMEOUT_FIN_WAIT_2] = "timeout-fin-wait-2",
};
_Static_assert(sizeof cause_names / sizeof cause_names[0] == TCP_CAUSE_COUNT, "one name per cause");

const char *tcp_state_name(enum tcp_state st)
{
    return (unsigned)st < TCP_STATE_COUNT ? state_names[st] : "INVALID";
}

const char *tcp_cause_name(enum tcp_cause cause)
{
    return (unsigned)cause < TCP_CAUSE_COUNT ? cause_names[cause] : "invalid";
}
