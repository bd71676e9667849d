/* Receiving a whole packet: authentication, the replay window, learning paths from what arrives, and
 * dispatch to the verb handlers (node_verbs.c, node_hello.c) or the upper layer. */
#include "vl1/node_int.h"

#include <string.h>

/* True if (src, id) was accepted recently; records it either way. Packet IDs are random, so a repeat
 * under one key is a replay (or a stock node's copy of one packet sent from several sockets). */
bool zt_node_seen(struct zt_node *n, uint64_t src, const uint8_t idb[8])
{
	struct zt_rd r;
	zt_rd_init(&r, idb, 8);
	uint64_t id = zt_rd_u64(&r);
	struct seen *s = &n->seen[((id ^ (src * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL) >> 52];
	if (s->src == src && s->id == id)
		return true;
	s->src = src;
	s->id = id;
	return false;
}

bool zt_node_try_path(struct zt_node *n, struct zt_peer *p, zt_sock_id sock, const struct zt_inetaddr *a,
                      int64_t now)
{
	if (!zt_node_path_ok(n, p, sock, a))
		return false;
	struct zt_path *path = zt_paths_add(p->paths, &p->n_paths, sock, a, now);
	if (!path)
		return false;
	if (path->confirmed)
		return true;
	/* Confirm it: HELLO now (from the next tick), then with backoff until the window closes. */
	path->next_probe = now;
	path->probe_interval = 1000;
	if (!path->pinned)
		path->probe_until = now + PROBE_WINDOW_MS;
	zt_node_want(n, now);
	return true;
}

void zt_node_heard(struct zt_node *n, struct zt_peer *p, uint8_t hops, bool replay, zt_sock_id sock,
                   const struct zt_inetaddr *from, int64_t now)
{
	p->last_recv = now;
	if (hops != 0)
		return;
	struct zt_path *path = zt_paths_find(p->paths, p->n_paths, sock, from);
	if (path) {
		path->last_recv = now;
		if (path->sock == ZT_SOCK_ANY)
			path->sock = sock;
	} else if (!replay) {
		/* Learn it only once an OK comes back over it: a packet can be replayed from anywhere. */
		(void)zt_node_try_path(n, p, sock, from, now);
	}
}

static void to_upper(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, const uint8_t *idb,
                     uint8_t hops, zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	struct zt_rd r;
	zt_rd_init(&r, idb, 8);
	struct zt_node_msg m = {
	    .source = p->id.address,
	    .peer = &p->id,
	    .verb = pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK,
	    .packet_id = zt_rd_u64(&r),
	    .payload = pkt + ZT_PACKET_IDX_PAYLOAD,
	    .len = len - ZT_PACKET_IDX_PAYLOAD,
	    .hops = hops,
	    .sock = sock,
	    .remote = from,
	};
	p->last_active = now;
	if (n->has_up)
		n->up.verb_in(n->up_arg, n, &m, now);
}

void zt_node_packet_in(struct zt_node *n, uint8_t *pkt, size_t len, zt_sock_id sock,
                       const struct zt_inetaddr *from, int64_t now)
{
	struct zt_packet_header h;
	n->ctr.rx_packets++;
	if (zt_packet_parse_header(&h, pkt, len) != 0) {
		n->ctr.drop_malformed++;
		return;
	}
	if (h.ext_armor && zt_packet_strip_ext_armor(pkt, &len, &n->me) != 0) {
		n->ctr.drop_malformed++;
		return;
	}
	if (len > ZT_PACKET_MAX_LEN) {
		n->ctr.drop_oversize++;
		return;
	}
	/* zt_node_wire_in checked this on the datagram (a head's source before reassembly): checked again
	 * here so that no way in can skip it */
	if (h.src == n->me.address) {
		n->ctr.drop_malformed++;
		return;
	}
	if (h.cipher != ZT_CIPHER_POLY1305_NONE && h.cipher != ZT_CIPHER_SALSA2012_POLY1305 &&
	    h.cipher != ZT_CIPHER_AES_GMAC_SIV) {
		n->ctr.drop_cipher++;
		return;
	}
	/* Under cipher 0 the verb is in the clear: a HELLO may come from anyone. */
	if (h.cipher == ZT_CIPHER_POLY1305_NONE &&
	    (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK) == ZT_VERB_HELLO) {
		zt_node_hello_in(n, pkt, len, false, sock, from, now);
		return;
	}
	struct zt_peer *p = zt_node_peer_get(n, h.src, now);
	if (!p) {
		/* Hold it and ask a root who this is; a full queue drops its oldest. */
		if (zt_node_whois_ask(n, h.src, now) < 0 ||
		    zt_node_rxq_add(n, pkt, len, h.src, sock, from, now) != 0)
			n->ctr.drop_unknown_peer++;
		return;
	}
	if (zt_packet_dearmor(pkt, len, p->key, p->siv.k0 ? &p->siv : NULL) != 0) {
		n->ctr.drop_bad_mac++;
		return;
	}
	if (h.cipher == ZT_CIPHER_AES_GMAC_SIV)
		n->ctr.rx_aes++;
	if (zt_packet_decompress(pkt, &len, ZT_PACKET_MAX_LEN) != 0) {
		n->ctr.drop_malformed++;
		return;
	}
	uint8_t verb = pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK;
	if (verb == ZT_VERB_HELLO) {
		zt_node_hello_in(n, pkt, len, true, sock, from, now);
		return;
	}
	/* A repeated ECHO is still answered (its sender may be probing from several sockets); anything else
	 * seen before is dropped. Neither teaches us a path. */
	bool replay = zt_node_seen(n, h.src, h.id);
	if (replay && verb != ZT_VERB_ECHO) {
		n->ctr.drop_replay++;
		return;
	}
	zt_node_heard(n, p, h.hops, replay, sock, from, now);
	switch (verb) {
	case ZT_VERB_NOP:
		break;
	case ZT_VERB_OK:
		zt_node_ok_in(n, p, pkt, len, h.hops, sock, from, now);
		break;
	case ZT_VERB_ERROR:
		zt_node_error_in(n, p, pkt, len, h.hops, now);
		break;
	case ZT_VERB_WHOIS:
		zt_node_whois_in(n, p, pkt, len, h.id, sock, from, now);
		break;
	case ZT_VERB_RENDEZVOUS:
		zt_node_rendezvous_in(n, p, pkt, len, sock, now);
		break;
	case ZT_VERB_ECHO:
		zt_node_echo_in(n, p, pkt, len, h.id, sock, from, now);
		break;
	case ZT_VERB_PUSH_DIRECT_PATHS:
		zt_node_push_in(n, p, pkt, len, now);
		break;
	case ZT_VERB_FRAME:
	case ZT_VERB_EXT_FRAME:
	case ZT_VERB_MULTICAST_LIKE:
	case ZT_VERB_NETWORK_CREDENTIALS:
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
	case ZT_VERB_NETWORK_CONFIG:
	case ZT_VERB_MULTICAST_GATHER:
	case ZT_VERB_MULTICAST_FRAME:
	case ZT_VERB_USER_MESSAGE:
		to_upper(n, p, pkt, len, h.id, h.hops, sock, from, now);
		break;
	default: /* multipath, trace and unknown verbs: authenticated, counted as heard, ignored */
		break;
	}
}
