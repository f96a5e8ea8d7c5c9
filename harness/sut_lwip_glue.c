/* The lwIP side of the lwIP adapter: the one file that includes lwIP headers
 * and the one file of finfuzz with mutable file-scope state.
 *
 * Why global state here: lwIP 2.1 keeps its pcb lists, ISS counter, tick
 * counters and IP id in library statics, so whatever drives it is a
 * process-wide singleton too. Keeping
 * all of that in this file (struct lwg below) means the rest of finfuzz stays
 * free of mutable statics, and the reset (snapshot restore) has one owner.
 *
 * How each input starts from the same lwIP state: lwg_init() runs
 * lwip_init() and adds the interface once, then copies the writable part of
 * liblwip.so's RW PT_LOAD segment (its .data and .bss, past the RELRO part
 * that the loader made read-only) and the interface struct. lwg_reset()
 * aborts every pcb with output muted (so every malloc'd pcb, segment and pbuf
 * is freed by lwIP itself), then copies the snapshot back.
 *
 * Why dlmopen: finfuzz's model stack exports tcp_init, tcp_connect,
 * tcp_close, tcp_shutdown, tcp_abort and tcp_recv, the same names as lwIP's
 * API, and liblwip.so calls those through its PLT. Linked normally, lwIP's
 * own internal calls (and ours) would land in the model. So lwIP is loaded a
 * second time, with dlmopen(LM_ID_NEWLM), into a link-map namespace of its
 * own where nothing can interpose it, and every lwIP function and list head
 * is reached through the table `L` filled by dlsym. In that namespace lwIP's
 * sys_now() is its own (wall clock), but lwIP's TCP never calls it (by
 * disassembly of 2.1.3: only timeouts.c and the netconn API do); TCP time is
 * the count of tcp_tmr() calls, which the adapter makes every 250 ms of
 * virtual time. */
#include "sut_lwip_glue.h"

#include <dlfcn.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

/* Every lwIP function the glue calls, reached through the table L. */
#define LWG_API(X)                                                                                 \
    X(lwip_init)                                                                                   \
    X(netif_add)                                                                                   \
    X(netif_set_default)                                                                           \
    X(netif_set_up)                                                                                \
    X(netif_set_link_up)                                                                           \
    X(netif_set_addr)                                                                              \
    X(netif_add_ip6_address)                                                                       \
    X(netif_ip6_addr_set_state)                                                                    \
    X(ip_input)                                                                                    \
    X(tcp_new_ip_type)                                                                             \
    X(tcp_arg)                                                                                     \
    X(tcp_recv)                                                                                    \
    X(tcp_err)                                                                                     \
    X(tcp_accept)                                                                                  \
    X(tcp_bind)                                                                                    \
    X(tcp_connect)                                                                                 \
    X(tcp_listen_with_backlog)                                                                     \
    X(tcp_write)                                                                                   \
    X(tcp_output)                                                                                  \
    X(tcp_recved)                                                                                  \
    X(tcp_shutdown)                                                                                \
    X(tcp_close)                                                                                   \
    X(tcp_abort)                                                                                   \
    X(tcp_tmr)                                                                                     \
    X(pbuf_alloc)                                                                                  \
    X(pbuf_take)                                                                                   \
    X(pbuf_free)                                                                                   \
    X(pbuf_cat)                                                                                    \
    X(pbuf_copy_partial)                                                                           \
    X(pbuf_free_header)

/* lwIP's list heads, by address. */
#define LWG_VARS(X)                                                                                \
    X(tcp_active_pcbs)                                                                             \
    X(tcp_tw_pcbs)                                                                                 \
    X(tcp_listen_pcbs)                                                                             \
    X(tcp_bound_pcbs)                                                                              \
    X(tcp_ticks)

struct lwg_api {
#define LWG_FN_MEMBER(name)  __typeof__(&name) name;
#define LWG_VAR_MEMBER(name) __typeof__(&name) name;
    LWG_API(LWG_FN_MEMBER) LWG_VARS(LWG_VAR_MEMBER)
};

#define LWG_MAX_SPANS 4
#define LWG_PKT_MAX   2048u /* bytes; the interface MTU is 1500 */
#define LWG_MTU       1500u

/* Header of every block lwIP allocates (32 bytes: keeps malloc's alignment). */
struct lwg_block {
    struct lwg_block *prev, *next;
    size_t len;
    size_t permanent; /* allocated during lwip_init(): see lwg.perm */
};
_Static_assert(sizeof(struct lwg_block) % 16 == 0, "keeps 16-byte alignment");

struct lwg_span {
    uint8_t *addr;
    size_t len;
    uint8_t *copy;
};

static struct lwg_api L;

static struct {
    bool init_done;
    void *handle;       /* liblwip.so.0 in its own namespace */
    uintptr_t lib_base; /* its load address (dlpi_addr) */
    int init_result;
    char init_err[160];
    struct lwg_span spans[LWG_MAX_SPANS];
    unsigned span_count;
    uintptr_t relro_end; /* end of the part of its RW segment the loader made read-only */
    struct netif netif, netif_snapshot;

    struct lwg_hooks hooks;
    struct tcp_pcb *conn;     /* connecting or accepted pcb; NULL once gone */
    struct tcp_pcb *listener; /* the listen pcb; NULL once closed */
    bool close_listener;      /* an accept happened: close the listener after the call */
    bool owned;               /* the application holds conn (connected or accepted) */
    struct pbuf *rx;          /* received, not yet read by the application */
    bool eof;
    uint8_t pkt[LWG_PKT_MAX];

