/* SPDX-License-Identifier: MIT */
/*
 * What comes from the user's files, into guest RAM: the kernel (bzImage, PVH ELF or
 * multiboot, by content), the initrd or the multiboot modules, and the command line. Each
 * file is mapped read-only, checked by its loader, copied into RAM and unmapped again;
 * every problem is one line naming the file, and -EINVAL (the user's to fix). Copied, not
 * mapped into the guest: a user's file may be rewritten or truncated while the guest runs,
 * which would change the guest's memory or kill the VMM with SIGBUS (base/mem.c). Only a
 * kernel-cache hit, a file of our own that is never rewritten in place, is mapped. The
 * files stay open for the next boot (--reboot=restart), which reads them again through the
 * same descriptors: it runs under the main thread's seccomp filter, which has no open
 * (vmm/sandbox.c). So a reboot boots the files the run started with, as QEMU's reset does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/layout.h"
#include "../base/log.h"
#include "../firmware/bootparams.h"
#include "../firmware/loader.h"
#include "../firmware/multiboot.h"
#include "kcache.h"
#include "vm.h"

/* A whole file, mapped read-only. An empty or unreadable file is an error. */
struct file_map {
	const uint8_t *data;
	size_t len;
};

_Static_assert(VM_MAX_IMAGES == VM_IMAGE_MODULE + MB_MAX_MODULES, "every module has its fd");

