/* Fuzz the segment codec: arbitrary bytes as an IP packet. Whatever decodes
 * (checksums not verified, so mutations get through) must re-encode to the
 * same TCP bytes, and the re-encoded packet must decode, checksums verified,
 * to the same segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/segment.h"

static void fail(const char *why)
{
    fprintf(stderr, "segment-codec: %s\n", why);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seg_ip ip, ip2;
    struct seg s, s2;
    uint8_t tcp[65536], pkt[65536 + 40];
    if (seg_decode_ip(data, size, SEG_DECODE_NO_CHECKSUM, &ip, &s) != SEG_OK)
        return 0;
    /* The TCP bytes end where the IP length fields say the packet ends. */
    size_t ip_end =
        ip.version == 4 ? ((size_t)data[2] << 8 | data[3]) : 40u + ((size_t)data[4] << 8 | data[5]);
    size_t tcp_len = seg_encode_tcp(&ip, &s, tcp, sizeof tcp);
    if (tcp_len == 0 || tcp_len > ip_end)
        fail("seg_encode_tcp length differs from the decoded span");
    const uint8_t *orig = data + ip_end - tcp_len;
    if (memcmp(tcp, orig, 16) != 0 || memcmp(tcp + 18, orig + 18, tcp_len - 18) != 0)
        fail("re-encoded TCP bytes differ from the input (checksum aside)");
    size_t pkt_len = seg_encode_ip(&ip, &s, pkt, sizeof pkt);
    if (pkt_len == 0 || seg_decode_ip(pkt, pkt_len, 0, &ip2, &s2) != SEG_OK)
        fail("re-encoded packet does not decode with checksums verified");
    if (memcmp(pkt + pkt_len - tcp_len, tcp, tcp_len) != 0 || memcmp(&ip, &ip2, sizeof ip) != 0)
        fail("re-encoded packet decodes to a different segment or IP envelope");
    return 0;
}