    /* lwIP's heap: every block it holds, so a reset frees them without
     * asking lwIP (see the hooks below). */
    struct lwg_block *blocks;
    size_t live_blocks;
    /* Blocks lwIP allocated during lwip_init() (the cyclic timers of
     * sys_timeouts_init, reachable from .bss and written when a TCP timer is
     * added): kept for good, their contents restored with .data/.bss. */
    struct lwg_perm {
        struct lwg_block *block;
        uint8_t *saved; /* its contents at the snapshot (in finfuzz's heap, so
                           that LSan sees it referenced) */
    } * perm;
    size_t perm_count;
    void *(*ns_malloc)(size_t); /* the namespace's own libc allocator */
    void (*ns_free)(void *);

    /* lwIP's assertions (LWIP_PLATFORM_ASSERT: printf, fflush, abort). */
    bool catch_asserts; /* longjmp out instead of aborting the process */
    bool armed;         /* inside a guarded call: `guard` is live */
    bool dead;          /* lwIP asserted: refuse every call until a reset */
    sigjmp_buf guard;
    char assert_msg[256]; /* the last assertion (or other lwIP printf) text */
    bool asserted;        /* an assertion fired since lwg_begin() */

    /* lwg_ticks_until_event()'s answer, valid until lwIP runs again. */
    bool until_valid;
    uint32_t until;

    /* Nothing touched lwIP since the last reset (or the snapshot): a reset
     * now would copy back what is there, so lwg_begin() skips it. Cleared
     * by every call into lwIP, every skip and lwg_begin() itself. */
    bool pristine;
    /* liblwip.so holds persist_backoff_ticks[] (below) as its own
     * tcp_persist_backoff[]: the skipping bound may use it. */
    bool persist_table_found;
    /* refresh() has nothing new to find: lwIP has not run since the last
     * call into it returned (after_call refreshed then). */
    bool lists_seen;
    struct lwg_skip_stats skipped; /* kept across resets (tests read it) */
} lwg;

/* ---- snapshot of liblwip.so's writable data ---- */

/* The program headers of the namespace's liblwip.so: its first PT_LOAD maps
 * the ELF header at the load address. */
static void find_lwip_data(void)
{
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)lwg.lib_base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return;
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)(lwg.lib_base + eh->e_phoff);
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t relro_end = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const ElfW(Phdr) *ph = &phdr[i];
        if (ph->p_type == PT_GNU_RELRO)
            relro_end = (lwg.lib_base + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
    }
    lwg.relro_end = relro_end;
    for (int i = 0; i < eh->e_phnum && lwg.span_count < LWG_MAX_SPANS; i++) {
        const ElfW(Phdr) *ph = &phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t start = lwg.lib_base + ph->p_vaddr;
        uintptr_t end = start + ph->p_memsz;
        if (relro_end > start && relro_end < end)
            start = relro_end; /* the loader made [start, relro_end) read-only */
        else if (relro_end >= end)
            continue;
        lwg.spans[lwg.span_count].addr = (uint8_t *)start;
        lwg.spans[lwg.span_count].len = end - start;
        lwg.span_count++;
    }
}

/* lwIP 2.1.3's tcp_persist_backoff[] (tcp.c, static): slow ticks between
 * persist probes. find_persist_table() looks for it in liblwip.so. */
static const uint8_t persist_backoff_ticks[7] = {3, 6, 12, 24, 48, 96, 120};

/* Whether liblwip.so's read-only data holds persist_backoff_ticks[]
 * (followed by tcp_backoff[], 0 1 2 ..., as in 2.1.3): another build of
 * lwIP might count differently, and then persist timers are not skipped. */
static bool find_persist_table(void)
{
    static const uint8_t want[] = {3, 6, 12, 24, 48, 96, 120, 0, 1, 2, 3, 4, 5, 6};
    _Static_assert(sizeof persist_backoff_ticks == 7, "the table's length");
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)lwg.lib_base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return false;
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)(lwg.lib_base + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        const ElfW(Phdr) *ph = &phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & (PF_W | PF_X)) || ph->p_filesz < sizeof want)
            continue;
        const uint8_t *seg = (const uint8_t *)(lwg.lib_base + ph->p_vaddr);
        if (memmem(seg, ph->p_filesz, want, sizeof want))
            return true;
    }
    return false;
}

/* The blocks lwIP holds now become permanent (see lwg.perm). */
static int keep_blocks(void)
{
    if (lwg.live_blocks == 0)
        return 0;
    lwg.perm = calloc(lwg.live_blocks, sizeof *lwg.perm);
    if (!lwg.perm)
        return -1;
    for (struct lwg_block *b = lwg.blocks; b; b = b->next) {
        struct lwg_perm *k = &lwg.perm[lwg.perm_count++];
        k->block = b;
        k->saved = malloc(b->len ? b->len : 1);
        if (!k->saved)
            return -1;
        memcpy(k->saved, b + 1, b->len);
        b->permanent = 1;
    }
    lwg.blocks = NULL; /* off the list: resets never free them */
    lwg.live_blocks = 0;
    return 0;
}

static void take_snapshot(void)
{
    for (unsigned i = 0; i < lwg.span_count; i++) {
        lwg.spans[i].copy = malloc(lwg.spans[i].len);
        if (lwg.spans[i].copy)
            memcpy(lwg.spans[i].copy, lwg.spans[i].addr, lwg.spans[i].len);
    }
    lwg.netif_snapshot = lwg.netif;
}

static void restore_snapshot(void)
{
    for (size_t i = 0; i < lwg.perm_count; i++)
        memcpy(lwg.perm[i].block + 1, lwg.perm[i].saved, lwg.perm[i].block->len);
    for (unsigned i = 0; i < lwg.span_count; i++)
        memcpy(lwg.spans[i].addr, lwg.spans[i].copy, lwg.spans[i].len);
    lwg.netif = lwg.netif_snapshot;
}

