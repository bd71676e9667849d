#include "fixture_ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl2/confchunk.h"
#include "vl2/netcred.h"

void fx_init(struct fx_ctl *fx, const struct zt_identity *id, struct zt_node *node)
{
	memset(fx, 0, sizeof(*fx));
	fx->id = *id;
	fx->node = node;
}

struct fx_network *fx_network(struct fx_ctl *fx, uint32_t n)
{
	if (fx->n_nets == FX_NETS)
		abort();
	struct fx_network *net = &fx->nets[fx->n_nets++];
	memset(net, 0, sizeof(*net));
	net->nwid = fx->id.address << 24 | (n & 0xffffff);
	memcpy(net->name, "fixture", 8);
	net->flags = ZT_NETCONF_FLAG_BROADCAST;
	net->ml = 32;
	net->mtu = ZT_MTU_DEFAULT;
	net->ctmd = ZT_CTMD_DEFAULT;
	net->revision = 1;
	net->n_routes = 1;
	net->routes[0].target.family = ZT_INET_V4;
	net->routes[0].target.ip[0] = 10;
	net->routes[0].target.ip[1] = 147;
	net->routes[0].target.ip[2] = (uint8_t)n;
	net->routes[0].target.port = 24;
	return net;
}

struct fx_member *fx_find(struct fx_network *net, uint64_t address)
{
	for (size_t i = 0; i < net->n_members; i++)
		if (net->members[i].address == address)
			return &net->members[i];
	return NULL;
}

struct fx_member *fx_member(struct fx_network *net, uint64_t address, uint8_t host)
{
	struct fx_member *m = fx_find(net, address);
	if (!m) {
		if (net->n_members == FX_MEMBERS)
			abort();
		m = &net->members[net->n_members++];
		memset(m, 0, sizeof(*m));
		m->address = address;
	}
	m->authorized = true;
	if (host) {
		m->n_ips = 1;
		memset(&m->ips[0], 0, sizeof(m->ips[0]));
		m->ips[0].family = ZT_INET_V4;
		memcpy(m->ips[0].ip, net->routes[0].target.ip, 3);
		m->ips[0].ip[3] = host;
		m->ips[0].port = 24;
	}
	return m;
}

void fx_com(struct fx_ctl *fx, const struct fx_network *net, const struct zt_identity *who, int64_t ts,
            struct zt_com *com)
{
	zt_com_issue(com, ts, (uint64_t)net->ctmd, net->nwid, who);
	if (zt_com_sign(com, &fx->id) != 0)
		abort();
}

size_t fx_build(struct fx_ctl *fx, const struct fx_network *net, uint64_t address,
                const struct zt_identity *who, int64_t now, uint8_t *out, size_t cap)
{
	struct zt_netconf *nc = malloc(sizeof(*nc));
	zt_netconf_init(nc);
	nc->nwid = net->nwid;
	nc->timestamp = now;
	nc->credential_time_max_delta = net->ctmd;
	nc->revision = net->revision;
	nc->issued_to = address;
	nc->flags = net->flags;
	nc->multicast_limit = net->ml;
	nc->type = net->is_public ? ZT_NETWORK_PUBLIC : ZT_NETWORK_PRIVATE;
	memcpy(nc->name, net->name, sizeof(net->name));
	nc->mtu = net->mtu;
	fx_com(fx, net, who, now, &nc->com);
	struct fx_member *m = fx_find((struct fx_network *)net, address);
	if (m && m->n_ips) {
		struct zt_coo *coo = &nc->coos[0];
		memset(coo, 0, sizeof(*coo));
		coo->nwid = net->nwid;
		coo->timestamp = now;
		coo->id = 1;
		coo->issued_to = address;
		for (size_t i = 0; i < m->n_ips; i++) {
			nc->static_ips[i] = m->ips[i];
			coo->thing_type[i] =
			    m->ips[i].family == ZT_INET_V4 ? ZT_COO_THING_IPV4 : ZT_COO_THING_IPV6;
			memcpy(coo->thing_value[i], m->ips[i].ip, m->ips[i].family == ZT_INET_V4 ? 4 : 16);
		}
		coo->thing_count = (uint16_t)m->n_ips;
		nc->static_ip_count = m->n_ips;
		if (zt_coo_sign(coo, &fx->id) != 0)
			abort();
		nc->coo_count = 1;
	}
	nc->route_count = net->n_routes;
	memcpy(nc->routes, net->routes, net->n_routes * sizeof(net->routes[0]));
	if (!net->no_rules) {
		nc->rule_count = net->n_rules ? net->n_rules : 1;
		nc->rules = calloc(nc->rule_count, sizeof(*nc->rules));
		if (net->n_rules)
			memcpy(nc->rules, net->rules, net->n_rules * sizeof(net->rules[0]));
		else
			nc->rules[0].t = ZT_RULE_ACTION_ACCEPT;
	}
	struct zt_wr w;
	zt_wr_init(&w, out, cap);
	if (zt_netconf_encode(nc, &w) != 0)
		abort();
	zt_netconf_free(nc);
	free(nc);
	return w.len;
}

