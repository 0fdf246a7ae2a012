/* SPDX-License-Identifier: MIT */
/*
 * The 16550A driven the way guest drivers drive it: Linux's 8250
 * autoconfig and startup sequences, interrupt-mode TX and RX, loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/serial_reg.h>

#include "base/outq.h"
#include "devices/serial.h"

/* The fake interrupt line: records every call, insists on real changes. */
struct fake_irq {
	int level;
	int calls;
};

static void fake_set_irq(void *ctx, int level)
{
	struct fake_irq *irq = ctx;

	assert_true(level == 0 || level == 1);
	/* The device must only report changes of level. */
	assert_int_not_equal(level, irq->level);
	irq->level = level;
	irq->calls++;
}

struct fixture {
	struct serial *s;
	struct fake_irq irq;
	int pipe[2]; /* out_fd is pipe[1] */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC), 0);
	f->s = serial_create(f->pipe[1], "ttyS0-out", fake_set_irq, &f->irq);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	serial_destroy(f->s);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
	return 0;
}

static void outb(struct serial *s, unsigned int reg, uint8_t val)
{
	serial_io(s, reg, &val, 1, true);
}

static uint8_t inb(struct serial *s, unsigned int reg)
{
	uint8_t val = 0x5a;

	serial_io(s, reg, &val, 1, false);
	return val;
}

/*
 * What the host side of the pipe received, NUL-terminated: the UART's output queue writes
 * from a thread of its own, so read until it has been quiet for 100 ms.
 */
