/* SPDX-License-Identifier: MIT */
/*
 * seccomp-bpf, one allow-list per thread kind (base/sandbox.h names the kinds; the lists
 * and why each entry is there: docs/sandbox.md). Each thread loads its own filter when it
 * starts (sandbox_enter), the main thread at the end of set-up, before the first KVM_RUN.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "../base/sandbox.h"
#include <sys/types.h>

#include "cli.h"

/*
 * Before any thread is created: the SIGSYS handler and the syscall names it prints, and
 * sandbox_enter's hook. SECCOMP_ON: a syscall outside a thread's list ends the VMM with
 * EXIT_SANDBOX and one line naming the syscall and the thread; SECCOMP_LOG: the kernel
 * logs it (SECCOMP_RET_LOG, in dmesg) and lets it through; SECCOMP_OFF: no filters.
 */
void sandbox_init(int mode);
/* Before sandbox_init: the ids --user drops to, which every filter then lets the threads
 * set (vmm/confine.c). */
void sandbox_allow_user(uid_t uid, gid_t gid);

#endif