static int send_config(struct fx_ctl *fx, const struct fx_network *net, uint64_t address,
                       const struct zt_identity *who, uint64_t in_re, int64_t now)
{
	uint8_t *dict = malloc(65536), *pkt = malloc(ZT_PACKET_MAX_PAYLOAD);
	size_t len = fx_build(fx, net, address, who, now, dict, 65536);
	size_t step = fx->chunk_size ? fx->chunk_size : ZT_CONFCHUNK_MAX_DATA;
	uint64_t update = (++fx->update_seq * 0x9e3779b97f4a7c15ULL) | 1;
	size_t n = (len + step - 1) / step;
	int ret = 0;
	/* Small chunks go out last first, so the member reassembles out of order. */
	for (size_t k = 0; k < n; k++) {
		size_t i = (fx->chunk_size ? n - 1 - k : k) * step;
		size_t l = len - i < step ? len - i : step;
		struct zt_wr w;
		zt_wr_init(&w, pkt, ZT_PACKET_MAX_PAYLOAD);
		if (in_re) {
			zt_wr_u8(&w, ZT_VERB_NETWORK_CONFIG_REQUEST);
			zt_wr_u64(&w, in_re);
		}
		if (zt_confchunk_write(&w, net->nwid, dict, (uint32_t)len, (uint32_t)i, (uint16_t)l, 0,
		                       update, &fx->id) != 0)
			abort();
		int r = zt_node_send(fx->node, address, in_re ? ZT_VERB_OK : ZT_VERB_NETWORK_CONFIG, pkt,
		                     w.len, now, NULL);
		if (r < 0)
			ret = r;
	}
	free(dict);
	free(pkt);
	return ret;
}

static void send_error(struct fx_ctl *fx, const struct zt_node_msg *m, uint8_t code, uint64_t nwid,
                       int64_t now)
{
	uint8_t b[18];
	struct zt_wr w;
	zt_wr_init(&w, b, sizeof(b));
	zt_wr_u8(&w, ZT_VERB_NETWORK_CONFIG_REQUEST);
	zt_wr_u64(&w, m->packet_id);
	zt_wr_u8(&w, code);
	zt_wr_u64(&w, nwid);
	(void)zt_node_send(fx->node, m->source, ZT_VERB_ERROR, b, w.len, now, NULL);
}

static struct fx_network *net_find(struct fx_ctl *fx, uint64_t nwid)
{
	for (size_t i = 0; i < fx->n_nets; i++)
		if (fx->nets[i].nwid == nwid)
			return &fx->nets[i];
	return NULL;
}

static void fx_request(void *arg, struct zt_node *node, const struct zt_node_msg *m, int64_t now)
{
	struct fx_ctl *fx = arg;
	struct zt_rd r;
	(void)node;
	fx->requests++;
	if (fx->silent)
		return;
	zt_rd_init(&r, m->payload, m->len);
	uint64_t nwid = zt_rd_u64(&r);
	uint16_t md_len = zt_rd_u16(&r);
	const uint8_t *md = zt_rd_bytes(&r, md_len);
	if (r.bad)
		return;
	struct fx_network *net = net_find(fx, nwid);
	if (!net) {
		send_error(fx, m, ZT_ERR_OBJ_NOT_FOUND, nwid, now);
		return;
	}
	struct fx_member *mem = fx_find(net, m->source);
	if (!mem) {
		mem = fx_member(net, m->source, 0);
		mem->authorized = net->is_public;
	}
	mem->requested = true;
	mem->requests++;
	mem->last_request = now;
	mem->metadata_len = md_len < sizeof(mem->metadata) ? md_len : sizeof(mem->metadata);
	memcpy(mem->metadata, md, mem->metadata_len);
	if (!mem->authorized) {
		send_error(fx, m, ZT_ERR_NETWORK_ACCESS_DENIED, nwid, now);
		return;
	}
	mem->last_config = now;
	(void)send_config(fx, net, m->source, m->peer, m->packet_id, now);
}

