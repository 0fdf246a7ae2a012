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
 *   blkbench soak DEV SECS           for SECS seconds at once: 8 threads of 4 KiB random reads,
 *                                    one of 1 MiB sequential writes over the upper half with an
 *                                    fdatasync every 16, one of 1 MiB sequential reads; the load
 *                                    that wedged guests in the test host (issue 12); with a
 *                                    NAME its result and progress lines say SOAK-NAME
 *
 * Prints one line, "GUEST-BLK-<MODE> <ops> <bytes> <secs> <MB/s> <IOPS> rc=<0|errno>", that
 * the benchmark scripts parse (MODE is SEQWRITE, SEQREAD, RANDREAD-QD<n> or SOAK).
 *
 *   blkbench records FILE MAX        crash-consistency records (issue 10): checks the records
 *                                    FILE holds, then appends numbered 4 KiB records, each
 *                                    written O_DIRECT and fsync'd, until MAX are there
 *
 * records prints "GUEST-REC-FOUND <n> <first bad or -1>" for the intact records it found (record
 * i holds its number and a checksummed payload derived from i), then "GUEST-REC-ACK <i>" after
 * the fsync of record i returned: the host kills the VMM at random and checks that every
 * acknowledged record survived.
 *
 *   blkbench probe DEV               host I/O errors (issue 10): every PROBE_MS, write record i
 *                                    O_DIRECT at the next 4 KiB block (fresh blocks, so a host
 *                                    image on a full filesystem must allocate), fdatasync, read
 *                                    it back; "GUEST-IO <i> w=<r> f=<r> r=<r>", each r "ok", an
 *                                    errno name (EIO) or, for a read-back that differs, "BAD";
 *                                    until killed
 *
 * soak also prints "GUEST-BLK-SOAK-PROGRESS <secs> <rand> <writes> <syncs> <reads>" every 10 s.
 * When no request of any thread completes for STALL_SECS it prints "GUEST-BLK-STALL <secs>"
 * and has the kernel print every CPU's backtrace and the blocked tasks (sysrq l and w, at
 * console loglevel 8), once: what the guest was doing when the disk stopped answering.
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
#define SOAK_RAND  8
#define SOAK_SYNC  16 /* one fdatasync per this many 1 MiB writes */
#define STALL_SECS 20

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

/* dev opened O_DIRECT, and its size in bytes (a block device, or a regular file on a host). */
static int dev_open(const char *dev, int flags, uint64_t *size)
{
	int fd = open(dev, flags | O_DIRECT);
	struct stat st;

	*size = 0;
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, size))
		*size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	return fd;
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

	fd = dev_open(dev, O_RDONLY, &size);
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

/* --- soak: every kind of request at once, and a stall detector ----------------------------- */

enum soak_kind { SOAK_RANDOM, SOAK_WRITE, SOAK_READ };

struct soak_worker {
	pthread_t tid;
	enum soak_kind kind;
	int fd;
	uint64_t size; /* bytes */
	uint64_t seed;
	double deadline;
	uint64_t ops, syncs; /* read by the watching thread: relaxed atomics */
	int err, done;
};

static void soak_count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* One request of w's kind at *pos (sequential kinds) or at random. */
static int soak_one(struct soak_worker *w, void *buf, uint64_t *pos)
{
	uint64_t half = w->size / 2 / SEQ_BLOCK * SEQ_BLOCK;
	ssize_t n;
	off_t off;

	switch (w->kind) {
	case SOAK_RANDOM:
		off = (off_t)(rand_next(&w->seed) % (w->size / RAND_BLOCK)) * RAND_BLOCK;
		n = pread(w->fd, buf, RAND_BLOCK, off);
		return n == (ssize_t)RAND_BLOCK ? 0 : (n < 0 ? errno : EIO);
	case SOAK_WRITE: /* the upper half, so the reads see both old and new data */
		if (*pos + SEQ_BLOCK > half)
			*pos = 0;
		n = pwrite(w->fd, buf, SEQ_BLOCK, (off_t)(half + *pos));
		*pos += SEQ_BLOCK;
		if (n != (ssize_t)SEQ_BLOCK)
			return n < 0 ? errno : EIO;
		if ((w->ops + 1) % SOAK_SYNC == 0) {
			if (fdatasync(w->fd))
				return errno;
			soak_count(&w->syncs);
		}
		return 0;
	case SOAK_READ:
		if (*pos + SEQ_BLOCK > w->size)
			*pos = 0;
		n = pread(w->fd, buf, SEQ_BLOCK, (off_t)*pos);
		*pos += SEQ_BLOCK;
		return n == (ssize_t)SEQ_BLOCK ? 0 : (n < 0 ? errno : EIO);
	}
	return EINVAL;
}

