/* Reading TCP segments out of pcap and pcapng captures (libpcap).
 *
 * Read RFC 9293 §3.1, RFC 791 and RFC 8200 first, and the link-layer header
 * descriptions of the LINKTYPE_ list; capture.h has the contract. */
#include "capture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Link-layer protocol numbers (EtherType values, also used by SLL/SLL2). */
enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,     /* IEEE 802.1Q customer tag */
    ETHERTYPE_QINQ = 0x88a8,     /* IEEE 802.1ad service tag */
    ETHERTYPE_QINQ_OLD = 0x9100, /* pre-standard stacked tag, still seen */
    ETHERTYPE_MIN = 0x0600,      /* below this the field is an 802.3 length */
};

#define ETH_HDR_LEN  14u
#define VLAN_TAG_LEN 4u
#define SLL_HDR_LEN  16u /* protocol at offset 14 */
#define SLL2_HDR_LEN 20u /* protocol at offset 0 */
#define LOOP_HDR_LEN 4u  /* NULL: host-order AF; LOOP: network-order AF */

/* Not every libpcap defines the newer DLTs. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* Largest IP packet a record can claim: a 65535-byte IPv6 payload plus its
 * fixed header (jumbograms are not supported). */
#define IP_PACKET_MAX (65535u + SEG_IPV6_HDR_LEN)

static uint16_t rd16be(const uint8_t *p)
{
    return cap_rd16be(p);
}

static uint32_t rd32be(const uint8_t *p)
{
    return cap_rd32be(p);
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

const char *cap_link_name(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
        return "Ethernet";
    case DLT_LINUX_SLL:
        return "Linux cooked v1";
    case DLT_LINUX_SLL2:
        return "Linux cooked v2";
    case DLT_RAW:
        return "raw IP";
    case DLT_IPV4:
        return "raw IPv4";
    case DLT_IPV6:
        return "raw IPv6";
    case DLT_NULL:
        return "BSD loopback (NULL)";
    case DLT_LOOP:
        return "BSD loopback (LOOP)";
    default:
        return NULL;
    }
}

/* Address families that BSD loopback headers carry for IPv4 and IPv6: Linux,
 * the BSDs and Darwin each numbered AF_INET6 differently. */
static bool af_is_ip(uint32_t af)
{
    return af == 2 || af == 10 || af == 24 || af == 28 || af == 30;
}

static enum cap_skip ethertype_skip(uint16_t type)
{
    return (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) ? CAP_SKIP_NONE : CAP_SKIP_NOT_IP;
}

/* Find where the IP packet starts in a link-layer frame. Returns
 * CAP_SKIP_NONE with *off set, CAP_SKIP_NOT_IP, or CAP_SKIP_MALFORMED when
 * the link header itself is cut short. */
static enum cap_skip link_ip_start(int dlt, const uint8_t *d, size_t caplen, size_t *off)
{
    switch (dlt) {
    case DLT_EN10MB: {
        if (caplen < ETH_HDR_LEN)
            return CAP_SKIP_MALFORMED;
        size_t at = 12; /* the EtherType (or tag protocol id) field */
        uint16_t type = rd16be(d + at);
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
            at += VLAN_TAG_LEN;
            if (at + 2 > caplen)
                return CAP_SKIP_MALFORMED;
            type = rd16be(d + at);
        }
        if (type < ETHERTYPE_MIN)
            return CAP_SKIP_NOT_IP; /* 802.3 length + LLC */
        *off = at + 2;
        return ethertype_skip(type);
    }
    case DLT_LINUX_SLL:
        if (caplen < SLL_HDR_LEN)
            return CAP_SKIP_MALFORMED;
        *off = SLL_HDR_LEN;
        return ethertype_skip(rd16be(d + 14));
    case DLT_LINUX_SLL2:
        if (caplen < SLL2_HDR_LEN)
            return CAP_SKIP_MALFORMED;
        *off = SLL2_HDR_LEN;
        return ethertype_skip(rd16be(d));
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        *off = 0;
        return CAP_SKIP_NONE;
    case DLT_NULL:
    case DLT_LOOP: {
        if (caplen < LOOP_HDR_LEN)
            return CAP_SKIP_MALFORMED;
        /* NULL stores the AF in the byte order of the capturing host, which
         * may not be ours: accept it in either order. LOOP is big-endian. */
        uint32_t af = rd32be(d);
        bool ip = af_is_ip(af) || (dlt == DLT_NULL && af_is_ip(rd32le(d)));
        *off = LOOP_HDR_LEN;
        return ip ? CAP_SKIP_NONE : CAP_SKIP_NOT_IP;
    }
    default:
        return CAP_SKIP_NOT_IP;
    }
}

