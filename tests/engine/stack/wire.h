/* A fake wire for the netif tests: two zt_netifs back to back through their frame callbacks, every
 * frame copied into a log and delivered later (never from inside lwIP), and lwIP's memory use
 * snapshotted so a test can prove it gave back every pbuf, PCB and group it took. */
#ifndef ZTRUN_TESTS_WIRE_H
#define ZTRUN_TESTS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/memp.h"
#include "stack/netif.h"

struct wire;

struct wire_frame {
	int from; /* 0 or 1: which end sent it */
	uint8_t dst[6], src[6];
	uint16_t type;
	size_t len;
	uint8_t *data; /* payload after the ethertype */
};

struct wire_end {
	struct wire *w;
	int idx;
	struct zt_netif *nif;
	uint8_t mac[6];
	unsigned mcast_changes; /* calls of the netif's mcast_changed callback */
};

/* Decides whether the wire loses a frame instead of delivering it (it stays in the log). */
typedef bool wire_drop_fn(const struct wire_frame *f, void *arg);

struct wire {
	struct wire_end end[2];
	struct wire_frame *log; /* every frame either end sent, in order; indexes stay valid */
	size_t nlog, cap;
	size_t next; /* first frame not yet delivered */
	wire_drop_fn *drop;
	void *drop_arg;
	size_t oversize;    /* frames whose payload exceeded their sender's MTU */
	size_t max_payload; /* longest payload seen */
	bool batch;         /* deliver in batches (zt_netif_rx_batch_begin/end), as ztrun's netjoin does */
	size_t batches;     /* batches delivered */
	void (*timers)(void); /* runs lwIP's timers in wire_run_until; NULL: sys_check_timeouts alone */
};

/* Two netifs on network `nwid` with MACs a and b and the given MTU. 0 or -errno. */
int wire_init(struct wire *w, uint64_t nwid, const uint8_t mac_a[6], const uint8_t mac_b[6], unsigned mtu);
/* Frees both netifs and the log, then expires lwIP's reassembly queues so nothing stays held. */
void wire_free(struct wire *w);
/* Delivers logged frames to the other end, and lwIP's loopback queues, until the wire is quiet.
 * Returns how many frames were delivered. */
size_t wire_pump(struct wire *w);
/* Pumps and runs lwIP's timers until cond(arg) holds or timeout_ms passed. Returns cond's last value. */
bool wire_run_until(struct wire *w, bool (*cond)(void *), void *arg, int timeout_ms);
/* Pumps and runs timers for ms milliseconds. */
void wire_settle(struct wire *w, int ms);
/* Counts logged frames from `from` (-1: either end) at or after index `since` that match pred. */
size_t wire_count(const struct wire *w, int from, size_t since,
                  bool (*pred)(const struct wire_frame *, void *), void *arg);

/* lwIP's pool counts, and its heap bytes outside pool elements (pools come from the heap too). */
struct pools {
	unsigned used[MEMP_MAX];
	size_t heap;
};
void pools_snapshot(struct pools *p);
/* Reports every pool that differs (the timeout pool is skipped: lwIP's TCP timer comes and goes).
 * Returns true when all match. */
bool pools_same(const struct pools *before, const struct pools *after, const char *test);

#endif