static size_t drain_pipe(struct fixture *f, char *buf, size_t len)
{
	struct pollfd p = {.fd = f->pipe[0], .events = POLLIN};
	size_t got = 0;

	while (got < len - 1 && poll(&p, 1, 100) == 1) {
		ssize_t n = read(f->pipe[0], buf + got, len - 1 - got);

		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	return got;
}

static void test_power_on_state(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(inb(f->s, UART_IER), 0x00);
	assert_int_equal(inb(f->s, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(inb(f->s, UART_LCR), 0x00);
	assert_int_equal(inb(f->s, UART_MCR), UART_MCR_OUT2);
	assert_int_equal(inb(f->s, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(inb(f->s, UART_SCR), 0x00);
	assert_int_equal(inb(f->s, UART_RX), 0x00);
	assert_int_equal(f->irq.calls, 0);
}

/* drivers/tty/serial/8250/8250_port.c autoconfig(), step by step. */
static void test_linux_autoconfig(void **state)
{
	struct fixture *f = *state;
	uint8_t save_ier, save_lcr, save_mcr;

	/* Scratch register holds what it is given. */
	outb(f->s, UART_SCR, 0xa5);
	assert_int_equal(inb(f->s, UART_SCR), 0xa5);
	outb(f->s, UART_SCR, 0x5a);
	assert_int_equal(inb(f->s, UART_SCR), 0x5a);

	/* IER probe: 0 reads 0, 0x0f reads 0x0f. */
	save_ier = inb(f->s, UART_IER);
	outb(f->s, UART_IER, 0);
	assert_int_equal(inb(f->s, UART_IER) & 0x0f, 0x00);
	outb(f->s, UART_IER, 0x0f);
	assert_int_equal(inb(f->s, UART_IER) & 0x0f, 0x0f);
	outb(f->s, UART_IER, save_ier);
	/* IER=0x0f raised THRI, restoring IER dropped it again. */
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(f->irq.level, 0);

	/* Loopback test: MCR = LOOP | OUT2 | RTS must read DCD | CTS. */
	save_mcr = inb(f->s, UART_MCR);
	outb(f->s, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(inb(f->s, UART_MSR) & 0xf0, 0x90);
	outb(f->s, UART_MCR, save_mcr);
	assert_int_equal(inb(f->s, UART_MSR) & 0xf0, 0xb0);

	/* EFR probe with LCR=0xbf: there is no EFR, offset 2 reads IIR. */
	save_lcr = inb(f->s, UART_LCR);
	outb(f->s, UART_LCR, 0xbf);
	assert_int_equal(inb(f->s, UART_LCR), 0xbf);
	assert_int_not_equal(inb(f->s, 2), 0);
	outb(f->s, UART_LCR, save_lcr);

	/* FIFO type: IIR bits 7:6 == 3 means 16550A. */
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(inb(f->s, UART_IIR) >> 6, 3);

	/* National SuperIO probe: offset 2 with LCR=0xe0 never mirrors MCR.LOOP. */
	outb(f->s, UART_LCR, 0xe0);
	assert_int_equal(inb(f->s, 2) & UART_MCR_LOOP, 0);
	outb(f->s, UART_LCR, 0);
	outb(f->s, UART_MCR, save_mcr ^ UART_MCR_LOOP);
	outb(f->s, UART_LCR, 0xe0);
	assert_int_equal(inb(f->s, 2) & UART_MCR_LOOP, 0);
	outb(f->s, UART_LCR, 0);
	outb(f->s, UART_MCR, save_mcr);

	/* TI16750 probe: IIR bit 5 never sets, with or without DLAB. */
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	assert_int_equal(inb(f->s, UART_IIR) >> 5, 6);
	outb(f->s, UART_LCR, UART_LCR_DLAB);
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR7_64BYTE);
	assert_int_equal(inb(f->s, UART_IIR) >> 5, 6);
	outb(f->s, UART_LCR, 0);

	/* XScale probe: IER bit 6 (UUE) does not stick. */
	outb(f->s, UART_IER, 0x40);
	assert_int_equal(inb(f->s, UART_IER), 0x00);

	/* The FCR values serial8250 programs: FIFO on, bits 7:6 of IIR set. */
	outb(f->s, UART_FCR, 0xc7);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	outb(f->s, UART_FCR, 0xe7);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	outb(f->s, UART_FCR, 0);
	assert_int_equal(inb(f->s, UART_IIR), 0x01);

	/* The probe left no interrupt and no stray state behind. */
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(inb(f->s, UART_MCR), UART_MCR_OUT2);
}

static void test_divisor_latch(void **state)
{
	struct fixture *f = *state;
	const uint8_t in = 'x';

	outb(f->s, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	assert_int_equal(serial_rx_push(f->s, &in, 1), 1);
	assert_int_equal(f->irq.level, 1);

	outb(f->s, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	outb(f->s, UART_DLL, 0x01);
	outb(f->s, UART_DLM, 0x00);
	assert_int_equal(inb(f->s, UART_DLL), 0x01);
	assert_int_equal(inb(f->s, UART_DLM), 0x00);
	outb(f->s, UART_DLM, 0x12);
	assert_int_equal(inb(f->s, UART_DLM), 0x12);
	assert_int_equal(inb(f->s, UART_LCR), UART_LCR_DLAB | UART_LCR_WLEN8);
	outb(f->s, UART_LCR, UART_LCR_WLEN8);

	/* Neither IER nor the received byte went through the latch. */
	assert_int_equal(inb(f->s, UART_IER), UART_IER_RDI | UART_IER_RLSI);
	assert_int_equal(inb(f->s, UART_LSR), UART_LSR_DR | 0x60);
	assert_int_equal(inb(f->s, UART_RX), 'x');
	assert_int_equal(f->irq.level, 0);

	/* And the latch kept its value. */
	outb(f->s, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(inb(f->s, UART_DLL), 0x01);
	assert_int_equal(inb(f->s, UART_DLM), 0x12);
	outb(f->s, UART_LCR, 0);
}

static void test_tx_reaches_fd(void **state)
{
	struct fixture *f = *state;
	const char *msg = "hello, world\n";
	char buf[64];

	for (const char *p = msg; *p; p++) {
		assert_int_equal(inb(f->s, UART_LSR) & UART_LSR_THRE, UART_LSR_THRE);
		outb(f->s, UART_TX, *p);
		assert_int_equal(inb(f->s, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	}
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), strlen(msg));
	assert_string_equal(buf, msg);
	/* Polled TX with IER=0 never interrupts. */
	assert_int_equal(f->irq.calls, 0);
}

static void test_tx_discard_and_full_fd(void **state)
{
	struct fixture *f = *state;
	struct fake_irq irq = {0};
	struct serial *s = serial_create(-1, "ttyS0-out", fake_set_irq, &irq);
	char junk[4096];

	/* out_fd < 0: bytes vanish. */
	assert_non_null(s);
	outb(s, UART_TX, 'a');
	assert_int_equal(inb(s, UART_LSR), 0x60);
	serial_destroy(s);

	/*
	 * A pipe nobody reads: the vCPU never blocks. The output queue takes what the pipe
	 * does not (THR reads empty meanwhile); when it is full too, THRE and TEMT read busy,
	 * the back-pressure a driver waits on, and a byte written anyway is dropped. Once the
	 * reader reads, the queue drains, THRE is back and the THRE interrupt with it.
	 */
	memset(junk, 'j', sizeof(junk));
	while (write(f->pipe[1], junk, sizeof(junk)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	outb(f->s, UART_IER, UART_IER_THRI);
	assert_int_equal(inb(f->s, UART_IIR) & 0x0f, UART_IIR_THRI); /* read: cleared */
	for (int i = 0; i < OUTQ_SIZE; i++) {
		assert_int_equal(inb(f->s, UART_LSR) & 0x60, 0x60);
		outb(f->s, UART_TX, 'b');
	}
	assert_int_equal(inb(f->s, UART_LSR) & 0x60, 0);
	assert_int_equal(inb(f->s, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	outb(f->s, UART_TX, 'x'); /* the driver did not wait: lost */
	while (read(f->pipe[0], junk, sizeof(junk)) > 0 || drain_pipe(f, junk, sizeof(junk)))
		;
	assert_int_equal(inb(f->s, UART_LSR) & 0x60, 0x60);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_int_equal(inb(f->s, UART_LSR) & 0x60, 0x60);
}

static void test_rx_fifo(void **state)
{
	struct fixture *f = *state;
	uint8_t in[20];

	for (int i = 0; i < 20; i++)
		in[i] = 'A' + i;
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	outb(f->s, UART_IER, UART_IER_RDI);
	assert_int_equal(f->irq.calls, 0);

	assert_int_equal(serial_rx_push(f->s, in, 20), 16);
	assert_int_equal(serial_rx_push(f->s, in + 16, 4), 0);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(f->irq.calls, 1);
	assert_int_equal(inb(f->s, UART_LSR), UART_LSR_DR | 0x60);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_RDI);

	/* Drain as serial8250_rx_chars does: while LSR.DR. */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(inb(f->s, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
		assert_int_equal(f->irq.level, 1);
		assert_int_equal(inb(f->s, UART_RX), 'A' + i);
	}
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(f->irq.calls, 2);

	/* The rest arrives once there is room, and FCR can flush it. */
	assert_int_equal(serial_rx_push(f->s, in + 16, 4), 4);
	assert_int_equal(f->irq.calls, 3);
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(f->irq.calls, 4);
}

static void test_rx_without_irq(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[3] = {1, 2, 3};

	/* Polled mode: data shows in LSR but the line stays low. */
	assert_int_equal(serial_rx_push(f->s, in, 3), 3);
	assert_int_equal(inb(f->s, UART_LSR), 0x61);
	assert_int_equal(inb(f->s, UART_IIR), 0x01);
	assert_int_equal(f->irq.calls, 0);
	/* Enabling RDI with data waiting raises it at once. */
	outb(f->s, UART_IER, UART_IER_RDI);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_IIR), UART_IIR_RDI);
	outb(f->s, UART_IER, 0);
	assert_int_equal(f->irq.level, 0);
	/* Toggling FIFO mode resets the FIFO. */
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
}

static void test_thre_irq(void **state)
{
	struct fixture *f = *state;
	char buf[16];

	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	/* Enabling THRI with THR empty interrupts. */
	outb(f->s, UART_IER, UART_IER_THRI);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_IIR), 0xc2);
	/* The IIR read that reported THRI acknowledged it. */
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	assert_int_equal(f->irq.calls, 2);

	/* Each THR write re-arms it: the byte left instantly. */
	outb(f->s, UART_TX, 'z');
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_IIR), 0xc2);
	assert_int_equal(f->irq.level, 0);

	/* Writing THR also clears a pending THRI before re-arming: still one rise. */
	outb(f->s, UART_TX, 'y');
	outb(f->s, UART_TX, 'x');
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(f->irq.calls, 5);

	/* Masking drops the line and forgets; unmasking re-arms (0 -> 1). */
	outb(f->s, UART_IER, 0);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	outb(f->s, UART_IER, UART_IER_THRI);
	assert_int_equal(f->irq.level, 1);
	/* Rewriting the same IER does not re-arm after an acknowledge. */
	assert_int_equal(inb(f->s, UART_IIR), 0xc2);
	outb(f->s, UART_IER, UART_IER_THRI);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);

	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "zyx");
}

/* serial8250_do_startup's "THRE test" and the UART_BUG_TXEN check. */
static void test_linux_startup_thre_test(void **state)
{
	struct fixture *f = *state;
	uint8_t iir1, iir, lsr;

	/* serial8250_clear_fifos, then clear the interrupt registers. */
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	outb(f->s, UART_FCR, 0);
	inb(f->s, UART_LSR);
	inb(f->s, UART_RX);
	inb(f->s, UART_IIR);
	inb(f->s, UART_MSR);
	assert_int_not_equal(inb(f->s, UART_LSR), 0xff);
	outb(f->s, UART_LCR, UART_LCR_WLEN8);
	outb(f->s, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);

	assert_int_equal(inb(f->s, UART_LSR) & UART_LSR_THRE, UART_LSR_THRE);
	outb(f->s, UART_IER, UART_IER_THRI);
	iir1 = inb(f->s, UART_IIR);
	outb(f->s, UART_IER, 0);
	outb(f->s, UART_IER, UART_IER_THRI);
	iir = inb(f->s, UART_IIR);
	outb(f->s, UART_IER, 0);
	/* Linux sets UART_BUG_THRE if the second read says NO_INT. */
	assert_int_equal(iir1, UART_IIR_THRI);
	assert_int_equal(iir, UART_IIR_THRI);

	/* UART_BUG_TXEN: enabling THRI must interrupt even with TEMT set. */
	outb(f->s, UART_IER, UART_IER_THRI);
	lsr = inb(f->s, UART_LSR);
	iir = inb(f->s, UART_IIR);
	outb(f->s, UART_IER, 0);
	assert_int_equal(lsr & UART_LSR_TEMT, UART_LSR_TEMT);
	assert_int_equal(iir & UART_IIR_NO_INT, 0);

	/* Every rise had its fall. */
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(f->irq.calls, 6);
}

/* One round of serial8250_handle_irq + serial8250_tx_chars for a string. */
static void test_linux_irq_tx(void **state)
{
	struct fixture *f = *state;
	const char *msg = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t pos = 0, len = strlen(msg);
	int irqs = 0;
	uint8_t ier = UART_IER_RLSI | UART_IER_RDI;
	char buf[64];

	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_R_TRIG_10);
	outb(f->s, UART_IER, ier);
	/* start_tx */
	ier |= UART_IER_THRI;
	outb(f->s, UART_IER, ier);
	while (f->irq.level) {
		uint8_t iir = inb(f->s, UART_IIR), lsr;

		irqs++;
		assert_true(irqs < 10);
		assert_int_equal(iir & UART_IIR_NO_INT, 0);
		lsr = inb(f->s, UART_LSR);
		if ((lsr & UART_LSR_THRE) && (ier & UART_IER_THRI)) {
			/* tx_chars: up to fifosize bytes, stop_tx when done */
			for (int n = 16; n && pos < len; n--)
				outb(f->s, UART_TX, msg[pos++]);
			if (pos == len) {
				ier &= ~UART_IER_THRI;
				outb(f->s, UART_IER, ier);
			}
		}
	}
	assert_int_equal(irqs, 3);
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), len);
	assert_string_equal(buf, msg);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
}

static void test_irq_priority(void **state)
{
	struct fixture *f = *state;

	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	/* Loopback from MCR=OUT2: DSR and CTS fall, DCD stays up. */
	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	outb(f->s, UART_IER, 0x0f);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_THRI);
	/* THRI acknowledged: the modem status change is next. */
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_MSI);

	/* 17 bytes into a 16-byte FIFO: data and an overrun, THRI re-armed. */
	for (int i = 0; i < 17; i++)
		outb(f->s, UART_TX, 'a' + i);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_RLSI);
	/* Reading LSR reports and clears OE. */
	assert_int_equal(inb(f->s, UART_LSR), UART_LSR_DR | UART_LSR_OE | 0x60);
	assert_int_equal(inb(f->s, UART_LSR), UART_LSR_DR | 0x60);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_RDI);
	/* The FIFO kept the first 16, the 17th was lost. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(inb(f->s, UART_RX), 'a' + i);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_THRI);
	assert_int_equal(inb(f->s, UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_DCD | UART_MSR_DDSR | UART_MSR_DCTS);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1);
	assert_int_equal(f->irq.level, 0);
	/* The line stayed high from the IER write until the MSR read. */
	assert_int_equal(f->irq.calls, 2);
}

