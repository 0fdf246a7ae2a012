/* SPDX-License-Identifier: MIT */
/*
 * An Intel 8254 PIT and port 0x61, after the 82C54 datasheet, QEMU's hw/timer/i8254.c and
 * KVM's arch/x86/kvm/i8254.c (see pit.h).
 *
 * A channel's state is its count N, its mode and when it started counting; the ticks
 * elapsed since, d, give its count and OUT ("Modes of Operation"):
 *   mode 0  count N - d, OUT low until d = N, then high (Linux's one-shot clockevent)
 *   mode 1  as mode 0, started by a gate rising edge instead of the count's write
 *   mode 2  count N - d % N, OUT low for the one tick before each reload (rate generator)
 *   mode 3  OUT high for the first ceil(N/2) ticks of each period of N (square wave)
 *   mode 4  count N - d, OUT low for the one tick at d = N (software strobe)
 *   mode 5  as mode 4, started by a gate rising edge
 *
 * Choices where the datasheet and the reference models differ, all QEMU's and KVM's:
 *  - A count takes effect at its write, not one CLK later (so a mode 0 OUT rises after N
 *    ticks, not N + 1), and in modes 2 and 3 at once, not at the end of the current period.
 *  - Mode 3 counts down by 2 over each half period as QEMU shows it (N - 2d % N).
 * And one of our own: power-on leaves no channel counting (KVM's; QEMU starts mode 3),
 * so nothing raises IRQ 0 before the guest programs channel 0.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/sandbox.h"
#include "device.h"
#include "pit.h"

#define NS_PER_S	 1000000000ULL
#define PIT_REFRESH_NS	 15085 /* port 0x61 bit 4 toggles at the PC's DRAM refresh rate */
#define PIT_CW_SC(v)	 (((v) >> 6) & 3)
#define PIT_CW_RW(v)	 (((v) >> 4) & 3)
#define PIT_CW_M(v)	 (((v) >> 1) & 7)
#define PIT_SC_READBACK	 3
#define PIT_RB_NO_COUNT	 0x20 /* read-back: bit 5 low latches the counts */
#define PIT_RB_NO_STATUS 0x10 /* bit 4 low latches the status */
#define PIT_STATUS_OUT	 0x80
#define PIT_STATUS_NULL	 0x40
#define PIT_RW_LSB	 1
#define PIT_RW_MSB	 2
#define PIT_RW_LSB_MSB	 3
#define PIT_NO_EDGE	 UINT64_MAX

/* --- time ------------------------------------------------------------------------------- */

static uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / NS_PER_S);
}

/* The first ns at which tick `ticks` has passed: the inverse of pit_ns_to_ticks. */
static uint64_t pit_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * NS_PER_S + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

static uint64_t pit_now(const struct pit *p)
{
	return p->clock(p->clock_ctx);
}

/* --- one channel ------------------------------------------------------------------------- */

/* Modes 6 and 7 are 2 and 3 (datasheet, the control word's M2 is "don't care" there). */
static unsigned int pit_mode(const struct pit_channel *c)
{
	return c->mode > 5 ? c->mode & 3 : c->mode;
}

static bool pit_gate_triggered(const struct pit_channel *c)
{
	unsigned int m = pit_mode(c);

	return m == 1 || m == 5;
}

/* Counting has begun: a count, and in modes 1 and 5 the trigger. */
static bool pit_started(const struct pit_channel *c)
{
	return c->loaded && (!pit_gate_triggered(c) || c->triggered);
}

static uint64_t pit_elapsed(const struct pit_channel *c, uint64_t now)
{
	if (!c->running || now < c->start)
		return c->held;
	return c->held + pit_ns_to_ticks(now - c->start);
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 0x10000;
}

/* What the counting element holds, 0..modulus - 1. */
static uint32_t pit_ce(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = c->count, mod = pit_modulus(c);
	uint64_t d;

	if (!pit_started(c))
		return n % mod;
	d = pit_elapsed(c, now);
	switch (pit_mode(c)) {
	case 2:
		return (n - d % n) % mod;
	case 3:
		return (n - (2 * d) % n) % mod;
	default: /* 0, 1, 4, 5 wrap and go on counting */
		return (uint32_t)((n + mod - d % mod) % mod);
	}
}

