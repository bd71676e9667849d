/* The fake wire between two netifs (see wire.h). */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "loop.h"

static void wire_out(void *arg, const uint8_t dst[6], const uint8_t src[6], uint16_t type, uint16_t vlan,
                     const void *payload, size_t len)
{
	struct wire_end *e = arg;
	struct wire *w = e->w;
	(void)vlan;
	if (w->nlog == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 256;
		struct wire_frame *log = realloc(w->log, cap * sizeof(*log));
		if (!log)
			abort();
		w->log = log;
		w->cap = cap;
	}
	struct wire_frame *f = &w->log[w->nlog++];
	f->from = e->idx;
	memcpy(f->dst, dst, 6);
	memcpy(f->src, src, 6);
	f->type = type;
	f->len = len;
	f->data = malloc(len ? len : 1);
	if (!f->data)
		abort();
	memcpy(f->data, payload, len);
	/* frames may leave while zt_netif_new is still running (e->nif not yet set) */
	if (len > (e->nif ? zt_netif_mtu(e->nif) : ZT_NETIF_MTU_MAX))
		w->oversize++;
	if (len > w->max_payload)
		w->max_payload = len;
}

static void wire_mcast(void *arg)
{
	struct wire_end *e = arg;
	e->mcast_changes++;
}

int wire_init(struct wire *w, uint64_t nwid, const uint8_t mac_a[6], const uint8_t mac_b[6], unsigned mtu)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < 2; i++) {
		struct wire_end *e = &w->end[i];
		e->w = w;
		e->idx = i;
		memcpy(e->mac, i == 0 ? mac_a : mac_b, 6);
		struct zt_netif_config cfg = {
		    .nwid = nwid, .mtu = mtu, .frame_out = wire_out, .mcast_changed = wire_mcast, .arg = e};
		memcpy(cfg.mac, e->mac, 6);
		int r = zt_netif_new(&e->nif, &cfg);
		if (r < 0)
			return r;
	}
	return 0;
}

void wire_free(struct wire *w)
{
	for (int i = 0; i < 2; i++)
		zt_netif_free(w->end[i].nif);
	for (size_t i = 0; i < w->nlog; i++)
		free(w->log[i].data);
	free(w->log);
	memset(w, 0, sizeof(*w));
	/* fragments of an unfinished datagram wait for their reassembly timer: run it out */
	for (int i = 0; i < 100; i++) {
		ip_reass_tmr();
		ip6_reass_tmr();
	}
}

size_t wire_pump(struct wire *w)
{
	size_t delivered = 0;
	for (int round = 0; round < 100000; round++) {
		if (w->batch && w->next < w->nlog) {
			/* what was logged so far, as one batch (what it makes waits for the next) */
			size_t end = w->nlog;
			zt_netif_rx_batch_begin();
			while (w->next < end) {
				struct wire_frame f = w->log[w->next++];
				if (w->drop && w->drop(&f, w->drop_arg))
					continue;
				zt_netif_frame_in(w->end[1 - f.from].nif, f.src, f.dst, f.type, f.data,
				                  f.len);
				delivered++;
			}
			zt_netif_rx_batch_end();
			w->batches++;
			continue;
		}
		if (w->next < w->nlog) {
			/* the log may move while lwIP answers: copy what frame_in reads from it */
			struct wire_frame f = w->log[w->next++];
			if (w->drop && w->drop(&f, w->drop_arg))
				continue;
			zt_netif_frame_in(w->end[1 - f.from].nif, f.src, f.dst, f.type, f.data, f.len);
			delivered++;
			continue;
		}
		bool looped = false;
		struct netif *n;
		NETIF_FOREACH(n)
		{
			if (n->loop_first) {
				netif_poll(n);
				looped = true;
			}
		}
		if (!looped)
			break;
	}
	return delivered;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

bool wire_run_until(struct wire *w, bool (*cond)(void *), void *arg, int timeout_ms)
{
	int64_t deadline = zt_now_ms() + timeout_ms;
	for (;;) {
		wire_pump(w);
		if (w->timers)
			w->timers();
		else
			sys_check_timeouts();
		wire_pump(w);
		if (cond && cond(arg))
			return true;
		if (zt_now_ms() >= deadline)
			return cond ? cond(arg) : true;
		sleep_ms(2);
	}
}

void wire_settle(struct wire *w, int ms)
{
	wire_run_until(w, NULL, NULL, ms);
}

size_t wire_count(const struct wire *w, int from, size_t since,
                  bool (*pred)(const struct wire_frame *, void *), void *arg)
{
	size_t n = 0;
	for (size_t i = since; i < w->nlog; i++)
		if ((from < 0 || w->log[i].from == from) && (!pred || pred(&w->log[i], arg)))
			n++;
	return n;
}

void pools_snapshot(struct pools *p)
{
	for (int i = 0; i < MEMP_MAX; i++)
		p->used[i] = lwip_stats.memp[i]->used;
	p->heap = zt_lwip_heap_outside_pools();
}

bool pools_same(const struct pools *before, const struct pools *after, const char *test)
{
	bool same = true;
	for (int i = 0; i < MEMP_MAX; i++) {
		if (i == MEMP_SYS_TIMEOUT || before->used[i] == after->used[i])
			continue;
		fprintf(stderr, "%s: lwIP pool %d: %u in use before, %u after\n", test, i, before->used[i],
		        after->used[i]);
		same = false;
	}
	if (before->heap != after->heap) {
		fprintf(stderr, "%s: lwIP heap: %zu bytes in use before, %zu after\n", test, before->heap,
		        after->heap);
		same = false;
	}
	return same;
}