static void test_irq_only_on_change(void **state)
{
	struct fixture *f = *state;
	const uint8_t b = '!';

	outb(f->s, UART_IER, UART_IER_RDI);
	for (int i = 0; i < 10; i++)
		assert_int_equal(serial_rx_push(f->s, &b, 1), 1);
	for (int i = 0; i < 9; i++) {
		inb(f->s, UART_RX);
		inb(f->s, UART_LSR);
		inb(f->s, UART_IIR);
		outb(f->s, UART_SCR, i);
	}
	assert_int_equal(f->irq.calls, 1);
	inb(f->s, UART_RX);
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(f->irq.level, 0);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;
	const uint8_t host = 'h';
	char buf[16];

	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	outb(f->s, UART_TX, 'a');
	outb(f->s, UART_TX, 'b');
	outb(f->s, UART_TX, 'c');
	/* Nothing went out, and the host cannot inject while looped. */
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), 0);
	assert_int_equal(serial_rx_push(f->s, &host, 1), 0);
	assert_int_equal(inb(f->s, UART_LSR), 0x61);
	assert_int_equal(inb(f->s, UART_RX), 'a');
	assert_int_equal(inb(f->s, UART_RX), 'b');
	assert_int_equal(inb(f->s, UART_RX), 'c');
	assert_int_equal(inb(f->s, UART_LSR), 0x60);

	/* Each MCR output shows on its MSR input. */
	outb(f->s, UART_MCR, UART_MCR_LOOP);
	inb(f->s, UART_MSR);
	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DDSR);
	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_RI | UART_MSR_DCTS);
	/* RI's trailing edge sets TERI; its rising edge does not. */
	outb(f->s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(inb(f->s, UART_MSR), UART_MSR_DCD | UART_MSR_DDCD | UART_MSR_TERI);
	outb(f->s, UART_MCR, UART_MCR_LOOP | 0x0f);
	assert_int_equal(inb(f->s, UART_MSR), 0xf0 | UART_MSR_DCTS | UART_MSR_DDSR);
	assert_int_equal(inb(f->s, UART_MSR), 0xf0);
	/* Reserved MCR bits do not stick. */
	assert_int_equal(inb(f->s, UART_MCR), 0x1f);

	/* Out of loopback the host feeds RX again and TX reaches the fd. */
	outb(f->s, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(inb(f->s, UART_MSR) & 0xf0, 0xb0);
	assert_int_equal(serial_rx_push(f->s, &host, 1), 1);
	assert_int_equal(inb(f->s, UART_RX), 'h');
	outb(f->s, UART_TX, 'o');
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "o");
	assert_int_equal(f->irq.calls, 0);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[4] = "abcd";
	char buf[16];

	outb(f->s, UART_FCR, 0xc7);
	outb(f->s, UART_IER, 0x0f);
	outb(f->s, UART_SCR, 0x77);
	outb(f->s, UART_LCR, UART_LCR_DLAB | 0x03);
	outb(f->s, UART_DLL, 0x01);
	outb(f->s, UART_LCR, 0x03);
	outb(f->s, UART_MCR, 0x0b);
	serial_rx_push(f->s, in, 4);
	assert_int_equal(f->irq.level, 1);

	serial_reset(f->s);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(inb(f->s, UART_IER), 0);
	assert_int_equal(inb(f->s, UART_IIR), 0x01);
	assert_int_equal(inb(f->s, UART_LCR), 0);
	assert_int_equal(inb(f->s, UART_MCR), UART_MCR_OUT2);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(inb(f->s, UART_MSR), 0xb0);
	assert_int_equal(inb(f->s, UART_SCR), 0);
	outb(f->s, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(inb(f->s, UART_DLL), 0x0c);
	assert_int_equal(inb(f->s, UART_DLM), 0x00);
	outb(f->s, UART_LCR, 0);

	/* A reset with the line low says nothing; the fd and callback survive. */
	serial_reset(f->s);
	assert_int_equal(f->irq.calls, 2);
	outb(f->s, UART_TX, 'r');
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), 1);
	outb(f->s, UART_IER, UART_IER_THRI);
	assert_int_equal(f->irq.level, 1);
}

