/* A tiny writer of crafted captures for tests: classic pcap or pcapng, either
 * byte order, micro- or nanosecond timestamps, over every link type finfuzz
 * reads, with a snap length that cuts records like a real capture does. It
 * writes the bytes itself (libpcap cannot write pcapng or a foreign byte
 * order), so tests can also append hostile records.
 *
 * craft_conn builds one TCP conversation on top: it keeps each side's next
 * sequence number, so a test writes "A sends FIN" and gets the right numbers,
 * and can still override seq/ack to break an invariant on purpose. */
#ifndef FINFUZZ_TEST_PCAP_CRAFT_H
#define FINFUZZ_TEST_PCAP_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stack/segment.h"

/* LINKTYPE_ values as stored in files. */
enum {
    CRAFT_LT_NULL = 0,
    CRAFT_LT_ETHERNET = 1,
    CRAFT_LT_RAW = 101,
    CRAFT_LT_LOOP = 108,
    CRAFT_LT_SLL = 113,
    CRAFT_LT_IPV4 = 228,
    CRAFT_LT_IPV6 = 229,
    CRAFT_LT_SLL2 = 276,
};

struct craft_opts {
    uint32_t linktype;  /* CRAFT_LT_* (any value, for unknown-link tests) */
    bool pcapng;        /* pcapng instead of classic pcap */
    bool big_endian;    /* write the file in big-endian order */
    bool nsec;          /* nanosecond timestamps */
    unsigned vlan_tags; /* Ethernet: this many 802.1Q/802.1ad tags (0..4) */
    bool null_swapped;  /* LT_NULL: AF in the other byte order than the file's */
    uint32_t snaplen;   /* 0: 262144 */
};

struct craft {
    FILE *fp;
    struct craft_opts o;
    uint64_t records;
};

/* Create path and write the file header(s). Returns false on I/O error. */
bool craft_open(struct craft *c, const char *path, const struct craft_opts *o);
/* Write one record: frame bytes (len of them on the wire; the snap length
 * decides how many are stored). */
void craft_record(struct craft *c, uint64_t time_usecs, const uint8_t *frame, size_t len);
/* Write one record with an explicit stored length and wire length (hostile
 * files: caplen beyond the snap length, or beyond the end of the file). The
 * data written is exactly data_len bytes. */
void craft_record_raw(struct craft *c, uint64_t time_usecs, uint32_t caplen, uint32_t wirelen,
                      const uint8_t *data, size_t data_len);
/* Wrap an IP packet in the link-layer header of c's link type. Returns the
 * frame length written to out (cap bytes). */
size_t craft_link_frame(const struct craft *c, const uint8_t *ip_packet, size_t len, uint8_t *out,
                        size_t cap);
/* Encode ip+s and write it as one record. */
void craft_segment(struct craft *c, uint64_t time_usecs, const struct seg_ip *ip,
                   const struct seg *s);
void craft_close(struct craft *c);

/* One conversation between A (the client) and B (the server). */
struct craft_conn {
    struct craft *c;
    struct seg_ip ip[2]; /* [EP_A]: A->B envelope, [EP_B]: B->A */
    uint16_t port[2];
    uint32_t nxt[2];    /* each side's next sequence number */
    uint16_t window[2]; /* window each side advertises (0: 65535) */
    uint64_t now_usecs;
};

/* version 4 or 6; addresses 192.0.2.1/.2 or 2001:db8::1/::2 (+ salt in the
 * last byte so tests can make several flows). */
void craft_conn_init(struct craft_conn *k, struct craft *c, int version, uint16_t port_a,
                     uint16_t port_b, uint32_t isn_a, uint32_t isn_b, uint8_t salt);
/* Advance the clock by dt_usecs, then ep sends flags with len payload bytes
 * at its next seq, acknowledging the other side's next seq (when ACK is
 * set). Its next seq advances by the segment's length. Returns the seq. */
uint32_t craft_send(struct craft_conn *k, uint64_t dt_usecs, int ep, uint8_t flags, uint32_t len);
/* As craft_send with explicit seq and ack; nxt advances only when the
 * segment reaches beyond it (never for an RST). */
void craft_send_at(struct craft_conn *k, uint64_t dt_usecs, int ep, uint8_t flags, uint32_t seq,
                   uint32_t ack, uint32_t len);
/* SYN, SYN-ACK, ACK. */
void craft_handshake(struct craft_conn *k);

/* A fresh directory under /tmp for this process's files (made once, removed
 * with its files at exit), and a path inside it written into buf. */
const char *craft_tmpdir(void);
#define CRAFT_PATH_MAX 512
char *craft_path(char buf[CRAFT_PATH_MAX], const char *name);

#endif