/* ---- hooks in liblwip.so's GOT: its heap and its assertions ----
 *
 * Debian's lwIP allocates everything with the libc malloc/calloc/free
 * (MEM_LIBC_MALLOC, MEMP_MEM_MALLOC) and asserts with LWIP_PLATFORM_ASSERT,
 * which its port expands inline to
 *     printf("Assertion \"%s\" failed at line %d in %s\n", ...);
 *     fflush(NULL); abort();
 * (by disassembly: 196 such sites, __printf_chk, fflush, abort through the
 * PLT). The namespace's liblwip.so was bound at load (RTLD_NOW) and its GOT
 * made read-only (RELRO); the glue rewrites the slots of those five imports
 * once, so that:
 * - every block lwIP allocates is linked on lwg.blocks; a reset frees them
 *   all and restores .data/.bss, which holds every root of lwIP's heap: no
 *   pcb needs to be aborted, and a reset works even after lwIP asserted in
 *   the middle of changing its lists;
 * - an assertion's text is kept, and abort() either ends the process as
 *   before (default) or, with lwg_catch_assertions(true), jumps back to the
 *   glue call that entered lwIP. lwIP is then "dead" (every call refused)
 *   until the next reset restores it. Nothing of finfuzz is skipped by that
 *   jump: lwIP calls back into finfuzz only from lwIP code, and the glue's
 *   hooks call no lwIP function that could assert while a finfuzz frame is
 *   between them and the glue call (emit's pbuf_copy_partial runs before the
 *   output hook). */

static void *hook_malloc(size_t len)
{
    if (len > SIZE_MAX - sizeof(struct lwg_block))
        return NULL;
    struct lwg_block *b = lwg.ns_malloc(sizeof *b + len);
    if (!b)
        return NULL;
    b->len = len;
    b->permanent = 0;
    b->prev = NULL;
    b->next = lwg.blocks;
    if (lwg.blocks)
        lwg.blocks->prev = b;
    lwg.blocks = b;
    lwg.live_blocks++;
    return b + 1;
}

static void *hook_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = hook_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

static void hook_free(void *p)
{
    if (!p)
        return;
    struct lwg_block *b = (struct lwg_block *)p - 1;
    if (b->permanent)
        return; /* permanent: the next reset brings it back as it was */
    if (b->prev)
        b->prev->next = b->next;
    else
        lwg.blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
    lwg.live_blocks--;
    lwg.ns_free(b);
}

static void free_all_blocks(void)
{
    for (struct lwg_block *b = lwg.blocks, *next; b; b = next) {
        next = b->next;
        lwg.ns_free(b);
    }
    lwg.blocks = NULL;
    lwg.live_blocks = 0;
}

static int hook_printf_chk(int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(lwg.assert_msg, sizeof lwg.assert_msg, fmt, ap);
    va_end(ap);
    size_t len = strlen(lwg.assert_msg);
    if (len && lwg.assert_msg[len - 1] == '\n')
        lwg.assert_msg[len - 1] = '\0';
    if (!lwg.catch_asserts || !lwg.armed) {
        printf("%s\n", lwg.assert_msg); /* what lwIP's printf would have shown */
        fflush(stdout);
    }
    return n;
}

static int hook_fflush(void *stream)
{
    (void)stream; /* lwIP flushes its namespace's stdio only before abort */
    return 0;
}

static _Noreturn void hook_abort(void)
{
    if (lwg.catch_asserts && lwg.armed) {
        lwg.armed = false;
        lwg.dead = true;
        lwg.asserted = true;
        siglongjmp(lwg.guard, 1);
    }
    fflush(stdout);
    abort();
}

/* Point liblwip.so's GOT slot(s) of `name` at `to`. Returns slots changed. */
static int patch_import(const struct link_map *map, const char *name, void *to)
{
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) * rel[2] = {NULL, NULL};
    size_t relsz[2] = {0, 0};
    for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
        /* glibc relocates these d_ptr values in place on x86-64; be safe
         * with loaders that do not. */
        uintptr_t ptr = d->d_un.d_ptr < map->l_addr ? d->d_un.d_ptr + map->l_addr : d->d_un.d_ptr;
        switch (d->d_tag) {
        case DT_SYMTAB:
            symtab = (const ElfW(Sym) *)ptr;
            break;
        case DT_STRTAB:
            strtab = (const char *)ptr;
            break;
        case DT_JMPREL:
            rel[0] = (const ElfW(Rela) *)ptr;
            break;
        case DT_PLTRELSZ:
            relsz[0] = d->d_un.d_val;
            break;
        case DT_RELA:
            rel[1] = (const ElfW(Rela) *)ptr;
            break;
        case DT_RELASZ:
            relsz[1] = d->d_un.d_val;
            break;
        default:
            break;
        }
    }
    if (!symtab || !strtab)
        return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    int changed = 0;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; rel[t] && i < relsz[t] / sizeof(ElfW(Rela)); i++) {
            const ElfW(Rela) *r = &rel[t][i];
            unsigned type = (unsigned)ELF64_R_TYPE(r->r_info);
            if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
                continue;
            const ElfW(Sym) *sym = &symtab[ELF64_R_SYM(r->r_info)];
            if (strcmp(strtab + sym->st_name, name) != 0)
                continue;
            void **slot = (void **)(map->l_addr + r->r_offset);
            uintptr_t start = (uintptr_t)slot & ~(page - 1);
            size_t span = (uintptr_t)(slot + 1) - start;
            if (mprotect((void *)start, span, PROT_READ | PROT_WRITE) != 0)
                return -1;
            *slot = to;
            changed++;
            /* Back to read-only, as RELRO left it (slots past RELRO stay RW
             * as they were: RELRO only ever covers whole pages here). */
            if ((uintptr_t)slot < lwg.relro_end)
                mprotect((void *)start, span, PROT_READ);
        }
    }
    return changed;
}

