/* SPDX-License-Identifier: MIT */
/*
 * An output queue: bytes a device sends to a host file descriptor (a UART's console, the
 * debug console), written by a thread of the queue's own so that the vCPU that sent them
 * never blocks in write(). A terminal nobody reads, a pipe nobody drains: the queue fills,
 * the device sees it full (a UART keeps LSR.THRE clear: back-pressure the guest's driver
 * waits on), and SIGTERM still ends the VMM, which cannot be stuck in a write of its own.
 */
#ifndef BASE_OUTQ_H
#define BASE_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#define OUTQ_SIZE (64 * 1024) /* a pipe's own buffer, once more */

struct outq;

/*
 * A queue writing to (a duplicate of) fd, which stays the caller's, from a thread called name
 * (up to 15 characters: ps, top and gdb show it). room(ctx), if given, is called from the
 * writer thread when a full queue has room again. NULL with errno on failure.
 */
struct outq *outq_create(int fd, const char *name, void (*room)(void *ctx), void *ctx);
/* Queue up to n bytes; returns how many were taken (fewer when full), never blocks. */
size_t outq_put(struct outq *q, const void *data, size_t n);
int outq_full(const struct outq *q);
uint64_t outq_dropped(const struct outq *q); /* bytes refused because the queue was full */
/*
 * Write out what is queued, for at most deadline_ms (a reader that never reads must not
 * hold up the VMM's exit), then stop the writer and free the queue. The queue writes to
 * a duplicate of fd, so the caller may close fd afterwards.
 */
void outq_destroy(struct outq *q, int deadline_ms);

#endif