/* Image `slot` (VM_IMAGE_*) of vm, opened at the first boot. */
static int file_map(struct vm *vm, int slot, const char *path, struct file_map *f)
{
	struct stat st;
	int fd = vm->image_fd[slot], err = 0;

	f->data = NULL;
	f->len = 0;
	if (fd < 0 && (fd = vm->image_fd[slot] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if (!st.st_size)
		err = -ENODATA;
	if (!err) {
		void *p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			err = -errno;
		else
			*f = (struct file_map){p, st.st_size};
	}
	return err;
}

void vm_images_close(struct vm *vm)
{
	for (int i = 0; i < VM_MAX_IMAGES; i++) {
		if (vm->image_fd[i] >= 0)
			close(vm->image_fd[i]);
		vm->image_fd[i] = -1;
	}
	if (vm->vmlinux_state == VMLINUX_HELD)
		kcache_release(&vm->vmlinux);
	vm->vmlinux_state = VMLINUX_UNSEEN;
}

static void file_unmap(struct file_map *f)
{
	if (f->data)
		munmap((void *)f->data, f->len);
	f->data = NULL;
}

static const char *file_strerror(int err)
{
	if (err == -ENODATA)
		return "empty file";
	if (err == -EINVAL)
		return "not a regular file";
	return strerror(-err);
}

/*
 * The user's command line plus virtio_mmio.device=SIZE@BASE:GSI for every
 * device, for kernels built with VIRTIO_MMIO_CMDLINE_DEVICES (Firecracker's
 * way). Stock distro kernels lack it and find the devices in the DSDT.
 */
static int vm_compose_cmdline(struct vm *vm)
{
	size_t len = strlen(vm->cfg->cmdline) + 1 + vm->mach.nr_virtio * 64;
	char *p = malloc(len);
	int n;

	if (!p)
		return -ENOMEM;
	n = snprintf(p, len, "%s", vm->cfg->cmdline);
	for (int i = 0; i < vm->mach.nr_virtio; i++)
		n += snprintf(p + n, len - n, " virtio_mmio.device=%lluK@0x%llx:%u",
			      LAYOUT_VIRTIO_MMIO_SIZE >> 10,
			      (unsigned long long)vm->mach.virtio[i].base, vm->mach.virtio[i].irq);
	vm->cmdline = p;
	return 0;
}

static int vm_load_cmdline(struct vm *vm, const struct kernel_image *k, struct boot_info *bi)
{
	const char *cmdline;
	size_t len, max = k->cmdline_max ? k->cmdline_max : 255;
	int err = vm_compose_cmdline(vm);

	if (err)
		return err;
	cmdline = vm->cmdline;
	len = strlen(cmdline);

	if (max > LAYOUT_CMDLINE_MAX - 1)
		max = LAYOUT_CMDLINE_MAX - 1;
	if (len > max) {
		log_msg("--cmdline: %zu bytes, the kernel takes at most %zu", len, max);
		return -EINVAL;
	}
	bi->cmdline_gpa = LAYOUT_CMDLINE;
	bi->cmdline_len = len;
	return guest_mem_write(&vm->mem, LAYOUT_CMDLINE, cmdline, len + 1);
}

/*
 * A multiboot kernel's modules: --initrd "PATH ARGS,PATH ARGS" split as QEMU's -initrd, then
 * every --module. Each file is mapped until the info area and the modules are in RAM.
 */
static int vm_map_modules(struct vm *vm, struct cli_module *mod, struct file_map *map,
			  struct mb_module *mb)
{
	const struct vmm_config *cfg = vm->cfg;
	int n = 0, err;

	if (cfg->initrd && (n = cli_split_initrd(cfg->initrd, mod, MB_MAX_MODULES)) < 0) {
		log_msg("--initrd %s: %s", cfg->initrd,
			n == -E2BIG    ? "too many modules"
			: n == -EINVAL ? "an empty module path"
				       : strerror(-n));
		return -EINVAL;
	}
	if (n + cfg->nr_modules > MB_MAX_MODULES) {
		log_msg("--initrd and --module: at most %d modules", MB_MAX_MODULES);
		cli_modules_free(mod, n);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nr_modules; i++) /* borrowed: only the split ones are freed */
		mod[n + i] = cfg->module[i];
	for (int i = 0; i < n + cfg->nr_modules; i++) {
		err = file_map(vm, VM_IMAGE_MODULE + i, mod[i].path, &map[i]);
		if (err && err != -ENODATA) { /* an empty module is one QEMU boots too */
			log_msg("%s %s: %s", i < n ? "--initrd" : "--module", mod[i].path,
				file_strerror(err));
			for (int j = 0; j < i; j++)
				file_unmap(&map[j]);
			cli_modules_free(mod, n);
			return -EINVAL;
		}
		mb[i] = (struct mb_module){map[i].data, map[i].len, mod[i].string};
	}
	return n;
}

static int vm_load_multiboot(struct vm *vm, const struct kernel_image *k, struct boot_info *bi)
{
	const struct vmm_config *cfg = vm->cfg;
	struct cli_module mod[MB_MAX_MODULES];
	struct file_map map[MB_MAX_MODULES];
	struct mb_module mb[MB_MAX_MODULES];
	struct mb_boot b = {.loader_name = "vmm " VMM_VERSION, .mod = mb};
	char *cmdline = NULL;
	int n = vm_map_modules(vm, mod, map, mb), err;

	if (n < 0)
		return n;
	b.nr_mods = n + cfg->nr_modules;
	/* QEMU's "%s %s" of the kernel's path and -append (empty when not given): guests take
	 * argv[0] from it. Our own default command line is for Linux, not for them. */
	if (asprintf(&cmdline, "%s %s", cfg->kernel, cfg->cmdline_given ? cfg->cmdline : "") < 0)
		cmdline = NULL;
	b.cmdline = cmdline;
	err = cmdline ? multiboot_place(&vm->mem, &vm->mach, k->load_end, &b, &bi->mb_info_gpa)
		      : -ENOMEM;
	for (int i = 0; i < b.nr_mods; i++)
		file_unmap(&map[i]);
	cli_modules_free(mod, n);
	free(cmdline);
	if (err == -EFBIG) {
		log_msg("--kernel %s: the multiboot information and modules do not fit in RAM "
			"below %llu MiB",
			cfg->kernel, (unsigned long long)(vm->mach.ram[0].size >> 20));
		return -EINVAL;
	}
	if (err)
		log_msg("multiboot information: %s", strerror(-err));
	return err;
}

static void vm_log_kernel_error(const struct vmm_config *cfg, const struct kernel_image *k, int err)
{
	if (err == -EOPNOTSUPP)
		log_msg("--kernel %s: its multiboot header requires flag bit %d, which we do not "
			"support",
			cfg->kernel, k->mb_bad_bit);
	else
		log_msg("--kernel %s: %s", cfg->kernel, loader_strerror(err));
}

/*
 * The vmlinux booted: a --reboot=restart run keeps the first boot's mapped (its later boots
 * have no open to look the cache up with); a cached one's pages go back to the page cache
 * until then. Any other run lets it go.
 */
static void vm_vmlinux_done(struct vm *vm, struct kcache_vmlinux *v)
{
	if (vm->vmlinux_state == VMLINUX_UNSEEN && vm->cfg->reboot_restart) {
		vm->vmlinux = *v;
		vm->vmlinux_state = VMLINUX_HELD;
	}
	if (vm->vmlinux_state != VMLINUX_HELD)
		kcache_release(v);
	else if (v->hit) /* a file's pages: read again from the page cache on a reboot */
		madvise(v->map, v->map_len, MADV_DONTNEED);
}

/*
 * A bzImage whose payload is a vmlinux with a PVH entry boots through that entry, from the
 * decompressed-kernel cache: the guest's own decompressor, run under nested
 * virtualisation, is the slowest part of a boot (issue 11). 1 if the vmlinux is loaded; 0
 * if the bzImage is to boot as it is (--boot-protocol linux, not compressed in a way we
 * undo, no PVH entry), with the reason under --stats; -ENOMEM if RAM was lost.
 */
static int vm_load_unpacked(struct vm *vm, const struct file_map *f, struct kernel_image *k)
{
	const struct vmm_config *cfg = vm->cfg;
	struct kcache_vmlinux v;
	int err;

	if (cfg->boot_linux || vm->vmlinux_state == VMLINUX_NONE)
		return 0;
	if (vm->vmlinux_state == VMLINUX_HELD)
		v = vm->vmlinux, err = 0; /* a reboot: the first boot's */
	else
		err = kcache_get(f->data, f->len, &v);
	if (err)
		vm->vmlinux_state = VMLINUX_NONE; /* the next boot takes the same path */
	if (err == -ENOEXEC)
		return 0;
	if (err) {
		log_msg("--kernel %s: its payload %s: booting it as it is", cfg->kernel,
			err == -EOPNOTSUPP ? "is compressed in a way we do not undo"
			: err == -EINVAL   ? "does not decompress"
					   : strerror(-err));
		return 0;
	}
	/*
	 * With --kernel-map a cache hit's segments are mapped from the entry (mem.c says why
	 * only its file); by default copied: the guest then boots faster (docs/boot-time.md).
	 */
	err = loader_load_elf_file(
	    &vm->mem, v.data, v.len,
	    cfg->kernel_map && v.fd >= 0 ? &(struct mem_file){v.fd, v.file_off} : NULL, k);
	if (err == -ENOMEM) { /* a mapping failed and took RAM with it: nothing can load there */
		log_msg("--kernel %s: guest RAM lost under a failed mapping of %s", cfg->kernel,
			v.path);
		if (vm->vmlinux_state != VMLINUX_HELD) /* a held one: vm_images_close's */
			kcache_release(&v);
		return err;
	}
	if (err || k->kind != KERNEL_PVH) {
		if (cfg->stats)
			log_msg("kernel: the vmlinux in %s has no PVH entry (%s): booting the "
				"bzImage",
				cfg->kernel, loader_strerror(err ? err : -ENOEXEC));
		/* Nothing to undo: without the note the loader writes nothing, and a segment
		 * it could not place leaves bytes the bzImage's kernel takes for free RAM. */
		if (vm->vmlinux_state != VMLINUX_HELD) { /* (a reboot's is the same ELF) */
			kcache_release(&v);
			vm->vmlinux_state = VMLINUX_NONE;
		}
		return 0;
	}
	if (cfg->stats)
		log_msg("kernel: %s: its %s payload, a %zu-byte vmlinux, booted through its PVH "
			"entry; %s in %.1f ms%s%s",
			cfg->kernel, unpack_format_name(v.format), v.len,
			v.hit ? "from the cache" : "decompressed", v.ms,
			*v.path ? (v.hit || v.stored ? ": " : ", not cached: ")
				: ", no cache directory",
			v.path);
	vm_vmlinux_done(vm, &v);
	return 1;
}

int vm_load_images(struct vm *vm, struct kernel_image *k, struct boot_info *bi)
{
	const struct vmm_config *cfg = vm->cfg;
	struct file_map f;
	int err;

	if ((err = file_map(vm, VM_IMAGE_KERNEL, cfg->kernel, &f))) {
		log_msg("--kernel %s: %s", cfg->kernel, file_strerror(err));
		return -EINVAL;
	}
	err = vm_load_unpacked(vm, &f, k);
	if (err < 0) {
		file_unmap(&f);
		return err;
	}
	err = err ? 0 : loader_load_kernel(&vm->mem, f.data, f.len, k);
	file_unmap(&f);
	if (err) {
		vm_log_kernel_error(cfg, k, err);
		return -EINVAL;
	}
	if (k->kind == KERNEL_MULTIBOOT) {
		/* QEMU ignores the video mode; with no display, so do we (multiboot.h). */
		if (k->mb_flags & MB_HF_VIDEO_MODE)
			log_msg("--kernel %s: multiboot video mode asked for: no display here, "
				"so no video information",
				cfg->kernel);
		return vm_load_multiboot(vm, k, bi);
	}
	if (cfg->nr_modules) {
		log_msg("--module %s: modules are for multiboot kernels", cfg->module[0].path);
		return -EINVAL;
	}
	if (cfg->initrd) {
		if ((err = file_map(vm, VM_IMAGE_INITRD, cfg->initrd, &f))) {
			log_msg("--initrd %s: %s", cfg->initrd, file_strerror(err));
			return -EINVAL;
		}
		err = loader_load_initrd(&vm->mem, k, f.data, f.len, &bi->initrd_gpa);
		bi->initrd_size = f.len;
		file_unmap(&f);
		if (err) {
			log_msg("--initrd %s: %s", cfg->initrd, loader_strerror(err));
			return -EINVAL;
		}
	}
	return vm_load_cmdline(vm, k, bi);
}
