/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "../base/log.h"

/*
 * An open-file-description lock, as QEMU takes: a write lock for a
 * read-write image, a read lock for a read-only one, so any number of
 * readers may share an image but never with a writer. Released when the fd
 * closes, also when the VMM dies.
 */
static int disk_lock(int fd, int read_only)
{
	struct flock fl = {.l_type = read_only ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET};

	return fcntl(fd, F_OFD_SETLK, &fl) ? -errno : 0;
}

static int disk_size(int fd, const struct stat *st, uint64_t *size)
{
	if (S_ISREG(st->st_mode)) {
		*size = st->st_size;
		return 0;
	}
	if (S_ISBLK(st->st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	return -EINVAL;
}

static int disk_fail(const struct disk_cfg *c, int fd, int err, const char *why)
{
	log_msg("--disk %s: %s", c->path, why ? why : strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

int disk_open(const struct disk_cfg *c, struct blk_disk *d)
{
	int flags = (c->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;
	int fd, err;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (c->cache == DISK_CACHE_NONE)
		flags |= O_DIRECT;
	fd = open(c->path, flags);
	if (fd < 0 && errno == EINVAL && (flags & O_DIRECT)) /* open(2): tmpfs, among others */
		return disk_fail(
		    c, -1, -EINVAL,
		    "cache=none needs O_DIRECT, which this file system does not support");
	if (fd < 0)
		return disk_fail(c, -1, -errno, NULL);
	if (fstat(fd, &st))
		return disk_fail(c, fd, -errno, NULL);
	if ((err = disk_size(fd, &st, &d->size)))
		return disk_fail(c, fd, err, err == -EINVAL ? "not a file or block device" : NULL);
	if (!d->size)
		return disk_fail(c, fd, -EINVAL, "empty image");
	if (d->size % 512)
		return disk_fail(c, fd, -EINVAL, "size is not a multiple of 512 bytes");
	if ((err = disk_lock(fd, c->read_only)))
		return disk_fail(c, fd, err == -EAGAIN || err == -EACCES ? -EBUSY : err,
				 err == -EAGAIN || err == -EACCES
				     ? "locked by another process (is another VMM using it?)"
				     : NULL);
	d->fd = fd;
	d->read_only = c->read_only;
	d->direct = c->cache == DISK_CACHE_NONE;
	memcpy(d->serial, c->serial, sizeof(d->serial));
	return 0;
}

void disk_close(struct blk_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
