/* The root and endpoint options of ztrun planet new and update, applied to a world in command-line order:
 * identities are loaded and checked as nodes will check them, endpoints parsed from the forms people write,
 * and every refusal explained. The limits themselves are vl1/world's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "log.h"
#include "planet.h"

static bool is_address(const char *s, uint64_t *address)
{
	return zt_hex_parse(s, ZT_ADDRESS_TEXT_LEN, address);
}

/* IP/PORT (ZeroTier's form), IPv4:PORT or [IPv6]:PORT. 0 or -EINVAL. */
static int parse_endpoint(const char *s, struct zt_inetaddr *a)
{
	char ip[64];
	const char *port;
	size_t iplen;
	const char *slash = strrchr(s, '/');
	memset(a, 0, sizeof(*a));
	if (slash) {
		iplen = (size_t)(slash - s);
		port = slash + 1;
	} else if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		s++;
		iplen = (size_t)(close - s);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		iplen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (iplen == 0 || iplen >= sizeof(ip) || !*port || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) < 1 || atoi(port) > 65535)
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = 0;
	if (inet_pton(AF_INET, ip, a->ip) == 1)
		a->family = ZT_INET_V4;
	else if (inet_pton(AF_INET6, ip, a->ip) == 1)
		a->family = ZT_INET_V6;
	else
		return -EINVAL;
	a->port = (uint16_t)atoi(port);
	return 0;
}

/* Addresses nodes cannot use are refused; those only local tests use are allowed, with a warning if
 * warn_local. */
static int check_endpoint(const char *text, const struct zt_inetaddr *a, bool warn_local)
{
	static const uint8_t zero[16];
	const uint8_t *ip = a->ip;
	bool v4 = a->family == ZT_INET_V4;
	if (memcmp(ip, zero, v4 ? 4 : 16) == 0 || (v4 && (ip[0] >= 224 || ip[0] == 0)) ||
	    (!v4 && ip[0] == 0xff)) {
		zt_log(ZT_LOG_ERROR,
		       "bad endpoint %s: unspecified, multicast or broadcast (give the root's unicast "
		       "address)",
		       text);
		return -EINVAL;
	}
	static const uint8_t v6_loopback[16] = {[15] = 1};
	if (warn_local && ((v4 && (ip[0] == 127 || (ip[0] == 169 && ip[1] == 254))) ||
	    (!v4 && (memcmp(ip, v6_loopback, 16) == 0 || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)))))
		zt_log(ZT_LOG_WARN,
		       "warning: endpoint %s is loopback or link-local: stock nodes will not use it "
		       "(fine for ztrun nodes on one host)",
		       text);
	return 0;
}

/* Loads a root's identity and runs the check every node will run on it. */
static int load_root(const char *arg, struct zt_identity *id)
{
	const char *name = zt_keyfile_arg_name(arg);
	int ret = zt_keyfile_load_identity(arg, id);
	if (ret == -EBADMSG) {
		zt_log(ZT_LOG_ERROR,
		       "cannot read root identity %s: not an identity (give the root's "
		       "identity.public)",
		       name);
		return -1;
	}
	if (ret) {
		zt_log(ZT_LOG_ERROR, "cannot read root identity %s: %s (give the root's identity.public)",
		       name, ret == -EFBIG ? "file too long" : strerror(-ret));
		return -1;
	}
	if (zt_identity_validate(id, NULL) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "root identity %s FAILED validation (nodes would refuse it; check with ztrun "
		       "idtool validate)",
		       name);
		return -1;
	}
	return 0;
}

/* --root: selects a root by address, or by identity, adding it if it is new. */
static int select_root(struct zt_world *w, const char *arg, uint64_t *selected)
{
	struct zt_identity id;
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	uint64_t address;
	int i, ret = -1;
	if (is_address(arg, &address)) {
		if (zt_world_find_root(w, address) < 0) {
			zt_log(ZT_LOG_ERROR, "no root %s in the planet (give its identity to add it)", arg);
			return -1;
		}
		*selected = address;
		return 0;
	}
	if (load_root(arg, &id) != 0)
		goto out;
	zt_address_format(id.address, addr);
	*selected = id.address;
	i = zt_world_find_root(w, id.address);
	if (i >= 0 && !zt_identity_equal(&w->roots[i].id, &id))
		zt_log(ZT_LOG_ERROR,
		       "root %s in the planet has another public key than %s (remove it first to replace it)",
		       addr, zt_keyfile_arg_name(arg));
	else if (i < 0 && zt_world_add_root(w, &id) != 0)
		zt_log(ZT_LOG_ERROR,
		       "cannot add root %s: a planet has at most %d roots (stock nodes refuse more)", addr,
		       ZT_WORLD_MAX_ROOTS);
	else
		ret = 0;
out:
	zt_identity_wipe(&id); /* the identity given may have been a secret one */
	return ret;
}

