/* Event stream plumbing: names and the tee that fans a stream out. */
#include "event.h"

const char *ev_app_call_name(enum ev_app_call call)
{
    static const char *const names[APP_CALL_COUNT] = {
        [APP_CONNECT] = "connect", [APP_LISTEN] = "listen",     [APP_SEND] = "send",
        [APP_RECV] = "recv",       [APP_SHUTDOWN] = "shutdown", [APP_CLOSE] = "close",
        [APP_ABORT] = "abort",
    };
    return (unsigned)call < APP_CALL_COUNT ? names[call] : "?";
}

void ev_tee_init(struct ev_tee *t)
{
    t->count = 0;
    t->next_index = 0;
}

void ev_tee_add(struct ev_tee *t, struct ev_sink sink)
{
    if (t->count < EV_TEE_MAX)
        t->sinks[t->count++] = sink;
}

uint64_t ev_tee_push(struct ev_tee *t, const struct ev *e)
{
    uint64_t index = t->next_index++;
    for (unsigned i = 0; i < t->count; i++)
        t->sinks[i].push(t->sinks[i].ctx, index, e);
    return index;
}
