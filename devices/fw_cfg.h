/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (fw_cfg) in its x86 I/O-port form, as QEMU 7.2 has
 * it (docs/specs/fw_cfg.rst, hw/nvram/fw_cfg.c): a 16-bit selector at the machine's
 * fw_cfg_port (0x510) and a byte-wide data port one above it. The guest writes an item's
 * key to the selector, which rewinds the item to its first byte, and reads its bytes in
 * order from the data port; past an item's end, and under a key with no item, it reads
 * zeros. The items are fixed when the device is made, from the machine description.
 *
 * No DMA interface (0x514): no guest we run needs it. Linux's qemu_fw_cfg reads through the
 * ports and uses DMA only to write etc/vmcoreinfo, which we do not offer; SeaBIOS falls
 * back to the ports. FW_CFG_ID says so (no FW_CFG_VERSION_DMA).
 */
#ifndef DEVICES_FW_CFG_H
#define DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/machine.h"

/* Selector keys (fw_cfg.rst, "Firmware Configuration Items"; QEMU's qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE  0x00 /* "QEMU" */
#define FW_CFG_ID	  0x01 /* le32 feature bits */
#define FW_CFG_UUID	  0x02 /* 16 bytes */
#define FW_CFG_RAM_SIZE	  0x03 /* le64 */
#define FW_CFG_NOGRAPHIC  0x04 /* le16 */
#define FW_CFG_NB_CPUS	  0x05 /* le16 */
#define FW_CFG_MAX_CPUS	  0x0f /* le16 */
#define FW_CFG_FILE_DIR	  0x19 /* big-endian, see fw_cfg_add_file() */
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_MAX_FILES  0x20 /* QEMU's default number of file slots */

/* Bit 14 asked for data-port writes (gone since QEMU 2.4: the key reads as without it);
 * bit 15 selects the architecture's own items (we have none). */
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL    0x8000
#define FW_CFG_ENTRY_MASK    0x3fff

#define FW_CFG_VERSION	     0x01 /* FW_CFG_ID: the traditional (port) interface */
#define FW_CFG_SIG_SIZE	     4
#define FW_CFG_UUID_SIZE     16
#define FW_CFG_FILE_SIZE     64 /* a directory entry: be32 size, be16 select, u16, name */
#define FW_CFG_MAX_FILE_PATH 56 /* name[], NUL included */
#define FW_CFG_E820_SIZE     20 /* an etc/e820 entry: le64 addr, le64 size, le32 type */

/*
 * The DSDT and the device tree name FW_CFG_NR_PORTS ports (base/machine.h), as QEMU's DSDT
 * does without DMA. The bus window is wider: QEMU's memory core hands an access to the region its
 * first byte falls in and lets the rest run on to the ports beyond (which answer as unclaimed ports
 * do), while our bus refuses an access that leaves a range. So the window spans every port
 * a 1-4 byte access starting at the selector or the data port reaches, and fw_cfg_io()
 * answers the ports past the first two as nothing is there.
 */
#define FW_CFG_WINDOW (FW_CFG_NR_PORTS + 3)

struct fw_cfg;

/*
 * The device with the items of machine m: SIGNATURE, ID, UUID, RAM_SIZE, NOGRAPHIC,
 * NB_CPUS, MAX_CPUS, and the file etc/e820 in FILE_DIR. NULL with errno set on failure.
 */
struct fw_cfg *fw_cfg_create(const struct machine_desc *m);
void fw_cfg_destroy(struct fw_cfg *fc);

/*
 * One more file: name (1-55 characters) in FILE_DIR, the directory kept sorted by name as
 * QEMU sorts it, each file's key FW_CFG_FILE_FIRST + its place. The data is copied.
 * -EINVAL (name), -EEXIST (the name is taken), -ENOSPC (no slot or no room left).
 */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, uint32_t len);

/* The register model: a selector write, a data byte read, a reset (the signature selected). */
void fw_cfg_select(struct fw_cfg *fc, uint16_t key);
uint8_t fw_cfg_read(struct fw_cfg *fc);
void fw_cfg_reset(struct fw_cfg *fc);

/* Bus handler: offset 0..FW_CFG_WINDOW-1 from fw_cfg_port, any width. */
void fw_cfg_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write);

/* The device (devices/device.h): one, at the machine's fw_cfg_port. */
struct device_ops;
extern const struct device_ops fw_cfg_device;

#endif
