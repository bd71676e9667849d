/* lwIP inside ztrun: NO_SYS=1, driven only from the event loop's thread (its clock and random numbers
 * are the port's, third_party/lwip/arch/sys_arch.c). */
#include "stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/ip6_addr.h"

static bool stack_ready;

/* lwIP counts a connection's retransmission timeout in ticks of its slow TCP timer (TCP_SLOW_INTERVAL,
 * 20 ms with our TCP_TMR_INTERVAL, lwipopts.h) with no lower bound, and stops doubling it after the 7th
 * retry; it gives a peer up after TCP_MAXRTX (12, its ceiling) retries in a row, which at such ticks
 * could be within a minute of silence. So before any timer runs, each timeout is raised to at least
 * this, doubled for each retry so far: a peer silent for about 3.4 minutes is given up. */
#define ZT_TCP_RTO_MIN_MS 50

static void tcp_raise_timeout(struct tcp_pcb *pcb)
{
	unsigned tries = pcb->nrtx < TCP_MAXRTX ? pcb->nrtx : TCP_MAXRTX;
	s16_t floor = (s16_t)(((int32_t)ZT_TCP_RTO_MIN_MS << tries) / TCP_SLOW_INTERVAL);
	if (pcb->rto < floor)
		pcb->rto = floor;
}

/* Out-of-order data a connection holds (lwIP's ooseq queue) is data its receiver has told the peer
 * it has (SACK blocks, lwipopts.h): a peer that trusts that (Linux) retransmits only the holes, and
 * data thrown away then is repaired only by the peer's retransmission timeout, if it sees its
 * mistake at all. lwIP throws it away after TCP_OOSEQ_TIMEOUT (6) of the connection's timeouts with
 * nothing received (tcp_slowtmr; not an option lwipopts.h can set). A receiver that only receives
 * keeps the small timeout its round trips gave it, while the sending peer's timeouts grow to tens of
 * seconds through heavy loss: through 20% loss a stock peer's transfer lost its held data in every
 * such wait and gave up. Linux keeps such data unless memory runs short; here, while a timer pass
 * runs, a connection holding it gets a timeout just long enough that lwIP's check does not fire
 * (restored after the pass), up to lwIP's ceiling (0x7fff ticks): held data is dropped only after
 * about 65 minutes of silence. Its own retransmissions are not held back: by then they have grown
 * their timeout past that (it doubles per retry), and at worst wait one more tick. */
#define ZT_TCP_OOSEQ_TIMEOUT_TICKS 6 /* lwIP's TCP_OOSEQ_TIMEOUT */
#define ZT_TCP_TIMER_SLACK_TICKS 50  /* slow timer ticks one pass may run when the loop ran late */

struct held_rto {
	struct tcp_pcb *pcb;
	s16_t rto, held;
};
struct held_rtos {
	struct held_rto *v;
	size_t n, cap;
};

static void tcp_hold_ooseq(struct tcp_pcb *pcb, struct held_rtos *h)
{
	if (!pcb->ooseq)
		return;
	uint32_t idle = tcp_ticks - pcb->tmr + ZT_TCP_TIMER_SLACK_TICKS;
	uint32_t need = idle / ZT_TCP_OOSEQ_TIMEOUT_TICKS + 1;
	if (need <= (uint32_t)pcb->rto)
		return;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct held_rto *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return; /* lwIP's own rule for this one, this pass */
		h->v = v;
		h->cap = cap;
	}
	s16_t rto = (s16_t)(need > 0x7fff ? 0x7fff : need);
	h->v[h->n++] = (struct held_rto){pcb, pcb->rto, rto};
	pcb->rto = rto;
}

/* Before a timer pass, one walk over the connections: each timeout at least its floor, and held up
 * where out-of-order data would be dropped (restored by tcp_release_ooseq after the pass). */
static void tcp_prepare_timeouts(struct held_rtos *h)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		tcp_raise_timeout(pcb);
		tcp_hold_ooseq(pcb, h);
	}
}

static int held_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct held_rto *)a)->pcb;
	uintptr_t y = (uintptr_t)((const struct held_rto *)b)->pcb;
	return x < y ? -1 : x > y;
}

/* After the pass: each connection still there whose timeout the pass left alone gets its own back (a
 * connection the pass ended is no longer in the list; one it retransmitted on keeps lwIP's new one). */
static void tcp_release_ooseq(struct held_rtos *h)
{
	if (!h->n)
		return;
	qsort(h->v, h->n, sizeof(*h->v), held_cmp);
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		struct held_rto key = {.pcb = pcb};
		struct held_rto *e = bsearch(&key, h->v, h->n, sizeof(*h->v), held_cmp);
		if (e && pcb->rto == e->held)
			pcb->rto = e->rto;
	}
	free(h->v);
}

/* Connections in TIME_WAIT kept at most, as Linux's tcp_max_tw_buckets: past it the oldest end early.
 * lwIP keeps each for 2 MSL (2 minutes) and its PCBs come from the heap (lwipopts.h), so a burst of
 * short connections would hold ~300 bytes each that long. lwIP puts a new one at the list's head:
 * the oldest are at its tail. Walked at most each ZT_TCP_TIME_WAIT_CHECK_MS, not before every sleep. */
#define ZT_TCP_TIME_WAIT_MAX 1024
#define ZT_TCP_TIME_WAIT_CHECK_MS 100