static int install_hooks(const struct link_map *map)
{
    lwg.ns_malloc = (void *(*)(size_t))dlsym(lwg.handle, "malloc");
    lwg.ns_free = (void (*)(void *))dlsym(lwg.handle, "free");
    if (!lwg.ns_malloc || !lwg.ns_free)
        return -1;
    static const struct {
        const char *name;
        void *to;
    } hooks[] = {
        {"malloc", (void *)hook_malloc}, {"calloc", (void *)hook_calloc},
        {"free", (void *)hook_free},     {"__printf_chk", (void *)hook_printf_chk},
        {"fflush", (void *)hook_fflush}, {"abort", (void *)hook_abort},
    };
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
        if (patch_import(map, hooks[i].name, hooks[i].to) < 1)
            return -1;
    return 0;
}

/* ---- the interface ---- */

static bool conn_dying(void);

static void emit(struct pbuf *p)
{
    if (!lwg.hooks.output)
        return;
    /* A state change shows before the segment it caused, except while lwIP
     * tears a pcb down: tcp_pcb_remove() unlinks it, then still sends a
     * pending delayed ACK and the RST; it is CLOSED once freed. */
    if (lwg.hooks.observe && !conn_dying())
        lwg.hooks.observe(lwg.hooks.ctx);
    uint16_t len = p->tot_len > LWG_PKT_MAX ? (uint16_t)LWG_PKT_MAX : p->tot_len;
    uint16_t got = L.pbuf_copy_partial(p, lwg.pkt, len, 0);
    lwg.hooks.output(lwg.hooks.ctx, lwg.pkt, got);
}

static err_t output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *to)
{
    (void)netif;
    (void)to;
    emit(p);
    return ERR_OK;
}

static err_t output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to)
{
    (void)netif;
    (void)to;
    emit(p);
    return ERR_OK;
}

static err_t netif_setup(struct netif *netif)
{
    netif->name[0] = 'f';
    netif->name[1] = 'z';
    netif->mtu = LWG_MTU;
    netif->mtu6 = LWG_MTU;
    netif->output = output4;
    netif->output_ip6 = output6;
    netif->flags = 0; /* no ARP, no IGMP/MLD: nothing but what TCP sends */
    return ERR_OK;
}

static int load_lwip(void)
{
    lwg.handle = dlmopen(LM_ID_NEWLM, "liblwip.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lwg.handle) {
        snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: cannot load liblwip.so.0: %s",
                 dlerror());
        return -1;
    }
    struct link_map *map = NULL;
    if (dlinfo(lwg.handle, RTLD_DI_LINKMAP, &map) != 0 || !map) {
        snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: dlinfo failed");
        return -1;
    }
    lwg.lib_base = (uintptr_t)map->l_addr;
