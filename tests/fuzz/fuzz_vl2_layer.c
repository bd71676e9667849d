/* Fuzz target: the VL2 network layer as a whole (vl2/vl2.h) on a node holding identity B of the spec.
 * B has joined two networks: its own (B is the controller: config through the local short cut, and a COM
 * for A so A passes the gate) and one of A's, whose configs A may send unsigned (the legacy form), so any
 * dictionary reaches the config path. The input is a series of [u8 kind][u16 length][bytes]: packets from
 * A of every VL2 verb, OK/ERROR replies from A, frames from the host, clock steps and ticks. Properties:
 * frames handed to the host fit the MTU and are for our MAC or a group, and UP comes before anything. */
#include "fuzz_common.h"

#include <errno.h>
#include <string.h>

#include "vl1/fragment.h"
#include "vl1/node.h"
#include "vl2/netcred.h"
#include "vl2/vl2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t nwid_own, nwid_a;
static uint8_t dict[4096];
static size_t dict_len;

static int wire_send(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *d, size_t len,
                     unsigned ttl)
{
	(void)arg;
	(void)sock;
	(void)to;
	(void)d;
	(void)ttl;
	FUZZ_ASSERT(len <= ZT_DEFAULT_MTU);
	return 0;
}

static unsigned ups;

static void network_changed(void *arg, enum zt_vl2_net_op op, const struct zt_vl2_network_info *info)
{
	(void)arg;
	if (op == ZT_VL2_NET_UP)
		ups++;
	FUZZ_ASSERT(ups > 0);
	FUZZ_ASSERT(!info->config || (info->mtu >= ZT_MTU_MIN && info->mtu <= ZT_MTU_MAX));
	FUZZ_ASSERT(info->n_addrs <= ZT_MAX_ZT_ASSIGNED_ADDRESSES);
}

static void frame_out(void *arg, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
                      uint16_t ethertype, uint16_t vlan, const void *payload, size_t len)
{
	uint8_t me[6];
	(void)arg;
	(void)src;
	(void)ethertype;
	(void)payload;
	FUZZ_ASSERT(vlan == 0 && len <= ZT_MTU_MAX);
	zt_mac_from_address(me, fuzz_keys()->b.address, nwid);
	FUZZ_ASSERT(zt_mac_is_multicast(dst) || !memcmp(dst, me, 6));
}

static int local_request(void *arg, uint64_t nwid, const struct zt_identity *self, const void *md,
                         size_t md_len, struct zt_wr *out, int64_t now)
{
	(void)arg;
	(void)self;
	(void)md;
	(void)md_len;
	(void)now;
	if (nwid != nwid_own)
		return ZT_ERR_OBJ_NOT_FOUND;
	zt_wr_bytes(out, dict, dict_len);
	return 0;
}

static void request(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now)
{
	(void)arg;
	(void)n;
	(void)m;
	(void)now;
}

static bool recent(void *arg, uint64_t nwid, uint64_t address, int64_t now)
{
	(void)arg;
	(void)nwid;
	(void)now;
	return address == fuzz_keys()->a.address;
}

/* B's own network: ACCEPT, ml 4, broadcast, one IPv4 and one IPv6 address, COM for B. */
static void build_config(int64_t now)
{
	const struct fuzz_keys *k = fuzz_keys();
	struct zt_netconf nc;
	struct zt_rule accept = {.t = ZT_RULE_ACTION_ACCEPT};
	zt_netconf_init(&nc);
	nc.nwid = nwid_own;
	nc.timestamp = now;
	nc.issued_to = k->b.address;
	nc.flags = ZT_NETCONF_FLAG_BROADCAST;
	nc.multicast_limit = 4;
	zt_com_issue(&nc.com, now, ZT_CTMD_DEFAULT, nwid_own, &k->b);
	FUZZ_ASSERT(zt_com_sign(&nc.com, &k->b) == 0);
	nc.static_ip_count = 2;
	nc.static_ips[0] = (struct zt_inetaddr){.family = ZT_INET_V4, .ip = {10, 1, 2, 3}, .port = 24};
	zt_ipv6_rfc4193(nc.static_ips[1].ip, nwid_own, k->b.address);
	nc.static_ips[1].family = ZT_INET_V6;
	nc.static_ips[1].port = 88;
	nc.rule_count = 1;
	nc.rules = &accept;
	struct zt_wr w;
	zt_wr_init(&w, dict, sizeof(dict));
	FUZZ_ASSERT(zt_netconf_encode(&nc, &w) == 0);
	dict_len = w.len;
}

static uint8_t a_com[512];
static size_t a_com_len;

static void build_a_com(int64_t now)
{
	const struct fuzz_keys *k = fuzz_keys();
	struct zt_com com;
	struct zt_wr w;
	zt_com_issue(&com, now, ZT_CTMD_DEFAULT, nwid_own, &k->a);
	FUZZ_ASSERT(zt_com_sign(&com, &k->b) == 0);
	struct zt_netcred c = {.coms = &com, .com_count = 1};
	zt_wr_init(&w, a_com, sizeof(a_com));
	FUZZ_ASSERT(zt_netcred_write(&c, &w) == 0);
	a_com_len = w.len;
}

static const uint8_t verbs[] = {ZT_VERB_FRAME,
                                ZT_VERB_EXT_FRAME,
                                ZT_VERB_MULTICAST_LIKE,
                                ZT_VERB_NETWORK_CREDENTIALS,
                                ZT_VERB_NETWORK_CONFIG_REQUEST,
                                ZT_VERB_NETWORK_CONFIG,
                                ZT_VERB_MULTICAST_GATHER,
                                ZT_VERB_MULTICAST_FRAME,
                                ZT_VERB_USER_MESSAGE};