static enum cap_skip skip_for_seg_err(enum seg_err err)
{
    switch (err) {
    case SEG_OK:
        return CAP_SKIP_NONE;
    case SEG_ERR_NOT_TCP:
        return CAP_SKIP_NOT_TCP;
    case SEG_ERR_IP_FRAGMENT:
        return CAP_SKIP_FRAGMENT;
    default:
        return CAP_SKIP_MALFORMED;
    }
}

enum seg_err cap_decode_frame(int dlt, const uint8_t *data, size_t caplen, struct seg_ip *ip,
                              struct seg *s, enum cap_skip *skip)
{
    size_t off = 0;
    *skip = link_ip_start(dlt, data, caplen, &off);
    if (*skip == CAP_SKIP_MALFORMED)
        return SEG_ERR_TRUNCATED;
    if (*skip != CAP_SKIP_NONE)
        return SEG_ERR_NOT_TCP;
    enum seg_err err = seg_decode_ip(data + off, caplen - off, SEG_DECODE_NO_CHECKSUM, ip, s);
    *skip = skip_for_seg_err(err);
    return err;
}

bool cap_fast_ipv6_call(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s)
{
    return cap_fast_ipv6(p, len, ip, s);
}

bool cap_fast_ipv6_record(const uint8_t *p, size_t len, struct cap_fast_segment *fs)
{
    struct seg_ip ip;
    struct seg s;
    if (!cap_fast_ipv6(p, len, &ip, &s))
        return false;
    cap_fast_segment_of(&ip, &s, fs);
    return true;
}

bool cap_decode_ipv4_fast(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s)
{
    return cap_fast_ipv4(p, len, ip, s);
}

bool cap_seg_ip_equal(const struct seg_ip *a, const struct seg_ip *b)
{
    return a->version == b->version && a->ttl == b->ttl && a->ip_id == b->ip_id &&
           memcmp(a->src, b->src, sizeof a->src) == 0 && memcmp(a->dst, b->dst, sizeof a->dst) == 0;
}

bool cap_seg_equal(const struct seg *a, const struct seg *b)
{
    const struct seg_opts *x = &a->opts, *y = &b->opts;
    return a->sport == b->sport && a->dport == b->dport && a->seq == b->seq && a->ack == b->ack &&
           a->flags == b->flags && a->window == b->window && a->urg_ptr == b->urg_ptr &&
           a->payload_len == b->payload_len && a->payload == b->payload &&
           a->reserved_bits == b->reserved_bits && x->has_mss == y->has_mss && x->mss == y->mss &&
           x->has_wscale == y->has_wscale && x->wscale == y->wscale &&
           x->sack_permitted == y->sack_permitted && x->has_ts == y->has_ts &&
           x->ts_val == y->ts_val && x->ts_ecr == y->ts_ecr && x->raw_len == y->raw_len &&
           memcmp(x->raw, y->raw, sizeof x->raw) == 0;
}

static bool is_pcapng_magic(const uint8_t m[4])
{
    return m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a;
}

static bool is_pcap_magic(const uint8_t m[4])
{
    uint32_t be = rd32be(m);
    return be == 0xa1b2c3d4u || be == 0xd4c3b2a1u || be == 0xa1b23c4du || be == 0x4d3cb2a1u;
}

#define PCAP_GLOBAL_HDR_LEN 24
#define PCAP_RECORD_HDR_LEN CAP_RECORD_HDR_LEN