static int fx_local(void *arg, uint64_t nwid, const struct zt_identity *self, const void *md, size_t md_len,
                    struct zt_wr *out, int64_t now)
{
	struct fx_ctl *fx = arg;
	fx->local_requests++;
	if (self->has_priv)
		abort(); /* the secret must not be handed around */
	struct fx_network *net = net_find(fx, nwid);
	if (!net)
		return ZT_ERR_OBJ_NOT_FOUND;
	struct fx_member *mem = fx_find(net, self->address);
	if (!mem || !mem->authorized)
		return ZT_ERR_NETWORK_ACCESS_DENIED;
	mem->requested = true;
	mem->last_request = mem->last_config = now;
	mem->metadata_len = md_len < sizeof(mem->metadata) ? md_len : sizeof(mem->metadata);
	memcpy(mem->metadata, md, mem->metadata_len);
	uint8_t *dict = malloc(65536);
	size_t len = fx_build(fx, net, self->address, self, now, dict, 65536);
	zt_wr_bytes(out, dict, len);
	free(dict);
	return 0;
}

static bool fx_recent(void *arg, uint64_t nwid, uint64_t address, int64_t now)
{
	struct fx_network *net = net_find(arg, nwid);
	struct fx_member *m = net ? fx_find(net, address) : NULL;
	return m && m->last_config && now - m->last_config < 180000;
}

void fx_register(struct fx_ctl *fx, struct zt_vl2 *v, bool multicast_service)
{
	struct zt_vl2_controller_ops ops = {
	    .version = ZT_VL2_CONTROLLER_OPS_VERSION,
	    .request = fx_request,
	    .local_request = fx_local,
	    .recently_configured = multicast_service ? fx_recent : NULL,
	};
	if (zt_vl2_set_controller(v, &ops, fx) != 0)
		abort();
}

int fx_push(struct fx_ctl *fx, struct fx_network *net, uint64_t address, int64_t now)
{
	struct zt_identity who;
	if (zt_node_peer_identity(fx->node, address, &who) != 0)
		return -ENOENT;
	struct fx_member *m = fx_find(net, address);
	if (m)
		m->last_config = now;
	return send_config(fx, net, address, &who, 0, now);
}

void fx_revoke(struct fx_ctl *fx, struct fx_network *net, uint64_t address, struct zt_vl2 *local, int64_t now)
{
	struct fx_member *target = fx_find(net, address);
	if (target)
		target->authorized = false;
	struct zt_revocation rev = {.id = (uint32_t)(now ^ address),
	                            .nwid = net->nwid,
	                            .threshold = now,
	                            .flags = ZT_REVOCATION_FLAG_FAST_PROPAGATE,
	                            .target = address,
	                            .type = ZT_CREDENTIAL_COM};
	if (zt_revocation_sign(&rev, &fx->id) != 0)
		abort();
	uint8_t buf[256];
	struct zt_wr w;
	struct zt_netcred c = {.revocations = &rev, .revocation_count = 1};
	zt_wr_init(&w, buf, sizeof(buf));
	if (zt_netcred_write(&c, &w) != 0)
		abort();
	for (size_t i = 0; i < net->n_members; i++) {
		struct fx_member *m = &net->members[i];
		if (m->address != address && m->address != fx->id.address && m->requested &&
		    now - m->last_request < 120000)
			(void)zt_node_send(fx->node, m->address, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len, now,
			                   NULL);
	}
	if (local)
		(void)zt_vl2_controller_credentials(local, buf, w.len, now);
}
