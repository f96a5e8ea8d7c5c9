/* The model stack (stack/tcp.h) as a system under test (sut.h).
 *
 * The reference implementation behind struct sut_ops: everything specific to
 * the model stays in sut_model.c, so the driver treats it exactly like lwIP
 * or the Linux kernel. Virtual time, reports every state change. The caller
 * owns struct sut_model (about 25 KB); open() prepares it without clearing
 * its buffers, so one instance serves many fuzz inputs cheaply. */
#ifndef FINFUZZ_SUT_MODEL_H
#define FINFUZZ_SUT_MODEL_H

#include "../stack/tcp.h"
#include "sut.h"

struct sut_model {
    struct tcp_conn conn;
    struct sut_callbacks cb;
    struct seg_ip ip; /* A's address as source, B's as destination */
};

extern const struct sut_ops sut_model_ops;

#endif