bool cap_open_stream(struct cap_reader *r, FILE *fp, const char *name, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->expected_pos = -1;
    r->file_size = -1;
    struct stat st;
    int fd = fileno(fp);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        r->file_size = (long)st.st_size;

    /* Look at the magic ourselves so that an empty file or a cut global
     * header gets a plain message rather than libpcap's generic one. */
    uint8_t head[PCAP_GLOBAL_HDR_LEN];
    size_t got = fread(head, 1, sizeof head, fp);
    if (got == 0) {
        snprintf(err, errlen, "%s: empty file (not a capture)", name);
        fclose(fp);
        return false;
    }
    if (got < 4 || (is_pcap_magic(head) && got < PCAP_GLOBAL_HDR_LEN)) {
        snprintf(err, errlen, "%s: truncated global header (%zu of %d bytes)", name, got,
                 PCAP_GLOBAL_HDR_LEN);
        fclose(fp);
        return false;
    }
    r->is_pcapng = is_pcapng_magic(head);
    if (fseek(fp, 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "%s: cannot rewind: %s", name, strerror(errno));
        fclose(fp);
        return false;
    }
    r->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, r->errbuf);
    if (!r->pcap) {
        snprintf(err, errlen, "%s: %s", name, r->errbuf);
        fclose(fp); /* libpcap leaves the stream to us when it fails */
        return false;
    }
    r->dlt = pcap_datalink(r->pcap);
    if (!cap_link_name(r->dlt)) {
        const char *dlt_name = pcap_datalink_val_to_name(r->dlt);
        snprintf(err, errlen,
                 "%s: unknown link type %d (%s): finfuzz reads Ethernet, Linux "
                 "cooked v1/v2, raw IP and BSD loopback",
                 name, r->dlt, dlt_name ? dlt_name : "unnamed");
        pcap_close(r->pcap); /* closes fp too */
        r->pcap = NULL;
        return false;
    }
    int snap = pcap_snapshot(r->pcap);
    r->snaplen = snap > 0 ? (uint32_t)snap : 0;
    if (!r->is_pcapng)
        r->expected_pos = PCAP_GLOBAL_HDR_LEN;
    return true;
}

bool cap_open(struct cap_reader *r, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(r, 0, sizeof *r);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    return cap_open_stream(r, fp, path, err, errlen);
}

bool cap_set_filter(struct cap_reader *r, const char *bpf, char *err, size_t errlen)
{
    if (pcap_compile(r->pcap, &r->filter, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "bad --flow filter '%s': %s", bpf, pcap_geterr(r->pcap));
        return false;
    }
    r->have_filter = true;
    return true;
}

/* libpcap quietly shortens a classic-pcap record whose stored length exceeds
 * the snapshot length (and skips the excess). Such a record can only come
 * back with caplen == snaplen, so only then compare the file offset with
 * where the record should have ended. */
static bool caplen_was_over_snap(struct cap_reader *r, uint32_t caplen)
{
    if (r->expected_pos < 0)
        return false;
    r->expected_pos += PCAP_RECORD_HDR_LEN + (long)caplen;
    if (caplen != r->snaplen)
        return false;
    long pos = ftell(pcap_file(r->pcap));
    if (pos < 0)
        return false;
    bool over = pos > r->expected_pos;
    r->expected_pos = pos;
    return over;
}

/* Errors that mean "the bytes ran out", as a snap length cut would cause. */
static bool is_length_err(enum seg_err err)
{
    return err == SEG_ERR_TRUNCATED || err == SEG_ERR_IPV4_IHL_OVERRUN ||
           err == SEG_ERR_IP_TOTLEN || err == SEG_ERR_IPV6_EXT_OVERRUN ||
           err == SEG_ERR_TCP_DOFF_OVERRUN || err == SEG_ERR_TCP_OPT_OVERRUN;
}

/* The snap length cut the record: rebuild the IP packet at the length the
 * record says was on the wire (the missing bytes as zeros), so the codec can
 * decode the headers and the payload length. The headers themselves must lie
 * wholly within the captured bytes, or the segment is skipped. */
