/* Joined networks (spec §4): join and leave, NETWORK_CONFIG_REQUEST and its timers, signed config chunks,
 * the controller's ERRORs, applying and storing a config, and the local controller's short cut. */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/dict.h"
#include "vl2/jointoken.h"

static void notify(struct zt_vl2 *v, struct vl2_net *n, enum zt_vl2_net_op op)
{
	if (!n->up)
		return;
	struct zt_vl2_network_info info;
	vl2_net_info(v, n, &info);
	v->cb.network_changed(v->arg, op, &info);
}

static void set_status(struct zt_vl2 *v, struct vl2_net *n, enum zt_vl2_status st)
{
	if (n->status == st)
		return;
	n->status = st;
	notify(v, n, ZT_VL2_NET_UPDATE);
}

void vl2_net_info(const struct zt_vl2 *v, const struct vl2_net *n, struct zt_vl2_network_info *out)
{
	(void)v;
	const struct zt_netconf *c = n->conf;
	memset(out, 0, sizeof(*out));
	out->nwid = n->nwid;
	out->status = n->status;
	memcpy(out->mac, n->mac, 6);
	out->config = c;
	out->from_state = c && n->from_state;
	out->mtu = c ? c->mtu : ZT_MTU_DEFAULT;
	out->name = c ? c->name : "";
	if (!c)
		return;
	out->broadcast = c->flags & ZT_NETCONF_FLAG_BROADCAST;
	out->ndp_emulation = c->flags & ZT_NETCONF_FLAG_NDP_EMULATION;
	out->multicast_limit = c->multicast_limit;
	out->is_public = c->type == ZT_NETWORK_PUBLIC;
	out->addrs = c->static_ips;
	out->n_addrs = c->static_ip_count;
	out->routes = c->routes;
	out->n_routes = c->route_count;
	out->dns = &c->dns;
	out->revision = c->revision;
	out->timestamp = c->timestamp;
}

void vl2_net_free(struct vl2_net *n)
{
	if (!n)
		return;
	if (n->conf)
		zt_netconf_free(n->conf);
	free(n->conf);
	if (n->join_token) {
		zt_wipe(n->join_token, strlen(n->join_token));
		free(n->join_token);
	}
	zt_confasm_free(&n->confasm);
	vl2_members_free(n);
	free(n);
}

/* ---- applying a config ---- */

static bool has_group(const struct zt_mcast_group *set, size_t n, const struct zt_mcast_group *g)
{
	for (size_t i = 0; i < n; i++)
		if (zt_mcast_group_equal(&set[i], g))
			return true;
	return false;
}

#define GROUPS_MAX (ZT_VL2_MAX_SUBSCRIPTIONS + ZT_MAX_ZT_ASSIGNED_ADDRESSES + 1)

