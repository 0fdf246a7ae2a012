/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the fuzzer is a guest at fw_cfg's ports. Its input picks the machine
 * and then a run of port accesses, any port of the window, any width, any value, reads
 * and writes and resets in any order. Each access gets a buffer of exactly its width on
 * the heap, so ASan flags a byte written past it; UBSan checks the arithmetic; and what
 * must hold whatever the guest did is checked after every step:
 *   - a read past the two ports is all-ones;
 *   - at the end, selecting the signature and reading four bytes gives "QEMU".
 *
 * Input: u8 vCPUs - 1, u8 log2(RAM / 2 MiB) (mod 16: 2 MiB .. 64 GiB, splits included),
 * then 5-byte steps: u8 op, le32 value. op bits 0-2: the port (mod FW_CFG_WINDOW); bits
 * 3-4: width 1, 2, 4, 4; bit 5: a write of value's low bytes; bit 6: a reset instead of
 * an access; bit 7: the access 16 times over, as a `rep insb` would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "base/machine.h"
#include "devices/fw_cfg.h"

#define HDR_SIZE  2
#define STEP_SIZE 5

static void check(int ok)
{
	if (!ok)
		abort();
}

static void step(struct fw_cfg *fc, const uint8_t *s)
{
	static const uint32_t widths[] = {1, 2, 4, 4};
	uint32_t len = widths[(s[0] >> 3) & 3];
	uint64_t port = (s[0] & 7) % FW_CFG_WINDOW;
	int is_write = s[0] & 0x20, reps = s[0] & 0x80 ? 16 : 1;

	if (s[0] & 0x40) {
		fw_cfg_reset(fc);
		return;
	}
	while (reps--) {
		uint8_t *b = malloc(len);

		check(b != NULL);
		memcpy(b, s + 1, len);
		/* The bus hands the device only accesses that fit in its window. */
		if (port + len <= FW_CFG_WINDOW)
			fw_cfg_io(fc, port, b, len, is_write);
		if (!is_write && port >= FW_CFG_NR_PORTS && port + len <= FW_CFG_WINDOW)
			check(le_get(b, len) == (1ULL << (8 * len)) - 1);
		free(b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_desc m;
	struct fw_cfg *fc;
	uint8_t sig[FW_CFG_SIG_SIZE];
	uint8_t sel[2];

	if (size < HDR_SIZE)
		return 0;
	if (machine_init(&m, (2ULL << 20) << (data[1] % 16), 1 + data[0] % MACHINE_MAX_CPUS, 1))
		abort();
	fc = fw_cfg_create(&m);
	check(fc != NULL);
	for (size_t off = HDR_SIZE; off + STEP_SIZE <= size; off += STEP_SIZE)
		step(fc, data + off);
	le_put(sel, FW_CFG_SIGNATURE, 2);
	fw_cfg_io(fc, 0, sel, 2, 1);
	for (int i = 0; i < FW_CFG_SIG_SIZE; i++)
		fw_cfg_io(fc, 1, &sig[i], 1, 0);
	check(!memcmp(sig, "QEMU", FW_CFG_SIG_SIZE));
	fw_cfg_destroy(fc);
	return 0;
}