#define LWG_LOAD(name)                                                                             \
    if (!(*(void **)&L.name = dlsym(lwg.handle, #name))) {                                         \
        snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: liblwip.so.0 lacks %s", #name);         \
        return -1;                                                                                 \
    }
    LWG_API(LWG_LOAD)
    LWG_VARS(LWG_LOAD)
    return 0;
}

int lwg_init(char *err, unsigned errlen)
{
    if (lwg.init_done) {
        if (lwg.init_result != 0)
            snprintf(err, errlen, "%s", lwg.init_err);
        return lwg.init_result;
    }
    lwg.init_done = true;
    if (load_lwip() != 0) {
        lwg.init_result = -1;
        snprintf(err, errlen, "%s", lwg.init_err);
        return -1;
    }
    struct link_map *map = NULL;
    find_lwip_data();
    lwg.persist_table_found = find_persist_table();
    if (dlinfo(lwg.handle, RTLD_DI_LINKMAP, &map) != 0 || !map || install_hooks(map) != 0) {
        snprintf(lwg.init_err, sizeof lwg.init_err,
                 "lwip: cannot hook liblwip.so's malloc/free/abort imports");
        lwg.init_result = -1;
        snprintf(err, errlen, "%s", lwg.init_err);
        return -1;
    }
    L.lwip_init(); /* not tcpip_init(): no thread, no core lock */
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 192, 0, 2, 1);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    if (!L.netif_add(&lwg.netif, &addr, &mask, &gw, NULL, netif_setup, L.ip_input)) {
        snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: netif_add failed");
        lwg.init_result = -1;
    } else {
        L.netif_set_default(&lwg.netif);
        L.netif_set_up(&lwg.netif);
        L.netif_set_link_up(&lwg.netif);
        if (keep_blocks() != 0) {
            snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: out of memory");
            lwg.init_result = -1;
        } else if (lwg.span_count == 0) {
            snprintf(lwg.init_err, sizeof lwg.init_err,
                     "lwip: liblwip.so's writable data not found (is lwIP linked statically?)");
            lwg.init_result = -1;
        } else {
            take_snapshot();
            lwg.pristine = true;
            for (unsigned i = 0; i < lwg.span_count; i++)
                if (!lwg.spans[i].copy) {
                    snprintf(lwg.init_err, sizeof lwg.init_err, "lwip: out of memory");
                    lwg.init_result = -1;
                }
        }
    }
    if (lwg.init_result != 0)
        snprintf(err, errlen, "%s", lwg.init_err);
    return lwg.init_result;
}

/* ---- tracking the connection without reading freed pcbs ---- */

static bool on_list(struct tcp_pcb *list, const struct tcp_pcb *pcb)
{
    for (struct tcp_pcb *p = list; p; p = p->next)
        if (p == pcb)
            return true;
    return false;
}

/* The tracked pcb has been unlinked from every list but not freed yet. */
static bool conn_dying(void)
{
    return lwg.conn && !on_list((*L.tcp_active_pcbs), lwg.conn) &&
           !on_list((*L.tcp_tw_pcbs), lwg.conn) && !on_list((*L.tcp_bound_pcbs), lwg.conn);
}

static void refresh(void)
{
    if (lwg.dead)
        return; /* lwIP's lists may be half-changed: read nothing */
    if (lwg.lists_seen)
        return;
    if (lwg.conn && !on_list((*L.tcp_active_pcbs), lwg.conn) &&
        !on_list((*L.tcp_tw_pcbs), lwg.conn) && !on_list((*L.tcp_bound_pcbs), lwg.conn)) {
        lwg.conn = NULL;
        lwg.owned = false;
    }
    if (lwg.listener && !on_list(L.tcp_listen_pcbs->pcbs, lwg.listener))
        lwg.listener = NULL;
    if (!lwg.conn && lwg.listener) {
        /* A SYN made a child pcb (SYN-RCVD); lwIP reports it only at accept. */
        for (struct tcp_pcb *p = (*L.tcp_active_pcbs); p; p = p->next)
            if (p->listener == (struct tcp_pcb_listen *)lwg.listener) {
                lwg.conn = p;
                break;
            }
    }
}

int lwg_state(void)
{
    if (lwg.dead)
        return LWG_GONE;
    refresh();
    if (lwg.conn)
        return (int)lwg.conn->state;
    if (lwg.listener)
        return LWG_LISTEN;
    return LWG_GONE;
}

bool lwg_busy(void)
{
    return !lwg.dead && ((*L.tcp_active_pcbs) || (*L.tcp_tw_pcbs));
}

static void observe(void)
{
    if (lwg.hooks.observe)
        lwg.hooks.observe(lwg.hooks.ctx);
}

/* After every call into lwIP: finish deferred work, notice freed pcbs. */
static void after_call(void)
{
    if (lwg.close_listener && lwg.listener) {
        lwg.close_listener = false;
        L.tcp_close(lwg.listener); /* one connection per run, as the model */
        lwg.listener = NULL;
    }
    refresh();
    lwg.lists_seen = true; /* until the next call into lwIP (LWG_GUARD) */
}

static err_t recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)pcb;
    (void)err;
    if (!p) {
        lwg.eof = true;
    } else if (lwg.rx) {
        L.pbuf_cat(lwg.rx, p);
    } else {
        lwg.rx = p;
    }
    observe();
    return ERR_OK;
}

static void err_cb(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    lwg.conn = NULL; /* lwIP frees the pcb right after this callback */
    lwg.owned = false;
    observe();
}

static void set_callbacks(struct tcp_pcb *pcb)
{
    L.tcp_arg(pcb, NULL);
    L.tcp_recv(pcb, recv_cb);
    L.tcp_err(pcb, err_cb);
}

static err_t connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    (void)err;
    observe();
    return ERR_OK;
}

static err_t accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    lwg.conn = pcb;
    lwg.owned = true;
    set_callbacks(pcb);
    lwg.close_listener = true;
    observe();
    return ERR_OK;
}

/* ---- lifecycle ---- */

void lwg_reset(void)
{
    if (!lwg.init_done || lwg.init_result != 0)
        return;
    memset(&lwg.hooks, 0, sizeof lwg.hooks);
    /* Every pcb, segment and pbuf (lwg.rx too) is one of lwIP's blocks, and
     * every pointer to them is in .data/.bss or in lwg: free them all, then
     * put .data/.bss back. Nothing is sent, no callback runs, and it works
     * as well after lwIP asserted half-way through changing its lists. */
    free_all_blocks();
    restore_snapshot();
    lwg.rx = NULL;
    lwg.conn = NULL;
    lwg.owned = false;
    lwg.listener = NULL;
    lwg.close_listener = false;
    lwg.eof = false;
    lwg.dead = false;
    lwg.armed = false;
    lwg.until_valid = false;
    lwg.pristine = true;
    lwg.lists_seen = false;
}

static void to_ip_addr(uint8_t ver, const uint8_t bytes[16], ip_addr_t *out)
{
    memset(out, 0, sizeof *out);
    if (ver == 6) {
        IP_SET_TYPE(out, IPADDR_TYPE_V6);
        memcpy(ip_2_ip6(out)->addr, bytes, 16);
    } else {
        IP_SET_TYPE(out, IPADDR_TYPE_V4);
        memcpy(&ip_2_ip4(out)->addr, bytes, 4);
    }
}

static int set_address(uint8_t ip_version, const uint8_t local_addr[16], char *err, unsigned errlen)
{
    ip_addr_t a;
    to_ip_addr(ip_version, local_addr, &a);
    if (ip_version == 6) {
        s8_t idx = -1;
        if (L.netif_add_ip6_address(&lwg.netif, ip_2_ip6(&a), &idx) != ERR_OK || idx < 0) {
            snprintf(err, errlen, "lwip: cannot add the IPv6 address");
            return -1;
        }
        L.netif_ip6_addr_set_state(&lwg.netif, idx, IP6_ADDR_PREFERRED);
    } else {
        ip4_addr_t mask, gw;
        IP4_ADDR(&mask, 255, 255, 255, 0);
        IP4_ADDR(&gw, 0, 0, 0, 0);
        L.netif_set_addr(&lwg.netif, ip_2_ip4(&a), &mask, &gw);
    }
    return 0;
}