static bool pit_channel_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t d, n = c->count;

	if (!c->loaded) /* a control word sets OUT low in mode 0, high in the others */
		return pit_mode(c) != 0;
	if (!pit_started(c))
		return true; /* modes 1 and 5 wait for their trigger with OUT high */
	d = pit_elapsed(c, now);
	switch (pit_mode(c)) {
	case 0:
	case 1:
		return d >= n;
	case 2: /* a gate held low forces OUT high */
		return !c->running || d % n != n - 1;
	case 3:
		return !c->running || d % n < (n + 1) / 2;
	default: /* 4, 5 */
		return d != n;
	}
}

/* The first tick after d at which OUT rises, or PIT_NO_EDGE. */
static uint64_t pit_next_edge_tick(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = c->count;

	switch (pit_mode(c)) {
	case 0:
	case 1:
		return d < n ? n : PIT_NO_EDGE;
	case 2:
	case 3:
		return (d / n + 1) * n;
	default: /* 4, 5: OUT comes back up one tick after the strobe */
		return d < n + 1 ? n + 1 : PIT_NO_EDGE;
	}
}

/* When, after time `after`, OUT next rises: PIT_NO_EDGE if it is not counting. */
static uint64_t pit_next_edge(const struct pit_channel *c, uint64_t after)
{
	uint64_t k;

	if (!pit_started(c) || !c->running)
		return PIT_NO_EDGE;
	k = pit_next_edge_tick(c, pit_elapsed(c, after));
	if (k == PIT_NO_EDGE || k < c->held)
		return PIT_NO_EDGE;
	return c->start + pit_ticks_to_ns(k - c->held);
}

static void pit_start(struct pit_channel *c, uint64_t now)
{
	c->held = 0;
	c->start = now;
	c->running = c->gate || pit_gate_triggered(c);
}

static uint16_t pit_to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
			  v % 10);
}

/* Nibbles above 9 count as their value: a guest's bad digits still give some count. */
static uint32_t pit_from_bcd(uint16_t v)
{
	return ((v >> 12) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf)) %
	       10000;
}

/* A whole count written: 0 is the largest (2^16, or 10^4 in BCD). */
static void pit_load(struct pit_channel *c, uint16_t v, uint64_t now)
{
	uint32_t n = c->bcd ? pit_from_bcd(v) : v;

	c->count = n ? n : pit_modulus(c);
	c->loaded = true;
	c->triggered = false;
	if (pit_gate_triggered(c)) {
		c->running = false;
		c->held = 0;
		return;
	}
	pit_start(c, now);
}

static void pit_write_count(struct pit_channel *c, uint8_t v, uint64_t now)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		pit_load(c, v, now);
		break;
	case PIT_RW_MSB:
		pit_load(c, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			/* Mode 0: the first byte stops the count and sets OUT low at once. */
			if (pit_mode(c) == 0) {
				c->loaded = false;
				c->running = false;
			}
			break;
		}
		c->write_msb = false;
		pit_load(c, (uint16_t)(c->write_lsb | v << 8), now);
		break;
	}
}

static uint16_t pit_count_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t v = pit_ce(c, now);

	return c->bcd ? pit_to_bcd(v) : (uint16_t)v;
}

/* The counter latch command, and read-back's count: a latch not yet read is kept. */
static void pit_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return;
	c->latch = pit_count_value(c, now);
	c->count_latched = true;
}

static void pit_latch_status(struct pit_channel *c, uint64_t now)
{
	bool null = !pit_started(c) || pit_elapsed(c, now) == 0;

	if (c->status_latched)
		return;
	c->status = (pit_channel_out(c, now) ? PIT_STATUS_OUT : 0) | (null ? PIT_STATUS_NULL : 0) |
		    c->rw << 4 | c->mode << 1 | c->bcd;
	c->status_latched = true;
}

/* A byte of v in the access mode's order, the read flip-flop moving in LSB-then-MSB mode. */
static uint8_t pit_read_byte(struct pit_channel *c, uint16_t v, bool *done)
{
	bool msb = c->rw == PIT_RW_MSB || (c->rw == PIT_RW_LSB_MSB && c->read_msb);

	if (c->rw == PIT_RW_LSB_MSB)
		c->read_msb = !c->read_msb;
	*done = c->rw != PIT_RW_LSB_MSB || !c->read_msb;
	return msb ? v >> 8 : v & 0xff;
}

