/* Print every record of a capture as finfuzz's reader sees it, one line per
 * frame: "FRAME FLAGS SEQ ACK LEN" for TCP segments (FLAGS in hex, as
 * tshark's tcp.flags), "FRAME -" for the others. The e2e test compares this
 * with tshark's own numbering. usage: check_capdump FILE */
#include <inttypes.h>
#include <stdio.h>

#include "harness/capture.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: check_capdump FILE\n");
        return 2;
    }
    struct cap_reader r;
    char err[320], note[320];
    if (!cap_open(&r, argv[1], err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct cap_segment cs;
    enum cap_status st;
    int rc = 0;
    while ((st = cap_next(&r, &cs, note, sizeof note)) != CAP_EOF) {
        if (st == CAP_ERROR) {
            fprintf(stderr, "%s\n", note);
            rc = 2;
            break;
        }
        if (st == CAP_SEGMENT)
            printf("%" PRIu64 " 0x%03x %u %u %u\n", cs.frame, cs.seg.flags, cs.seg.seq, cs.seg.ack,
                   cs.seg.payload_len);
        else
            printf("%" PRIu64 " -\n", r.counts.frames);
    }
    cap_close(&r);
    return rc;
}
