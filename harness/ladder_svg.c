/* The SVG ladder diagram (see ladder_svg.h). */
#include "ladder_svg.h"

#include <inttypes.h>
#include <string.h>

/* Geometry, in SVG user units (pixels). */
enum {
    WIDTH = 820,
    X_A = 250,
    X_B = 610,
    TOP = 70,
    SEG_ROW = 46,   /* height of a segment row */
    SEG_DROP = 30,  /* how far down an arrow goes */
    STATE_ROW = 20, /* height of a state row */
    BOTTOM = 50,
};

void ladder_init(struct ladder_svg *l, FILE *out, const struct oracle *oracle, const char *title)
{
    l->out = out;
    l->oracle = oracle;
    l->title = title;
    l->base_known[0] = l->base_known[1] = false;
    l->t0_known = false;
    l->shown[0][0] = l->shown[1][0] = '\0';
    l->rows = 0;
    l->cut = false;
}

void ladder_xml_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            /* Control characters are not allowed in XML 1.0 text. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                fputc('?', out);
            else
                fputc(*s, out);
        }
    }
}

static struct ladder_row *new_row(struct ladder_svg *l, uint8_t kind, unsigned ep, uint64_t index,
                                  uint64_t t)
{
    if (l->rows >= LADDER_MAX_ROWS) {
        l->cut = true;
        return NULL;
    }
    struct ladder_row *r = &l->row[l->rows++];
    r->kind = kind;
    r->ep = (uint8_t)(ep & 1u);
    r->dropped = false;
    r->index = index;
    r->time_usecs = t;
    r->label[0] = '\0';
    return r;
}

/* Add a state row for each side whose displayed state changed. */
static void note_states(struct ladder_svg *l, uint64_t index, uint64_t t)
{
    if (!l->oracle)
        return;
    for (unsigned ep = 0; ep < 2; ep++) {
        char now[24];
        enum tcp_state st;
        if (oracle_reported_state(l->oracle, (enum ev_endpoint)ep, &st)) {
            snprintf(now, sizeof now, "%s", tcp_state_name(st));
        } else {
            struct oracle_endpoint_view v = oracle_view(l->oracle, (enum ev_endpoint)ep);
            if (!v.state_known)
                continue;
            snprintf(now, sizeof now, "~%s", tcp_state_name(v.state));
        }
        if (strcmp(now, l->shown[ep]) == 0)
            continue;
        memcpy(l->shown[ep], now, sizeof now);
        struct ladder_row *r = new_row(l, LADDER_STATE, ep, index, t);
        if (r)
            snprintf(r->label, sizeof r->label, "%s", now);
    }
}

static void learn_bases(struct ladder_svg *l, unsigned ep, const struct seg *g)
{
    /* The oracle knows each side's ISN (it follows new incarnations and
     * ignores junk SYNs): use it when it has one. */
    if (l->oracle) {
        uint32_t isn;
        for (unsigned i = 0; i < 2; i++)
            if (oracle_isn(l->oracle, (enum ev_endpoint)i, &isn)) {
                l->base[i] = isn;
                l->base_known[i] = true;
            }
        if (l->base_known[0] && l->base_known[1])
            return;
    }
    bool syn = g->flags & TCP_SYN, ack = g->flags & TCP_ACK;
    if (syn && ack && (!l->base_known[ep ^ 1u] || l->base[ep ^ 1u] != g->ack - 1)) {
        l->base[ep ^ 1u] = g->ack - 1;
        l->base[ep] = g->seq;
        l->base_known[0] = l->base_known[1] = true;
    } else if (!l->base_known[ep]) {
        l->base[ep] = syn ? g->seq : g->seq - 1;
        l->base_known[ep] = true;
    }
    if (ack && !l->base_known[ep ^ 1u]) {
        l->base[ep ^ 1u] = g->ack - 1;
        l->base_known[ep ^ 1u] = true;
    }
}

