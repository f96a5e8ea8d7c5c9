/* Event stream -> pcap file. See pcap_writer.h for the contract. */
#include "pcap_writer.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note_failure(struct pcap_writer *w, const char *what)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "%s", what);
}

int pcap_writer_open(struct pcap_writer *w, const char *path, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->pcap = pcap_open_dead_with_tstamp_precision(DLT_RAW, (int)PCAP_WRITER_SNAPLEN,
                                                   PCAP_TSTAMP_PRECISION_MICRO);
    if (w->pcap == NULL) {
        snprintf(err, errlen, "%s: cannot create a pcap handle", path);
        return -1;
    }
    w->dumper = pcap_dump_open(w->pcap, path);
    if (w->dumper == NULL) {
        snprintf(err, errlen, "%s", pcap_geterr(w->pcap));
        pcap_close(w->pcap);
        w->pcap = NULL;
        return -1;
    }
    w->frame = malloc(PCAP_WRITER_SNAPLEN);
    if (w->frame == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        pcap_dump_close(w->dumper);
        pcap_close(w->pcap);
        memset(w, 0, sizeof *w);
        return -1;
    }
    return 0;
}

int pcap_writer_write_packet(struct pcap_writer *w, uint64_t time_usecs, const uint8_t *pkt,
                             size_t len)
{
    if (w->dumper == NULL) {
        note_failure(w, "write on a closed pcap writer");
        return -1;
    }
    if (len > PCAP_WRITER_SNAPLEN) {
        note_failure(w, "packet longer than the snapshot length");
        return -1;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(PCAP_WRITER_BASE_EPOCH_SECS + time_usecs / 1000000u);
    h.ts.tv_usec = (suseconds_t)(time_usecs % 1000000u);
    h.caplen = h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)w->dumper, &h, pkt);
    w->packets++;
    return 0;
}

int pcap_writer_write_segment(struct pcap_writer *w, uint64_t time_usecs, uint8_t endpoint,
                              const struct seg_ip *ip, const struct seg *s)
{
    struct seg_ip env = *ip;
    unsigned side = endpoint == EP_B ? 1u : 0u;
    if (env.version == 0) {
        /* RFC 5737 documentation addresses: A is .1, B is .2. */
        static const uint8_t addr[2][4] = {{192, 0, 2, 1}, {192, 0, 2, 2}};
        memset(&env, 0, sizeof env);
        env.version = 4;
        memcpy(env.src, addr[side], 4);
        memcpy(env.dst, addr[1 - side], 4);
        env.ip_id = w->next_ip_id[side]++;
    }
    if (env.ttl == 0)
        env.ttl = 64;
    if (w->frame == NULL) {
        note_failure(w, "write on a closed pcap writer");
        return -1;
    }
    size_t n = seg_encode_ip(&env, s, w->frame, PCAP_WRITER_SNAPLEN);
    if (n == 0) {
        note_failure(w, "segment cannot be encoded (IP version or length)");
        return -1;
    }
    return pcap_writer_write_packet(w, time_usecs, w->frame, n);
}

static void pcap_writer_push(void *ctx, uint64_t index, const struct ev *e)
{
    (void)index;
    if (e->kind == EV_SEGMENT)
        pcap_writer_write_segment(ctx, e->time_usecs, e->endpoint, &e->u.segment.ip,
                                  &e->u.segment.seg);
}

struct ev_sink pcap_writer_sink(struct pcap_writer *w)
{
    struct ev_sink sink = {.ctx = w, .push = pcap_writer_push};
    return sink;
}

int pcap_writer_close(struct pcap_writer *w, char *err, size_t errlen)
{
    if (w->dumper != NULL) {
        if (pcap_dump_flush(w->dumper) != 0)
            note_failure(w, "cannot flush the capture file");
        pcap_dump_close(w->dumper);
        w->dumper = NULL;
    }
    if (w->pcap != NULL) {
        pcap_close(w->pcap);
        w->pcap = NULL;
    }
    free(w->frame);
    w->frame = NULL;
    if (w->failures == 0)
        return 0;
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%llu packet(s) not written; first: %s",
                 (unsigned long long)w->failures, w->first_failure);
    return -1;
}