/* Every call into lwIP goes through one of the wrappers below: it refuses
 * while lwIP is dead, and arms the jump an assertion takes (hook_abort). The
 * do_* functions never call a wrapper, so one jump target is live at a time. */
#define LWG_GUARD(fail)                                                                            \
    do {                                                                                           \
        if (lwg.dead || lwg.armed)                                                                 \
            return fail;                                                                           \
        if (sigsetjmp(lwg.guard, 0) != 0)                                                          \
            return fail; /* lwIP asserted: hook_abort() came back here */                          \
        lwg.armed = true;                                                                          \
        lwg.until_valid = false;                                                                   \
        lwg.pristine = false;                                                                      \
        lwg.lists_seen = false;                                                                    \
    } while (0)
#define LWG_UNGUARD() (lwg.armed = false)

int lwg_begin(const struct lwg_hooks *hooks, uint8_t ip_version, const uint8_t local_addr[16],
              char *err, unsigned errlen)
{
    if (lwg_init(err, errlen) != 0)
        return -1;
    /* A run ends with lwg_reset() (sut_lwip's close): copying the same
     * 11 KB back again at the next open would change nothing. */
    if (!lwg.pristine)
        lwg_reset();
    lwg.pristine = false;
    lwg.asserted = false;
    lwg.assert_msg[0] = '\0';
    if (sigsetjmp(lwg.guard, 0) != 0) {
        snprintf(err, errlen, "lwip: lwIP asserted while setting the address: %s", lwg.assert_msg);
        return -1;
    }
    lwg.armed = true;
    int rc = set_address(ip_version, local_addr, err, errlen);
    LWG_UNGUARD();
    if (rc != 0)
        return -1;
    lwg.hooks = *hooks;
    return 0;
}

/* ---- application calls ---- */

static int do_connect(uint8_t ip_version, const uint8_t peer_addr[16], uint16_t local_port,
                      uint16_t peer_port)
{
    if (lwg.conn || lwg.listener)
        return -1;
    u8_t type = ip_version == 6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4;
    struct tcp_pcb *pcb = L.tcp_new_ip_type(type);
    if (!pcb)
        return -1;
    set_callbacks(pcb);
    ip_addr_t peer;
    to_ip_addr(ip_version, peer_addr, &peer);
    const ip_addr_t *local =
        ip_version == 6 ? netif_ip_addr6(&lwg.netif, 0) : netif_ip_addr4(&lwg.netif);
    if (L.tcp_bind(pcb, local, local_port) != ERR_OK) {
        L.tcp_abort(pcb);
        return -1;
    }
    lwg.conn = pcb;
    lwg.owned = true;
    err_t e = L.tcp_connect(pcb, &peer, peer_port, connected_cb);
    after_call();
    return e == ERR_OK ? 0 : -1;
}

int lwg_connect(uint8_t ip_version, const uint8_t peer_addr[16], uint16_t local_port,
                uint16_t peer_port)
{
    LWG_GUARD(-1);
    int rc = do_connect(ip_version, peer_addr, local_port, peer_port);
    LWG_UNGUARD();
    return rc;
}

static int do_listen(uint16_t local_port)
{
    if (lwg.conn || lwg.listener)
        return -1;
    struct tcp_pcb *pcb = L.tcp_new_ip_type(IPADDR_TYPE_ANY);
    if (!pcb)
        return -1;
    ip_addr_t any;
    memset(&any, 0, sizeof any);
    IP_SET_TYPE(&any, IPADDR_TYPE_ANY);
    if (L.tcp_bind(pcb, &any, local_port) != ERR_OK) {
        L.tcp_abort(pcb);
        return -1;
    }
    struct tcp_pcb *lpcb =
        L.tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG); /* frees pcb on success */
    if (!lpcb) {
        L.tcp_abort(pcb);
        return -1;
    }
    lwg.listener = lpcb;
    L.tcp_arg(lpcb, NULL);
    L.tcp_accept(lpcb, accept_cb);
    after_call();
    return 0;
}

int lwg_listen(uint16_t local_port)
{
    LWG_GUARD(-1);
    int rc = do_listen(local_port);
    LWG_UNGUARD();
    return rc;
}