static enum cap_status decode_cut(struct cap_reader *r, const uint8_t *ipdata, size_t ip_caplen,
                                  size_t ip_wirelen, struct cap_segment *out, char *note,
                                  size_t notelen)
{
    if (ip_wirelen > IP_PACKET_MAX)
        ip_wirelen = IP_PACKET_MAX;
    if (!r->scratch) {
        r->scratch = malloc(IP_PACKET_MAX);
        if (!r->scratch) {
            snprintf(note, notelen, "%s: frame %llu: out of memory; skipped", r->name,
                     (unsigned long long)out->frame);
            r->counts.skipped[CAP_SKIP_MALFORMED]++;
            return CAP_SKIP;
        }
    }
    memcpy(r->scratch, ipdata, ip_caplen);
    memset(r->scratch + ip_caplen, 0, ip_wirelen - ip_caplen);
    enum seg_err err =
        seg_decode_ip(r->scratch, ip_wirelen, SEG_DECODE_NO_CHECKSUM, &out->ip, &out->seg);
    enum cap_skip skip = skip_for_seg_err(err);
    if (err == SEG_OK) {
        /* A header-only segment that did not decode from the captured bytes
         * had its header cut; otherwise the payload must start within them. */
        bool headers_whole = out->seg.payload_len > 0 && out->seg.payload &&
                             (size_t)(out->seg.payload - r->scratch) <= ip_caplen;
        skip = headers_whole ? CAP_SKIP_NONE : CAP_SKIP_SNAP_CUT;
    } else if (skip == CAP_SKIP_MALFORMED) {
        skip = CAP_SKIP_SNAP_CUT;
    }
    if (skip == CAP_SKIP_NONE) {
        out->seg.payload = NULL;
        out->payload_cut = true;
        r->counts.payload_cut++;
        r->counts.segments++;
        return CAP_SEGMENT;
    }
    r->counts.skipped[skip]++;
    if (skip == CAP_SKIP_SNAP_CUT)
        snprintf(note, notelen,
                 "%s: frame %llu: the snap length (%u bytes) cut the IP/TCP header; skipped",
                 r->name, (unsigned long long)out->frame, r->snaplen);
    else if (skip == CAP_SKIP_FRAGMENT)
        snprintf(note, notelen, "%s: frame %llu: IP fragment, not reassembled; skipped", r->name,
                 (unsigned long long)out->frame);
    return CAP_SKIP;
}

enum cap_status cap_read_end(struct cap_reader *r, int rc, char *note, size_t notelen)
{
    if (rc == PCAP_ERROR_BREAK)
        return CAP_EOF;
    snprintf(note, notelen, "%s: frame %llu: %s", r->name, (unsigned long long)r->counts.frames + 1,
             pcap_geterr(r->pcap));
    return CAP_ERROR;
}

enum cap_status cap_dispatch_end(struct cap_reader *r, int rc, char *note, size_t notelen)
{
    note[0] = '\0';
    return cap_read_end(r, rc == 0 ? PCAP_ERROR_BREAK : rc, note, notelen);
}

static uint64_t record_usecs(const struct pcap_pkthdr *hdr)
{
    return cap_record_usecs(hdr);
}

bool cap_link_ip_start(int dlt, const uint8_t *d, size_t caplen, size_t *off)
{
    return link_ip_start(dlt, d, caplen, off) == CAP_SKIP_NONE;
}

/* The version and addresses of src into dst: for IPv4 the first 4 bytes of
 * each (the rest of dst is left alone), for IPv6 the whole header. */
static void ip_copy_addrs(struct seg_ip *dst, const struct seg_ip *src)
{
    if (src->version == 4) {
        dst->version = 4;
        memcpy(dst->src, src->src, 4);
        memcpy(dst->dst, src->dst, 4);
    } else {
        *dst = *src;
    }
}

void cap_fast_segment_of(const struct seg_ip *ip, const struct seg *s, struct cap_fast_segment *fs)
{
    ip_copy_addrs(&fs->ip, ip);
    fs->sport = s->sport;
    fs->dport = s->dport;
    seg_record_set_seg(&fs->rec, s);
}

void cap_fast_segment_get(const struct cap_fast_segment *fs, struct seg_ip *ip, struct seg *s)
{
    ip_copy_addrs(ip, &fs->ip);
    s->sport = fs->sport;
    s->dport = fs->dport;
    seg_record_get_seg(&fs->rec, s);
}