static void test_hostile_accesses(void **state)
{
	struct fixture *f = *state;
	static const uint32_t lens[] = {1, 2, 4, 8};
	uint8_t data[8];
	char buf[256];

	/* Every width at every offset, and past the end. */
	for (unsigned int off = 0; off < 10; off++) {
		for (unsigned int l = 0; l < 4; l++) {
			uint32_t len = lens[l];

			memset(data, 0, sizeof(data));
			serial_io(f->s, off, data, len, false);
			for (uint32_t i = 0; i < len; i++) /* past the 8 registers: high */
				if (off + i >= 8)
					assert_int_equal(data[i], 0xff);
		}
	}
	/* Unchecked widths and a zero length do not crash either. */
	serial_io(f->s, 0, data, 0, false);
	serial_io(f->s, 0, data, 0, true);
	serial_io(f->s, UINT64_MAX, data, 8, true);
	serial_io(f->s, UINT64_MAX, data, 8, false);
	assert_int_equal(data[0], 0xff);

	/* A wide write is one byte per register, as the ISA bus splits it; past SCR, nothing. */
	memcpy(data, (uint8_t[8]){0x34, 0x12, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}, 8);
	serial_io(f->s, UART_SCR, data, 2, true);
	assert_int_equal(inb(f->s, UART_SCR), 0x34);
	serial_io(f->s, UART_SCR, data, 8, true);
	assert_int_equal(inb(f->s, UART_SCR), 0x34);
	/* A 4-byte write at IER is IER, FCR, LCR and MCR, in that order. */
	memcpy(data, (uint8_t[4]){0x00, UART_FCR_ENABLE_FIFO, 0x03, 0x0b}, 4);
	serial_io(f->s, UART_IER, data, 4, true);
	assert_int_equal(inb(f->s, UART_LCR), 0x03);
	assert_int_equal(inb(f->s, UART_MCR), 0x0b);
	assert_int_equal(inb(f->s, UART_IIR), 0xc1); /* FIFOs on, no interrupt */
	outb(f->s, UART_FCR, 0);
	outb(f->s, UART_MCR, 0);
	outb(f->s, UART_LCR, 0);

	/* Wide reads: IIR, LCR, MCR, LSR from FCR's port; all eight from RBR's. */
	outb(f->s, UART_SCR, 0x5a);
	memset(data, 0, sizeof(data));
	serial_io(f->s, UART_FCR, data, 4, false);
	assert_memory_equal(data, ((uint8_t[4]){0x01, 0x00, 0x00, 0x60}), 4);
	memset(data, 0, sizeof(data));
	serial_io(f->s, UART_TX, data, 8, false);
	assert_memory_equal(data, ((uint8_t[8]){0x00, 0x00, 0x01, 0x00, 0x00, 0x60, 0xb0, 0x5a}),
			    8);

	/* Writes to read-only LSR and MSR are ignored. */
	outb(f->s, UART_LSR, 0x00);
	outb(f->s, UART_MSR, 0x00);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(inb(f->s, UART_MSR), 0xb0);

	/* A wide THR write still sends exactly one byte. */
	drain_pipe(f, buf, sizeof(buf));
	memcpy(data, "ABCDEFGH", 8);
	serial_io(f->s, UART_TX, data, 8, true);
	assert_int_equal(drain_pipe(f, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "A");

	/* Random garbage everywhere leaves a device that still answers. */
	srand(1);
	for (int i = 0; i < 100000; i++) {
		uint8_t v = rand();

		if (rand() & 1)
			serial_io(f->s, rand() % 8, &v, 1, true);
		else
			serial_io(f->s, rand() % 8, &v, 1, false);
		if (i % 64 == 0 && read(f->pipe[0], buf, sizeof(buf)) < 0) /* what is there */
			assert_int_equal(errno, EAGAIN);
	}
	serial_reset(f->s);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(f->irq.level, 0);
	serial_destroy(NULL);
}

struct pusher {
	struct serial *s;
	int total;
};

static void *push_thread(void *arg)
{
	struct pusher *p = arg;
	int sent = 0;

	while (sent < p->total) {
		uint8_t b = sent & 0xff;

		if (serial_rx_push(p->s, &b, 1))
			sent++;
		else
			sched_yield();
	}
	return NULL;
}

/* The console thread pushes while a vCPU thread drains: nothing lost or reordered. */
static void test_concurrent_rx(void **state)
{
	struct fixture *f = *state;
	struct pusher p = {f->s, 20000};
	pthread_t t;
	int got = 0;

	outb(f->s, UART_FCR, UART_FCR_ENABLE_FIFO);
	outb(f->s, UART_IER, UART_IER_RDI);
	assert_int_equal(pthread_create(&t, NULL, push_thread, &p), 0);
	while (got < p.total) {
		if (inb(f->s, UART_LSR) & UART_LSR_DR)
			assert_int_equal(inb(f->s, UART_RX), got++ & 0xff);
		else
			sched_yield();
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(inb(f->s, UART_LSR), 0x60);
	assert_int_equal(f->irq.level, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_power_on_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linux_autoconfig, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_reaches_fd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_discard_and_full_fd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_without_irq, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thre_irq, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linux_startup_thre_test, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linux_irq_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irq_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irq_only_on_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_accesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_rx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
