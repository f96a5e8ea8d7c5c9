/* Reading TCP segments out of pcap and pcapng captures (libpcap).
 *
 * Read RFC 9293 §3.1 (TCP header), RFC 791 (IPv4), RFC 8200 (IPv6) and
 * IEEE 802.1Q (VLAN tags) first; the link-layer headers are those of
 * https://www.tcpdump.org/linktypes.html (Ethernet, LINUX_SLL, LINUX_SLL2,
 * RAW/IPV4/IPV6, NULL and LOOP).
 *
 * A cap_reader walks one capture record by record. Every record counts as a
 * frame, numbered from 1 exactly as Wireshark numbers them, whether it holds
 * TCP or not and whether or not a BPF filter keeps it. Each call to
 * cap_next() returns one record's verdict: a TCP segment, a record skipped
 * with a reason (not TCP, a fragment, a malformed header, ...), the end of the
 * file, or a read error after which nothing more can be read.
 *
 * The reader never reads outside what libpcap hands it: lengths are checked
 * before each header is read, and the IP/TCP headers are decoded by the
 * stack's codec (seg_decode_ip), which checks its own lengths. */
#ifndef FINFUZZ_CAPTURE_H
#define FINFUZZ_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../stack/segment.h"
#include "capture_fast.h"
#include "event.h"

/* What one cap_next() call produced. */
enum cap_status {
    CAP_SEGMENT = 0, /* a TCP segment: *out is filled */
    CAP_SKIP,        /* a record that carries no usable TCP segment; skip_reason says why */
    CAP_EOF,         /* the end of the file */
    CAP_ERROR,       /* the file cannot be read further; error names the frame */
};

/* Why a record was skipped. Only the ones marked "note" deserve a message to
 * the user; the others are the ordinary non-TCP traffic of a capture. */
enum cap_skip {
    CAP_SKIP_NONE = 0,
    CAP_SKIP_FILTERED,  /* the --flow BPF filter did not match */
    CAP_SKIP_NOT_IP,    /* ARP, LLDP, ... (the link type carries no IPv4/IPv6 here) */
    CAP_SKIP_NOT_TCP,   /* UDP, ICMP, ... */
    CAP_SKIP_FRAGMENT,  /* note: an IP fragment (counted, not reassembled) */
    CAP_SKIP_MALFORMED, /* note: a header that cannot be decoded (detail in note) */
    CAP_SKIP_SNAP_CUT,  /* note: the snap length cut the IP or TCP header */
    CAP_SKIP_COUNT
};

/* One decoded TCP segment. seg.payload points into the reader's buffers and
 * is valid until the next cap_next(); it is NULL when the snap length cut
 * the payload (payload_len still says how much the sender sent). */
struct cap_segment {
    uint64_t frame;      /* 1-based, as Wireshark counts */
    uint64_t time_usecs; /* capture timestamp in microseconds since the epoch */
    struct seg_ip ip;
    struct seg seg;
    bool payload_cut; /* the snap length cut the payload (headers are whole) */
};

/* Counts over the records read so far. */
struct cap_counts {
    uint64_t frames;   /* records read (= the last frame number) */
    uint64_t segments; /* CAP_SEGMENT results */
    uint64_t skipped[CAP_SKIP_COUNT];
    uint64_t payload_cut;      /* segments whose payload the snap length cut */
    uint64_t caplen_over_snap; /* records whose stored length exceeded the snap length */
};

struct cap_reader {
    pcap_t *pcap;
    char name[256]; /* the file name used in every message */
    int dlt;        /* pcap_datalink() */
    bool is_pcapng;
    uint32_t snaplen;
    bool have_filter;
    struct bpf_program filter;
    long expected_pos; /* classic pcap: file offset after the last record, -1 if unknown */
    struct cap_counts counts;
    char errbuf[PCAP_ERRBUF_SIZE];
    /* The IP packet rebuilt to its full length when the snap length cut the
     * payload, so that the codec sees the lengths the sender sent. */
    uint8_t *scratch; /* IP_PACKET_MAX bytes once needed */
    long file_size;   /* bytes, or -1 when unknown (for progress) */
};

/* Open path (pcap or pcapng, either byte order; timestamps read with
 * nanosecond precision and reported in microseconds). Returns false with a
 * one-line reason in err ("FILE: empty file", "FILE: unknown link type 147
 * (USER0)", ...) when the file cannot be read at all. */
bool cap_open(struct cap_reader *r, const char *path, char *err, size_t errlen);

/* As cap_open, reading from an already open stream (e.g. fmemopen). The
 * reader owns fp from this call on, whatever the result: cap_close closes it
 * after a success, and a failure has closed it already. */