bool cap_fast_segment_equal(const struct cap_fast_segment *a, const struct cap_fast_segment *b)
{
    const struct seg_record *x = &a->rec, *y = &b->rec;
    size_t alen = a->ip.version == 4 ? 4 : sizeof a->ip.src;
    if (a->ip.version != b->ip.version || memcmp(a->ip.src, b->ip.src, alen) != 0 ||
        memcmp(a->ip.dst, b->ip.dst, alen) != 0)
        return false;
    if (a->ip.version != 4 && (a->ip.ttl != b->ip.ttl || a->ip.ip_id != b->ip.ip_id))
        return false;
    return a->sport == b->sport && a->dport == b->dport && x->seq == y->seq && x->ack == y->ack &&
           x->payload_len == y->payload_len && x->ts_val == y->ts_val && x->window == y->window &&
           x->flags == y->flags && x->wscale == y->wscale &&
           (x->bits & ~SEG_RECORD_FROM_B) == (y->bits & ~SEG_RECORD_FROM_B);
}

void cap_fast_segment_expand(const struct cap_fast_segment *fs, struct cap_segment *out)
{
    if (FINFUZZ_VERIFY_FAST)
        cap_poison_unfilled(&out->ip, &out->seg);
    out->frame = fs->frame;
    out->time_usecs = fs->time_usecs;
    out->payload_cut = false;
    cap_fast_segment_get(fs, &out->ip, &out->seg);
}

/* FINFUZZ_VERIFY_FAST: the codec's decoding of a record the fast path took
 * (its IP packet at off), into *ip and *g; abort if the codec rejects it. */
static void verify_decode(const struct cap_reader *r, const uint8_t *data, size_t caplen,
                          size_t off, struct seg_ip *ip, struct seg *g)
{
    size_t off2 = 0;
    if (link_ip_start(r->dlt, data, caplen, &off2) != CAP_SKIP_NONE || off2 != off ||
        seg_decode_ip(data + off, caplen - off, SEG_DECODE_NO_CHECKSUM, ip, g) != SEG_OK)
        abort(); /* the fast path took what the codec rejects */
}

void cap_verify_fast(const struct cap_reader *r, const uint8_t *data, size_t caplen, size_t off,
                     const struct seg_ip *fip, const struct seg *fs)
{
    struct seg_ip ip;
    struct seg g;
    verify_decode(r, data, caplen, off, &ip, &g);
    if (!cap_seg_ip_equal(&ip, fip) || !cap_seg_equal(&g, fs))
        abort(); /* the fast path decoded differently from the codec */
}

void cap_verify_fast_record(const struct cap_reader *r, const uint8_t *data, size_t caplen,
                            size_t off, const struct cap_fast_segment *fs)
{
    struct seg_ip ip;
    struct seg g;
    verify_decode(r, data, caplen, off, &ip, &g);
    struct cap_fast_segment want;
    memset(&want, 0, sizeof want);
    cap_fast_segment_of(&ip, &g, &want);
    if (!cap_fast_segment_equal(&want, fs))
        abort(); /* the fast path decoded differently from the codec */
}

void cap_poison_unfilled_ip(struct seg_ip *ip)
{
    ip->ttl = 0xa5;
    ip->ip_id = 0xa5a5;
    memset(ip->src + 4, 0xa5, sizeof ip->src - 4);
    memset(ip->dst + 4, 0xa5, sizeof ip->dst - 4);
}

void cap_poison_unfilled(struct seg_ip *ip, struct seg *s)
{
    cap_poison_unfilled_ip(ip);
    s->urg_ptr = 0xa5a5;
    s->reserved_bits = 0xa5;
    s->payload = (const uint8_t *)(uintptr_t)0xa5; /* faults when read */
    /* Bools holding neither 0 nor 1: UBSan stops whoever loads them. */
    memset(&s->opts.has_mss, 0x5a, sizeof s->opts.has_mss);
    memset(&s->opts.sack_permitted, 0x5a, sizeof s->opts.sack_permitted);
    s->opts.mss = 0xa5a5;
    s->opts.ts_val = 0xa5a5a5a5; /* (read only with has_ts) */
    s->opts.ts_ecr = 0xa5a5a5a5;
    s->opts.raw_len = 0xa5; /* beyond raw[]: an encoder reading it overruns */
    memset(s->opts.raw, 0xa5, sizeof s->opts.raw);
}

