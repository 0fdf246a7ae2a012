/* SPDX-License-Identifier: MIT */
/* Messages to stderr, prefixed "vmm: ". Rate-limited variant for anything a guest can trigger. */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include <stdatomic.h>
#include <stdint.h>

extern int log_verbose;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A budget of messages per call site: the first LOG_BURST, then one in every LOG_EVERY,
 * so a guest hammering an unknown port cannot flood the host log. */
struct log_ratelimit {
	atomic_ulong count;
};
#define LOG_BURST 5
#define LOG_EVERY (1UL << 20)

int log_ratelimit_ok(struct log_ratelimit *rl);

#define log_guest(...)                                                                             \
	do {                                                                                       \
		static struct log_ratelimit rl_;                                                   \
		if (log_ratelimit_ok(&rl_))                                                        \
			log_msg(__VA_ARGS__);                                                      \
	} while (0)

#endif