static void *soak_run(void *arg)
{
	struct soak_worker *w = arg;
	uint64_t pos = 0;
	void *buf;

	if (posix_memalign(&buf, 4096, SEQ_BLOCK)) {
		w->err = ENOMEM;
		return NULL;
	}
	memset(buf, 0xa5, SEQ_BLOCK);
	while (now_s() < w->deadline) {
		if ((w->err = soak_one(w, buf, &pos)))
			break;
		soak_count(&w->ops);
	}
	free(buf);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void write_proc(const char *path, const char *what)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, what, strlen(what)) < 0)
		perror(path);
	if (fd >= 0)
		close(fd);
}

/* Every CPU's backtrace and the blocked tasks, on the console. */
static void soak_explain_stall(void)
{
	write_proc("/proc/sys/kernel/printk", "8");
	write_proc("/proc/sysrq-trigger", "l");
	write_proc("/proc/sysrq-trigger", "w");
}

static uint64_t soak_total(struct soak_worker *w, int n, enum soak_kind kind, int syncs)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		if (w[i].kind == kind)
			t += __atomic_load_n(syncs ? &w[i].syncs : &w[i].ops, __ATOMIC_RELAXED);
	return t;
}

static int soak(const char *dev, double secs, const char *tag)
{
	struct soak_worker w[SOAK_RAND + 2];
	int n = SOAK_RAND + 2, fd, err = 0, stalled = 0;
	uint64_t size = 0, last = 0, ops = 0, bytes;
	double t0, t_moved, t_print;

	fd = dev_open(dev, O_RDWR, &size);
	if (fd < 0 || size < 4 * (uint64_t)SEQ_BLOCK) {
		perror(dev);
		return 1;
	}
	t0 = t_moved = t_print = now_s();
	for (int i = 0; i < n; i++) {
		w[i] = (struct soak_worker){.kind = i < SOAK_RAND    ? SOAK_RANDOM
						    : i == SOAK_RAND ? SOAK_WRITE
								     : SOAK_READ,
					    .fd = fd,
					    .size = size,
					    .seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1),
					    .deadline = t0 + secs};
		if (pthread_create(&w[i].tid, NULL, soak_run, &w[i])) {
			n = i;
			err = EAGAIN;
			break;
		}
	}
	/* Watch until every worker is done, or a stalled one is still stuck well past the end. */
	for (;;) {
		double t;
		int left = 0;

		usleep(500 * 1000);
		t = now_s();
		ops = 0;
		for (int i = 0; i < n; i++)
			ops += __atomic_load_n(&w[i].ops, __ATOMIC_RELAXED);
		if (ops != last) {
			last = ops;
			t_moved = t;
		} else if (!stalled && t - t_moved >= STALL_SECS) {
			printf("GUEST-BLK-STALL %.0f\n", t - t0);
			fflush(stdout);
			soak_explain_stall();
			stalled = 1;
		}
		if (t - t_print >= 10) {
			t_print = t;
			printf("GUEST-BLK-%s-PROGRESS %.0f %llu %llu %llu %llu\n", tag, t - t0,
			       (unsigned long long)soak_total(w, n, SOAK_RANDOM, 0),
			       (unsigned long long)soak_total(w, n, SOAK_WRITE, 0),
			       (unsigned long long)soak_total(w, n, SOAK_WRITE, 1),
			       (unsigned long long)soak_total(w, n, SOAK_READ, 0));
			fflush(stdout);
		}
		for (int i = 0; i < n; i++)
			left += !__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
		if (!left || (stalled && t > t0 + secs + STALL_SECS))
			break;
	}
	for (int i = 0; i < n && !stalled; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err)
			err = w[i].err;
	}
	if (stalled)
		err = ETIMEDOUT;
	bytes = soak_total(w, n, SOAK_RANDOM, 0) * RAND_BLOCK +
		(soak_total(w, n, SOAK_WRITE, 0) + soak_total(w, n, SOAK_READ, 0)) * SEQ_BLOCK;
	report(tag, ops, bytes, now_s() - t0, err);
	close(fd);
	return err != 0;
}

/* A crash-consistency record: one 4 KiB block, its number and a payload that depends on it. */
#define REC_SIZE  4096u
#define REC_MAGIC 0x31434552584d4d56ULL /* "VMMXREC1" */
struct rec_head {
	uint64_t magic, index, sum;
};

