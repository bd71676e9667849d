/* The run command's ZeroTier side: node + VL2 + one lwIP netif per network.
 *
 * Frames cross between VL2 and lwIP through a queue drained before every sleep: either side may hand
 * over a frame from inside its own output path (lwIP answering an ARP inside zt_netif_frame_in, VL2
 * looping a frame for our own MAC inside zt_vl2_frame_in), and neither may be re-entered from there.
 * The common case skips the queue: a frame VL2 delivers while a datagram comes in (from the node host's
 * socket handler, not from inside the hook below, with no frame for lwIP waiting in the queue) goes into
 * lwIP at once, without a copy into the queue, inside a batch of frames in (zt_netif_rx_batch_begin)
 * that the hook ends before the loop sleeps. */
#include "netjoin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stack/netif.h"
#include "nodehost.h"
#include "sysio.h"
#include "vl1/crypto.h"
#include "vl2/vl2.h"

#define ZT_NETJOIN_QUEUE_MAX                                                                                 \
	4096 /* frames waiting either way; beyond it they are dropped, as a NIC would                        \
	      */

enum frame_dir { TO_LWIP, TO_VL2 };

struct frame {
	struct frame *next;
	enum frame_dir dir;
	uint64_t nwid;
	uint8_t dst[6], src[6];
	uint16_t ethertype;
	size_t len;
	uint8_t payload[];
};

struct joined {
	struct zt_netjoin *nj;
	uint64_t nwid; /* 0: a free slot (slots never move: netifs point at theirs) */
	char *resolv_conf;
	struct zt_netif *nif;
	enum zt_vl2_status status;
	bool has_config, has_addr, mcast_dirty;
	char addrs[256];
};

struct zt_netjoin {
	struct zt_loop *loop;
	struct zt_home *home;
	struct zt_identity id;
	struct zt_world planet;
	const char *planet_source;
	struct zt_nodehost *host;
	struct zt_vl2 *vl2;
	struct joined nets[ZT_NETJOIN_MAX_NETWORKS];
	size_t n_nets; /* slots in use or once used */
	struct frame *q_head, *q_tail;
	size_t q_len;
	size_t q_lwip;   /* frames for lwIP in the queue: while any wait, new ones queue behind them */
	bool queueing;   /* the hook runs, or lwIP takes a frame: frames VL2 delivers queue */
	bool batch_open; /* frames went straight into lwIP: a batch of frames in is open until the hook */
	bool changed;
};

static struct joined *find(struct zt_netjoin *nj, uint64_t nwid)
{
	for (size_t i = 0; nwid && i < nj->n_nets; i++)
		if (nj->nets[i].nwid == nwid)
			return &nj->nets[i];
	return NULL;
}

static void enqueue(struct zt_netjoin *nj, enum frame_dir dir, uint64_t nwid, const uint8_t dst[6],
                    const uint8_t src[6], uint16_t ethertype, const void *payload, size_t len)
{
	if (nj->q_len >= ZT_NETJOIN_QUEUE_MAX)
		return;
	struct frame *f = malloc(sizeof(*f) + len);
	if (!f)
		return;
	*f = (struct frame){.dir = dir, .nwid = nwid, .ethertype = ethertype, .len = len};
	memcpy(f->dst, dst, 6);
	memcpy(f->src, src, 6);
	memcpy(f->payload, payload, len);
	nj->q_lwip += dir == TO_LWIP;
	if (nj->q_tail)
		nj->q_tail->next = f;
	else
		nj->q_head = f;
	nj->q_tail = f;
	nj->q_len++;
}

/* lwIP -> VL2 (inside lwIP: queue) */
static void netif_frame_out(void *arg, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype,
                            uint16_t vlan, const void *payload, size_t len)
{
	(void)vlan;
	struct joined *j = arg;
	enqueue(j->nj, TO_VL2, j->nwid, dst, src, ethertype, payload, len);
}

static void netif_mcast_changed(void *arg)
{
	((struct joined *)arg)->mcast_dirty = true;
}

/* VL2 -> lwIP: at once while a datagram comes in, else (maybe inside VL2 or lwIP) through the queue */
static void vl2_frame_out(void *arg, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
                          uint16_t ethertype, uint16_t vlan, const void *payload, size_t len)
{
	(void)vlan;
	struct zt_netjoin *nj = arg;
	if (nj->queueing || nj->q_lwip) {
		enqueue(nj, TO_LWIP, nwid, dst, src, ethertype, payload, len);
		return;
	}
	struct joined *j = find(nj, nwid);
	if (!j || !j->nif)
		return;
	if (!nj->batch_open) {
		nj->batch_open = true;
		zt_netif_rx_batch_begin();
	}
	nj->queueing = true; /* lwIP never calls VL2 (its frames out queue): only a defence */
	zt_netif_frame_in(j->nif, src, dst, ethertype, payload, len);
	nj->queueing = false;
}

