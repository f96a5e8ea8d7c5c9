/* Write an event stream as a capture file (classic pcap, LINKTYPE_RAW).
 *
 * Every EV_SEGMENT becomes one IP packet built by seg_encode_ip, with correct
 * IPv4 and TCP checksums; other events write nothing (a dropped segment was
 * sent, so it stays in the capture). Timestamps come from the virtual clock:
 * PCAP_WRITER_BASE_EPOCH_SECS plus the event's time_usecs, so the same run
 * always gives the same file. LINKTYPE_RAW carries IPv4 and IPv6 alike and
 * opens in Wireshark/tshark and tcpdump without a link-layer header to fake.
 * libpcap cannot write pcapng; `editcap -F pcapng` converts. */
#ifndef FINFUZZ_PCAP_WRITER_H
#define FINFUZZ_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Virtual time 0 in the capture: 2026-01-01T00:00:00Z. */
#define PCAP_WRITER_BASE_EPOCH_SECS 1767225600u

/* Largest packet written: an IPv6 header plus a 64 KiB payload. */
#define PCAP_WRITER_SNAPLEN (40u + 65535u)

struct pcap;        /* pcap_t */
struct pcap_dumper; /* pcap_dumper_t */

struct pcap_writer {
    struct pcap *pcap;
    struct pcap_dumper *dumper;
    uint8_t *frame;         /* PCAP_WRITER_SNAPLEN bytes, owned */
    uint16_t next_ip_id[2]; /* per endpoint, for segments with an empty seg_ip */
    uint64_t packets;       /* packets written */
    uint64_t failures;      /* segments that could not be encoded or written */
    char first_failure[128];
};

/* Create (truncate) path, "-" for stdout. Returns 0, or -1 with a message in
 * err (errlen bytes) and *w left closed. */
int pcap_writer_open(struct pcap_writer *w, const char *path, char *err, size_t errlen);

/* An ev_sink that writes every EV_SEGMENT pushed to it. */
struct ev_sink pcap_writer_sink(struct pcap_writer *w);

/* Write one segment sent by endpoint (EP_A/EP_B) at virtual time_usecs. An
 * empty ip (version 0) means IPv4 from 192.0.2.1 (A) or 192.0.2.2 (B) to the
 * other, TTL 64, and a per-endpoint IP ID; a TTL of 0 is written as 64.
 * Returns 0, or -1 (counted in failures) if the segment cannot be encoded. */
int pcap_writer_write_segment(struct pcap_writer *w, uint64_t time_usecs, uint8_t endpoint,
                              const struct seg_ip *ip, const struct seg *s);

/* Write len bytes (an IP packet, written as given, even if malformed) at
 * virtual time_usecs; for tests that craft captures. Returns 0 or -1. */
int pcap_writer_write_packet(struct pcap_writer *w, uint64_t time_usecs, const uint8_t *pkt,
                             size_t len);

/* Flush and close. Returns 0 if every packet was written, else -1 with the
 * first failure in err. Safe on a writer that failed to open or is closed. */
int pcap_writer_close(struct pcap_writer *w, char *err, size_t errlen);

#endif