void ladder_push(struct ladder_svg *l, uint64_t index, const struct ev *e)
{
    if (!l->t0_known) {
        l->t0_known = true;
        l->t0_usecs = e->time_usecs;
    }
    uint64_t t = e->time_usecs >= l->t0_usecs ? e->time_usecs - l->t0_usecs : 0;
    unsigned ep = e->endpoint & 1u;
    switch (e->kind) {
    case EV_SEGMENT: {
        const struct seg *g = &e->u.segment.seg;
        learn_bases(l, ep, g);
        struct ladder_row *r = new_row(l, LADDER_SEGMENT, ep, index, t);
        if (r) {
            char fl[16];
            int n = snprintf(r->label, sizeof r->label, "%s seq %" PRIu32,
                             seg_flags_str(g->flags, fl), g->seq - l->base[ep]);
            if (g->flags & TCP_ACK)
                n += snprintf(r->label + n, sizeof r->label - (size_t)n, " ack %" PRIu32,
                              g->ack - l->base[ep ^ 1u]);
            snprintf(r->label + n, sizeof r->label - (size_t)n, " len %" PRIu32, g->payload_len);
        }
        break;
    }
    case EV_DROP:
        for (unsigned i = l->rows; i-- > 0;) {
            if (l->row[i].kind == LADDER_SEGMENT && l->row[i].index == e->u.drop.index) {
                l->row[i].dropped = true;
                break;
            }
        }
        break;
    default:
        break;
    }
    note_states(l, index, t);
}

static void ladder_sink_push(void *ctx, uint64_t index, const struct ev *e)
{
    ladder_push(ctx, index, e);
}

struct ev_sink ladder_sink(struct ladder_svg *l)
{
    return (struct ev_sink){.ctx = l, .push = ladder_sink_push};
}

/* The first violation recorded at event index, if any. */
static const struct oracle_violation *violation_at(const struct ladder_svg *l, uint64_t index)
{
    if (!l->oracle)
        return NULL;
    size_t n;
    const struct oracle_violation *v = oracle_violations(l->oracle, &n);
    for (size_t i = 0; i < n; i++)
        if (v[i].event_index == index)
            return &v[i];
    return NULL;
}

