/* Pure TCP ACKs held during a batch of frames in (zt_netif_rx_batch_begin/end): lwIP acknowledges every
 * second segment, so a batch of segments for one connection made an ACK each two, every one a ZeroTier
 * packet to seal and send, and for the peer to open and take in. While a batch runs, a pure ACK (no data,
 * no flag but ACK) waits here and a newer one of the same connection replaces it: one ACK per connection
 * per batch, as a receiver's GRO gives. The order of what a connection sends stays: a frame of that
 * connection that is not a pure ACK sends the held one first, and so does a duplicate ACK (same number,
 * same window: they tell the peer of a loss, each counts). Whatever is held leaves when the batch ends. */
#include "netif_int.h"

#include <string.h>

#define ACK_SLOTS     16
#define ACK_FRAME_MAX 128 /* Ethernet + IPv6 + TCP with 40 bytes of options; larger ones are not held */

struct held_ack {
	struct zt_netif *z; /* NULL: a free slot */
	uint8_t key[36];    /* source and destination addresses, then ports */
	size_t keylen, len;
	uint32_t ack;
	uint16_t wnd;
	uint8_t frame[ACK_FRAME_MAX];
};

static struct held_ack held[ACK_SLOTS];
static bool holding;

struct tcp_info {
	const uint8_t *key;
	size_t keylen;
	uint32_t ack;
	uint16_t wnd;
	bool pure_ack;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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
	t->pure_ack = tcp[13] == 0x10 && tcplen == doff;
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

static void send_held(struct held_ack *h)
{
	struct zt_netif *z = h->z;
	const uint8_t *f = h->frame;
	h->z = NULL;
	z->stats.tx_frames++;
	z->cfg.frame_out(z->cfg.arg, f, f + 6, (uint16_t)(f[12] << 8 | f[13]), 0, f + ZT_NETIF_ETH_HLEN,
	                 h->len - ZT_NETIF_ETH_HLEN);
}

bool zt_netif_ack_hold(struct zt_netif *z, const uint8_t *f, size_t len)
{
	struct tcp_info t;
	if (!holding || !tcp_parse(f, len, &t))
		return false;
	uint8_t key[36];
	size_t keylen;
	key_of(key, &keylen, &t, f);
	struct held_ack *slot = NULL, *free_slot = NULL;
	for (int i = 0; i < ACK_SLOTS; i++) {
		if (!held[i].z)
			free_slot = free_slot ? free_slot : &held[i];
		else if (held[i].z == z && held[i].keylen == keylen && memcmp(held[i].key, key, keylen) == 0)
			slot = &held[i];
	}
	if (slot && !(t.pure_ack &&
	              ((int32_t)(t.ack - slot->ack) > 0 || (t.ack == slot->ack && t.wnd != slot->wnd)))) {
		send_held(slot); /* this frame comes after it */
		free_slot = slot;
		slot = NULL;
	}
	if (!t.pure_ack || len > ACK_FRAME_MAX)
		return false;
	if (!slot)
		slot = free_slot;
	if (!slot)
		return false;
	*slot = (struct held_ack){.z = z, .keylen = keylen, .len = len, .ack = t.ack, .wnd = t.wnd};
	memcpy(slot->key, key, keylen);
	memcpy(slot->frame, f, len);
	return true;
}

void zt_netif_acks_hold(bool on)
{
	holding = on;
	for (int i = 0; !on && i < ACK_SLOTS; i++)
		if (held[i].z)
			send_held(&held[i]);
}

void zt_netif_acks_drop(struct zt_netif *z)
{
	for (int i = 0; i < ACK_SLOTS; i++)
		if (held[i].z == z)
			held[i].z = NULL;
}
