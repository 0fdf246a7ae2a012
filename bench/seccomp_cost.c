/* SPDX-License-Identifier: MIT */
/*
 * What the seccomp filters add to the exit path's one syscall (docs/sandbox.md): a vCPU
 * thread's ioctl(KVM_RUN) runs the main thread's filter, which it inherits, and its own.
 * Here the same ioctl on a closed fd (the kernel answers EBADF after the filters ran, so
 * only their cost differs) in a loop, in a child without filters and in one with the
 * vCPU's, as a real vCPU holds them; rounds alternate, the best of each counts.
 * usage: seccomp_cost [N] [ROUNDS]
 */
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm/sandbox.h"

static long n_calls;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *vcpu_like(void *arg)
{
	double *ns = arg, t0;

	sandbox_enter(SANDBOX_VCPU);
	t0 = now_ns();
	for (long i = 0; i < n_calls; i++)
		if (ioctl(-1, KVM_RUN, 0) != -1)
			abort();
	*ns = (now_ns() - t0) / n_calls;
	return NULL;
}

/* ns per ioctl in a child: filtered as a vCPU thread started by the main thread, or not. */
static double measure(int filtered)
{
	int p[2], st;
	double ns = -1;
	pid_t pid;

	if (pipe(p) || (pid = fork()) < 0)
		exit(1);
	if (!pid) {
		pthread_t t;

		if (filtered) {
			sandbox_init(SECCOMP_ON);
			sandbox_enter(SANDBOX_MAIN);
		}
		if (pthread_create(&t, NULL, vcpu_like, &ns) || pthread_join(t, NULL) ||
		    write(p[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(p[0]);
	waitpid(pid, &st, 0);
	return ns;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double best[2] = {1e9, 1e9};

	n_calls = argc > 1 ? atol(argv[1]) : 1000000;
	for (int r = 1; r <= rounds; r++) {
		double off = measure(0), on = measure(1);

		if (off < 0 || on < 0) {
			fprintf(stderr, "seccomp_cost: a child failed\n");
			return 1;
		}
		printf("round %d: ioctl(KVM_RUN) %.1f ns without filters, %.1f ns with the vCPU's "
		       "(%+.1f ns)\n",
		       r, off, on, on - off);
		best[0] = off < best[0] ? off : best[0];
		best[1] = on < best[1] ? on : best[1];
	}
	printf("RESULT seccomp: %.1f ns more per KVM_RUN ioctl (%.1f vs %.1f ns, best of %d); "
	       "against an 11 us exit that is %.2f%%\n",
	       best[1] - best[0], best[1], best[0], rounds, (best[1] - best[0]) / 11000 * 100);
	return 0;
}
