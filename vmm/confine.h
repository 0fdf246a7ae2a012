/* SPDX-License-Identifier: MIT */
/*
 * What the VMM gives up once the VM is built (docs/confine.md): descriptors it did not open,
 * core dumps, descriptors beyond what it holds, privileges (no_new_privs, --user) and, through
 * Landlock, every path. The seccomp filters are vmm/sandbox.c's.
 */
#ifndef VMM_CONFINE_H
#define VMM_CONFINE_H

#include <sys/types.h>

#include "cli.h"

/* Descriptors a run may still open after set-up beyond the highest it holds: the gdb stub's
 * accepted connection, the signalfd of each boot, the kernel file a reboot reads again. */
#define CONFINE_NOFILE_SPARE 16

/*
 * First thing in main, before anything is opened: close every descriptor above 2, which
 * can only be inherited (close_range(2), else a walk of /proc/self/fd). 0 or -errno.
 */
int confine_close_inherited(void);
/* The same from fd lowest up, by walking /proc/self/fd (close_range's fallback). */
int confine_close_walk(int lowest);

/*
 * After set-up, before the first KVM_RUN, once: RLIMIT_CORE 0 (unless --core-dump),
 * RLIMIT_NOFILE to the highest open descriptor + CONFINE_NOFILE_SPARE, no_new_privs and
 * Landlock on every thread of the process, then --chroot and --user. 0, or -errno with one line
 * logged that names the step.
 */
int confine_after_setup(const struct vmm_config *cfg);

/* The steps, for the tests. */
int confine_rlimits(int keep_core);
int confine_user(uid_t uid, gid_t gid);
/* chroot to the directory dir_fd is open on (O_PATH will do), and chdir to its "/". */
int confine_chroot(int dir_fd);
/*
 * no_new_privs and a Landlock domain that handles every file-system access right this
 * kernel knows (and TCP bind/connect from ABI 4), allowing only reads of the files in
 * read_only[] (regular files or directories, NULL entries skipped), on every thread of
 * the process. The ABI version, 0 if Landlock is not available (no_new_privs is still
 * set, and one line says so), or -errno.
 */
int confine_landlock(const char *const *read_only, int n);

#endif
