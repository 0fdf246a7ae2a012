/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART, after kvmtool's hw/serial.c and QEMU's hw/char/serial.c.
 *
 * Transmission goes through an output queue (base/outq.h, 64 KiB) that a
 * thread of its own writes to out_fd, so a vCPU never blocks in write() on a
 * console nobody reads. While the queue has room, THR and the transmitter
 * read as empty (LSR.THRE|TEMT) and there is no TX FIFO to model; when it is
 * full they read busy, the back-pressure drivers wait on, THRI comes when
 * room does, and a byte written anyway is dropped and counted. Reception
 * goes through a 16-byte FIFO that the console thread fills with
 * serial_rx_push().
 *
 * Choices where hardware and the reference models differ:
 *  - The RX FIFO is 16 deep even when the guest has not enabled FIFOs in
 *    FCR (as kvmtool, which is always 64 deep): the console can hand over
 *    input in bursts before the driver runs, and drivers drain RBR while
 *    LSR.DR is set anyway. FCR.0 only changes what IIR bits 7:6 report.
 *  - MCR.OUT2 does not gate the interrupt line, as in QEMU and kvmtool. On
 *    a PC card OUT2 enables the IRQ driver; Linux sets it anyway and some
 *    bare-metal guests forget to. Power-on MCR is OUT2, as in both models.
 *  - The RX trigger level is ignored: RDI is pending whenever data is.
 *  - In loopback the receiver is disconnected from the host: rx_push takes
 *    nothing (the console keeps its bytes until loopback ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/serial_reg.h>

#include "../base/log.h"
#include "../base/outq.h"
#include "../base/timeline.h"
#include "device.h"
#include "serial.h"

#define SERIAL_FIFO_LEN 16
#define SERIAL_FLUSH_MS 500 /* at the end, the longest we wait for a reader to take the rest */
#define SERIAL_NR_REGS	8

/* IIR bits 7:6 read 11 with FIFOs enabled: what makes Linux say 16550A. */
#define IIR_FIFO_BITS 0xc0
/* Modem status lines seen with nothing in loopback: a cable with DCD|DSR|CTS up. */
#define MSR_LINES_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)
#define MSR_LINES      0xf0

struct serial {
	pthread_mutex_t lock;
	struct outq *out; /* NULL: output discarded */
	device_irq_fn set_irq;
	void *irq_ctx;
	int irq_level; /* what set_irq was last told */

	uint8_t rx[SERIAL_FIFO_LEN];
	unsigned int rx_head;
	unsigned int rx_count;

	uint8_t ier;
	uint8_t fcr; /* only the bits that stick: enable, DMA mode, trigger */
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err;   /* OE/PE/FE/BI; DR, THRE, TEMT are derived */
	uint8_t msr_delta; /* DCTS/DDSR/TERI/DDCD since the last MSR read */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	/* THRE interrupt latched; cleared by an IIR read that reports it. */
	bool thri_pending;
};

static bool serial_loopback(const struct serial *s)
{
	return s->mcr & UART_MCR_LOOP;
}

static bool serial_dlab(const struct serial *s)
{
	return s->lcr & UART_LCR_DLAB;
}

/* Interrupt identification in priority order: RLS, RDI, THRI, MSI. */
static uint8_t serial_iir_id(const struct serial *s)
{
	if ((s->ier & UART_IER_RLSI) && (s->lsr_err & UART_LSR_BRK_ERROR_BITS))
		return UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thri_pending)
		return UART_IIR_THRI;
	if ((s->ier & UART_IER_MSI) && s->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & UART_FCR_ENABLE_FIFO) ? IIR_FIFO_BITS : 0;

	return fifo | serial_iir_id(s);
}

/* Called with the lock held after anything that may change a source. */
static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir_id(s) & UART_IIR_NO_INT);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->set_irq)
		s->set_irq(s->irq_ctx, level);
}

/* THR (and the transmitter) empty: the output queue has room, or there is no output. */
static bool serial_thr_empty(const struct serial *s)
{
	return !s->out || !outq_full(s->out);
}

static uint8_t serial_lsr(const struct serial *s)
{
	uint8_t lsr = s->lsr_err;

	if (serial_thr_empty(s))
		lsr |= UART_LSR_THRE | UART_LSR_TEMT;

	if (s->rx_count)
		lsr |= UART_LSR_DR;
	return lsr;
}

/* The modem input lines: wired to the MCR outputs in loopback. */
static uint8_t serial_msr_lines(uint8_t mcr)
{
	uint8_t lines = 0;

	if (!(mcr & UART_MCR_LOOP))
		return MSR_LINES_IDLE;
	if (mcr & UART_MCR_DTR)
		lines |= UART_MSR_DSR;
	if (mcr & UART_MCR_RTS)
		lines |= UART_MSR_CTS;
	if (mcr & UART_MCR_OUT1)
		lines |= UART_MSR_RI;
	if (mcr & UART_MCR_OUT2)
		lines |= UART_MSR_DCD;
	return lines;
}

