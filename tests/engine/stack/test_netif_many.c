/* Suite for many TCP connections in one lwIP (stack/netif.c on the fake wire, netif_fixture.h, and
 * stack.c's hook): more at once than lwIP's pools used to hold, and the bound on connections kept in
 * TIME_WAIT. Each test must give back every pool entry and heap byte it took. */
#include <string.h>

#include "lwip/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "netif_fixture.h"

/* More connections at once than lwIP's pools used to hold (4,096 TCP PCBs): 5,000 through one
 * listener, so 10,000 PCBs live in this one lwIP, each end's PCB from the heap as it is needed. */
#define MANY_TCP 5000
struct many_tcp {
	struct tcp_pcb *cli[MANY_TCP], *srv[MANY_TCP];
	size_t connected, accepted;
};

static err_t many_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)pcb;
	((struct many_tcp *)arg)->connected += err == ERR_OK;
	return ERR_OK;
}

static err_t many_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct many_tcp *m = arg;
	if (err != ERR_OK || !pcb || m->accepted == MANY_TCP)
		return ERR_VAL;
	m->srv[m->accepted++] = pcb;
	return ERR_OK;
}

static bool many_done(void *arg) /* the round of 100 is up at both ends */
{
	struct many_tcp *m = arg;
	return m->connected == m->accepted && m->connected % 100 == 0 && m->connected > 0;
}

/* n connections from 10.0.0.1 to a new listener at 10.0.0.2:port, in rounds of 100 (the listener's
 * backlog holds 128 handshakes); returns the listener (NULL: none), *opened how many m->cli holds. */
static struct tcp_pcb *many_open(struct many_tcp *m, uint16_t port, size_t n, size_t *opened)
{
	wire_basic(2800);
	CHECK(ping_answered("10.0.0.1", "10.0.0.2")); /* ARP resolved: no SYN waits in its short queue */
	memset(m, 0, sizeof(*m));
	ip_addr_t a, b;
	ipaddr_aton("10.0.0.1", &a);
	ipaddr_aton("10.0.0.2", &b);
	*opened = 0;
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!CHECK_MSG(l && tcp_bind(l, &b, port) == ERR_OK && (l = tcp_listen(l)) != NULL, "listener at %u",
	               port))
		return NULL;
	tcp_arg(l, m);
	tcp_accept(l, many_accept);
	while (*opened < n) {
		for (int i = 0; i < 100 && *opened < n; i++) {
			struct tcp_pcb *c = m->cli[*opened] = tcp_new_ip_type(IPADDR_TYPE_V4);
			if (!c)
				break;
			tcp_arg(c, m);
			++*opened;
			CHECK(tcp_bind(c, &a, 0) == ERR_OK);
			CHECK(tcp_connect(c, &b, port, many_connected) == ERR_OK);
		}
		if (!wire_run_until(&W, many_done, m, 3000) || m->connected != *opened)
			break;
	}
	CHECK_EQ_INT((int)m->connected, (int)n);
	CHECK_EQ_INT((int)m->accepted, (int)n);
	return l;
}

static void test_tcp_many(void)
{
	static struct many_tcp m;
	size_t opened;
	struct tcp_pcb *l = many_open(&m, 7100, MANY_TCP, &opened);
	REQUIRE(l);
	for (size_t i = 0; i < opened; i++)
		tcp_abort(m.cli[i]);
	for (size_t i = 0; i < m.accepted; i++)
		tcp_abort(m.srv[i]);
	tcp_close(l);
	wire_settle(&W, 20);
	wire_free(&W);
}

/* stack.c keeps at most this many connections in TIME_WAIT (as Linux's tcp_max_tw_buckets) */
#define TIME_WAIT_MAX 1024
#define TIME_WAIT_OLD 100

static size_t time_wait_count(void)
{
	size_t n = 0;
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		n++;
	return n;
}

static bool time_wait_reached(void *arg)
{
	return time_wait_count() >= *(size_t *)arg;
}

static bool in_time_wait(const struct tcp_pcb *pcb)
{
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		if (p == pcb)
			return true;
	return false;
}

static bool is_rst(const struct wire_frame *f, void *arg)
{
	(void)arg;
	if (f->type != 0x0800 || f->len < 20 || f->data[9] != IP_PROTO_TCP)
		return false;
	size_t ihl = (size_t)(f->data[0] & 0x0f) * 4;
	return f->len >= ihl + 14 && (f->data[ihl + 13] & TCP_RST);
}

/* Past TIME_WAIT_MAX connections in TIME_WAIT, the oldest end early, silently (no RST: the peer
 * closed long ago), when stack.c's hook runs; the newest stay for their 2 MSL. The active closers
 * (the clients) are the ones in TIME_WAIT; the server ends close on the FIN (lwIP's default receive). */
static void test_time_wait_cap(void)
{
	static struct many_tcp m;
	size_t opened, want;
	const size_t n = TIME_WAIT_MAX + TIME_WAIT_OLD;
	struct tcp_pcb *l = many_open(&m, 7101, n, &opened);
	REQUIRE(l && opened == n);
	for (size_t i = 0; i < TIME_WAIT_OLD; i++)
		CHECK(tcp_close(m.cli[i]) == ERR_OK);
	want = TIME_WAIT_OLD;
	CHECK(wire_run_until(&W, time_wait_reached, &want, 3000));
	for (size_t i = TIME_WAIT_OLD; i < n; i++)
		CHECK(tcp_close(m.cli[i]) == ERR_OK);
	want = n;
	CHECK(wire_run_until(&W, time_wait_reached, &want, 5000));
	CHECK_EQ_INT((int)time_wait_count(), (int)n); /* the wire alone runs no hook: all are kept */
	size_t mark = W.nlog;
	/* the hook trims at most every 100 ms: run it until it has */
	for (int i = 0; i < 100 && time_wait_count() > TIME_WAIT_MAX; i++) {
		netif_fixture_run_hooks();
		wire_settle(&W, 10);
	}
	CHECK_EQ_INT((int)time_wait_count(), TIME_WAIT_MAX);
	size_t old_kept = 0, new_kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_time_wait(m.cli[i])) /* compares addresses only: the ended ones are freed */
			*(i < TIME_WAIT_OLD ? &old_kept : &new_kept) += 1;
	}
	CHECK_EQ_INT((int)old_kept, 0);
	CHECK_EQ_INT((int)new_kept, TIME_WAIT_MAX);
	wire_settle(&W, 20);
	CHECK_EQ_INT((int)wire_count(&W, 0, mark, is_rst, NULL), 0);
	CHECK_EQ_INT((int)wire_count(&W, 1, mark, is_rst, NULL), 0);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	tcp_close(l);
	wire_settle(&W, 20);
	wire_free(&W);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(test_tcp_many),
	    ZT_TEST(test_time_wait_cap),
	};
	return netif_suite_main("stack_netif_many", tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
