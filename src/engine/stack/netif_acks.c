/* Pure TCP ACKs held back (stretch ACKs). lwIP acknowledges every second segment, and every ACK is a
 * ZeroTier packet to seal and send, and for the peer to open and take in: for a sender that pays per
 * packet (a stock node: one datagram per fragment, a wakeup of its receiving thread, a write to its tap)
 * those ACKs cost about as much as the data. So while a batch of frames in runs
 * (zt_netif_rx_batch_begin/end), a pure ACK (no data, no flag but ACK) waits here and a newer one of the
 * same connection replaces it; at the batch's end it leaves if it says something new enough - it
 * acknowledges ACK_STRETCH bytes or more beyond the last ACK sent, repeats that ACK (a duplicate: it
 * tells of a loss; every one counts), carries SACK blocks, opens the window by a quarter, or is the
 * connection's first - and otherwise waits for a later batch to bring more, at most ACK_HOLD_MS (a
 * timer of lwIP's). Linux's receiver does much the same: it acknowledges when its app reads, about once
 * per 30 KB at these rates. A frame of the connection that is not a pure ACK sends the held one first;
 * outside a batch, a newer pure ACK (lwIP's window updates) replaces it and leaves at once. */
#include "netif_int.h"

#include <string.h>

#include "lwip/timeouts.h"

#define ACK_SLOTS     16
#define ACK_FRAME_MAX 128 /* Ethernet + IPv6 + TCP with 40 bytes of options; larger ones are not held */
#define ACK_HOLD_MS   1
#define ACK_STRETCH   16384 /* bytes: under a quarter of the smallest window (64 KB, no window scaling) */

/* One connection's ACK state: the last ACK sent, and the ACK waiting (if held). */
struct ack_slot {
	struct zt_netif *z; /* NULL: a free slot */
	uint8_t key[36];    /* source and destination addresses, then ports */
	size_t keylen;
	bool held, sent_known;
	uint32_t ack, sent_ack;
	uint16_t wnd, sent_wnd;
	bool sack;
	uint64_t used; /* when last touched (a counter): the least recently used idle slot goes first */
	size_t len;
	uint8_t frame[ACK_FRAME_MAX];
};

static struct ack_slot slots[ACK_SLOTS];
static bool holding, timer_on;
static uint64_t clock_ticks;

struct tcp_info {
	const uint8_t *key;
	size_t keylen;
	uint32_t ack;
	uint16_t wnd;
	bool pure_ack, has_ack, sack;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether TCP options carry SACK blocks (kind 5). */
static bool has_sack(const uint8_t *o, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i] == 5)
			return true;
		if (i + 1 >= n || o[i + 1] < 2)
			break;
		i += o[i + 1];
	}
	return false;
}

/* The TCP segment in an Ethernet frame (IPv4 not fragmented, or IPv6 with TCP as the first header). */
static bool tcp_parse(const uint8_t *f, size_t len, struct tcp_info *t)
{
	if (len < ZT_NETIF_ETH_HLEN)
		return false;
	const uint8_t *ip = f + ZT_NETIF_ETH_HLEN, *tcp;
	size_t iplen = len - ZT_NETIF_ETH_HLEN, tcplen;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x0800) {
		if (iplen < 20 || (ip[0] >> 4) != 4 || ip[9] != 6 || (ip[6] & 0x3f) || ip[7])
			return false;
		size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
		if (ihl < 20 || tot > iplen || tot < ihl + 20)
			return false;
		tcp = ip + ihl;
		tcplen = tot - ihl;
		/* addresses (8) and ports (4) as one key: the ports follow the addresses in our copy */
		t->key = ip + 12;
		t->keylen = 8;
	} else if (type == 0x86dd) {
		if (iplen < 40 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return false;
		tcplen = (size_t)(ip[4] << 8 | ip[5]);
		if (tcplen + 40 > iplen || tcplen < 20)
			return false;
		tcp = ip + 40;
		t->key = ip + 8;
		t->keylen = 32;
	} else {
		return false;
	}
	size_t doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tcplen)
		return false;
	t->ack = be32(tcp + 8);
	t->wnd = (uint16_t)(tcp[14] << 8 | tcp[15]);
	t->has_ack = tcp[13] & 0x10;
	t->pure_ack = tcp[13] == 0x10 && tcplen == doff;
	t->sack = has_sack(tcp + 20, doff - 20);
	return true;
}