static long do_send(uint32_t len)
{
    static const uint8_t zeros[4096];
    refresh();
    if (!lwg.conn || !lwg.owned)
        return -1; /* not connected: a child pcb before accept is lwIP's */
    uint32_t room = tcp_sndbuf(lwg.conn);
    uint32_t want = len < room ? len : room;
    uint32_t done = 0;
    while (done < want) {
        uint32_t chunk = want - done > sizeof zeros ? (uint32_t)sizeof zeros : want - done;
        if (L.tcp_write(lwg.conn, zeros, (u16_t)chunk, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        done += chunk;
    }
    if (done == 0 && want > 0) {
        after_call();
        return -1;
    }
    L.tcp_output(lwg.conn);
    after_call();
    return (long)done;
}

long lwg_send(uint32_t len)
{
    LWG_GUARD(-1);
    long rc = do_send(len);
    LWG_UNGUARD();
    return rc;
}

static long do_recv(uint32_t len, uint8_t *buf, size_t cap)
{
    refresh();
    if (!lwg.rx)
        return 0;
    uint32_t n = len < lwg.rx->tot_len ? len : lwg.rx->tot_len;
    if (buf && cap)
        L.pbuf_copy_partial(lwg.rx, buf, (u16_t)(n < cap ? n : cap), 0);
    lwg.rx = L.pbuf_free_header(lwg.rx, (u16_t)n);
    if (lwg.conn && lwg.owned)
        L.tcp_recved(lwg.conn, (u16_t)n); /* opens the window: lwIP may send an update */
    after_call();
    return (long)n;
}

long lwg_recv(uint32_t len, uint8_t *buf, size_t cap)
{
    LWG_GUARD(-1);
    long rc = do_recv(len, buf, cap);
    LWG_UNGUARD();
    return rc;
}

static int do_shutdown(void)
{
    refresh();
    if (!lwg.conn || !lwg.owned)
        return -1;
    err_t e = L.tcp_shutdown(lwg.conn, 0, 1);
    after_call();
    return e == ERR_OK ? 0 : -1;
}

int lwg_shutdown(void)
{
    LWG_GUARD(-1);
    int rc = do_shutdown();
    LWG_UNGUARD();
    return rc;
}

static int do_close(void)
{
    refresh();
    err_t e = ERR_OK;
    if (lwg.conn && lwg.owned) {
        struct tcp_pcb *pcb = lwg.conn;
        e = L.tcp_close(pcb);
    }
    if (lwg.listener) {
        L.tcp_close(lwg.listener);
        lwg.listener = NULL;
    }
    after_call();
    return e == ERR_OK ? 0 : -1;
}

int lwg_close(void)
{
    LWG_GUARD(-1);
    int rc = do_close();
    LWG_UNGUARD();
    return rc;
}

static int do_abort(void)
{
    refresh();
    if (lwg.conn && lwg.owned)
        L.tcp_abort(lwg.conn); /* err_cb clears lwg.conn */
    if (lwg.listener) {
        L.tcp_close(lwg.listener);
        lwg.listener = NULL;
    }
    after_call();
    return 0;
}

int lwg_abort(void)
{
    LWG_GUARD(-1);
    int rc = do_abort();
    LWG_UNGUARD();
    return rc;
}

static void do_input(const uint8_t *pkt, size_t len)
{
    if (len == 0 || len > 0xffff)
        return;
    struct pbuf *p = L.pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p)
        return;
    L.pbuf_take(p, pkt, (u16_t)len);
    if (lwg.netif.input(p, &lwg.netif) != ERR_OK)
        L.pbuf_free(p);
    after_call();
}

void lwg_input(const uint8_t *pkt, size_t len)
{
    LWG_GUARD();
    do_input(pkt, len);
    LWG_UNGUARD();
}

static void do_tick(void)
{
    L.tcp_tmr();
    after_call();
}

void lwg_tick(void)
{
    LWG_GUARD();
    do_tick();
    LWG_UNGUARD();
}

/* Slow-timer ticks (500 ms) before pcb p's slow timer may act, at least 1.
 *
 * Two bounds. The stepping bound (exact == false) is the one the driver
 * steps its clock by (lwg_ticks_until_event): it takes any slow tick with
 * queued data or a running persist timer as one that may act. Every clock
 * step is an event of the trace, so that bound stays as it was when the
 * lwIP findings were pinned.
 *
 * The skipping bound (exact == true) is what lwg_skip_idle_ticks() may
 * jump over, and it knows two more things about tcp_slowtmr() in 2.1.3:
 * - queued data: the slow timer's poll only calls tcp_output(), which has
 *   nothing to send that the tcp_output() at the end of the call that
 *   queued it (tcp_write, tcp_input, a retransmission) did not send: the
 *   window, the congestion window and Nagle's rule are the same, and a
 *   tick changes none of them;
 * - the persist timer: a tick adds one to persist_cnt, and the probe (or
 *   the split segment) leaves when persist_cnt reaches
 *   tcp_persist_backoff[persist_backoff - 1]; lwIP's retransmission age
 *   does not run meanwhile. */
static uint32_t slow_ticks_until(const struct tcp_pcb *p, bool exact)
{
    uint32_t best = UINT32_MAX;
    uint32_t age = *L.tcp_ticks - p->tmr;
#define LWG_AFTER(limit) ((limit) + 1 > age ? (limit) + 1 - age : 1u) /* fires when age > limit */
    if (p->state == TIME_WAIT)
        return LWG_AFTER(2 * TCP_MSL / TCP_SLOW_INTERVAL);
    if (p->unacked || (p->unsent && p->persist_backoff == 0)) {
        int32_t left = (int32_t)p->rto - (int32_t)p->rtime;
        best = left > 1 ? (uint32_t)left : 1u;
    }
    if (!exact) {
        if (p->persist_backoff || p->refused_data || p->unsent)
            best = 1; /* probes, refused data, the poll's tcp_output() */
    } else {
        if (p->refused_data)
            best = 1;
        if (p->persist_backoff) {
            uint32_t t = 1;
            if (lwg.persist_table_found && p->persist_probe < TCP_MAXRTX &&
                p->persist_backoff <= sizeof persist_backoff_ticks) {
                uint32_t due = persist_backoff_ticks[p->persist_backoff - 1];
                t = due > p->persist_cnt + 1u ? due - p->persist_cnt : 1u;
            }
            if (t < best)
                best = t;
        }
    }
    if (p->ooseq) {
        /* Out-of-order data is dropped once age >= rto * TCP_OOSEQ_TIMEOUT. */
        uint32_t limit = (uint32_t)p->rto * TCP_OOSEQ_TIMEOUT;
        uint32_t t = limit > age ? limit - age : 1u;
        if (t < best)
            best = t;
    }
    if (p->nrtx >= TCP_MAXRTX || (p->state == SYN_SENT && p->nrtx >= TCP_SYNMAXRTX))
        best = 1; /* given up: removed at the next slow tick */
    if (p->state == FIN_WAIT_2 && (p->flags & TF_RXCLOSED) &&
        LWG_AFTER(TCP_FIN_WAIT_TIMEOUT / TCP_SLOW_INTERVAL) < best)
        best = LWG_AFTER(TCP_FIN_WAIT_TIMEOUT / TCP_SLOW_INTERVAL);
    if (p->state == SYN_RCVD && LWG_AFTER(TCP_SYN_RCVD_TIMEOUT / TCP_SLOW_INTERVAL) < best)
        best = LWG_AFTER(TCP_SYN_RCVD_TIMEOUT / TCP_SLOW_INTERVAL);
    if (p->state == LAST_ACK && LWG_AFTER(2 * TCP_MSL / TCP_SLOW_INTERVAL) < best)
        best = LWG_AFTER(2 * TCP_MSL / TCP_SLOW_INTERVAL);
#undef LWG_AFTER
    return best;
}

/* tcp_tmr() calls before lwIP's timers may act (see slow_ticks_until). */
static uint32_t ticks_until_event(bool exact)
{
    uint32_t slow = UINT32_MAX;
    for (struct tcp_pcb *p = *L.tcp_active_pcbs; p; p = p->next) {
        /* The fast timer (every call) sends delayed ACKs, retries a
         * deferred FIN and hands refused data over. */
        if (p->flags & (TF_ACK_DELAY | TF_CLOSEPEND | TF_NAGLEMEMERR))
            return 1;
        uint32_t t = slow_ticks_until(p, exact);
        if (t < slow)
            slow = t;
    }
    for (struct tcp_pcb *p = *L.tcp_tw_pcbs; p; p = p->next) {
        uint32_t t = slow_ticks_until(p, exact);
        if (t < slow)
            slow = t;
    }
    /* The slow timer runs on every second call, and which one is lwIP's
     * secret (a static counter): k slow ticks take at least 2k - 1 calls. */
    return slow == UINT32_MAX ? UINT32_MAX : 2 * slow - 1;
}

uint32_t lwg_ticks_until_event(void)
{
    if (lwg.dead)
        return UINT32_MAX;
    /* The driver asks after every step; only a call into lwIP (every one
     * goes through LWG_GUARD), a skip or a reset can change the answer. */
    if (!lwg.until_valid) {
        lwg.until = ticks_until_event(false);
        lwg.until_valid = true;
    }
    return lwg.until;
}

uint32_t lwg_skip_idle_ticks(uint32_t calls)
{
    if (lwg.dead || calls < 2)
        return 0;
    uint32_t until = ticks_until_event(true);
    if (until <= 2)
        return 0;
    /* Strictly before the first call that may act, and an even number of
     * calls so that lwIP's private fast/slow parity (tcp_timer) is kept. */
    uint32_t n = (calls < until - 1 ? calls : until - 1) & ~1u;
    if (n == 0)
        return 0;
    for (struct tcp_pcb *p = *L.tcp_active_pcbs; p; p = p->next)
        if (ip_get_option(p, SOF_KEEPALIVE))
            return 0; /* keepalive timers are not reproduced here */
    lwg.until_valid = false;
    lwg.pristine = false;
    uint32_t m = n / 2; /* slow ticks */
    /* What m idle slow ticks do (tcp_slowtmr in 2.1.3), nothing else: the
     * tick counter; for each active pcb, its persist counter while the
     * persist timer runs (m stays below the count that sends a probe),
     * else its retransmission age (which lwIP stops at 0x7FFF); and its
     * poll counter (no poll callback is set, so a poll only calls
     * tcp_output with nothing to send). The fast timer has nothing to do
     * by the precondition; lwIP's round counter tcp_timer_ctr only has to
     * differ from the pcbs' last_timer at the next real call, which
     * leaving both alone keeps. */
    *L.tcp_ticks += m;
    lwg.skipped.calls += n;
    for (struct tcp_pcb *p = *L.tcp_active_pcbs; p; p = p->next) {
        if (p->persist_backoff)
            lwg.skipped.persist_calls += n;
        else if (p->unsent)
            lwg.skipped.queued_calls += n;
        if (p->persist_backoff)
            p->persist_cnt = (u8_t)(p->persist_cnt + m);
        else if (p->rtime >= 0) /* lwIP: if (rtime >= 0 && rtime < 0x7FFF) ++rtime */
            p->rtime = (int32_t)p->rtime + (int64_t)m >= 0x7FFF ? (s16_t)0x7FFF
                                                                : (s16_t)(p->rtime + (int32_t)m);
        if (p->pollinterval == 0)
            p->polltmr = 0;
        else if (p->polltmr < p->pollinterval)
            p->polltmr = (u8_t)((p->polltmr + m) % p->pollinterval);
        else
            p->polltmr = (u8_t)((m - 1) % p->pollinterval); /* first tick resets it */
    }
    return n;
}

uint32_t lwg_unread(void)
{
    return !lwg.dead && lwg.rx ? lwg.rx->tot_len : 0;
}

bool lwg_eof(void)
{
    return lwg.eof;
}

void lwg_catch_assertions(bool on)
{
    lwg.catch_asserts = on;
}

const char *lwg_assertion(void)
{
    return lwg.asserted ? lwg.assert_msg : NULL;
}

struct lwg_skip_stats lwg_skip_stats(void)
{
    return lwg.skipped;
}

size_t lwg_heap_blocks(void)
{
    return lwg.live_blocks;
}

bool lwg_conn_rcv_nxt(const void **pcb, uint32_t *rcv_nxt)
{
    if (lwg.dead)
        return false;
    refresh();
    if (!lwg.conn)
        return false;
    *pcb = lwg.conn;
    *rcv_nxt = lwg.conn->rcv_nxt;
    return true;
}