static void write_segment(struct ladder_svg *l, const struct ladder_row *r, int y)
{
    FILE *f = l->out;
    int x0 = r->ep ? X_B : X_A, x1 = r->ep ? X_A : X_B;
    int y1 = y + SEG_DROP;
    const struct oracle_violation *v = violation_at(l, r->index);
    const char *color = v ? "#c0392b" : "#1f3a5f";
    fprintf(f, "<g class=\"segment\" data-event=\"%" PRIu64 "\">\n", r->index);
    fprintf(f, "  <text x=\"12\" y=\"%d\" class=\"time\">%" PRIu64 ".%06" PRIu64 "</text>\n", y + 4,
            r->time_usecs / 1000000, r->time_usecs % 1000000);
    if (r->dropped) {
        int xm = (x0 + x1) / 2, ym = (y + y1) / 2;
        fprintf(f,
                "  <line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
                x0, y, xm, ym, color);
        fprintf(f,
                "  <path d=\"M%d %d l12 12 M%d %d l-12 12\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                xm - 6, ym - 6, xm + 6, ym - 6, color);
    } else {
        fprintf(f,
                "  <line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"2\" marker-end=\"url(#%s)\"/>\n",
                x0, y, x1, y1, color, v ? "head-red" : "head");
    }
    int xl = (X_A + X_B) / 2;
    fprintf(f, "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"label\" fill=\"%s\">", xl,
            y - 2, color);
    ladder_xml_escape(f, r->label);
    if (r->dropped)
        fputs(" (lost)", f);
    fputs("</text>\n", f);
    if (v) {
        fprintf(f,
                "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"violation\" "
                "fill=\"%s\">&#x2717; ",
                xl, y1 + 16, color);
        ladder_xml_escape(f, v->inv->id);
        if (v->expected[0]) {
            fputs(": expected ", f);
            ladder_xml_escape(f, v->expected);
            fputs(", seen ", f);
            ladder_xml_escape(f, v->seen);
        }
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
}

static void write_state(struct ladder_svg *l, const struct ladder_row *r, int y)
{
    FILE *f = l->out;
    bool a = r->ep == EP_A;
    const struct oracle_violation *v = violation_at(l, r->index);
    if (v && v->endpoint != r->ep)
        v = NULL;
    fprintf(f, "<text class=\"state\" x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\"%s>",
            a ? X_A - 10 : X_B + 10, y + 12, a ? "end" : "start", v ? "#c0392b" : "#0b6e4f",
            r->label[0] == '~' ? " font-style=\"italic\"" : "");
    ladder_xml_escape(f, r->label);
    if (v) {
        fputs(" \xe2\x9c\x97 ", f); /* U+2717 */
        ladder_xml_escape(f, v->inv->id);
    }
    fputs("</text>\n", f);
}

static int row_height(const struct ladder_svg *l, const struct ladder_row *r)
{
    if (r->kind != LADDER_SEGMENT)
        return STATE_ROW;
    return violation_at(l, r->index) ? SEG_ROW + 16 : SEG_ROW;
}

bool ladder_finish(struct ladder_svg *l)
{
    FILE *f = l->out;
    int height = TOP + BOTTOM;
    for (unsigned i = 0; i < l->rows; i++)
        height += row_height(l, &l->row[i]);
    if (l->oracle)
        height += 20;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"12\">\n",
            WIDTH, height, WIDTH, height);
    fputs("<defs>\n"
          "  <marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
          "orient=\"auto\"><path d=\"M0 0 L10 4 L0 8 z\" fill=\"#1f3a5f\"/></marker>\n"
          "  <marker id=\"head-red\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
          "orient=\"auto\"><path d=\"M0 0 L10 4 L0 8 z\" fill=\"#c0392b\"/></marker>\n"
          "</defs>\n",
          f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, height);
    if (l->title) {
        fprintf(f, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">", WIDTH / 2);
        ladder_xml_escape(f, l->title);
        fputs("</text>\n", f);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"48\" text-anchor=\"middle\" font-size=\"14\" "
            "font-weight=\"bold\">A</text>\n",
            X_A);
    fprintf(f,
            "<text x=\"%d\" y=\"48\" text-anchor=\"middle\" font-size=\"14\" "
            "font-weight=\"bold\">B</text>\n",
            X_B);
    fprintf(f, "<text x=\"12\" y=\"48\" fill=\"#666\">time (s)</text>\n");
    for (int x = X_A; x <= X_B; x += X_B - X_A)
        fprintf(f,
                "<line x1=\"%d\" y1=\"56\" x2=\"%d\" y2=\"%d\" stroke=\"#888\" "
                "stroke-width=\"1.5\"/>\n",
                x, x, height - BOTTOM + 10);
    int y = TOP;
    for (unsigned i = 0; i < l->rows; i++) {
        const struct ladder_row *r = &l->row[i];
        if (r->kind == LADDER_SEGMENT)
            write_segment(l, r, y);
        else
            write_state(l, r, y);
        y += row_height(l, r);
    }
    if (l->cut)
        fprintf(f, "<text x=\"12\" y=\"%d\" fill=\"#c0392b\">(cut after %d rows)</text>\n", y + 10,
                LADDER_MAX_ROWS);
    if (l->oracle) {
        enum oracle_verdict v = oracle_verdict(l->oracle);
        fprintf(f, "<text x=\"12\" y=\"%d\" fill=\"%s\">verdict: %s (profile %s)", height - 16,
                v == VERDICT_FAIL ? "#c0392b" : "#333", oracle_verdict_name(v),
                oracle_profile_name(l->oracle->cfg.profile));
        const char *why = oracle_incomplete_reason(l->oracle);
        if (v == VERDICT_INCOMPLETE && why) {
            fputs(": ", f);
            ladder_xml_escape(f, why);
        }
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    return fflush(f) == 0 && !ferror(f);
}
