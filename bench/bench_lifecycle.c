/* Complete connection lifecycles per second on the model stack.
 *
 * One lifecycle: both endpoints initialised (tcp_init through link_init),
 * three-way handshake, a 120-byte request and a 900-byte response, the
 * server closes, the client closes, the four-way close, and TIME-WAIT
 * expiry (virtual time, so 2*MSL costs one timer event). Both endpoints run
 * in this one process over harness/link with no event sinks; one core, and
 * `make bench` builds without sanitizers. Prints the figure; asserts
 * nothing about time (the machine is shared and noisy). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness/link.h"
#include "stack/tcp.h"

#define REQUEST_BYTES  120u
#define RESPONSE_BYTES 900u

static struct link bench_link; /* the bench's only endpoint pair */

static uint64_t now_nsecs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns false if the lifecycle did not end as it should. */
static int lifecycle(struct link *l, const struct tcp_config *ca, const struct tcp_config *cb)
{
    link_init(l, ca, cb, NULL);
    link_app(l, EP_B, APP_LISTEN, 0);
    link_app(l, EP_A, APP_CONNECT, 0);
    while (tcp_get_state(&l->ep[EP_A]) == TCP_SYN_SENT && link_step(l, UINT64_MAX))
        ;
    link_app(l, EP_A, APP_SEND, REQUEST_BYTES);
    while (l->delivered[EP_B] < REQUEST_BYTES && link_step(l, UINT64_MAX))
        ;
    link_app(l, EP_B, APP_SEND, RESPONSE_BYTES);
    link_app(l, EP_B, APP_CLOSE, 0);
    while (!l->eof_seen[EP_A] && link_step(l, UINT64_MAX))
        ;
    link_app(l, EP_A, APP_CLOSE, 0);
    while (link_step(l, UINT64_MAX))
        ;
    return tcp_get_state(&l->ep[EP_A]) == TCP_CLOSED && tcp_get_state(&l->ep[EP_B]) == TCP_CLOSED &&
           l->delivered[EP_A] == RESPONSE_BYTES && l->delivered[EP_B] == REQUEST_BYTES;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
    struct tcp_config ca, cb;
    tcp_config_default(&ca);
    ca.isn_seed = 1000;
    cb = ca;
    cb.isn_seed = 5000;

    for (unsigned i = 0; i < 1000; i++) /* warm up */
        if (!lifecycle(&bench_link, &ca, &cb)) {
            fprintf(stderr, "bench_lifecycle: a lifecycle did not complete\n");
            return 1;
        }
    uint64_t t0 = now_nsecs();
    unsigned long ok = 0;
    uint64_t segs = 0;
    for (unsigned long i = 0; i < n; i++) {
        ca.isn_seed = 1000 + i;
        ok += (unsigned long)lifecycle(&bench_link, &ca, &cb);
        segs += bench_link.sent_order;
    }
    uint64_t dt = now_nsecs() - t0;
    if (ok != n) {
        fprintf(stderr, "bench_lifecycle: %lu of %lu lifecycles did not complete\n", n - ok, n);
        return 1;
    }
    double per_sec = (double)n * 1e9 / (double)dt;
    printf("lifecycles/s: %.0f\n", per_sec);
    printf("ns per lifecycle: %.0f (%lu lifecycles, %.1f segments each, target >= 300000/s)\n",
           (double)dt / (double)n, n, (double)segs / (double)n);
    return 0;
}