/* Status first, then a latched count, then the live one ("Read-Back Command"). */
static uint8_t pit_read_count(struct pit_channel *c, uint64_t now)
{
	bool done;
	uint8_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		v = pit_read_byte(c, c->latch, &done);
		c->count_latched = !done;
		return v;
	}
	return pit_read_byte(c, pit_count_value(c, now), &done);
}

/* A control word resets the channel's logic: no count, OUT at its mode's initial level. */
static void pit_program(struct pit_channel *c, uint8_t rw, uint8_t mode, bool bcd)
{
	c->rw = rw;
	c->mode = mode;
	c->bcd = bcd;
	c->loaded = c->triggered = c->running = false;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
	c->held = 0;
}

static void pit_set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
	bool was = c->gate;

	c->gate = gate;
	if (gate == was || !c->loaded)
		return;
	switch (pit_mode(c)) {
	case 0:
	case 4: /* the gate pauses the count */
		if (!gate) {
			c->held = pit_elapsed(c, now);
			c->running = false;
		} else {
			c->start = now;
			c->running = true;
		}
		break;
	case 1:
	case 5: /* a rising edge (re)starts it; a falling one does nothing */
		if (gate) {
			c->triggered = true;
			pit_start(c, now);
		}
		break;
	default: /* 2, 3: low stops it with OUT high, a rising edge reloads */
		if (gate)
			pit_start(c, now);
		else {
			c->held = pit_elapsed(c, now);
			c->running = false;
		}
		break;
	}
}

/* --- the chip ------------------------------------------------------------------------------ */

static void pit_changed(struct pit *p, int ch)
{
	if (ch == 0 && p->changed)
		p->changed(p->changed_ctx);
}

static void pit_readback(struct pit *p, uint8_t v, uint64_t now)
{
	for (int i = 0; i < PIT_CHANNELS; i++) {
		if (!(v & (2 << i)))
			continue;
		if (!(v & PIT_RB_NO_COUNT))
			pit_latch_count(&p->ch[i], now);
		if (!(v & PIT_RB_NO_STATUS))
			pit_latch_status(&p->ch[i], now);
	}
}

static void pit_write_control(struct pit *p, uint8_t v, uint64_t now)
{
	int sc = PIT_CW_SC(v);

	if (sc == PIT_SC_READBACK) {
		pit_readback(p, v, now);
		return;
	}
	if (PIT_CW_RW(v) == 0) { /* the counter latch command */
		pit_latch_count(&p->ch[sc], now);
		return;
	}
	pit_program(&p->ch[sc], PIT_CW_RW(v), PIT_CW_M(v), v & 1);
	pit_changed(p, sc);
}

static void pit_write(struct pit *p, unsigned int reg, uint8_t v, uint64_t now)
{
	if (reg == 3) {
		pit_write_control(p, v, now);
		return;
	}
	pit_write_count(&p->ch[reg], v, now);
	pit_changed(p, reg);
}

/* The control word register cannot be read (datasheet: "no-operation, 3-state"). */
static uint8_t pit_read(struct pit *p, unsigned int reg, uint64_t now)
{
	return reg == 3 ? 0xff : pit_read_count(&p->ch[reg], now);
}

void pit_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct pit *p = opaque;
	uint8_t *b = data;
	uint64_t now;

	if (!p || !b)
		return;
	pthread_mutex_lock(&p->lock);
	now = pit_now(p);
	/* A wide access is the bytes of the ports it covers, in order, as the ISA bus splits it. */
	for (uint32_t i = 0; i < len; i++) {
		bool ours = offset < PIT_NR_PORTS && i < PIT_NR_PORTS - offset;

		if (is_write && ours)
			pit_write(p, offset + i, b[i], now);
		else if (!is_write)
			b[i] = ours ? pit_read(p, offset + i, now) : 0xff;
	}
	pthread_mutex_unlock(&p->lock);
}

static uint8_t pit_port61_read(struct pit *p, uint64_t now)
{
	uint8_t v = p->port61 & PIT_61_RW;

	if ((now / PIT_REFRESH_NS) & 1)
		v |= PIT_61_REFRESH;
	if (pit_channel_out(&p->ch[2], now))
		v |= PIT_61_OUT2;
	return v;
}

