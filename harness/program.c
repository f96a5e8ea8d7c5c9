/* The fuzz input format (see program.h for the byte layout). */
#include "program.h"

#include <string.h>

static const uint64_t msl_usecs_table[8] = {
    120000000, /* RFC 793's 2 minutes */
    60000000,  30000000, 10000000, 5000000,
    2000000,   1000000,  500000, /* short MSLs make TIME-WAIT reachable in few clock steps */
};

static const uint64_t fw2_usecs_table[4] = {
    0,        /* wait for the peer's FIN forever (RFC) */
    60000000, /* Linux tcp_fin_timeout */
    20000000, /* lwIP TCP_FIN_WAIT_TIMEOUT */
    5000000,
};

static const unsigned retries_table[4] = {8, 3, 1, 15};

static const size_t op_size_table[PROG_OP_KIND_COUNT] = {
    [PROG_OP_SEG] = 8,
    [PROG_OP_CLOCK] = 2,
    [PROG_OP_APP] = 3,
    [PROG_OP_FAULT] = 2,
};

const char *program_err_str(enum program_err err)
{
    switch (err) {
    case PROGRAM_OK:
        return "ok";
    case PROGRAM_ERR_EMPTY:
        return "empty input";
    case PROGRAM_ERR_VERSION:
        return "unknown version byte (want 0xf1)";
    }
    return "unknown error";
}

size_t program_op_size(enum program_op_kind k)
{
    return (unsigned)k < PROG_OP_KIND_COUNT ? op_size_table[k] : 0;
}

static void decode_op(const uint8_t *b, struct program_op *op)
{
    op->kind = b[0] & 3u;
    memset(&op->u, 0, sizeof op->u);
    op->side =
        (op->kind == PROG_OP_APP || op->kind == PROG_OP_FAULT) && (b[0] & 0x80u) ? EP_B : EP_A;
    switch (op->kind) {
    case PROG_OP_SEG:
        op->u.seg.flags = b[1];
        op->u.seg.seq_off = (int8_t)b[2];
        op->u.seg.ack_off = (int8_t)b[3];
        op->u.seg.wnd = b[4];
        op->u.seg.len = b[5];
        op->u.seg.opts = b[6] & PROG_OPT_MASK;
        op->u.seg.seq_shift = (uint8_t)((b[7] & 0x0Fu) * 2u);
        op->u.seg.ack_shift = (uint8_t)((b[7] >> 4) * 2u);
        break;
    case PROG_OP_CLOCK:
        op->u.clock.unit = b[1] >> 6;
        op->u.clock.n = b[1] & 63u;
        break;
    case PROG_OP_APP:
        op->u.app.call = (uint8_t)(b[1] % APP_CALL_COUNT);
        op->u.app.len = b[2];
        break;
    default:
        op->u.fault.fate = b[1] & 3u;
        op->u.fault.delay = b[1] >> 2;
        break;
    }
}

enum program_err program_decode(const uint8_t *data, size_t size, struct program *p)
{
    if (size == 0)
        return PROGRAM_ERR_EMPTY;
    if (data[0] != PROGRAM_MAGIC_V1)
        return PROGRAM_ERR_VERSION;
    /* A short header reads as zeros: lenient, so every input runs. */
    uint8_t h[PROGRAM_HEADER_LEN] = {0};
    size_t hlen = size < PROGRAM_HEADER_LEN ? size : PROGRAM_HEADER_LEN;
    memcpy(h, data, hlen);
    p->flags = h[1] & PROG_F_MASK;
    p->msl_choice = h[2] & 7u;
    p->fw2_choice = h[3] & 3u;
    p->retry_choice = h[4] & 3u;
    p->rto_min_short = (h[4] & 4u) != 0;
    p->isn_seed =
        (uint32_t)h[5] | (uint32_t)h[6] << 8 | (uint32_t)h[7] << 16 | (uint32_t)h[8] << 24;
    p->n_ops = 0;
    size_t pos = hlen;
    while (pos < size && p->n_ops < PROGRAM_MAX_OPS) {
        size_t need = op_size_table[data[pos] & 3u];
        if (size - pos < need)
            break; /* a truncated last operation is ignored */
        decode_op(data + pos, &p->ops[p->n_ops++]);
        pos += need;
    }
    return PROGRAM_OK;
}