bool cap_open_stream(struct cap_reader *r, FILE *fp, const char *name, char *err, size_t errlen);

/* Only frames matching the BPF expression are decoded; the others return
 * CAP_SKIP with CAP_SKIP_FILTERED but still count as frames. Returns false
 * with libpcap's reason in err if the expression does not compile. */
bool cap_set_filter(struct cap_reader *r, const char *bpf, char *err, size_t errlen);

/* Read the next record. note (at least 160 bytes) receives a one-line
 * message "FILE: frame N: ..." for CAP_ERROR and for the skips marked "note"
 * above, and an empty string otherwise. */
enum cap_status cap_next(struct cap_reader *r, struct cap_segment *out, char *note, size_t notelen);

/* How far through the file the reader is, 0..1 (for progress), or -1. */
double cap_progress(const struct cap_reader *r);

void cap_close(struct cap_reader *r);

/* "Ethernet", "Linux cooked v2", ... for a DLT; NULL if not supported. */
const char *cap_link_name(int dlt);

/* Decode one link-layer frame (for tests and the fuzz target as much as for
 * cap_next). Returns SEG_OK and fills ip/s, or the codec's error; *skip tells
 * a non-IP or non-TCP frame apart from a malformed one. */
enum seg_err cap_decode_frame(int dlt, const uint8_t *data, size_t caplen, struct seg_ip *ip,
                              struct seg *s, enum cap_skip *skip);

/* The IPv4 fast path of cap_next() (capture.c explains it): decode an IPv4
 * packet without options or fragmentation that carries TCP, filling *ip and
 * *s exactly as seg_decode_ip() with SEG_DECODE_NO_CHECKSUM would. Returns
 * false, leaving both unspecified, for any other packet (the codec then
 * decides). */
bool cap_decode_ipv4_fast(const uint8_t *pkt, size_t len, struct seg_ip *ip, struct seg *s);

/* Field-by-field equality of decoded headers (padding ignored). */
bool cap_seg_ip_equal(const struct seg_ip *a, const struct seg_ip *b);
bool cap_seg_equal(const struct seg *a, const struct seg *b);
/* A segment decoded whole (ip, s) in the checker's form (capture_fast.h):
 * of ip only the version and the addresses, as cap_fast_ip_record() writes
 * them for IPv4 (IPv6: all of it). */
void cap_fast_segment_of(const struct seg_ip *ip, const struct seg *s, struct cap_fast_segment *fs);
/* Two segments in the checker's form are the same in all it holds (of the
 * record, all but time_delta, frame_delta and the FROM_B bit; of an IPv4
 * header, the version and the addresses' first 4 bytes). */
bool cap_fast_segment_equal(const struct cap_fast_segment *a, const struct cap_fast_segment *b);
/* What fs holds of its IP header and segment into *ip and *s (whose other
 * fields are left alone). */
void cap_fast_segment_get(const struct cap_fast_segment *fs, struct seg_ip *ip, struct seg *s);
/* fs whole again (frame, time, ip, and every field of the segment it
 * holds) into *out, for the general way; the fields it does not hold
 * (payload, urgent pointer, other options, TTL...) are left alone, or,
 * with FINFUZZ_VERIFY_FAST, poisoned (cap_poison_unfilled()). */
void cap_fast_segment_expand(const struct cap_fast_segment *fs, struct cap_segment *out);

/* ---- the checker's per-record path ----
 *
 * cap_next_fast() is cap_next() for a reader that judges segments one at a
 * time as they are read (check.c): a plain TCP segment that the fast
 * decoders take (no note) is decoded straight into *fs, the checker's form
 * of a segment (capture_fast.h), with *in_fast set; every other record is
 * returned in *out exactly as cap_next() would. It is inline
 * (capture_fast.h says why); the functions below are its out-of-line
 * parts, for it alone. */

/* Classic pcap's per-record header. */
#define CAP_RECORD_HDR_LEN 16

/* pcap_next_ex() returned rc instead of a record: the end, or an error.
 * note is left alone for CAP_EOF. */
enum cap_status cap_read_end(struct cap_reader *r, int rc, char *note, size_t notelen);
/* cap_next() for a record pcap_next_ex() has just read. */
enum cap_status cap_record(struct cap_reader *r, const struct pcap_pkthdr *hdr, const u_char *data,
                           struct cap_segment *out, char *note, size_t notelen);
/* The general (codec) decoding of a record already counted and filtered. */
enum cap_status cap_record_general(struct cap_reader *r, const struct pcap_pkthdr *hdr,
                                   const u_char *data, bool over_snap, struct cap_segment *out,
                                   char *note, size_t notelen);