static uint64_t rec_fill(uint8_t *b, uint64_t index)
{
	uint64_t s = index * 0x9E3779B97F4A7C15ULL + 1, sum = 0;

	for (size_t o = sizeof(struct rec_head); o + 8 <= REC_SIZE; o += 8) {
		uint64_t v = rand_next(&s);

		memcpy(b + o, &v, 8);
		sum = sum * 31 + v;
	}
	return sum;
}

static void rec_make(uint8_t *b, uint64_t index)
{
	struct rec_head h = {REC_MAGIC, index, 0};

	memset(b, 0, REC_SIZE);
	h.sum = rec_fill(b, index);
	memcpy(b, &h, sizeof(h));
}

/* Intact: the header says what the payload derived from its number says. */
static int rec_intact(const uint8_t *b, uint64_t index, uint8_t *scratch)
{
	rec_make(scratch, index);
	return !memcmp(b, scratch, REC_SIZE);
}

static int records(const char *path, uint64_t max)
{
	uint8_t *b, *want;
	uint64_t n = 0;
	int64_t bad = -1;
	int fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0644);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) || posix_memalign((void **)&b, REC_SIZE, 2 * REC_SIZE)) {
		printf("GUEST-REC-ERROR open %s: %s\n", path, strerror(errno));
		return 1;
	}
	want = b + REC_SIZE;
	/* what an earlier boot acknowledged must be there, every byte */
	while ((uint64_t)(n + 1) * REC_SIZE <= (uint64_t)st.st_size &&
	       pread(fd, b, REC_SIZE, (off_t)(n * REC_SIZE)) == REC_SIZE && rec_intact(b, n, want))
		n++;
	if ((uint64_t)(n + 1) * REC_SIZE <= (uint64_t)st.st_size)
		bad = (int64_t)n;
	printf("GUEST-REC-FOUND %llu %lld\n", (unsigned long long)n, (long long)bad);
	fflush(stdout);
	for (; n < max; n++) {
		rec_make(b, n);
		if (pwrite(fd, b, REC_SIZE, (off_t)(n * REC_SIZE)) != REC_SIZE || fsync(fd)) {
			printf("GUEST-REC-ERROR record %llu: %s\n", (unsigned long long)n,
			       strerror(errno));
			return 1;
		}
		printf("GUEST-REC-ACK %llu\n", (unsigned long long)n);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

#define PROBE_MS 200

static const char *probe_result(int err)
{
	return err == 0 ? "ok" : err == EIO ? "EIO" : err == -1 ? "BAD" : strerrorname_np(err);
}

/* One record at block i: written, flushed, read back and compared. Never stops on an error. */
static int probe(const char *dev)
{
	uint64_t size, i;
	uint8_t *b, *want;
	int fd = dev_open(dev, O_RDWR, &size);

	if (fd < 0 || size < 16 * REC_SIZE || posix_memalign((void **)&b, REC_SIZE, 2 * REC_SIZE)) {
		printf("GUEST-IO-ERROR open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	want = b + REC_SIZE;
	for (i = 0;; i++) {
		off_t off = (off_t)((i % (size / REC_SIZE)) * REC_SIZE);
		int w = 0, f = 0, r = 0;

		rec_make(want, i);
		if (pwrite(fd, want, REC_SIZE, off) != REC_SIZE)
			w = errno ? errno : EIO;
		if (fdatasync(fd))
			f = errno;
		errno = 0;
		if (pread(fd, b, REC_SIZE, off) != REC_SIZE)
			r = errno ? errno : EIO;
		else if (!w && memcmp(b, want, REC_SIZE))
			r = -1; /* the write said ok, the disk holds something else */
		printf("GUEST-IO %llu w=%s f=%s r=%s\n", (unsigned long long)i, probe_result(w),
		       probe_result(f), probe_result(r));
		fflush(stdout);
		usleep(PROBE_MS * 1000);
	}
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
	if (argc >= 4 && !strcmp(argv[1], "soak")) {
		char tag[64] = "SOAK";

		if (argc >= 5)
			snprintf(tag, sizeof(tag), "SOAK-%s", argv[4]);
		return soak(argv[2], strtod(argv[3], NULL), tag);
	}
	if (argc >= 4 && !strcmp(argv[1], "records"))
		return records(argv[2], strtoull(argv[3], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "probe"))
		return probe(argv[2]);
	fprintf(stderr, "usage: blkbench seqwrite|seqread DEV MIB | randread DEV SECS [QD] | soak "
			"DEV SECS [NAME] | "
			"records FILE MAX | probe DEV\n");
	return 2;
}
