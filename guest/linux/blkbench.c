// SPDX-License-Identifier: MIT
/*
 * blkbench - a tiny block benchmark for the guest initramfs (which has busybox but no fio).
 * Built static by make-guest.sh. All I/O is O_DIRECT, so the guest page cache is out of the
 * picture and every request reaches the virtio-blk device.
 *
 *   blkbench seqwrite DEV MIB        MIB sequential 1 MiB writes from offset 0
 *   blkbench seqread DEV MIB         MIB sequential 1 MiB reads from offset 0
 *   blkbench randread DEV SECS [QD]  4 KiB reads at random 4 KiB-aligned offsets for SECS
 *                                    seconds, QD threads each with one request in flight
 *
 * Prints one line, "GUEST-BLK-<MODE> <ops> <bytes> <secs> <MB/s> <IOPS> rc=<0|errno>", that
 * the benchmark scripts parse (MODE is SEQWRITE, SEQREAD or RANDREAD-QD<n>).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK  (1u << 20)
#define RAND_BLOCK 4096u
#define MAX_QD	   64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *mode, uint64_t ops, uint64_t bytes, double secs, int err)
{
	printf("GUEST-BLK-%s %llu %llu %.3f %.1f %.0f rc=%d\n", mode, (unsigned long long)ops,
	       (unsigned long long)bytes, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0,
	       secs > 0 ? (double)ops / secs : 0.0, err);
	fflush(stdout);
}

static int seq(const char *dev, int write, uint64_t mib)
{
	int fd = open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	void *buf;
	uint64_t i, done = 0;
	int err = 0;
	double t0;

	if (fd < 0 || posix_memalign(&buf, 4096, SEQ_BLOCK)) {
		perror(dev);
		return 1;
	}
	memset(buf, 0x5a, SEQ_BLOCK);
	t0 = now_s();
	for (i = 0; i < mib; i++) {
		off_t off = (off_t)(i * SEQ_BLOCK);
		ssize_t n =
		    write ? pwrite(fd, buf, SEQ_BLOCK, off) : pread(fd, buf, SEQ_BLOCK, off);

		if (n != (ssize_t)SEQ_BLOCK) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done++;
	}
	report(write ? "SEQWRITE" : "SEQREAD", done, done * SEQ_BLOCK, now_s() - t0, err);
	close(fd);
	free(buf);
	return err != 0;
}

struct rand_worker {
	pthread_t tid;
	int fd;
	uint64_t blocks; /* device size in RAND_BLOCK units */
	uint64_t seed;
	double deadline;
	uint64_t ops;
	int err;
};

/* xorshift64*: cheap, good enough to spread offsets over the device */
static uint64_t rand_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void *rand_run(void *arg)
{
	struct rand_worker *w = arg;
	void *buf;

	if (posix_memalign(&buf, 4096, RAND_BLOCK)) {
		w->err = ENOMEM;
		return NULL;
	}
	for (;;) {
		/* look at the clock every 32 requests: a syscall per request would skew QD1 */
		for (int k = 0; k < 32; k++) {
			off_t off = (off_t)(rand_next(&w->seed) % w->blocks) * RAND_BLOCK;

			if (pread(w->fd, buf, RAND_BLOCK, off) != (ssize_t)RAND_BLOCK) {
				w->err = errno ? errno : EIO;
				free(buf);
				return NULL;
			}
			w->ops++;
		}
		if (now_s() >= w->deadline)
			break;
	}
	free(buf);
	return NULL;
}

static int randread(const char *dev, double secs, int qd)
{
	struct rand_worker w[MAX_QD];
	uint64_t size = 0, ops = 0;
	char mode[32];
	int fd, err = 0;
	double t0;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &size)) {
		struct stat st; /* a regular file (trying it out on a host) */

		size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	}
	if (fd < 0 || size < RAND_BLOCK) {
		perror(dev);
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < qd; i++) {
		w[i] = (struct rand_worker){.fd = fd,
					    .blocks = size / RAND_BLOCK,
					    .seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1),
					    .deadline = t0 + secs};
		if (pthread_create(&w[i].tid, NULL, rand_run, &w[i])) {
			qd = i;
			err = EAGAIN;
			break;
		}
	}
	for (int i = 0; i < qd; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		if (w[i].err)
			err = w[i].err;
	}
	snprintf(mode, sizeof(mode), "RANDREAD-QD%d", qd);
	report(mode, ops, ops * RAND_BLOCK, now_s() - t0, err);
	close(fd);
	return err != 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "seqwrite"))
		return seq(argv[2], 1, strtoull(argv[3], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "seqread"))
		return seq(argv[2], 0, strtoull(argv[3], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "randread")) {
		int qd = argc >= 5 ? atoi(argv[4]) : 1;

		if (qd < 1 || qd > MAX_QD) {
			fprintf(stderr, "blkbench: QD must be 1..%d\n", MAX_QD);
			return 2;
		}
		return randread(argv[2], strtod(argv[3], NULL), qd);
	}
	fprintf(stderr, "usage: blkbench seqwrite|seqread DEV MIB | randread DEV SECS [QD]\n");
	return 2;
}
