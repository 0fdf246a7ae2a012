/* SPDX-License-Identifier: MIT */
/*
 * A --disk image as the virtio-blk backend holds it: what the option asked
 * for (struct disk_cfg, filled by the CLI), and opening it (struct
 * blk_disk): the checks a user's mistake should meet before the VM exists
 * (missing, unreadable, empty, not whole sectors), and the lock that keeps
 * two VMMs from writing one image.
 */
#ifndef DEVICES_DISK_H
#define DEVICES_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#define BLK_ID_BYTES VIRTIO_BLK_ID_BYTES /* GET_ID: the disk serial, up to 20 bytes */

enum disk_cache { DISK_CACHE_WRITEBACK, DISK_CACHE_NONE };

struct disk_cfg {
	const char *path;
	int read_only;
	enum disk_cache cache;
	char serial[BLK_ID_BYTES + 1];
	char *spec; /* the option's copy, which path points into */
};

struct blk_disk {
	int fd;
	uint64_t size; /* bytes, a multiple of 512 */
	bool read_only;
	bool direct;		       /* opened O_DIRECT (cache=none) */
	char serial[BLK_ID_BYTES + 1]; /* GET_ID, NUL-padded */
};

/* Fills d; on error returns -errno and logs one line naming the image. */
int disk_open(const struct disk_cfg *c, struct blk_disk *d);
void disk_close(struct blk_disk *d);

#endif