size_t program_encode(const struct program *p, uint8_t *out, size_t cap)
{
    size_t need = PROGRAM_HEADER_LEN;
    for (unsigned i = 0; i < p->n_ops; i++)
        need += program_op_size((enum program_op_kind)p->ops[i].kind);
    if (need > cap || p->n_ops > PROGRAM_MAX_OPS)
        return 0;
    out[0] = PROGRAM_MAGIC_V1;
    out[1] = p->flags & PROG_F_MASK;
    out[2] = p->msl_choice & 7u;
    out[3] = p->fw2_choice & 3u;
    out[4] = (uint8_t)((p->retry_choice & 3u) | (p->rto_min_short ? 4u : 0u));
    for (int i = 0; i < 4; i++)
        out[5 + i] = (uint8_t)(p->isn_seed >> (8 * i));
    size_t pos = PROGRAM_HEADER_LEN;
    for (unsigned i = 0; i < p->n_ops; i++) {
        const struct program_op *op = &p->ops[i];
        uint8_t *b = out + pos;
        uint8_t side =
            (op->kind == PROG_OP_APP || op->kind == PROG_OP_FAULT) && op->side == EP_B ? 0x80u : 0u;
        b[0] = (uint8_t)((op->kind & 3u) | side);
        switch (op->kind) {
        case PROG_OP_SEG:
            b[1] = op->u.seg.flags;
            b[2] = (uint8_t)op->u.seg.seq_off;
            b[3] = (uint8_t)op->u.seg.ack_off;
            b[4] = op->u.seg.wnd;
            b[5] = op->u.seg.len;
            b[6] = op->u.seg.opts & PROG_OPT_MASK;
            b[7] = (uint8_t)(((op->u.seg.seq_shift / 2u) & 0x0Fu) |
                             (((op->u.seg.ack_shift / 2u) & 0x0Fu) << 4));
            break;
        case PROG_OP_CLOCK:
            b[1] = (uint8_t)((op->u.clock.unit & 3u) << 6 | (op->u.clock.n & 63u));
            break;
        case PROG_OP_APP:
            b[1] = (uint8_t)(op->u.app.call % APP_CALL_COUNT);
            b[2] = op->u.app.len;
            break;
        default:
            b[1] = (uint8_t)((op->u.fault.fate & 3u) | (op->u.fault.delay & 63u) << 2);
            break;
        }
        pos += program_op_size((enum program_op_kind)op->kind);
    }
    return pos;
}

uint64_t program_msl_usecs(const struct program *p)
{
    return msl_usecs_table[p->msl_choice & 7u];
}

uint64_t program_fw2_timeout_usecs(const struct program *p)
{
    return fw2_usecs_table[p->fw2_choice & 3u];
}

unsigned program_max_retries(const struct program *p)
{
    return retries_table[p->retry_choice & 3u];
}

void program_tcp_config(const struct program *p, struct tcp_config *cfg)
{
    tcp_config_default(cfg);
    cfg->msl_usecs = program_msl_usecs(p);
    cfg->fin_wait_2_timeout_usecs = program_fw2_timeout_usecs(p);
    cfg->max_retries = program_max_retries(p);
    if (p->rto_min_short)
        cfg->rto_min_usecs = 200000;
    cfg->rfc1337 = (p->flags & PROG_F_RFC1337) != 0;
    cfg->isn_seed = p->isn_seed;
}

uint64_t program_clock_usecs(const struct program *p, const struct program_op *op)
{
    uint64_t n = op->u.clock.n;
    switch (op->u.clock.unit) {
    case PROG_CLOCK_MS:
        return n * 1000u;
    case PROG_CLOCK_100MS:
        return n * 100000u;
    case PROG_CLOCK_S:
        return n * 1000000u;
    default:
        return n * (program_msl_usecs(p) / 2u);
    }
}

static const char *const clock_unit_names[4] = {"ms", "x100ms", "s", "xMSL/2"};
static const char *const fate_names[4] = {"drop", "duplicate", "delay", "none"};

static void format_offset(char *buf, size_t cap, int8_t off, uint8_t shift)
{
    if (shift)
        snprintf(buf, cap, "%+d*2^%u", off, shift);
    else
        snprintf(buf, cap, "%+d", off);
}

int program_op_format(const struct program *p, const struct program_op *op, char *buf, size_t cap)
{
    char fl[16];
    switch (op->kind) {
    case PROG_OP_SEG: {
        const char *sep = "";
        char opts[40] = "";
        size_t used = 0;
        static const char *const opt_names[4] = {"mss", "wscale", "sackOK", "TS"};
        for (int i = 0; i < 4; i++)
            if (op->u.seg.opts & (1u << i)) {
                int n = snprintf(opts + used, sizeof opts - used, "%s%s", sep, opt_names[i]);
                if (n > 0 && (size_t)n < sizeof opts - used)
                    used += (size_t)n;
                sep = ",";
            }
        char seq[24], ack[24];
        format_offset(seq, sizeof seq, op->u.seg.seq_off, op->u.seg.seq_shift);
        format_offset(ack, sizeof ack, op->u.seg.ack_off, op->u.seg.ack_shift);
        return snprintf(buf, cap, "seg   B>A [%s] seq=expected%s ack=sent%s win=%u len=%u%s%s",
                        seg_flags_str(op->u.seg.flags, fl), seq, ack, op->u.seg.wnd * 257u,
                        op->u.seg.len, used ? " opts=" : "", opts);
    }
    case PROG_OP_CLOCK:
        if (op->u.clock.n == 0)
            return snprintf(buf, cap, "clock advance to the next timer deadline");
        return snprintf(buf, cap, "clock +%u%s (%llu ms)", op->u.clock.n,
                        clock_unit_names[op->u.clock.unit & 3u],
                        (unsigned long long)(program_clock_usecs(p, op) / 1000u));
    case PROG_OP_APP:
        if (op->u.app.call == APP_SEND || op->u.app.call == APP_RECV)
            return snprintf(buf, cap, "app   %c %s %u", op->side == EP_B ? 'B' : 'A',
                            ev_app_call_name((enum ev_app_call)op->u.app.call),
                            program_app_bytes(op));
        return snprintf(buf, cap, "app   %c %s", op->side == EP_B ? 'B' : 'A',
                        ev_app_call_name((enum ev_app_call)op->u.app.call));
    default:
        if (op->u.fault.fate == PROG_FATE_DELAY)
            return snprintf(buf, cap, "fault next segment from %c: delay +%u ms",
                            op->side == EP_B ? 'B' : 'A', (op->u.fault.delay + 1u) * 5u);
        return snprintf(buf, cap, "fault next segment from %c: %s", op->side == EP_B ? 'B' : 'A',
                        fate_names[op->u.fault.fate & 3u]);
    }
}