enum cap_status cap_record_general(struct cap_reader *r, const struct pcap_pkthdr *hdr,
                                   const u_char *data, bool over_snap, struct cap_segment *out,
                                   char *note, size_t notelen)
{
    uint64_t frame = r->counts.frames;
    out->frame = frame;
    out->time_usecs = record_usecs(hdr);
    out->payload_cut = false;
    size_t caplen = hdr->caplen;
    size_t off = 0;
    enum cap_skip skip = link_ip_start(r->dlt, data, caplen, &off);
    if (skip == CAP_SKIP_MALFORMED) {
        r->counts.skipped[skip]++;
        if (!over_snap)
            snprintf(note, notelen, "%s: frame %llu: link-layer header cut short (%zu bytes)",
                     r->name, (unsigned long long)frame, caplen);
        return CAP_SKIP;
    }
    if (skip != CAP_SKIP_NONE) {
        r->counts.skipped[skip]++;
        return CAP_SKIP;
    }
    enum seg_err err =
        seg_decode_ip(data + off, caplen - off, SEG_DECODE_NO_CHECKSUM, &out->ip, &out->seg);
    if (err == SEG_OK) {
        r->counts.segments++;
        return CAP_SEGMENT;
    }
    skip = skip_for_seg_err(err);
    if (is_length_err(err) && hdr->len > hdr->caplen)
        return decode_cut(r, data + off, caplen - off, hdr->len - off, out, note, notelen);
    r->counts.skipped[skip]++;
    if (over_snap)
        return CAP_SKIP;
    if (skip == CAP_SKIP_FRAGMENT)
        snprintf(note, notelen, "%s: frame %llu: IP fragment, not reassembled; skipped", r->name,
                 (unsigned long long)frame);
    else if (skip == CAP_SKIP_MALFORMED)
        snprintf(note, notelen, "%s: frame %llu: %s; skipped", r->name, (unsigned long long)frame,
                 seg_err_str(err));
    return CAP_SKIP;
}

enum cap_status cap_record(struct cap_reader *r, const struct pcap_pkthdr *hdr, const u_char *data,
                           struct cap_segment *out, char *note, size_t notelen)
{
    uint64_t frame = ++r->counts.frames;
    bool over_snap = caplen_was_over_snap(r, hdr->caplen);
    if (over_snap) {
        r->counts.caplen_over_snap++;
        snprintf(note, notelen,
                 "%s: frame %llu: record longer than the snap length (%u bytes); "
                 "only the first %u bytes were read",
                 r->name, (unsigned long long)frame, r->snaplen, r->snaplen);
    }
    if (r->have_filter && !pcap_offline_filter(&r->filter, hdr, data)) {
        r->counts.skipped[CAP_SKIP_FILTERED]++;
        return CAP_SKIP;
    }
    size_t off = 0;
    if (!over_snap && link_ip_start(r->dlt, data, hdr->caplen, &off) == CAP_SKIP_NONE &&
        cap_fast_ip(data + off, hdr->caplen - off, &out->ip, &out->seg)) {
        if (FINFUZZ_VERIFY_FAST)
            cap_verify_fast(r, data, hdr->caplen, off, &out->ip, &out->seg);
        out->frame = frame;
        out->time_usecs = record_usecs(hdr);
        out->payload_cut = false;
        r->counts.segments++;
        return CAP_SEGMENT;
    }
    return cap_record_general(r, hdr, data, over_snap, out, note, notelen);
}

enum cap_status cap_next(struct cap_reader *r, struct cap_segment *out, char *note, size_t notelen)
{
    note[0] = '\0';
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc = pcap_next_ex(r->pcap, &hdr, &data);
    if (rc != 1)
        return cap_read_end(r, rc, note, notelen);
    return cap_record(r, hdr, data, out, note, notelen);
}

double cap_progress(const struct cap_reader *r)
{
    FILE *fp = r->pcap ? pcap_file(r->pcap) : NULL;
    if (!fp || r->file_size <= 0)
        return -1;
    long pos = ftell(fp);
    return pos < 0 ? -1 : (double)pos / (double)r->file_size;
}

void cap_close(struct cap_reader *r)
{
    if (r->have_filter)
        pcap_freecode(&r->filter);
    if (r->pcap)
        pcap_close(r->pcap);
    free(r->scratch);
    memset(r, 0, sizeof *r);
}
