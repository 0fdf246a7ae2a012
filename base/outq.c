/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "outq.h"
#include "sandbox.h"

struct outq {
	pthread_mutex_t lock;
	pthread_cond_t more; /* the writer waits here for bytes or the end */
	pthread_t thread;
	int fd;
	size_t head, len; /* the queued bytes: buf[head], wrapping */
	int full;	  /* read without the lock by outq_full */
	int stop;
	uint64_t dropped;
	void (*room)(void *ctx);
	void *ctx;
	uint8_t buf[OUTQ_SIZE];
};

/* One write of what lies contiguous at the head (it may block: this thread is for that). */
static ssize_t outq_write(struct outq *q, size_t n)
{
	struct pollfd p = {.fd = q->fd, .events = POLLOUT};
	ssize_t w;

	do {
		poll(&p, 1, -1); /* a non-blocking fd (or a full one) waits here */
		w = write(q->fd, q->buf + q->head, n);
	} while (w < 0 && (errno == EINTR || errno == EAGAIN));
	return w;
}

static void *outq_writer(void *arg)
{
	struct outq *q = arg;

	sandbox_enter(SANDBOX_OUTQ);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		size_t n;
		ssize_t w;
		int was_full;

		while (!q->len && !q->stop)
			pthread_cond_wait(&q->more, &q->lock);
		if (!q->len)
			break;
		n = q->head + q->len > OUTQ_SIZE ? OUTQ_SIZE - q->head : q->len;
		pthread_mutex_unlock(&q->lock); /* the bytes at head are ours until we move it */
		w = outq_write(q, n);
		pthread_mutex_lock(&q->lock);
		if (w <= 0) { /* EPIPE, EIO, ...: what cannot be written is dropped */
			log_guest("output: %s: dropping what the guest writes",
				  w < 0 ? strerror(errno) : "nothing written");
			w = (ssize_t)q->len;
			q->dropped += q->len;
		}
		q->head = (q->head + (size_t)w) % OUTQ_SIZE;
		q->len -= (size_t)w;
		was_full = q->full;
		__atomic_store_n(&q->full, 0, __ATOMIC_RELEASE);
		if (was_full && q->room) {
			pthread_mutex_unlock(&q->lock); /* room() takes the device's lock */
			q->room(q->ctx);
			pthread_mutex_lock(&q->lock);
		}
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct outq *outq_create(int fd, const char *name, void (*room)(void *ctx), void *ctx)
{
	struct outq *q = calloc(1, sizeof(*q));
	int err;

	if (!q)
		return NULL;
	/* a descriptor of our own: one a writer left blocked at the end keeps (see destroy) */
	if ((q->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		free(q);
		return NULL;
	}
	q->room = room;
	q->ctx = ctx;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	if ((err = pthread_create(&q->thread, NULL, outq_writer, q))) {
		close(q->fd);
		free(q);
		errno = err;
		return NULL;
	}
	pthread_setname_np(q->thread, name);
	return q;
}

size_t outq_put(struct outq *q, const void *data, size_t n)
{
	size_t room, tail, first;

	pthread_mutex_lock(&q->lock);
	room = OUTQ_SIZE - q->len;
	if (n > room) {
		q->dropped += n - room;
		n = room;
	}
	tail = (q->head + q->len) % OUTQ_SIZE;
	first = n < OUTQ_SIZE - tail ? n : OUTQ_SIZE - tail;
	memcpy(q->buf + tail, data, first);
	memcpy(q->buf, (const uint8_t *)data + first, n - first);
	if (!q->len && n)
		pthread_cond_signal(&q->more);
	q->len += n;
	if (q->len == OUTQ_SIZE)
		__atomic_store_n(&q->full, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&q->lock);
	return n;
}

int outq_full(const struct outq *q)
{
	return __atomic_load_n(&q->full, __ATOMIC_ACQUIRE);
}

uint64_t outq_dropped(const struct outq *q)
{
	return __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
}

void outq_destroy(struct outq *q, int deadline_ms)
{
	struct timespec t;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += deadline_ms / 1000;
	t.tv_nsec += (deadline_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L)
		t.tv_sec++, t.tv_nsec -= 1000000000L;
	if (pthread_timedjoin_np(q->thread, NULL, &t)) {
		/*
		 * A reader that never reads: what is left is lost, and we go. The writer stays
		 * blocked in write() with the queue and its own descriptor, which are left to
		 * it (the VMM is on its way out): no cancellation, which would need
		 * libgcc_s at run time to unwind it, and no descriptor number reused under it.
		 */
		pthread_detach(q->thread);
		return;
	}
	close(q->fd);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
