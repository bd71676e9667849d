/* ztrun service's local API: stock zerotier-one's (service/OneService.cpp) paths and JSON fields, so
 * zerotier-cli and scripts written for it work: GET /status, GET /network, GET|POST|PUT|DELETE
 * /network/<nwid>, GET /peer, GET /peer/<address>. Where zerotier-one names the network's tap device
 * (portDeviceName), we name its control socket. */
#include "svc.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "json.h"
#include "vl1/identity.h"
#include "vl1/node.h"
#include "vl2/vl2.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void answer(struct zt_http_response *res, int status, cJSON *j)
{
	res->status = status;
	res->body = j ? cJSON_PrintUnformatted(j) : strdup("{}");
	cJSON_Delete(j);
	if (!res->body) {
		res->status = 500;
		return;
	}
	res->len = strlen(res->body);
}

static void answer_error(struct zt_http_response *res, int status, const char *why)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", why);
	answer(res, status, j);
}

static void add_hex(cJSON *o, const char *key, uint64_t v, int digits)
{
	char t[24];
	snprintf(t, sizeof(t), "%0*" PRIx64, digits, v);
	cJSON_AddStringToObject(o, key, t);
}

static void add_inet(cJSON *arr, const struct zt_inetaddr *a, bool with_port)
{
	char t[64];
	if (zt_inetaddr_format(a, t, sizeof(t)) < 0)
		return;
	if (!with_port)
		*strchrnul(t, '/') = '\0';
	cJSON_AddItemToArray(arr, cJSON_CreateString(t));
}

