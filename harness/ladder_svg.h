/* The ladder diagram: the same events as the trace printer, drawn as the
 * picture every TCP textbook uses for the four-way close, in SVG written
 * directly (no library).
 *
 * Two vertical time lines, A on the left and B on the right; each segment
 * an arrow from its sender down to its receiver, labelled with its flags,
 * relative seq/ack and length; each side's state written beside its line
 * when it changes (reported states plainly, inferred ones with "~"); a
 * segment that broke an invariant drawn in red with the invariant's id; a
 * lost segment dashed and ending in an X halfway.
 *
 * Usage: push every event to the oracle first, then here (ev_tee in that
 * order); after oracle_finish(), ladder_finish() writes the whole document
 * (the height is known only then). Rows are kept in the struct (no
 * allocation); past LADDER_MAX_ROWS the diagram notes that it was cut. */
#ifndef FINFUZZ_LADDER_SVG_H
#define FINFUZZ_LADDER_SVG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "oracle.h"

#define LADDER_MAX_ROWS 400

enum ladder_row_kind { LADDER_SEGMENT = 0, LADDER_STATE };

struct ladder_row {
    uint8_t kind; /* enum ladder_row_kind */
    uint8_t ep;   /* sender of the segment, or owner of the state */
    bool dropped;
    uint64_t index;      /* event index */
    uint64_t time_usecs; /* relative to the first event */
    char label[72];      /* "F. seq 121 ack 1 len 0" or the state name */
};

struct ladder_svg {
    FILE *out;
    const struct oracle *oracle; /* may be NULL */
    const char *title;           /* may be NULL */
    bool base_known[2];
    uint32_t base[2];
    bool t0_known;
    uint64_t t0_usecs;
    char shown[2][24]; /* state last written beside each line */
    unsigned rows;
    bool cut;
    struct ladder_row row[LADDER_MAX_ROWS];
};

void ladder_init(struct ladder_svg *l, FILE *out, const struct oracle *oracle, const char *title);
void ladder_push(struct ladder_svg *l, uint64_t index, const struct ev *e);
struct ev_sink ladder_sink(struct ladder_svg *l);
/* Write the SVG document. Returns false if writing failed. */
bool ladder_finish(struct ladder_svg *l);

/* Write s with XML's five special characters escaped. */
void ladder_xml_escape(FILE *out, const char *s);

#endif