void pit_port61_io(void *opaque, uint64_t offset, void *data, uint32_t len, bool is_write)
{
	struct pit *p = opaque;
	uint8_t *b = data;
	uint64_t now;

	if (!p || !b || !len)
		return;
	if (!is_write)
		memset(b, 0xff, len);
	if (offset)
		return;
	pthread_mutex_lock(&p->lock);
	now = pit_now(p);
	if (is_write) {
		p->port61 = b[0] & PIT_61_RW;
		pit_set_gate(&p->ch[2], b[0] & PIT_61_GATE2, now);
	} else {
		b[0] = pit_port61_read(p, now);
	}
	pthread_mutex_unlock(&p->lock);
}

bool pit_out(struct pit *p, int ch)
{
	bool out;

	pthread_mutex_lock(&p->lock);
	out = pit_channel_out(&p->ch[ch], pit_now(p));
	pthread_mutex_unlock(&p->lock);
	return out;
}

uint32_t pit_count(struct pit *p, int ch)
{
	uint32_t v;

	pthread_mutex_lock(&p->lock);
	v = pit_ce(&p->ch[ch], pit_now(p));
	pthread_mutex_unlock(&p->lock);
	return v;
}

static uint64_t pit_next_irq_locked(const struct pit *p)
{
	uint64_t t = pit_next_edge(&p->ch[0], p->irq_last);

	if (t != PIT_NO_EDGE && p->irqs && t < p->irq_last + PIT_MIN_PERIOD_NS)
		t = p->irq_last + PIT_MIN_PERIOD_NS;
	return t;
}

uint64_t pit_next_irq(struct pit *p)
{
	uint64_t t;

	pthread_mutex_lock(&p->lock);
	t = pit_next_irq_locked(p);
	pthread_mutex_unlock(&p->lock);
	return t;
}

/*
 * Under the lock, so a reset between the check and the edge cannot let a stale IRQ out. A
 * late wake-up raises one IRQ, not one per period missed: QEMU's and KVM's default too, and
 * Linux keeps time from its clocksource, not from counting these.
 */