int vl2_apply_config(struct zt_vl2 *v, struct vl2_net *n, const uint8_t *dict, size_t len, bool store,
                     int64_t now)
{
	struct zt_netconf *nc = malloc(sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	int ret = zt_netconf_parse(nc, dict, len);
	if (ret) {
		free(nc);
		v->c.configs_rejected++;
		return -EBADMSG;
	}
	/* Stock applies any valid config; we also refuse one older than ours (a replayed packet), which
	 * stock's controller never sends (spec §14). */
	bool older = n->conf && !n->from_state && nc->timestamp < n->conf->timestamp;
	if (nc->nwid != n->nwid || nc->issued_to != v->self || older) {
		v->c.configs_rejected++;
		goto refuse;
	}
	if (nc->sso_enabled) {
		/* We cannot do SSO: the network is unusable to us, as the spec asks (§5.1). */
		v->c.configs_rejected++;
		set_status(v, n, ZT_VL2_STATUS_AUTHENTICATION_REQUIRED);
		goto refuse;
	}
	if (n->conf && zt_netconf_equal(n->conf, nc) && n->status == ZT_VL2_STATUS_OK && !n->from_state) {
		zt_netconf_free(nc);
		free(nc);
		return 0; /* stock: a duplicate changes nothing, not even the refresh timer */
	}
	struct zt_mcast_group *before = malloc(2 * GROUPS_MAX * sizeof(*before)),
	                      *after = before + GROUPS_MAX;
	size_t nb = before ? vl2_my_groups(n, before, GROUPS_MAX) : 0;
	if (n->conf) {
		zt_netconf_free(n->conf);
		free(n->conf);
	}
	n->conf = nc;
	n->from_state = !store;
	n->last_config_update = store ? now : 0;
	n->status = ZT_VL2_STATUS_OK;
	v->c.configs_applied++;
	if (store && v->cb.state_put)
		(void)v->cb.state_put(v->arg, ZT_STATE_NETWORK_CONFIG, n->nwid, dict, (int)len);
	/* New addresses mean new resolution groups: announce them at once (spec §4.8). */
	if (before && store) {
		size_t na = vl2_my_groups(n, after, GROUPS_MAX), k = 0;
		for (size_t i = 0; i < na; i++)
			if (!has_group(before, nb, &after[i]))
				after[k++] = after[i];
		vl2_announce(v, n, after, k, now);
	}
	free(before);
	notify(v, n, ZT_VL2_NET_UPDATE);
	return 0;
refuse:
	zt_netconf_free(nc);
	free(nc);
	return -EBADMSG;
}

/* ---- requesting ---- */

static void local_request(struct zt_vl2 *v, struct vl2_net *n, const uint8_t *md, size_t md_len, int64_t now)
{
	if (!v->has_ctl || !v->ctl.local_request) {
		set_status(v, n, ZT_VL2_STATUS_NOT_FOUND); /* as stock without a controller */
		return;
	}
	struct zt_identity self = *zt_node_identity(v->node);
	zt_wipe(self.priv, sizeof(self.priv));
	self.has_priv = false;
	uint8_t *buf = malloc(ZT_DICT_NETCONF_CAP - 1);
	if (!buf)
		return;
	struct zt_wr w;
	zt_wr_init(&w, buf, ZT_DICT_NETCONF_CAP - 1);
	uint64_t nwid = n->nwid;
	int ret = v->ctl.local_request(v->ctl_arg, nwid, &self, md, md_len, &w, now);
	if (ret == 0 && !w.bad)
		(void)vl2_apply_config(v, n, buf, w.len, true, now);
	else if (ret == ZT_ERR_OBJ_NOT_FOUND || ret == ZT_ERR_UNSUPPORTED_OPERATION)
		set_status(v, n, ZT_VL2_STATUS_NOT_FOUND);
	else if (ret == ZT_ERR_NETWORK_ACCESS_DENIED)
		set_status(v, n, ZT_VL2_STATUS_ACCESS_DENIED);
	else if (ret == ZT_ERR_NETWORK_AUTHENTICATION_REQUIRED)
		set_status(v, n, ZT_VL2_STATUS_AUTHENTICATION_REQUIRED);
	free(buf);
}

static void send_request(struct zt_vl2 *v, struct vl2_net *n, int64_t now)
{
	uint8_t md[ZT_DICT_METADATA_CAP];
	struct zt_wr w;
	n->last_request = now;
	v->c.config_requests++;
	zt_wr_init(&w, md, sizeof(md) - 1);
	if (zt_vl2_request_metadata(&w, NULL) != 0)
		return;
	/* the token only until the controller has answered with a config (vl2.h) */
	if (n->join_token && (!n->conf || n->from_state)) {
		struct zt_dict_wr dw = {.w = &w, .start = 0};
		if (zt_dict_add_str(&dw, ZT_JOIN_TOKEN_KEY, n->join_token) != 0)
			return;
	}
	if (n->controller == v->self) {
		local_request(v, n, md, w.len, now);
		return;
	}
	size_t md_len = w.len;
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	zt_wr_u64(&w, n->nwid);
	zt_wr_u16(&w, (uint16_t)md_len);
	zt_wr_bytes(&w, md, md_len);
	zt_wr_u64(&w, n->conf && !n->from_state ? n->conf->revision : 0);
	zt_wr_u64(&w, n->conf && !n->from_state ? (uint64_t)n->conf->timestamp : 0);
	(void)vl2_send(v, n->controller, ZT_VERB_NETWORK_CONFIG_REQUEST, v->scratch, w.len, now, NULL);
}

void vl2_net_tick(struct zt_vl2 *v, struct vl2_net *n, int64_t now)
{
	bool stale = !n->conf || n->from_state || now - n->last_config_update >= VL2_REFRESH_MS;
	if (stale && now - n->last_request >= VL2_REQUEST_RETRY_MS)
		send_request(v, n, now);
	if (n->conf)
		vl2_announce(v, n, NULL, 0, now);
}

/* ---- join and leave ---- */

static void load_stored(struct zt_vl2 *v, struct vl2_net *n, int64_t now)
{
	if (!v->cb.state_get)
		return;
	uint8_t *buf = malloc(ZT_DICT_NETCONF_CAP - 1);
	if (!buf)
		return;
	int len = v->cb.state_get(v->arg, ZT_STATE_NETWORK_CONFIG, n->nwid, buf, ZT_DICT_NETCONF_CAP - 1);
	if (len > 1)
		(void)vl2_apply_config(v, n, buf, (size_t)len, false, now);
	else if (len < 0 && v->cb.state_put)
		/* as stock: an (almost) empty networks.d/<nwid>.conf says "joined" to the next start */
		(void)v->cb.state_put(v->arg, ZT_STATE_NETWORK_CONFIG, n->nwid, "\n", 1);
	free(buf);
}

int zt_vl2_join(struct zt_vl2 *v, uint64_t nwid, int64_t now)
{
	return zt_vl2_join_token(v, nwid, NULL, now);
}

int zt_vl2_join_token(struct zt_vl2 *v, uint64_t nwid, const char *join_token, int64_t now)
{
	uint64_t controller = nwid >> 24;
	if (!nwid || zt_address_reserved(controller) ||
	    (join_token && !zt_join_token_parse(join_token, strlen(join_token), NULL)))
		return -EINVAL;
	if (vl2_net_find(v, nwid))
		return -EEXIST;
	if (v->n_nets == ZT_VL2_MAX_NETWORKS)
		return -ENOSPC;
	struct vl2_net *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (join_token && !(n->join_token = strdup(join_token))) {
		free(n);
		return -ENOMEM;
	}
	n->nwid = nwid;
	n->controller = controller;
	zt_mac_from_address(n->mac, v->self, nwid);
	n->status = ZT_VL2_STATUS_REQUESTING_CONFIGURATION;
	zt_confasm_init(&n->confasm);
	v->nets[v->n_nets++] = n;
	/* A stored config is applied quietly (notify waits for UP): the host hears of it with UP. */
	load_stored(v, n, now);
	n->up = true;
	notify(v, n, ZT_VL2_NET_UP);
	send_request(v, n, now);
	return 0;
}

int zt_vl2_leave(struct zt_vl2 *v, uint64_t nwid, int64_t now)
{
	(void)now;
	size_t i = 0;
	while (i < v->n_nets && v->nets[i]->nwid != nwid)
		i++;
	if (i == v->n_nets)
		return -ENOENT;
	struct vl2_net *n = v->nets[i];
	memmove(&v->nets[i], &v->nets[i + 1], (v->n_nets - i - 1) * sizeof(v->nets[0]));
	v->n_nets--;
	notify(v, n, ZT_VL2_NET_DOWN);
	if (v->cb.state_put)
		(void)v->cb.state_put(v->arg, ZT_STATE_NETWORK_CONFIG, nwid, NULL, -1);
	vl2_mc_forget_net(v, nwid);
	vl2_net_free(n);
	return 0;
}

/* ---- from the wire ---- */

void vl2_config_in(struct zt_vl2 *v, const struct zt_node_msg *m, const uint8_t *chunk, size_t len, bool push,
                   int64_t now)
{
	struct zt_confchunk c;
	if (zt_confchunk_parse(&c, chunk, len) != 0) {
		v->c.config_chunks_bad++;
		return;
	}
	struct vl2_net *n = vl2_net_find(v, c.nwid);
	if (!n) {
		v->c.drop_not_joined++;
		return;
	}
	v->c.config_chunks++;
	if (c.legacy) {
		/* unsigned: only the controller itself may send it */
		if (m->source != n->controller) {
			v->c.config_chunks_bad++;
			return;
		}
		c.update_id = c.chunk_id = m->packet_id;
	} else {
		if (zt_confasm_seen(&n->confasm, &c))
			return;
		struct zt_identity tmp;
		const struct zt_identity *ctl = vl2_identity(v, n->controller, &tmp, true, now);
		if (!ctl || !zt_identity_verify(ctl, c.signed_part, c.signed_len, c.signature)) {
			v->c.config_chunks_bad++;
			return;
		}
	}
	const uint8_t *dict;
	size_t dict_len;
	if (zt_confasm_add(&n->confasm, &c, &dict, &dict_len) != 1)
		return;
	if (vl2_apply_config(v, n, dict, dict_len, true, now) != 0 || !push)
		return;
	/* Stock answers a completed push with OK in-re ECHO (spec §4.5); we quote the real verb, which no
	 * controller depends on and which cannot confuse anyone's ECHO bookkeeping. */
	uint8_t ok[25];
	struct zt_wr w;
	zt_wr_init(&w, ok, sizeof(ok));
	zt_wr_u8(&w, ZT_VERB_NETWORK_CONFIG);
	zt_wr_u64(&w, m->packet_id);
	zt_wr_u64(&w, c.nwid);
	zt_wr_u64(&w, c.update_id);
	(void)vl2_send(v, m->source, ZT_VERB_OK, ok, w.len, now, NULL);
}

void vl2_config_error(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now)
{
	struct zt_rd rd;
	(void)now;
	zt_rd_init(&rd, r->payload, r->len);
	uint64_t nwid = zt_rd_u64(&rd);
	struct vl2_net *n = rd.bad ? NULL : vl2_net_find(v, nwid);
	if (!n || r->source != n->controller)
		return; /* only the network's controller speaks for it (spec §4.3) */
	switch (r->error_code) {
	case ZT_ERR_OBJ_NOT_FOUND:
	case ZT_ERR_UNSUPPORTED_OPERATION:
		set_status(v, n, ZT_VL2_STATUS_NOT_FOUND);
		break;
	case ZT_ERR_NETWORK_ACCESS_DENIED:
		set_status(v, n, ZT_VL2_STATUS_ACCESS_DENIED);
		break;
	case ZT_ERR_NETWORK_AUTHENTICATION_REQUIRED:
		set_status(v, n, ZT_VL2_STATUS_AUTHENTICATION_REQUIRED);
		break;
	default:
		break;
	}
}

void vl2_config_request_in(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_rd rd;
	zt_rd_init(&rd, m->payload, m->len);
	uint64_t nwid = zt_rd_u64(&rd);
	if (rd.bad) {
		v->c.drop_malformed++;
		return;
	}
	if (v->has_ctl) {
		if (nwid >> 24 == v->self)
			v->ctl.request(v->ctl_arg, v->node, m, now);
		return; /* a stock controller ignores other networks' requests */
	}
	vl2_send_error(v, m->source, ZT_VERB_NETWORK_CONFIG_REQUEST, m->packet_id,
	               ZT_ERR_UNSUPPORTED_OPERATION, nwid, now);
}