static cJSON *network_json(struct zt_svc *s, struct zt_svc_net *n)
{
	struct zt_vl2_network_info info;
	if (zt_vl2_network(zt_netjoin_vl2(s->nj), n->nwid, &info) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	char t[200];
	add_hex(o, "id", n->nwid, 16);
	add_hex(o, "nwid", n->nwid, 16);
	snprintf(t, sizeof(t), "%02x:%02x:%02x:%02x:%02x:%02x", info.mac[0], info.mac[1], info.mac[2],
	         info.mac[3], info.mac[4], info.mac[5]);
	cJSON_AddStringToObject(o, "mac", t);
	cJSON_AddStringToObject(o, "name", info.name ? info.name : "");
	cJSON_AddStringToObject(o, "status", zt_vl2_status_name(info.status));
	cJSON_AddStringToObject(o, "type", info.is_public ? "PUBLIC" : "PRIVATE");
	cJSON_AddNumberToObject(o, "mtu", info.mtu);
	cJSON_AddBoolToObject(o, "dhcp", false);
	cJSON_AddBoolToObject(o, "bridge", false);
	cJSON_AddBoolToObject(o, "broadcastEnabled", info.broadcast);
	cJSON_AddNumberToObject(o, "portError", 0);
	cJSON_AddNumberToObject(o, "netconfRevision", (double)info.revision);
	if (zt_svc_socket_path(s, n->nwid, t, sizeof(t)) == 0)
		cJSON_AddStringToObject(o, "portDeviceName", t);
	cJSON_AddBoolToObject(o, "allowManaged", n->allow_managed);
	cJSON_AddBoolToObject(o, "allowGlobal", n->allow_global);
	cJSON_AddBoolToObject(o, "allowDefault", n->allow_default);
	cJSON_AddBoolToObject(o, "allowDNS", n->allow_dns);
	cJSON *aa = cJSON_AddArrayToObject(o, "assignedAddresses");
	for (size_t i = 0; i < info.n_addrs; i++)
		add_inet(aa, &info.addrs[i], true);
	cJSON *ra = cJSON_AddArrayToObject(o, "routes");
	for (size_t i = 0; i < info.n_routes; i++) {
		const struct zt_route *r = &info.routes[i];
		cJSON *rj = cJSON_CreateObject(), *tmp = cJSON_CreateArray();
		add_inet(tmp, &r->target, true);
		if (r->via.family == r->target.family)
			add_inet(tmp, &r->via, false);
		cJSON *target = cJSON_DetachItemFromArray(tmp, 0);
		cJSON_AddItemToObject(rj, "target", target ? target : cJSON_CreateNull());
		cJSON *via = cJSON_DetachItemFromArray(tmp, 0);
		cJSON_AddItemToObject(rj, "via", via ? via : cJSON_CreateNull());
		cJSON_Delete(tmp);
		cJSON_AddNumberToObject(rj, "flags", r->flags);
		cJSON_AddNumberToObject(rj, "metric", r->metric);
		cJSON_AddItemToArray(ra, rj);
	}
	cJSON_AddArrayToObject(o, "multicastSubscriptions");
	cJSON *dns = cJSON_AddObjectToObject(o, "dns");
	cJSON_AddStringToObject(dns, "domain", info.dns ? info.dns->domain : "");
	cJSON *servers = cJSON_AddArrayToObject(dns, "servers");
	for (size_t i = 0; info.dns && i < ZT_MAX_DNS_SERVERS; i++)
		if (info.dns->servers[i].family != ZT_INET_NONE)
			add_inet(servers, &info.dns->servers[i], false);
	return o;
}

static cJSON *peer_json(const struct zt_node_peer_info *p, uint16_t port)
{
	cJSON *o = cJSON_CreateObject();
	char t[64];
	add_hex(o, "address", p->address, 10);
	cJSON_AddNumberToObject(o, "versionMajor", p->major);
	cJSON_AddNumberToObject(o, "versionMinor", p->minor);
	cJSON_AddNumberToObject(o, "versionRev", p->rev);
	snprintf(t, sizeof(t), "%d.%d.%d", p->major, p->minor, p->rev);
	cJSON_AddStringToObject(o, "version", t);
	cJSON_AddNumberToObject(o, "latency", p->latency_ms);
	cJSON_AddStringToObject(o, "role", p->role == ZT_PEER_ROOT ? "PLANET" : "LEAF");
	cJSON_AddBoolToObject(o, "isBonded", false);
	cJSON_AddBoolToObject(o, "tunneled", false);
	cJSON *pa = cJSON_AddArrayToObject(o, "paths");
	/* stock's clock in these fields is the wall clock; ours is monotonic: convert */
	int64_t mono = zt_now_ms(), wall = wall_ms();
	for (unsigned i = 0; i < p->n_paths && i < ZT_NODE_MAX_PATHS; i++) {
		const struct zt_node_path_info *path = &p->paths[i];
		cJSON *j = cJSON_CreateObject(), *tmp = cJSON_CreateArray();
		add_inet(tmp, &path->addr, true);
		cJSON *addr = cJSON_DetachItemFromArray(tmp, 0);
		cJSON_Delete(tmp);
		cJSON_AddItemToObject(j, "address", addr ? addr : cJSON_CreateString("-"));
		cJSON_AddNumberToObject(j, "lastSend",
		                        path->last_send ? (double)(wall - (mono - path->last_send)) : 0);
		cJSON_AddNumberToObject(j, "lastReceive",
		                        path->last_recv ? (double)(wall - (mono - path->last_recv)) : 0);
		cJSON_AddNumberToObject(j, "trustedPathId", 0);
		cJSON_AddBoolToObject(j, "active", true);
		cJSON_AddBoolToObject(j, "expired", false);
		cJSON_AddBoolToObject(j, "preferred", path->preferred);
		cJSON_AddNumberToObject(j, "localSocket", (double)path->sock);
		cJSON_AddNumberToObject(j, "localPort", port);
		cJSON_AddItemToArray(pa, j);
	}
	return o;
}

static cJSON *status_json(struct zt_svc *s)
{
	struct zt_node *node = zt_netjoin_node(s->nj);
	const struct zt_identity *id = zt_node_identity(node);
	char t[ZT_IDENTITY_TEXT_MAX];
	cJSON *o = cJSON_CreateObject();
	add_hex(o, "address", zt_node_address(node), 10);
	if (zt_identity_to_text(id, false, t, sizeof(t)) >= 0)
		cJSON_AddStringToObject(o, "publicIdentity", t);
	cJSON_AddBoolToObject(o, "online", zt_node_online(node));
	cJSON_AddBoolToObject(o, "tcpFallbackActive", false);
	cJSON_AddNumberToObject(o, "versionMajor", ZT_NODE_VERSION_MAJOR);
	cJSON_AddNumberToObject(o, "versionMinor", ZT_NODE_VERSION_MINOR);
	cJSON_AddNumberToObject(o, "versionRev", ZT_NODE_VERSION_REV);
	cJSON_AddNumberToObject(o, "versionBuild", 0);
	snprintf(t, sizeof(t), "%d.%d.%d", ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REV);
	cJSON_AddStringToObject(o, "version", t);
	cJSON_AddNumberToObject(o, "clock", (double)wall_ms());
	cJSON *config = cJSON_AddObjectToObject(o, "config");
	cJSON *settings = cJSON_AddObjectToObject(config, "settings");
	cJSON_AddBoolToObject(settings, "allowTcpFallbackRelay", false);
	cJSON_AddBoolToObject(settings, "forceTcpRelay", false);
	cJSON_AddNumberToObject(settings, "primaryPort", s->port);
	cJSON_AddNumberToObject(settings, "secondaryPort", 0);
	cJSON_AddNumberToObject(settings, "tertiaryPort", 0);
	cJSON_AddStringToObject(settings, "homeDir", s->dir);
	cJSON_AddBoolToObject(settings, "portMappingEnabled", false);
	cJSON_AddNumberToObject(o, "planetWorldId", (double)s->planet_id);
	cJSON_AddNumberToObject(o, "planetWorldTimestamp", (double)s->planet_ts);
	return o;
}

/* POST /network/<nwid>: join, and take stock's settings from the body; bad JSON is ignored, as stock. */
static void network_post(struct zt_svc *s, uint64_t nwid, const char *body, size_t len,
                         struct zt_http_response *res)
{
	static const char *const keys[] = {"allowManaged", "allowGlobal", "allowDefault", "allowDNS"};
	char why[200];
	cJSON *j = len ? zt_json_parse(body, len, why, sizeof(why)) : cJSON_CreateObject();
	if (!j || !cJSON_IsObject(j)) {
		if (j)
			snprintf(why, sizeof(why), "the body must be a JSON object");
		cJSON_Delete(j);
		answer_error(res, 400, why);
		return;
	}
	for (int i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
		if (v && !cJSON_IsBool(v)) {
			snprintf(why, sizeof(why), "\"%s\" must be true or false", keys[i]);
			cJSON_Delete(j);
			answer_error(res, 400, why);
			return;
		}
	}
	int err = zt_svc_join(s, nwid);
	if (err && err != -EEXIST) {
		cJSON_Delete(j);
		answer_error(res, err == -ENOSPC ? 409 : 500,
		             err == -ENOSPC ? "too many networks joined" : strerror(-err));
		return;
	}
	struct zt_svc_net *n = zt_svc_find(s, nwid);
	bool *fields[] = {&n->allow_managed, &n->allow_global, &n->allow_default, &n->allow_dns};
	for (int i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
		if (cJSON_IsBool(v))
			*fields[i] = cJSON_IsTrue(v);
	}
	cJSON_Delete(j);
	answer(res, 200, network_json(s, n));
}

/* "/network/<16 hex>" or "/peer/<10 hex>" -> the ID; 0 when the path is not that. */
static uint64_t path_id(const char *path, const char *prefix, size_t digits)
{
	size_t pl = strlen(prefix);
	uint64_t id;
	return strncmp(path, prefix, pl) == 0 && zt_hex_parse(path + pl, digits, &id) ? id : 0;
}

static void api_request(void *arg, const struct zt_http_request *req, const char *body, size_t len,
                        struct zt_http_response *res)
{
	struct zt_svc *s = arg;
	char method[ZT_HTTP_MAX_METHOD + 1], path[256];
	snprintf(method, sizeof(method), "%.*s", (int)req->method.len, req->method.p);
	if (req->path.len >= sizeof(path)) {
		answer_error(res, 404, "no such path");
		return;
	}
	snprintf(path, sizeof(path), "%.*s", (int)req->path.len, req->path.p);
	size_t pl = strlen(path);
	if (pl > 1 && path[pl - 1] == '/')
		path[pl - 1] = '\0';
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	bool del = strcmp(method, "DELETE") == 0;
	uint64_t id;
	if (strcmp(path, "/status") == 0 && get) {
		answer(res, 200, status_json(s));
	} else if (strcmp(path, "/network") == 0 && get) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < ZT_SVC_MAX_NETWORKS; i++) {
			cJSON *n = s->nets[i].nwid ? network_json(s, &s->nets[i]) : NULL;
			if (n)
				cJSON_AddItemToArray(arr, n);
		}
		answer(res, 200, arr);
	} else if ((id = path_id(path, "/network/", 16)) != 0 && (get || post || del)) {
		struct zt_svc_net *n = zt_svc_find(s, id);
		if (post) {
			network_post(s, id, body, len, res);
		} else if (del) {
			cJSON *o = cJSON_CreateObject();
			if (zt_svc_leave(s, id) == 0)
				cJSON_AddBoolToObject(o, "result", true);
			answer(res, 200, o);
		} else if (n) {
			answer(res, 200, network_json(s, n));
		} else {
			answer(res, 404, cJSON_CreateObject());
		}
	} else if (strcmp(path, "/peer") == 0 && get) {
		struct zt_node_peer_info *peers = calloc(256, sizeof(*peers));
		size_t n = peers ? zt_node_peers(zt_netjoin_node(s->nj), peers, 256, zt_now_ms()) : 0;
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n && i < 256; i++)
			cJSON_AddItemToArray(arr, peer_json(&peers[i], s->port));
		free(peers);
		answer(res, 200, arr);
	} else if ((id = path_id(path, "/peer/", 10)) != 0 && get) {
		struct zt_node_peer_info p;
		if (zt_node_peer(zt_netjoin_node(s->nj), id, &p, zt_now_ms()) == 0)
			answer(res, 200, peer_json(&p, s->port));
		else
			answer(res, 200, cJSON_CreateObject()); /* stock answers {} for an unknown peer */
	} else if (strncmp(path, "/network/", 9) == 0) {
		answer_error(res, 400, "not a network ID: 16 hex digits");
	} else {
		answer_error(res, 404, "no such path (this node serves /status, /network and /peer)");
	}
}

int zt_svc_api_start(struct zt_svc *s)
{
	return zt_httpd_new(&s->api, s->loop, zt_netjoin_take_api_fd(s->nj), s->token, api_request, s);
}

void zt_svc_api_stop(struct zt_svc *s)
{
	zt_httpd_free(s->api);
	s->api = NULL;
}