void program_print(const struct program *p, FILE *out)
{
    uint64_t fw2 = program_fw2_timeout_usecs(p);
    char fw2_text[32] = "none";
    if (fw2)
        snprintf(fw2_text, sizeof fw2_text, "%llu ms", (unsigned long long)(fw2 / 1000u));
    fprintf(out,
            "program v1: A %s, %s, MSL %llu ms, FIN-WAIT-2 timeout %s, %u retries, "
            "RTO min %s, rfc1337 %s, isn seed 0x%08x%s%s, %u ops\n",
            (p->flags & PROG_F_ACTIVE) ? "connects" : "listens",
            (p->flags & PROG_F_IPV6) ? "IPv6" : "IPv4",
            (unsigned long long)(program_msl_usecs(p) / 1000u), fw2_text, program_max_retries(p),
            p->rto_min_short ? "200 ms" : "1 s", (p->flags & PROG_F_RFC1337) ? "on" : "off",
            (unsigned)p->isn_seed, (p->flags & PROG_F_A_NOREAD) ? ", A never reads" : "",
            (p->flags & PROG_F_B_NOREAD) ? ", B never reads" : "", p->n_ops);
    char line[160];
    for (unsigned i = 0; i < p->n_ops; i++) {
        program_op_format(p, &p->ops[i], line, sizeof line);
        fprintf(out, "  %2u: %s\n", i, line);
    }
}

void program_init(struct program *p, uint8_t flags, uint32_t isn_seed)
{
    memset(p, 0, sizeof *p);
    p->flags = flags & PROG_F_MASK;
    p->isn_seed = isn_seed;
}

static struct program_op *next_op(struct program *p, enum program_op_kind kind, uint8_t side)
{
    if (p->n_ops >= PROGRAM_MAX_OPS)
        return NULL;
    struct program_op *op = &p->ops[p->n_ops++];
    memset(op, 0, sizeof *op);
    op->kind = (uint8_t)kind;
    op->side = side;
    return op;
}

static int8_t clamp_i8(int v)
{
    return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

bool program_seg_full(struct program *p, uint8_t tcp_flags, int8_t seq_off, uint8_t seq_shift,
                      int8_t ack_off, uint8_t ack_shift, uint8_t wnd, uint8_t len, uint8_t opts)
{
    struct program_op *op = next_op(p, PROG_OP_SEG, EP_A);
    if (!op)
        return false;
    op->u.seg.flags = tcp_flags;
    op->u.seg.seq_off = seq_off;
    op->u.seg.ack_off = ack_off;
    op->u.seg.wnd = wnd;
    op->u.seg.len = len;
    op->u.seg.opts = opts & PROG_OPT_MASK;
    op->u.seg.seq_shift = (uint8_t)((seq_shift / 2u) * 2u) & 30u;
    op->u.seg.ack_shift = (uint8_t)((ack_shift / 2u) * 2u) & 30u;
    return true;
}

bool program_seg(struct program *p, uint8_t tcp_flags, int seq_off, int ack_off, uint8_t len)
{
    return program_seg_full(p, tcp_flags, clamp_i8(seq_off), 0, clamp_i8(ack_off), 0, 255, len,
                            (tcp_flags & TCP_SYN) ? PROG_OPT_MSS : 0);
}

bool program_clock(struct program *p, enum program_clock_unit unit, uint8_t n)
{
    struct program_op *op = next_op(p, PROG_OP_CLOCK, EP_A);
    if (!op)
        return false;
    op->u.clock.unit = (uint8_t)(unit & 3u);
    op->u.clock.n = n & 63u;
    return true;
}

bool program_app(struct program *p, enum ev_endpoint side, enum ev_app_call call, uint8_t len16)
{
    struct program_op *op = next_op(p, PROG_OP_APP, (uint8_t)side);
    if (!op)
        return false;
    op->u.app.call = (uint8_t)(call % APP_CALL_COUNT);
    op->u.app.len = len16;
    return true;
}

bool program_fault(struct program *p, enum ev_endpoint side, enum program_fate fate, uint8_t delay)
{
    struct program_op *op = next_op(p, PROG_OP_FAULT, (uint8_t)side);
    if (!op)
        return false;
    op->u.fault.fate = (uint8_t)(fate & 3u);
    op->u.fault.delay = delay & 63u;
    return true;
}