static void serial_write_mcr(struct serial *s, uint8_t val)
{
	uint8_t old = serial_msr_lines(s->mcr), new = serial_msr_lines(val);
	uint8_t changed = old ^ new;

	if (changed & UART_MSR_CTS)
		s->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		s->msr_delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		s->msr_delta |= UART_MSR_DDCD;
	/* TERI flags only the trailing edge of RI. */
	if ((old & UART_MSR_RI) && !(new &UART_MSR_RI))
		s->msr_delta |= UART_MSR_TERI;
	/* Bits 7:5 are reserved (AFE and friends on other parts). */
	s->mcr = val & 0x1f;
}

static void serial_rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

static void serial_rx_put(struct serial *s, uint8_t b)
{
	if (s->rx_count == SERIAL_FIFO_LEN) {
		/* The byte in the shift register is lost; the FIFO is kept. */
		s->lsr_err |= UART_LSR_OE;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_LEN] = b;
	s->rx_count++;
}

static uint8_t serial_rx_get(struct serial *s)
{
	uint8_t b;

	/* An empty RBR reads 0, as QEMU's FIFO mode does. */
	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_LEN;
	s->rx_count--;
	return b;
}

static void serial_tx(struct serial *s, uint8_t b)
{
	if (serial_loopback(s)) {
		serial_rx_put(s, b);
		return;
	}
	timeline_mark(TL_FIRST_SERIAL);
	if (s->out)
		outq_put(s->out, &b, 1); /* full: dropped, counted; the driver ignored THRE */
}

void serial_output(struct serial *s, const void *buf, size_t len)
{
	pthread_mutex_lock(&s->lock); /* between two THR bytes, not in the middle of one */
	if (s->out)
		outq_put(s->out, buf, len);
	pthread_mutex_unlock(&s->lock);
}

