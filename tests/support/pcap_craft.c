/* A tiny writer of crafted captures for tests (see pcap_craft.h). The file
 * formats are those of the pcap and pcapng specifications (IETF
 * draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng). */
#include "pcap_craft.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/event.h"

#define DEFAULT_SNAPLEN 262144u

static void put16(const struct craft *c, uint16_t v)
{
    uint8_t b[2];
    if (c->o.big_endian) {
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
    } else {
        b[0] = (uint8_t)v;
        b[1] = (uint8_t)(v >> 8);
    }
    fwrite(b, 1, 2, c->fp);
}

static void put32(const struct craft *c, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(c->o.big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
    fwrite(b, 1, 4, c->fp);
}

static uint32_t snaplen_of(const struct craft *c)
{
    return c->o.snaplen ? c->o.snaplen : DEFAULT_SNAPLEN;
}

bool craft_open(struct craft *c, const char *path, const struct craft_opts *o)
{
    memset(c, 0, sizeof *c);
    c->o = *o;
    c->fp = fopen(path, "wb");
    if (!c->fp)
        return false;
    if (!o->pcapng) {
        put32(c, o->nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
        put16(c, 2);
        put16(c, 4);
        put32(c, 0); /* thiszone */
        put32(c, 0); /* sigfigs */
        put32(c, snaplen_of(c));
        put32(c, o->linktype);
        return true;
    }
    /* Section Header Block. */
    put32(c, 0x0a0d0d0au);
    put32(c, 28);
    put32(c, 0x1a2b3c4du);
    put16(c, 1);
    put16(c, 0);
    put32(c, 0xffffffffu); /* section length unknown (64 bits of -1) */
    put32(c, 0xffffffffu);
    put32(c, 28);
    /* Interface Description Block, with if_tsresol = 9 for nanoseconds. */
    uint32_t idb_len = o->nsec ? 32 : 20;
    put32(c, 1);
    put32(c, idb_len);
    put16(c, (uint16_t)o->linktype);
    put16(c, 0);
    put32(c, snaplen_of(c));
    if (o->nsec) {
        put16(c, 9); /* if_tsresol */
        put16(c, 1);
        uint8_t opt[4] = {9, 0, 0, 0};
        fwrite(opt, 1, 4, c->fp);
        put16(c, 0); /* opt_endofopt */
        put16(c, 0);
    }
    put32(c, idb_len);
    return true;
}

void craft_record_raw(struct craft *c, uint64_t time_usecs, uint32_t caplen, uint32_t wirelen,
                      const uint8_t *data, size_t data_len)
{
    uint64_t units = c->o.nsec ? time_usecs * 1000u : time_usecs;
    uint64_t per_sec = c->o.nsec ? 1000000000u : 1000000u;
    c->records++;
    if (!c->o.pcapng) {
        put32(c, (uint32_t)(units / per_sec));
        put32(c, (uint32_t)(units % per_sec));
        put32(c, caplen);
        put32(c, wirelen);
        fwrite(data, 1, data_len, c->fp);
        return;
    }
    size_t padded = (data_len + 3) & ~(size_t)3;
    uint32_t len = (uint32_t)(32 + padded);
    put32(c, 6);
    put32(c, len);
    put32(c, 0);
    put32(c, (uint32_t)(units >> 32));
    put32(c, (uint32_t)units);
    put32(c, caplen);
    put32(c, wirelen);
    fwrite(data, 1, data_len, c->fp);
    static const uint8_t zeros[4] = {0};
    fwrite(zeros, 1, padded - data_len, c->fp);
    put32(c, len);
}

void craft_record(struct craft *c, uint64_t time_usecs, const uint8_t *frame, size_t len)
{
    uint32_t cap = (uint32_t)len;
    if (cap > snaplen_of(c))
        cap = snaplen_of(c);
    craft_record_raw(c, time_usecs, cap, (uint32_t)len, frame, cap);
}

size_t craft_link_frame(const struct craft *c, const uint8_t *ip, size_t len, uint8_t *out,
                        size_t cap)
{
    uint8_t hdr[64];
    size_t h = 0;
    bool v6 = len > 0 && (ip[0] >> 4) == 6;
    uint16_t etype = v6 ? 0x86dd : 0x0800;
    switch (c->o.linktype) {
    case CRAFT_LT_ETHERNET: {
        static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
        memcpy(hdr, macs, 12);
        h = 12;
        for (unsigned i = 0; i < c->o.vlan_tags && i < 4; i++) {
            /* The outer tag of a stack is an 802.1ad S-tag. */
            uint16_t tpid = (i == 0 && c->o.vlan_tags > 1) ? 0x88a8 : 0x8100;
            hdr[h++] = (uint8_t)(tpid >> 8);
            hdr[h++] = (uint8_t)tpid;
            hdr[h++] = 0;
            hdr[h++] = (uint8_t)(10 + i); /* VLAN id */
        }
        hdr[h++] = (uint8_t)(etype >> 8);
        hdr[h++] = (uint8_t)etype;
        break;
    }
    case CRAFT_LT_SLL:
        memset(hdr, 0, 16);
        hdr[1] = 4; /* packet type: sent by us */
        hdr[3] = 1; /* ARPHRD_ETHER */
        hdr[5] = 6;
        hdr[14] = (uint8_t)(etype >> 8);
        hdr[15] = (uint8_t)etype;
        h = 16;
        break;
    case CRAFT_LT_SLL2:
        memset(hdr, 0, 20);
        hdr[0] = (uint8_t)(etype >> 8);
        hdr[1] = (uint8_t)etype;
        hdr[7] = 2; /* interface index */
        hdr[9] = 1; /* ARPHRD_ETHER */
        hdr[10] = 4;
        hdr[11] = 6;
        h = 20;
        break;
    case CRAFT_LT_NULL: {
        uint32_t af = v6 ? 30 : 2; /* Darwin's AF_INET6 */
        bool be = c->o.big_endian != c->o.null_swapped;
        for (int i = 0; i < 4; i++)
            hdr[i] = (uint8_t)(be ? af >> (24 - 8 * i) : af >> (8 * i));
        h = 4;
        break;
    }
    case CRAFT_LT_LOOP: {
        uint32_t af = v6 ? 24 : 2; /* OpenBSD's AF_INET6 */
        for (int i = 0; i < 4; i++)
            hdr[i] = (uint8_t)(af >> (24 - 8 * i));
        h = 4;
        break;
    }
    default: /* raw IP and unknown link types: the packet as is */
        break;
    }
    if (h + len > cap)
        return 0;
    memcpy(out, hdr, h);
    memcpy(out + h, ip, len);
    return h + len;
}

void craft_segment(struct craft *c, uint64_t time_usecs, const struct seg_ip *ip,
                   const struct seg *s)
{
    uint8_t pkt[70000], frame[70100];
    size_t n = seg_encode_ip(ip, s, pkt, sizeof pkt);
    if (!n)
        return;
    size_t f = craft_link_frame(c, pkt, n, frame, sizeof frame);
    craft_record(c, time_usecs, frame, f);
}

void craft_close(struct craft *c)
{
    if (c->fp)
        fclose(c->fp);
    c->fp = NULL;
}

/* ---- conversations ---- */

void craft_conn_init(struct craft_conn *k, struct craft *c, int version, uint16_t port_a,
                     uint16_t port_b, uint32_t isn_a, uint32_t isn_b, uint8_t salt)
{
    memset(k, 0, sizeof *k);
    k->c = c;
    for (int ep = 0; ep < 2; ep++) {
        struct seg_ip *ip = &k->ip[ep];
        ip->version = (uint8_t)version;
        ip->ttl = 64;
        uint8_t a[16] = {0}, b[16] = {0};
        if (version == 4) {
            uint8_t a4[4] = {192, 0, 2, (uint8_t)(1 + 2 * salt)};
            uint8_t b4[4] = {192, 0, 2, (uint8_t)(2 + 2 * salt)};
            memcpy(a, a4, 4);
            memcpy(b, b4, 4);
        } else {
            a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[15] = (uint8_t)(1 + 2 * salt);
            memcpy(b, a, 16);
            b[15] = (uint8_t)(2 + 2 * salt);
        }
        memcpy(ip->src, ep == EP_A ? a : b, 16);
        memcpy(ip->dst, ep == EP_A ? b : a, 16);
    }
    k->port[EP_A] = port_a;
    k->port[EP_B] = port_b;
    k->nxt[EP_A] = isn_a;
    k->nxt[EP_B] = isn_b;
    k->now_usecs = 1700000000ull * 1000000u;
}

void craft_send_at(struct craft_conn *k, uint64_t dt_usecs, int ep, uint8_t flags, uint32_t seq,
                   uint32_t ack, uint32_t len)
{
    k->now_usecs += dt_usecs;
    struct seg s;
    memset(&s, 0, sizeof s);
    s.sport = k->port[ep];
    s.dport = k->port[1 - ep];
    s.seq = seq;
    s.ack = (flags & TCP_ACK) ? ack : 0;
    s.flags = flags;
    s.window = k->window[ep] ? k->window[ep] : 65535;
    s.payload_len = len;
    if (flags & TCP_SYN) {
        s.opts.has_mss = true;
        s.opts.mss = 1460;
    }
    k->ip[ep].ip_id++;
    craft_segment(k->c, k->now_usecs, &k->ip[ep], &s);
    uint32_t end = seq + seg_len(&s);
    if (!(flags & TCP_RST) && (int32_t)(end - k->nxt[ep]) > 0)
        k->nxt[ep] = end; /* an RST takes no sequence space */
}

uint32_t craft_send(struct craft_conn *k, uint64_t dt_usecs, int ep, uint8_t flags, uint32_t len)
{
    uint32_t seq = k->nxt[ep];
    craft_send_at(k, dt_usecs, ep, flags, seq, k->nxt[1 - ep], len);
    return seq;
}

void craft_handshake(struct craft_conn *k)
{
    craft_send(k, 1000, EP_A, TCP_SYN, 0);
    craft_send(k, 100, EP_B, TCP_SYN | TCP_ACK, 0);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
}

/* ---- temporary files ---- */

static char tmpdir[256];

static void remove_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "pcap_craft: could not remove %s\n", tmpdir);
}

const char *craft_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/finfuzz-test-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

char *craft_path(char buf[CRAFT_PATH_MAX], const char *name)
{
    snprintf(buf, CRAFT_PATH_MAX, "%s/%s", craft_tmpdir(), name);
    return buf;
}