static void key_of(uint8_t key[36], size_t *keylen, const struct tcp_info *t, const uint8_t *f)
{
	const uint8_t *ip = f + ZT_NETIF_ETH_HLEN;
	const uint8_t *tcp = t->keylen == 8 ? ip + (size_t)(ip[0] & 15) * 4 : ip + 40;
	memcpy(key, t->key, t->keylen);
	memcpy(key + t->keylen, tcp, 4);
	*keylen = t->keylen + 4;
}

static void note_sent(struct ack_slot *s, uint32_t ack, uint16_t wnd)
{
	s->sent_known = true;
	s->sent_ack = ack;
	s->sent_wnd = wnd;
}

static void send_held(struct ack_slot *s)
{
	struct zt_netif *z = s->z;
	const uint8_t *f = s->frame;
	s->held = false;
	note_sent(s, s->ack, s->wnd);
	z->stats.tx_frames++;
	z->cfg.frame_out(z->cfg.arg, f, f + 6, (uint16_t)(f[12] << 8 | f[13]), 0, f + ZT_NETIF_ETH_HLEN,
	                 s->len - ZT_NETIF_ETH_HLEN);
}

/* A slot for a connection not seen yet: a free one, else the least recently used that holds nothing. */
static struct ack_slot *new_slot(void)
{
	struct ack_slot *best = NULL;
	for (int i = 0; i < ACK_SLOTS; i++) {
		if (!slots[i].z)
			return &slots[i];
		if (!slots[i].held && (!best || slots[i].used < best->used))
			best = &slots[i];
	}
	return best;
}

bool zt_netif_ack_hold(struct zt_netif *z, const uint8_t *f, size_t len)
{
	struct tcp_info t;
	if (!tcp_parse(f, len, &t))
		return false;
	uint8_t key[36];
	size_t keylen;
	key_of(key, &keylen, &t, f);
	struct ack_slot *s = NULL;
	for (int i = 0; i < ACK_SLOTS && !s; i++)
		if (slots[i].z == z && slots[i].keylen == keylen && memcmp(slots[i].key, key, keylen) == 0)
			s = &slots[i];
	bool can_hold = holding && t.pure_ack && len <= ACK_FRAME_MAX;
	if (!s) {
		if (!can_hold || !(s = new_slot()))
			return false;
		*s = (struct ack_slot){.z = z, .keylen = keylen};
		memcpy(s->key, key, keylen);
	}
	s->used = ++clock_ticks;
	if (s->held) {
		bool newer = t.pure_ack && !t.sack &&
		             ((int32_t)(t.ack - s->ack) > 0 || (t.ack == s->ack && t.wnd != s->wnd));
		if (!newer)
			send_held(s); /* this frame comes after it */
		else if (!can_hold)
			s->held = false; /* this one says more, and leaves now */
	}
	if (!can_hold) {
		if (t.has_ack)
			note_sent(s, t.ack, t.wnd);
		return false;
	}
	s->held = true;
	s->ack = t.ack;
	s->wnd = t.wnd;
	s->sack = t.sack;
	s->len = len;
	memcpy(s->frame, f, len);
	return true;
}

/* Whether a held ACK has news enough to leave at a batch's end. */
static bool ack_due(const struct ack_slot *s)
{
	if (!s->sent_known || s->sack || s->ack == s->sent_ack || (int32_t)(s->ack - s->sent_ack) < 0)
		return true;
	if (s->ack - s->sent_ack >= ACK_STRETCH)
		return true;
	return s->wnd > s->sent_wnd + s->sent_wnd / 4;
}

static void ack_timer(void *arg)
{
	(void)arg;
	timer_on = false;
	for (int i = 0; i < ACK_SLOTS; i++)
		if (slots[i].z && slots[i].held)
			send_held(&slots[i]);
}

void zt_netif_acks_hold(bool on)
{
	holding = on;
	if (on)
		return;
	bool waiting = false;
	for (int i = 0; i < ACK_SLOTS; i++) {
		if (!slots[i].z || !slots[i].held)
			continue;
		if (ack_due(&slots[i]))
			send_held(&slots[i]);
		else
			waiting = true;
	}
	if (waiting && !timer_on) {
		timer_on = true;
		sys_timeout(ACK_HOLD_MS, ack_timer, NULL);
	}
}

int64_t zt_netif_rx_batch_deadline(int64_t now)
{
	for (int i = 0; i < ACK_SLOTS; i++) {
		if (slots[i].z && slots[i].held) {
			u32_t sleep = sys_timeouts_sleeptime();
			return sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? now + ACK_HOLD_MS
			                                                : now + (int64_t)sleep;
		}
	}
	return -1;
}

void zt_netif_acks_drop(struct zt_netif *z)
{
	for (int i = 0; i < ACK_SLOTS; i++)
		if (slots[i].z == z)
			slots[i].z = NULL;
}