/* From the output queue's thread: a full queue has room, so THR is empty again. */
static void serial_tx_room(void *ctx)
{
	struct serial *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->thri_pending = true;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write_ier(struct serial *s, uint8_t val)
{
	uint8_t changed = (s->ier ^ val) & UART_IER_THRI;

	/* Bits 7:4 are reserved on a 16550A; Linux probes that they stay 0. */
	s->ier = val & 0x0f;
	/*
	 * Enabling THRI with THR empty (always) raises the interrupt even if
	 * an IIR read had cleared it: Linux's THRE test in
	 * serial8250_do_startup toggles IER and expects it back, and QEMU
	 * notes Windows relies on it too. Disabling forgets it.
	 */
	if (changed)
		s->thri_pending = s->ier & UART_IER_THRI;
}

static void serial_write_fcr(struct serial *s, uint8_t val)
{
	/* Switching FIFO mode on or off resets both FIFOs. */
	if ((val ^ s->fcr) & UART_FCR_ENABLE_FIFO)
		val |= UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT;
	if (val & UART_FCR_CLEAR_RCVR)
		serial_rx_clear(s);
	/* Nothing to clear for TX: bytes have already left. */
	s->fcr = val & (UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_MASK);
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t val)
{
	switch (reg) {
	case UART_TX:
		if (serial_dlab(s)) {
			s->dll = val;
			break;
		}
		serial_tx(s, val);
		/* THR is empty again at once unless the queue is full: re-arm (or, when
		 * full, serial_tx_room will). */
		s->thri_pending = serial_thr_empty(s);
		break;
	case UART_IER:
		if (serial_dlab(s))
			s->dlm = val;
		else
			serial_write_ier(s, val);
		break;
	case UART_FCR:
		serial_write_fcr(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		serial_write_mcr(s, val);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default: /* LSR and MSR writes are factory test modes: ignored */
		break;
	}
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	uint8_t val;

	switch (reg) {
	case UART_RX:
		return serial_dlab(s) ? s->dll : serial_rx_get(s);
	case UART_IER:
		return serial_dlab(s) ? s->dlm : s->ier;
	case UART_IIR:
		val = serial_iir(s);
		/* Reading IIR acknowledges THRI, but only when it is what IIR shows. */
		if ((val & UART_IIR_ID) == UART_IIR_THRI && !(val & UART_IIR_NO_INT))
			s->thri_pending = false;
		return val;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		val = serial_lsr(s);
		s->lsr_err = 0; /* reading LSR clears OE, PE, FE and BI */
		return val;
	case UART_MSR:
		val = serial_msr_lines(s->mcr) | s->msr_delta;
		s->msr_delta = 0;
		return val;
	case UART_SCR:
		return s->scr;
	default:
		return 0xff;
	}
}

void serial_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct serial *s = opaque;
	uint8_t *p = data;

	if (!s || !p || !len)
		return;
	/*
	 * Byte-wide registers: a wider access is one byte per register it covers, low byte
	 * first, as the ISA bus splits it (and QEMU's memory core does for its 8250; rtc_io
	 * and pit_io do the same); bytes past the last register float high.
	 */
	if (!is_write)
		memset(p, 0xff, len);
	if (offset >= SERIAL_NR_REGS)
		return;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len && i < SERIAL_NR_REGS - offset; i++) {
		if (is_write)
			serial_write(s, (unsigned int)offset + i, p[i]);
		else
			p[i] = serial_read(s, (unsigned int)offset + i);
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static size_t serial_rx_space_locked(const struct serial *s)
{
	if (serial_loopback(s))
		return 0;
	return SERIAL_FIFO_LEN - s->rx_count;
}

size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n, i;

	pthread_mutex_lock(&s->lock);
	n = serial_rx_space_locked(s);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		serial_rx_put(s, buf[i]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Power-on register values; the caller updates the IRQ line. */
static void serial_init_regs(struct serial *s)
{
	serial_rx_clear(s);
	s->ier = 0;
	s->fcr = 0;
	s->lcr = 0;
	s->mcr = UART_MCR_OUT2;
	s->lsr_err = 0;
	s->msr_delta = 0;
	s->scr = 0;
	s->dll = 0x0c; /* 9600 baud from 1.8432 MHz, QEMU's reset value */
	s->dlm = 0;
	s->thri_pending = false;
}

void serial_reset(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	serial_init_regs(s);
	serial_update_irq(s); /* nothing is pending now: lowers a raised line */
	pthread_mutex_unlock(&s->lock);
}

struct serial *serial_create(int out_fd, const char *name, device_irq_fn set_irq, void *irq_ctx)
{
	struct serial *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	err = pthread_mutex_init(&s->lock, NULL);
	if (err) {
		free(s);
		errno = err;
		return NULL;
	}
	if (out_fd >= 0 && !(s->out = outq_create(out_fd, name, serial_tx_room, s))) {
		err = errno;
		pthread_mutex_destroy(&s->lock);
		free(s);
		errno = err;
		return NULL;
	}
	s->set_irq = set_irq;
	s->irq_ctx = irq_ctx;
	s->irq_level = 0; /* the line starts low; no need to say so */
	serial_init_regs(s);
	return s;
}

/* out_fd belongs to the caller and stays open. */
void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	outq_destroy(s->out, SERIAL_FLUSH_MS);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* --- the device: one per UART of the machine description ---------------------------------- */

struct serial_dev {
	struct serial *s;
	int out_fd; /* ours to close when it is a --serial file */
};

int serial_cfg_open(const struct serial_cfg *c)
{
	switch (c ? c->kind : SERIAL_STDIO) {
	case SERIAL_STDIO:
		return STDOUT_FILENO;
	case SERIAL_FILE:
		return open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	default:
		return -1;
	}
}

static int serial_dev_count(const struct device_host *h)
{
	return h->mach->nr_serial;
}

static void serial_dev_destroy(void *dev)
{
	struct serial_dev *sd = dev;

	serial_destroy(sd->s);
	if (sd->out_fd > STDERR_FILENO)
		close(sd->out_fd);
	free(sd);
}

static int serial_dev_create(const struct device_host *h, int i, void **dev)
{
	const struct serial_desc *d = &h->mach->serial[i];
	const struct serial_cfg *c = d->cfg;
	struct serial_dev *sd = calloc(1, sizeof(*sd));
	char name[8], thread[16];
	int err;

	if (!sd)
		return -ENOMEM;
	snprintf(name, sizeof(name), "ttyS%d", i);
	snprintf(thread, sizeof(thread), "%s-out", name);
	sd->out_fd = serial_cfg_open(c);
	if (c && c->kind == SERIAL_FILE && sd->out_fd < 0) {
		err = -errno;
		log_msg("--serial file:%s: %s", c->path, strerror(errno));
		free(sd);
		return err;
	}
	sd->s =
	    serial_create(sd->out_fd, thread, h->set_irq, h->irq_line(h->vmm, d->irq, false, name));
	err =
	    sd->s ? bus_register(h->bus, BUS_PIO, d->port, 8, serial_io, sd->s, "serial") : -errno;
	if (err) {
		log_msg("%s: %s", name, strerror(-err));
		serial_dev_destroy(sd);
		return err;
	}
	*dev = sd;
	return 0;
}

/* The file stays open, so a --serial file holds the log of every boot of a run. */
static void serial_dev_reset(void *dev)
{
	serial_reset(((struct serial_dev *)dev)->s);
}

struct serial *serial_device_uart(void *dev)
{
	return ((struct serial_dev *)dev)->s;
}

const struct device_ops serial_device = {
    .name = "serial",
    .count = serial_dev_count,
    .create = serial_dev_create,
    .reset = serial_dev_reset,
    .destroy = serial_dev_destroy,
};