static void tcp_trim_time_wait(int64_t now)
{
	static int64_t next_check;
	if (!tcp_tw_pcbs || now < next_check)
		return;
	next_check = now + ZT_TCP_TIME_WAIT_CHECK_MS;
	struct tcp_pcb *last_kept = tcp_tw_pcbs;
	for (unsigned n = 1; n < ZT_TCP_TIME_WAIT_MAX && last_kept->next; n++)
		last_kept = last_kept->next;
	for (struct tcp_pcb *pcb = last_kept->next, *next; pcb; pcb = next) {
		next = pcb->next;
		tcp_abort(pcb); /* a TIME_WAIT PCB is only freed: no RST */
	}
}

/* Before every sleep: run due lwIP timers and drain the loopback queue. Frames looped back may
 * produce more frames (an ACK for a segment); a bounded number of passes keeps one busy connection
 * from starving the loop, and a zero deadline brings us back at once when work remains. */
static int64_t stack_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)arg;
	tcp_trim_time_wait(now);
	/* Only lwIP's slow TCP timer compares the timeouts, so they are raised only when a timer is due,
	 * not before every sleep: the walk is over every connection (with 4,000 held and one busy, a
	 * walk before every sleep was a fifth of the process's time). */
	if (sys_timeouts_sleeptime() == 0) {
		struct held_rtos held = {0};
		tcp_prepare_timeouts(&held);
		sys_check_timeouts(); /* also sends delayed ACKs: the fast TCP timer runs each TCP_TMR_INTERVAL */
		tcp_release_ooseq(&held);
	}
	for (int pass = 0; pass < 64; pass++) {
		bool pending = false;
		struct netif *nif;
		NETIF_FOREACH(nif)
		{
			if (nif->loop_first) {
				netif_poll(nif);
				pending = pending || nif->loop_first;
			}
		}
		if (!pending)
			break;
	}
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		if (nif->loop_first)
			return now;
	}
	u32_t sleep = sys_timeouts_sleeptime();
	return sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? -1 : now + (int64_t)sleep;
}

/* The loop the timer hook is on, and how many users (services) share it: one hook however many
 * services run, so joining and leaving networks does not use up the loop's hook slots. */
static struct zt_loop *hook_loop;
static int hook_users;

int zt_stack_init(struct zt_loop *loop)
{
	if (!stack_ready) {
		lwip_init();
		stack_ready = true;
	}
	if (hook_users > 0 && hook_loop == loop) {
		hook_users++;
		return 0;
	}
	if (hook_users > 0)
		return -EBUSY; /* lwIP is one per process: its timers run on one loop */
	int err = zt_loop_before_sleep(loop, stack_hook, NULL);
	if (err)
		return err;
	hook_loop = loop;
	hook_users = 1;
	return 0;
}

void zt_stack_release(struct zt_loop *loop)
{
	if (hook_users <= 0 || hook_loop != loop)
		return;
	if (--hook_users == 0) {
		zt_loop_remove_hook(loop, stack_hook, NULL);
		hook_loop = NULL;
	}
}

bool zt_stack_addr_is_local(const ip_addr_t *addr)
{
	if (ip_addr_isany(addr))
		return true;
	if (IP_IS_V4(addr) && ip4_addr_isloopback(ip_2_ip4(addr)))
		return true;
	if (IP_IS_V6(addr) && ip6_addr_isloopback(ip_2_ip6(addr)))
		return true;
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		if (!netif_is_up(nif))
			continue;
		if (IP_IS_V4(addr) && ip4_addr_cmp(ip_2_ip4(addr), netif_ip4_addr(nif)))
			return true;
		if (IP_IS_V6(addr) && netif_get_ip6_addr_match(nif, ip_2_ip6(addr)) >= 0)
			return true;
	}
	return false;
}

int zt_stack_addr_from_nc(const struct zt_nc_addr *a, ip_addr_t *ip, uint16_t *port)
{
	*port = ntohs(a->port_be);
	if (a->family == AF_INET) {
		uint32_t v4;
		memcpy(&v4, a->addr, 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	if (a->family != AF_INET6)
		return -EAFNOSUPPORT;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a->addr, mapped, 12) == 0) {
		uint32_t v4;
		memcpy(&v4, a->addr + 12, 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
		return 0;
	}
	uint32_t w[4];
	memcpy(w, a->addr, 16);
	IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
	ip6_addr_clear_zone(ip_2_ip6(ip));
	return 0;
}

void zt_stack_addr_to_nc(const ip_addr_t *ip, uint16_t port, int domain, struct zt_nc_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint16_t)domain;
	a->port_be = htons(port);
	if (!ip || IP_IS_ANY_TYPE_VAL(*ip) || ip_addr_isany(ip))
		return;
	if (IP_IS_V4(ip)) {
		uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		if (domain == AF_INET6) {
			a->addr[10] = a->addr[11] = 0xff;
			memcpy(a->addr + 12, &v4, 4);
		} else {
			memcpy(a->addr, &v4, 4);
		}
		return;
	}
	memcpy(a->addr, ip_2_ip6(ip)->addr, 16);
}

int zt_stack_errno(err_t err)
{
	switch (err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	case ERR_WOULDBLOCK:
		return -EWOULDBLOCK;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_CLSD:
		return -ENOTCONN;
	}
	return -EIO;
}