static const uint8_t in_re[] = {ZT_VERB_NETWORK_CONFIG_REQUEST, ZT_VERB_MULTICAST_GATHER,
                                ZT_VERB_MULTICAST_FRAME, ZT_VERB_FRAME, ZT_VERB_EXT_FRAME};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_keys *k = fuzz_keys();
	static const struct zt_node_callbacks ncb = {
	    .version = ZT_NODE_CALLBACKS_VERSION, .wire_send = wire_send, .random = fuzz_random};
	static const struct zt_vl2_callbacks vcb = {
	    .version = ZT_VL2_CALLBACKS_VERSION, .network_changed = network_changed, .frame_out = frame_out};
	static const struct zt_vl2_controller_ops ops = {.version = ZT_VL2_CONTROLLER_OPS_VERSION,
	                                                 .request = request,
	                                                 .local_request = local_request,
	                                                 .recently_configured = recent};
	static bool ready;
	static uint8_t buf[ZT_PACKET_MAX_PAYLOAD];
	uint64_t seed = 7;
	int64_t now = 1000000;
	if (!ready) {
		ready = true;
		nwid_own = k->b.address << 24 | 1;
		nwid_a = k->a.address << 24 | 2;
		/* the same for every input (the clock starts at the same time): made once */
		build_config(now);
		build_a_com(now);
	}
	struct zt_node_config c;
	struct zt_node *n;
	struct zt_vl2 *v;
	zt_node_config_init(&c);
	c.identity = &k->b;
	c.planet = fuzz_planet();
	FUZZ_ASSERT(zt_node_new(&n, &ncb, &seed, &c, now) == 0);
	FUZZ_ASSERT(zt_vl2_new(&v, n, &vcb, NULL) == 0);
	FUZZ_ASSERT(zt_vl2_set_controller(v, &ops, NULL) == 0);
	ups = 0;
	FUZZ_ASSERT(zt_vl2_join(v, nwid_own, now) == 0);
	FUZZ_ASSERT(zt_vl2_join(v, nwid_a, now) == 0);
	(void)zt_vl2_controller_credentials(v, a_com, a_com_len, now);

	struct zt_rd r;
	zt_rd_init(&r, data, size);
	while (zt_rd_left(&r) >= 3) {
		uint8_t kind = zt_rd_u8(&r);
		size_t len = zt_rd_u16(&r);
		if (len > zt_rd_left(&r))
			len = zt_rd_left(&r);
		const uint8_t *p = zt_rd_bytes(&r, len);
		/* Packets and replies: with bit 0x40 the harness puts a network ID we joined in front (bit
		 * 0x20 picks which), so the fuzzer need not guess 8 bytes to get past "not joined". */
		if (kind < 0xe0 && (kind & 0x40) && len + 8 <= sizeof(buf)) {
			struct zt_wr w;
			zt_wr_init(&w, buf, sizeof(buf));
			if (kind >= 0x90 && (kind & 1) && len) /* ERROR: the code stays first */
				zt_wr_u8(&w, *p++), len--;
			zt_wr_u64(&w, kind & 0x20 ? nwid_a : nwid_own);
			zt_wr_bytes(&w, p, len);
			p = buf;
			len = w.len;
		}
		if (kind < 0x90) {
			struct zt_node_msg m = {.source = k->a.address,
			                        .peer = &k->a,
			                        .verb = verbs[kind % sizeof(verbs)],
			                        .packet_id = now ^ kind,
			                        .payload = p,
			                        .len = len,
			                        .sock = 0};
			zt_vl2_upper()->verb_in(v, n, &m, now);
		} else if (kind < 0xe0) {
			/* ERROR payload starts with its code here; OK has none */
			bool error = kind & 1;
			if (error && !len)
				continue;
			struct zt_node_reply rp = {.source = k->a.address,
			                           .peer = &k->a,
			                           .verb = error ? ZT_VERB_ERROR : ZT_VERB_OK,
			                           .in_re_verb = in_re[(kind >> 1) % sizeof(in_re)],
			                           .in_re_id = now,
			                           .error_code = error ? p[0] : 0,
			                           .payload = error ? p + 1 : p,
			                           .len = error ? len - 1 : len};
			zt_vl2_upper()->reply_in(v, n, &rp, now);
		} else if (kind < 0xf0) {
			/* a frame from the host: [dst 6][ethertype 2][payload] */
			if (len >= 8) {
				uint8_t me[6];
				uint64_t nwid = kind & 1 ? nwid_a : nwid_own;
				zt_mac_from_address(me, k->b.address, nwid);
				(void)zt_vl2_frame_in(v, nwid, me, p, (uint16_t)(p[6] << 8 | p[7]), 0, p + 8,
				                      len - 8, now);
			}
		} else if (kind < 0xf8) {
			if (len >= 10)
				(void)zt_vl2_multicast_subscribe(
				    v, nwid_own, p, (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16, now);
		} else {
			/* the clock: up to ~65 s, then a tick */
			now += len ? (int64_t)p[0] * 256 + (len > 1 ? p[1] : 0) : 1;
			(void)zt_node_tick(n, now);
		}
	}
	FUZZ_ASSERT(zt_vl2_leave(v, nwid_a, now) == 0);
	zt_vl2_free(v);
	zt_node_free(n);
	return 0;
}