static void to_netif_ip(struct zt_netif_ip *out, const struct zt_inetaddr *a, unsigned prefix)
{
	*out = (struct zt_netif_ip){.prefix = prefix};
	if (a->family == ZT_INET_V4)
		out->family = AF_INET;
	else if (a->family == ZT_INET_V6)
		out->family = AF_INET6;
	memcpy(out->ip, a->ip, 16);
}

/* The network's pushed DNS settings as resolv.conf for the shim's resolver. Without servers the file
 * goes: names beyond /etc/hosts then fail, as offline. */
static void write_resolv_conf(struct joined *j, const struct zt_vl2_network_info *info)
{
	if (!j->resolv_conf)
		return;
	char text[1024];
	size_t off = 0;
	const struct zt_dns *d = info->dns;
	if (d && d->domain[0])
		off += (size_t)snprintf(text + off, sizeof(text) - off, "search %s\n", d->domain);
	for (size_t i = 0; d && i < ZT_MAX_DNS_SERVERS && off < sizeof(text); i++) {
		char ip[INET6_ADDRSTRLEN];
		const struct zt_inetaddr *a = &d->servers[i];
		if (a->family == ZT_INET_NONE ||
		    !inet_ntop(a->family == ZT_INET_V4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip)))
			continue;
		off += (size_t)snprintf(text + off, sizeof(text) - off, "nameserver %s\n", ip);
	}
	if (off && off < sizeof(text) && strstr(text, "nameserver"))
		zt_file_write_atomic(j->resolv_conf, text, off, 0644, false);
	else
		unlink(j->resolv_conf);
}

static void apply_config(struct joined *j, const struct zt_vl2_network_info *info)
{
	write_resolv_conf(j, info);
	struct zt_netif_ip addrs[ZT_NETIF_MAX_IP4 + ZT_NETIF_MAX_IP6];
	struct zt_netif_route routes[ZT_NETIF_MAX_ROUTES];
	size_t na = 0, nr = 0;
	size_t off = 0;
	j->addrs[0] = '\0';
	for (size_t i = 0; i < info->n_addrs && na < sizeof(addrs) / sizeof(addrs[0]); i++) {
		to_netif_ip(&addrs[na], &info->addrs[i], info->addrs[i].port);
		char text[INET6_ADDRSTRLEN];
		if (inet_ntop(addrs[na].family, addrs[na].ip, text, sizeof(text)) && off < sizeof(j->addrs))
			off += (size_t)snprintf(j->addrs + off, sizeof(j->addrs) - off, "%s%s/%u",
			                        off ? " " : "", text, addrs[na].prefix);
		na++;
	}
	for (size_t i = 0; i < info->n_routes && nr < ZT_NETIF_MAX_ROUTES; i++) {
		to_netif_ip(&routes[nr].target, &info->routes[i].target, info->routes[i].target.port);
		to_netif_ip(&routes[nr].via, &info->routes[i].via, 0);
		routes[nr].metric = info->routes[i].metric;
		nr++;
	}
	struct zt_netif_ipconfig c = {
	    .addrs = addrs,
	    .naddrs = na,
	    .routes = routes,
	    .nroutes = nr,
	    .mtu = info->mtu,
	    .broadcast = info->broadcast,
	    .ndp_emulation = info->ndp_emulation,
	};
	zt_netif_set_config(j->nif, &c);
	j->has_addr = na > 0;
	j->mcast_dirty = true;
}

static void network_changed(void *arg, enum zt_vl2_net_op op, const struct zt_vl2_network_info *info)
{
	struct zt_netjoin *nj = arg;
	struct joined *j = find(nj, info->nwid);
	if (!j)
		return;
	nj->changed = true;
	j->status = info->status;
	if (op == ZT_VL2_NET_DOWN) {
		zt_netif_free(j->nif);
		j->nif = NULL;
		j->has_config = j->has_addr = false;
		return;
	}
	if (!j->nif) {
		struct zt_netif_config nc = {
		    .nwid = info->nwid,
		    .mtu = info->mtu,
		    .frame_out = netif_frame_out,
		    .mcast_changed = netif_mcast_changed,
		    .arg = j,
		};
		memcpy(nc.mac, info->mac, 6);
		if (zt_netif_new(&j->nif, &nc) < 0)
			return;
	}
	j->has_config = info->config != NULL;
	if (info->config)
		apply_config(j, info);
}