/* Where the IP packet starts in a record of link type dlt; false if it
 * carries none or its link header is cut (the general way says which). */
bool cap_link_ip_start(int dlt, const uint8_t *d, size_t caplen, size_t *off);
/* FINFUZZ_VERIFY_FAST: abort unless the codec decodes the record at data as
 * the fast decoders did, whole (*ip, *s) or in the checker's form (*fs). */
void cap_verify_fast(const struct cap_reader *r, const uint8_t *data, size_t caplen, size_t off,
                     const struct seg_ip *ip, const struct seg *s);
void cap_verify_fast_record(const struct cap_reader *r, const uint8_t *data, size_t caplen,
                            size_t off, const struct cap_fast_segment *fs);
/* FINFUZZ_VERIFY_FAST: put values no decoder gives into the fields of *ip
 * and *s that the checker's form of a segment does not hold (a bool that
 * is neither true nor false, a payload pointer that faults), so that a
 * reader of the checker's events that uses one fails the tests rather than
 * reading an earlier record's value. (The ip part alone: for IPv4, all but
 * the version and the addresses' first 4 bytes.) */
void cap_poison_unfilled(struct seg_ip *ip, struct seg *s);
void cap_poison_unfilled_ip(struct seg_ip *ip);

/* Capture time in microseconds (readers open captures with nanosecond
 * precision: tv_usec holds nanoseconds). */
static inline uint64_t cap_record_usecs(const struct pcap_pkthdr *hdr)
{
    return (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec / 1000u;
}

/* The part of cap_next_fast() after the read, for a record hdr/data that
 * libpcap has just handed over (by pcap_next_ex() or to a pcap_dispatch()
 * callback). Never returns CAP_EOF or CAP_ERROR. */
CAP_HOT enum cap_status cap_record_fast(struct cap_reader *r, const struct pcap_pkthdr *hdr,
                                        const u_char *data, struct cap_fast_segment *fs,
                                        struct cap_segment *out, bool *in_fast, char *note,
                                        size_t notelen)
{
    size_t caplen = hdr->caplen;
    /* A filter, or a record that may have been cut to the snap length by
     * libpcap (which cap_record checks), goes the whole way. */
    if (__builtin_expect(r->have_filter || (caplen == r->snaplen && r->expected_pos >= 0), 0))
        goto general;
    r->counts.frames++;
    if (r->expected_pos >= 0)
        r->expected_pos += CAP_RECORD_HDR_LEN + (long)caplen;
    size_t off = 14; /* plain Ethernet, the common case, without a call */
    if (__builtin_expect(r->dlt != DLT_EN10MB || caplen < 14 ||
                             (cap_rd16be(data + 12) != 0x0800 && cap_rd16be(data + 12) != 0x86dd),
                         0)) {
        if (!cap_link_ip_start(r->dlt, data, caplen, &off))
            goto general_counted;
    }
    if (FINFUZZ_VERIFY_FAST)
        cap_poison_unfilled_ip(&fs->ip);
    if (__builtin_expect(!cap_fast_ip_record(data + off, caplen - off, fs), 0))
        goto general_counted;
    if (FINFUZZ_VERIFY_FAST)
        cap_verify_fast_record(r, data, caplen, off, fs);
    fs->frame = r->counts.frames;
    fs->time_usecs = cap_record_usecs(hdr);
    r->counts.segments++;
    *in_fast = true;
    return CAP_SEGMENT;

general:
    *in_fast = false;
    note[0] = '\0';
    return cap_record(r, hdr, data, out, note, notelen);
general_counted:
    *in_fast = false;
    note[0] = '\0';
    return cap_record_general(r, hdr, data, false, out, note, notelen);
}

CAP_HOT enum cap_status cap_next_fast(struct cap_reader *r, struct cap_fast_segment *fs,
                                      struct cap_segment *out, bool *in_fast, char *note,
                                      size_t notelen)
{
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc = pcap_next_ex(r->pcap, &hdr, &data);
    if (__builtin_expect(rc != 1, 0)) {
        *in_fast = false;
        note[0] = '\0';
        return cap_read_end(r, rc, note, notelen);
    }
    return cap_record_fast(r, hdr, data, fs, out, in_fast, note, notelen);
}

/* The end of reading by pcap_dispatch(), which returned rc (0 at the end of
 * the file): CAP_EOF, or CAP_ERROR with the message in note. */
enum cap_status cap_dispatch_end(struct cap_reader *r, int rc, char *note, size_t notelen);

#endif
