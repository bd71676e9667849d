/* lwIP inside ztrun: NO_SYS=1, driven only from the event loop's thread (its clock and random numbers
 * are the port's, third_party/lwip/arch/sys_arch.c). */
#include "stack.h"

#include <errno.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/ip6_addr.h"

static bool stack_ready;
static int64_t last_ack_flush;

/* lwIP sends a delayed ACK from its 250 ms TCP timer. With Nagle on the sender (the default), an
 * app that writes a block and waits for the peer's answer stalls up to that long on the last partial
 * segment; Linux bounds its delayed ACK at 40 ms. So delayed ACKs go out at most this late. */
#define ZT_DELAYED_ACK_MS 20

static bool acks_delayed(void)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->flags & TF_ACK_DELAY)
			return true;
	return false;
}

/* Before every sleep: run due lwIP timers and drain the loopback queue. Frames looped back may
 * produce more frames (an ACK for a segment); a bounded number of passes keeps one busy connection
 * from starving the loop, and a zero deadline brings us back at once when work remains. */
static int64_t stack_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)arg;
	(void)now;
	sys_check_timeouts();
	bool delayed = acks_delayed();
	if (delayed && now - last_ack_flush >= ZT_DELAYED_ACK_MS) {
		tcp_fasttmr(); /* only sends delayed ACKs and pending FINs; the slow timer is untouched */
		last_ack_flush = now;
		delayed = acks_delayed();
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
	int64_t deadline = sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? -1 : now + (int64_t)sleep;
	if (delayed && (deadline < 0 || last_ack_flush + ZT_DELAYED_ACK_MS < deadline))
		deadline = last_ack_flush + ZT_DELAYED_ACK_MS;
	return deadline;
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