static void sync_multicast(struct zt_netjoin *nj, struct joined *j, int64_t now)
{
	j->mcast_dirty = false;
	if (!j->nif)
		return;
	struct zt_netif_group g[ZT_VL2_MAX_SUBSCRIPTIONS];
	size_t n = zt_netif_multicast_groups(j->nif, g, ZT_VL2_MAX_SUBSCRIPTIONS);
	if (n > ZT_VL2_MAX_SUBSCRIPTIONS)
		n = ZT_VL2_MAX_SUBSCRIPTIONS;
	struct zt_mcast_group mg[ZT_VL2_MAX_SUBSCRIPTIONS];
	for (size_t i = 0; i < n; i++) {
		memcpy(mg[i].mac, g[i].mac, 6);
		mg[i].adi = g[i].adi;
	}
	zt_vl2_multicast_set(nj->vl2, j->nwid, mg, n, now);
}

/* Before every sleep: deliver queued frames both ways (each delivery may queue more: a bounded number of
 * passes; the TCP data of a pass reaches each app in one write), and tell VL2 about changed multicast
 * subscriptions. */
static int64_t netjoin_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	struct zt_netjoin *nj = arg;
	nj->queueing = true;
	if (nj->batch_open) {
		nj->batch_open = false;
		zt_netif_rx_batch_end();
	}
	for (int pass = 0; pass < 8 && nj->q_head; pass++) {
		struct frame *f = nj->q_head;
		nj->q_head = nj->q_tail = NULL;
		nj->q_len = nj->q_lwip = 0;
		zt_netif_rx_batch_begin();
		while (f) {
			struct frame *next = f->next;
			struct joined *j = find(nj, f->nwid);
			if (j && f->dir == TO_LWIP && j->nif)
				zt_netif_frame_in(j->nif, f->src, f->dst, f->ethertype, f->payload, f->len);
			else if (j && f->dir == TO_VL2)
				zt_vl2_frame_in(nj->vl2, f->nwid, f->src, f->dst, f->ethertype, 0, f->payload,
				                f->len, now);
			free(f);
			f = next;
		}
		zt_netif_rx_batch_end();
	}
	for (size_t i = 0; i < nj->n_nets; i++)
		if (nj->nets[i].nwid && nj->nets[i].mcast_dirty)
			sync_multicast(nj, &nj->nets[i], now);
	nj->queueing = false;
	return nj->q_head ? now : zt_netif_rx_batch_deadline(now);
}

/* VL2 stores the networks' configs (networks.d/<nwid>.conf) in the home, as the node does its state. */
static int vl2_state_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len)
{
	return zt_home_state_put(((struct zt_netjoin *)arg)->home, type, id, data, len);
}

static int vl2_state_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap)
{
	return zt_home_state_get(((struct zt_netjoin *)arg)->home, type, id, buf, cap);
}

/* The UDP port the node had in this home last time (zerotier-one.port), or 0. */
static uint16_t last_port(struct zt_home *home)
{
	if (!home->dir)
		return 0;
	char path[4096];
	snprintf(path, sizeof(path), "%s/zerotier-one.port", home->dir);
	uint8_t *data;
	size_t len;
	if (zt_file_read(path, 16, &data, &len) < 0)
		return 0;
	long p = strtol((char *)data, NULL, 10);
	free(data);
	return p > 0 && p < 65536 ? (uint16_t)p : 0;
}