bool pit_tick(struct pit *p)
{
	uint64_t now, due;
	bool fire;

	pthread_mutex_lock(&p->lock);
	now = pit_now(p);
	due = pit_next_irq_locked(p);
	fire = due != PIT_NO_EDGE && due <= now;
	if (fire) {
		p->irq_last = now;
		p->irqs++;
		if (p->set_irq) {
			p->set_irq(p->irq_ctx, 1);
			p->set_irq(p->irq_ctx, 0);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return fire;
}

static void pit_init_regs(struct pit *p)
{
	for (int i = 0; i < PIT_CHANNELS; i++) {
		struct pit_channel *c = &p->ch[i];

		memset(c, 0, sizeof(*c));
		c->rw = PIT_RW_LSB_MSB;
		c->count = 0x10000;
		c->gate = i != 2; /* 2's is port 0x61 bit 0, which resets to 0 */
	}
	p->port61 = 0;
	p->irq_last = 0;
	p->irqs = 0;
}

void pit_reset(struct pit *p)
{
	pthread_mutex_lock(&p->lock);
	pit_init_regs(p);
	pit_changed(p, 0);
	pthread_mutex_unlock(&p->lock);
}

int pit_init(struct pit *p, pit_clock_fn clock, void *clock_ctx, device_irq_fn set_irq,
	     void *irq_ctx)
{
	int err;

	memset(p, 0, sizeof(*p));
	if ((err = pthread_mutex_init(&p->lock, NULL)))
		return -err;
	p->clock = clock;
	p->clock_ctx = clock_ctx;
	p->set_irq = set_irq;
	p->irq_ctx = irq_ctx;
	pit_init_regs(p);
	return 0;
}

void pit_fini(struct pit *p)
{
	pthread_mutex_destroy(&p->lock);
}

/* --- the device: the model on CLOCK_MONOTONIC and a thread on a timerfd --------------------- */

struct pit_dev {
	struct pit p;
	int timer_fd; /* CLOCK_MONOTONIC, absolute: channel 0's next IRQ */
	int kick_fd;  /* an eventfd: channel 0 was reprogrammed, or stop */
	bool stop;    /* under p.lock */
	pthread_t thread;
};

static uint64_t pit_clock_monotonic(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void pit_dev_kick(void *ctx)
{
	struct pit_dev *d = ctx;
	uint64_t one = 1;

	/* Only EAGAIN can fail it: a counter full of kicks already wakes the thread. */
	if (write(d->kick_fd, &one, sizeof(one)) < 0)
		return;
}

static void pit_dev_arm(struct pit_dev *d, uint64_t at)
{
	struct itimerspec its = {0}; /* zero disarms */

	if (at != PIT_NO_EDGE) {
		at = at ? at : 1;
		its.it_value.tv_sec = (time_t)(at / NS_PER_S);
		its.it_value.tv_nsec = (long)(at % NS_PER_S);
	}
	timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static bool pit_dev_stopping(struct pit_dev *d)
{
	bool stop;

	pthread_mutex_lock(&d->p.lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->p.lock);
	return stop;
}

/* Sleeps until IRQ 0 is due or channel 0 changes: no work between edges. */
static void *pit_thread(void *arg)
{
	struct pit_dev *d = arg;
	uint64_t n;

	sandbox_enter(SANDBOX_PIT);
	while (!pit_dev_stopping(d)) {
		struct pollfd fds[2] = {{.fd = d->timer_fd, .events = POLLIN},
					{.fd = d->kick_fd, .events = POLLIN}};

		pit_dev_arm(d, pit_next_irq(&d->p));
		if (poll(fds, 2, -1) < 0)
			continue; /* EINTR */
		if ((fds[1].revents & POLLIN) && read(d->kick_fd, &n, sizeof(n)) < 0)
			continue;
		if ((fds[0].revents & POLLIN) && read(d->timer_fd, &n, sizeof(n)) == sizeof(n))
			pit_tick(&d->p);
	}
	return NULL;
}

static int pit_dev_count(const struct device_host *h)
{
	return h->mach->pit == MACHINE_PIT_USER ? 1 : 0;
}

static void pit_dev_free(struct pit_dev *d)
{
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->kick_fd >= 0)
		close(d->kick_fd);
	pit_fini(&d->p);
	free(d);
}

static int pit_dev_claim(const struct device_host *h, struct pit_dev *d)
{
	int err = device_claim(h, BUS_PIO, PIT_PORT, PIT_NR_PORTS, pit_io, &d->p, "pit");

	return err ? err : device_claim(h, BUS_PIO, PIT_PORT_61, 1, pit_port61_io, &d->p, "port61");
}

static int pit_dev_create(const struct device_host *h, int i, void **dev)
{
	struct pit_dev *d = calloc(1, sizeof(*d));
	int err;

	(void)i;
	if (!d)
		return -ENOMEM;
	d->timer_fd = d->kick_fd = -1;
	if ((err = pit_init(&d->p, pit_clock_monotonic, NULL, h->set_irq,
			    h->irq_line(h->vmm, MACHINE_PIT_GSI, false, "pit")))) {
		free(d);
		return err;
	}
	d->p.changed = pit_dev_kick;
	d->p.changed_ctx = d;
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = d->timer_fd < 0 || d->kick_fd < 0 ? -errno : pit_dev_claim(h, d);
	if (!err && (err = -pthread_create(&d->thread, NULL, pit_thread, d)))
		log_msg("pit: thread: %s", strerror(-err));
	if (err) {
		pit_dev_free(d);
		return err;
	}
	pthread_setname_np(d->thread, "pit");
	*dev = d;
	return 0;
}

static void pit_dev_reset(void *dev)
{
	pit_reset(&((struct pit_dev *)dev)->p);
}

static void pit_dev_destroy(void *dev)
{
	struct pit_dev *d = dev;

	pthread_mutex_lock(&d->p.lock);
	d->stop = true;
	pit_dev_kick(d);
	pthread_mutex_unlock(&d->p.lock);
	pthread_join(d->thread, NULL);
	pit_dev_free(d);
}

static void pit_dev_dump(void *dev)
{
	struct pit *p = &((struct pit_dev *)dev)->p;

	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < PIT_CHANNELS; i++) {
		const struct pit_channel *c = &p->ch[i];

		fprintf(stderr, "vmm: pit: ch%d mode %u count %u%s%s gate %d out %d\n", i, c->mode,
			c->count, c->loaded ? "" : " (none)", c->running ? " running" : "", c->gate,
			pit_channel_out(c, pit_now(p)));
	}
	fprintf(stderr, "vmm: pit: irq0 raised %lu\n", p->irqs);
	pthread_mutex_unlock(&p->lock);
}

const struct device_ops pit_device = {
    .name = "pit",
    .count = pit_dev_count,
    .create = pit_dev_create,
    .reset = pit_dev_reset,
    .destroy = pit_dev_destroy,
    .dump = pit_dev_dump,
};
