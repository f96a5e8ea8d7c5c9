/* Synthetic capture for bench_check.sh: N packets of interleaved TCP flows,
 * each with a handshake, a few request/response exchanges and a four-way
 * close, written as classic pcap over Ethernet. Deterministic (a fixed LCG),
 * so two runs give the same file.
 *
 * usage: check_gen PACKETS OUT.pcap [CONCURRENT_FLOWS] [USECS_PER_PACKET] [DATA_ROUNDS]
 * (DATA_ROUNDS request/ACK rounds per flow, 3 by default: 13 packets a flow) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/segment.h"

#define DATA_ROUNDS_DEFAULT 3 /* request + ACK per round */
#define DATA_ROUNDS_MAX     1000
#define PAYLOAD_BYTES       64 /* per data segment */

/* One connection's script position and numbers. */
struct gen_flow {
    unsigned step;
    uint32_t nxt[2]; /* next seq of client (0) and server (1) */
    uint16_t cport;
    uint8_t client; /* last octet of the client address */
};

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static void flow_start(struct gen_flow *f, uint64_t *rng, uint32_t serial)
{
    f->step = 0;
    f->nxt[0] = (uint32_t)lcg(rng);
    f->nxt[1] = (uint32_t)lcg(rng);
    f->client = (uint8_t)(1 + serial % 250);
    f->cport = (uint16_t)(1024 + (serial / 250) % 60000);
}

/* One step of a flow's script. */
struct gen_step {
    uint8_t from, flags;
    uint32_t len;
};

/* Handshake, `rounds` request + ACK rounds, four-way close. */
static unsigned script_build(struct gen_step *sc, unsigned rounds)
{
    unsigned n = 0;
    sc[n++] = (struct gen_step){0, TCP_SYN, 0};
    sc[n++] = (struct gen_step){1, TCP_SYN | TCP_ACK, 0};
    sc[n++] = (struct gen_step){0, TCP_ACK, 0};
    for (unsigned r = 0; r < rounds; r++) {
        sc[n++] = (struct gen_step){0, TCP_ACK | TCP_PSH, PAYLOAD_BYTES};
        sc[n++] = (struct gen_step){1, TCP_ACK, 0};
    }
    sc[n++] = (struct gen_step){0, TCP_ACK | TCP_FIN, 0};
    sc[n++] = (struct gen_step){1, TCP_ACK, 0};
    sc[n++] = (struct gen_step){1, TCP_ACK | TCP_FIN, 0};
    sc[n++] = (struct gen_step){0, TCP_ACK, 0};
    return n;
}

static struct gen_step script[3 + 2 * DATA_ROUNDS_MAX + 4];
static unsigned script_len;

/* Emit the flow's next segment; returns true when the flow has ended. */
static bool flow_step(struct gen_flow *f, struct seg_ip *ip, struct seg *s)
{
    unsigned from = script[f->step].from;
    uint8_t cli[4] = {10, 1, 0, f->client}, srv[4] = {10, 2, 0, 1};
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    ip->ttl = 64;
    memcpy(ip->src, from ? srv : cli, 4);
    memcpy(ip->dst, from ? cli : srv, 4);
    memset(s, 0, sizeof *s);
    s->sport = from ? 443 : f->cport;
    s->dport = from ? f->cport : 443;
    s->flags = script[f->step].flags;
    s->seq = f->nxt[from];
    s->ack = (s->flags & TCP_ACK) ? f->nxt[1 - from] : 0;
    s->window = 65535;
    s->payload_len = script[f->step].len;
    f->nxt[from] += seg_len(s);
    return ++f->step == script_len;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: check_gen PACKETS OUT.pcap [CONCURRENT_FLOWS] [USECS_PER_PACKET] "
                        "[DATA_ROUNDS]\n");
        return 2;
    }
    uint64_t packets = strtoull(argv[1], NULL, 10);
    size_t concurrent = argc > 3 ? strtoul(argv[3], NULL, 10) : 500;
    uint64_t step_usecs = argc > 4 ? strtoull(argv[4], NULL, 10) : 500;
    unsigned long rounds = argc > 5 ? strtoul(argv[5], NULL, 10) : DATA_ROUNDS_DEFAULT;
    if (rounds > DATA_ROUNDS_MAX) {
        fprintf(stderr, "check_gen: at most %d data rounds\n", DATA_ROUNDS_MAX);
        return 2;
    }
    script_len = script_build(script, (unsigned)rounds);
    FILE *out = fopen(argv[2], "wb");
    if (!out || concurrent == 0) {
        perror(argv[2]);
        return 2;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    uint8_t hdr[24];
    put32le(hdr, 0xa1b2c3d4u);
    hdr[4] = 2, hdr[5] = 0, hdr[6] = 4, hdr[7] = 0;
    memset(hdr + 8, 0, 8);
    put32le(hdr + 16, 65535);
    put32le(hdr + 20, 1); /* Ethernet */
    fwrite(hdr, 1, sizeof hdr, out);

    struct gen_flow *flows = calloc(concurrent, sizeof *flows);
    uint64_t rng = 42, t_usecs = 1700000000ull * 1000000u;
    uint32_t serial = 0;
    for (size_t i = 0; i < concurrent; i++)
        flow_start(&flows[i], &rng, serial++);
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    uint8_t rec[16 + 14 + 1600];
    for (uint64_t n = 0; n < packets; n++) {
        struct gen_flow *f = &flows[lcg(&rng) % concurrent];
        struct seg_ip ip;
        struct seg s;
        bool done = flow_step(f, &ip, &s);
        ip.ip_id = (uint16_t)n;
        size_t len = seg_encode_ip(&ip, &s, rec + 16 + 14, sizeof rec - 30);
        memcpy(rec + 16, eth, sizeof eth);
        t_usecs += step_usecs;
        put32le(rec, (uint32_t)(t_usecs / 1000000u));
        put32le(rec + 4, (uint32_t)(t_usecs % 1000000u));
        put32le(rec + 8, (uint32_t)(len + 14));
        put32le(rec + 12, (uint32_t)(len + 14));
        fwrite(rec, 1, 16 + 14 + len, out);
        if (done)
            flow_start(f, &rng, serial++);
    }
    free(flows);
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 2;
    }
    fprintf(stderr, "check_gen: %llu packets, %u flows started\n", (unsigned long long)packets,
            serial);
    return 0;
}