int zt_netjoin_new(struct zt_netjoin **out, struct zt_loop *loop, const struct zt_netjoin_config *cfg,
                   const char **what)
{
	if (cfg->n_nwids > ZT_NETJOIN_MAX_NETWORKS) {
		*what = "join";
		return -EINVAL;
	}
	struct zt_netjoin *nj = calloc(1, sizeof(*nj));
	if (!nj)
		return -ENOMEM;
	nj->loop = loop;
	nj->home = cfg->home;
	*what = "identity";
	int err = zt_home_identity(cfg->home, &nj->id);
	if (!err) {
		*what = "planet";
		err = zt_home_planet(cfg->home, cfg->planet_file, &nj->planet, &nj->planet_source);
	}
	if (err)
		goto fail;
	*what = "node";
	struct zt_nodehost_config hc = {
	    .home = cfg->home,
	    .identity = &nj->id,
	    .planet = &nj->planet,
	    .port = cfg->port,
	    .bind = cfg->bind,
	    .allow_loopback = cfg->allow_loopback,
	    .api_listener = cfg->api_listener,
	    .event = cfg->event,
	    .event_arg = cfg->event_arg,
	};
	/* Without --port, the port of the last run: peers that knew this node keep using its address
	 * until they find it gone (stock nodes for minutes), so a node that moves is cut off meanwhile. */
	uint16_t last = cfg->port ? 0 : last_port(cfg->home);
	if (last)
		hc.port = last;
	err = zt_nodehost_new(&nj->host, loop, &hc);
	if (err == -EADDRINUSE && last) {
		hc.port = 0;
		err = zt_nodehost_new(&nj->host, loop, &hc);
	}
	if (err)
		goto fail;
	char port_text[16];
	snprintf(port_text, sizeof(port_text), "%u", zt_nodehost_port(nj->host));
	zt_home_write_text(cfg->home, "zerotier-one.port", port_text);
	static const struct zt_vl2_callbacks cb = {
	    .version = ZT_VL2_CALLBACKS_VERSION,
	    .network_changed = network_changed,
	    .frame_out = vl2_frame_out,
	    .state_put = vl2_state_put,
	    .state_get = vl2_state_get,
	};
	err = zt_vl2_new(&nj->vl2, zt_nodehost_node(nj->host), &cb, nj);
	if (!err)
		err = zt_loop_before_sleep(loop, netjoin_hook, nj);
	if (err)
		goto fail;
	*what = "join";
	for (size_t i = 0; i < cfg->n_nwids && !err; i++)
		err = zt_netjoin_join(nj, cfg->nwids[i], i == 0 ? cfg->resolv_conf : NULL,
		                      cfg->join_tokens ? cfg->join_tokens[i] : NULL);
	if (err)
		goto fail;
	*out = nj;
	return 0;
fail:
	zt_netjoin_free(nj);
	return err;
}

void zt_netjoin_free(struct zt_netjoin *nj)
{
	if (!nj)
		return;
	zt_loop_remove_hook(nj->loop, netjoin_hook, nj);
	if (nj->batch_open) {
		nj->batch_open = false;
		zt_netif_rx_batch_end();
	}
	for (size_t i = 0; i < nj->n_nets; i++) {
		zt_netif_free(nj->nets[i].nif);
		free(nj->nets[i].resolv_conf);
	}
	zt_vl2_free(nj->vl2);
	zt_nodehost_free(nj->host);
	while (nj->q_head) {
		struct frame *f = nj->q_head;
		nj->q_head = f->next;
		free(f);
	}
	zt_identity_wipe(&nj->id);
	free(nj);
}

int zt_netjoin_read_token(const char *path, char out[ZT_JOIN_TOKEN_LEN + 1], unsigned *mode)
{
	uint8_t *data;
	size_t size, len, start = 0;
	struct stat st;
	int err = zt_file_read(path, 4096, &data, &size);
	if (err)
		return err;
	len = size;
	*mode = stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
	while (start < len && strchr(" \t\r\n", data[start]))
		start++;
	while (len > start && strchr(" \t\r\n", data[len - 1]))
		len--;
	bool ok = zt_join_token_parse((const char *)data + start, len - start, NULL);
	if (ok) {
		memcpy(out, data + start, ZT_JOIN_TOKEN_LEN);
		out[ZT_JOIN_TOKEN_LEN] = 0;
	}
	zt_wipe(data, size);
	free(data);
	return ok ? 0 : -EBADMSG;
}

int zt_netjoin_join(struct zt_netjoin *nj, uint64_t nwid, const char *resolv_conf, const char *join_token)
{
	if (!nwid)
		return -EINVAL;
	if (find(nj, nwid))
		return -EEXIST;
	struct joined *j = NULL;
	for (size_t i = 0; !j && i < nj->n_nets; i++)
		if (!nj->nets[i].nwid)
			j = &nj->nets[i];
	if (!j && nj->n_nets == ZT_NETJOIN_MAX_NETWORKS)
		return -ENOSPC;
	if (!j)
		j = &nj->nets[nj->n_nets++];
	*j = (struct joined){.nj = nj, .nwid = nwid};
	if (resolv_conf && !(j->resolv_conf = strdup(resolv_conf))) {
		j->nwid = 0;
		return -ENOMEM;
	}
	int err = zt_vl2_join_token(nj->vl2, nwid, join_token, zt_now_ms());
	if (err) {
		zt_netif_free(j->nif); /* UP may have made it */
		free(j->resolv_conf);
		*j = (struct joined){0};
	}
	nj->changed = true;
	return err;
}

int zt_netjoin_leave(struct zt_netjoin *nj, uint64_t nwid)
{
	struct joined *j = find(nj, nwid);
	if (!j)
		return -ENOENT;
	zt_vl2_leave(nj->vl2, nwid, zt_now_ms()); /* DOWN frees the netif */
	zt_netif_free(j->nif);
	if (j->resolv_conf)
		unlink(j->resolv_conf);
	free(j->resolv_conf);
	*j = (struct joined){0};
	nj->changed = true;
	return 0;
}

