/* SPDX-License-Identifier: MIT */
/*
 * Opening a --disk image: the checks a user's mistake should meet before the
 * VM exists (missing, unreadable, empty, not whole sectors), and the lock
 * that keeps two VMMs from writing one image.
 */
#ifndef VMM_DISK_H
#define VMM_DISK_H

#include "../devices/virtio_blk.h"
#include "cli.h"

/* Fills d; on error returns -errno and logs one line naming the image. */
int disk_open(const struct disk_cfg *c, struct blk_disk *d);
void disk_close(struct blk_disk *d);

#endif