static int remove_root(struct zt_world *w, const char *arg, uint64_t *selected)
{
	struct zt_identity id;
	uint64_t address;
	if (!is_address(arg, &address)) {
		if (zt_keyfile_load_identity(arg, &id) != 0) {
			zt_log(ZT_LOG_ERROR,
			       "bad --remove-root %s: not an address (10 hex digits) nor an identity",
			       zt_keyfile_arg_name(arg));
			return -1;
		}
		address = id.address;
		zt_identity_wipe(&id);
	}
	if (zt_world_remove_root(w, address) != 0) {
		char addr[ZT_ADDRESS_TEXT_LEN + 1];
		zt_address_format(address, addr);
		zt_log(ZT_LOG_ERROR, "cannot remove root %s: it is not a root of the planet", addr);
		return -1;
	}
	if (*selected == address)
		*selected = 0;
	return 0;
}

static int edit_endpoint(struct zt_world *w, const struct zt_planet_edit *e, uint64_t selected,
                         bool warn_local)
{
	struct zt_inetaddr a;
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	const char *opt = e->op == ZT_EDIT_ENDPOINT ? "--endpoint" : "--remove-endpoint";
	int i = selected ? zt_world_find_root(w, selected) : -ENOENT, ret;
	if (i < 0) {
		zt_log(ZT_LOG_ERROR, "%s %s: no --root before it (name the root it belongs to first)", opt,
		       e->arg);
		return -1;
	}
	if (parse_endpoint(e->arg, &a) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "bad endpoint '%s': not IP/PORT (e.g. 203.0.113.1/9993 or 2001:db8::1/9993)", e->arg);
		return -1;
	}
	zt_address_format(selected, addr);
	if (e->op == ZT_EDIT_REMOVE_ENDPOINT) {
		if (zt_world_remove_endpoint(&w->roots[i], &a) != 0) {
			zt_log(ZT_LOG_ERROR, "cannot remove endpoint %s: root %s has no such endpoint",
			       e->arg, addr);
			return -1;
		}
		return 0;
	}
	if (check_endpoint(e->arg, &a, warn_local) != 0)
		return -1;
	ret = zt_world_add_endpoint(&w->roots[i], &a);
	if (ret == -EEXIST)
		zt_log(ZT_LOG_ERROR, "endpoint %s is given twice for root %s", e->arg, addr);
	else if (ret)
		zt_log(ZT_LOG_ERROR,
		       "cannot add endpoint %s: root %s has %d already (stock nodes refuse more)", e->arg,
		       addr, ZT_WORLD_MAX_ENDPOINTS);
	return ret ? -1 : 0;
}

int zt_planet_apply_edits(struct zt_world *w, const struct zt_planet_edit *edits, size_t n, bool warn_local)
{
	uint64_t selected = 0;
	for (size_t k = 0; k < n; k++) {
		const struct zt_planet_edit *e = &edits[k];
		int ret = 0;
		if (e->op == ZT_EDIT_ROOT)
			ret = select_root(w, e->arg, &selected);
		else if (e->op == ZT_EDIT_REMOVE_ROOT)
			ret = remove_root(w, e->arg, &selected);
		else
			ret = edit_endpoint(w, e, selected, warn_local);
		if (ret)
			return -1;
	}
	if (w->n_roots == 0) {
		zt_log(ZT_LOG_ERROR, "no roots left: a planet needs at least one --root with an --endpoint");
		return -1;
	}
	for (unsigned i = 0; i < w->n_roots; i++) {
		if (w->roots[i].n_endpoints == 0) {
			char addr[ZT_ADDRESS_TEXT_LEN + 1];
			zt_address_format(w->roots[i].id.address, addr);
			zt_log(ZT_LOG_ERROR,
			       "root %s has no endpoint (nodes could not reach it: add --endpoint IP/PORT "
			       "after its --root)",
			       addr);
			return -1;
		}
	}
	return 0;
}