struct zt_node *zt_netjoin_node(const struct zt_netjoin *nj)
{
	return zt_nodehost_node(nj->host);
}

const struct zt_vl2 *zt_netjoin_vl2(const struct zt_netjoin *nj)
{
	return nj->vl2;
}

uint64_t zt_netjoin_address(const struct zt_netjoin *nj)
{
	return nj->id.address;
}

uint16_t zt_netjoin_port(const struct zt_netjoin *nj)
{
	return zt_nodehost_port(nj->host);
}

int zt_netjoin_take_api_fd(struct zt_netjoin *nj)
{
	return zt_nodehost_take_api_fd(nj->host);
}

const char *zt_netjoin_planet_source(const struct zt_netjoin *nj)
{
	return nj->planet_source;
}

enum zt_netjoin_state zt_netjoin_state(const struct zt_netjoin *nj, uint64_t *nwid)
{
	for (size_t i = 0; i < nj->n_nets; i++) {
		const struct joined *j = &nj->nets[i];
		if (!j->nwid)
			continue;
		*nwid = j->nwid;
		if (j->status == ZT_VL2_STATUS_NOT_FOUND)
			return ZT_NETJOIN_NOT_FOUND;
		if (j->status == ZT_VL2_STATUS_ACCESS_DENIED ||
		    j->status == ZT_VL2_STATUS_AUTHENTICATION_REQUIRED)
			return ZT_NETJOIN_DENIED;
		if (!j->has_config || !j->has_addr)
			return ZT_NETJOIN_WAITING;
	}
	return ZT_NETJOIN_READY;
}

void zt_netjoin_describe(const struct zt_netjoin *nj, uint64_t nwid, char *out, size_t cap)
{
	struct joined *j = find((struct zt_netjoin *)nj, nwid);
	snprintf(out, cap, "%s", j && j->addrs[0] ? j->addrs : "no address");
}

bool zt_netjoin_changed(struct zt_netjoin *nj)
{
	bool c = nj->changed;
	nj->changed = false;
	return c;
}

void zt_netjoin_counters(const struct zt_netjoin *nj, char *out, size_t cap)
{
	struct zt_vl2_counters vc;
	zt_vl2_counters(nj->vl2, &vc);
	int n = zt_nodehost_counters(nj->host, out, cap);
	if (n < 0 || (size_t)n >= cap)
		return;
	n += snprintf(
	    out + n, cap - (size_t)n,
	    "; vl2 rx_frames=%llu tx_frames=%llu rx_mc=%llu tx_mc=%llu gate=%llu rules_in=%llu "
	    "rules_out=%llu no_members=%llu likes=%llu/%llu gathers=%llu/%llu answers=%llu creds=%llu/%llu "
	    "need_com=%llu/%llu held=%llu configs=%llu/%llu/%llu",
	    (unsigned long long)vc.rx_frames, (unsigned long long)vc.tx_frames,
	    (unsigned long long)vc.rx_multicast, (unsigned long long)vc.tx_multicast,
	    (unsigned long long)vc.drop_gate, (unsigned long long)vc.drop_rules_in,
	    (unsigned long long)vc.drop_rules_out, (unsigned long long)vc.drop_no_members,
	    (unsigned long long)vc.likes_sent, (unsigned long long)vc.likes_in,
	    (unsigned long long)vc.gathers_sent, (unsigned long long)vc.gathers_in,
	    (unsigned long long)vc.gather_answers_in, (unsigned long long)vc.credentials_sent,
	    (unsigned long long)vc.credentials_in, (unsigned long long)vc.need_com_sent,
	    (unsigned long long)vc.need_com_in, (unsigned long long)vc.held,
	    (unsigned long long)vc.config_requests, (unsigned long long)vc.configs_applied,
	    (unsigned long long)vc.configs_rejected);
	for (size_t i = 0; i < nj->n_nets && n > 0 && (size_t)n < cap; i++) {
		const struct joined *j = &nj->nets[i];
		if (!j->nif)
			continue;
		const struct zt_netif_stats *st = zt_netif_stats(j->nif);
		n += snprintf(out + n, cap - (size_t)n, "; netif rx=%llu tx=%llu not_for_us=%llu bad=%llu",
		              (unsigned long long)st->rx_frames, (unsigned long long)st->tx_frames,
		              (unsigned long long)st->rx_not_for_us, (unsigned long long)st->rx_bad);
	}
}
