/* The run command's options and steps for ZeroTier networks: parsing -n/--home/--ephemeral/--port/
 * --planet/--wait/--join-token[-file] (and ZTRUN_JOIN_TOKEN), and joining with progress lines until every network has its addresses. */
#include "run_join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "vl1/crypto.h"
#include "vl1/node.h"

/* Returns 0 for "none", 1 for a network ID, or -EINVAL. */
int zt_network_kind(const char *s)
{
	if (strcmp(s, "none") == 0)
		return 0;
	uint64_t nwid;
	if (zt_hex_parse(s, 16, &nwid))
		return 1;
	return -EINVAL;
}

/* One token, from `source` (an option or a variable's name: the text itself is never echoed). */
static int add_token(struct zt_join_opts *jo, const char *text, size_t len, const char *source)
{
	uint64_t nwid;
	if (!zt_join_token_parse(text, len, &nwid)) {
		zt_log(ZT_LOG_ERROR,
		       "bad %s: not a join token (ztjt1.<network ID>.<secret>, as ztrun controller token create "
		       "prints it)",
		       source);
		return -1;
	}
	for (size_t i = 0; i < jo->n_tokens; i++) {
		uint64_t other;
		if (zt_join_token_parse(jo->tokens[i], ZT_JOIN_TOKEN_LEN, &other) && other == nwid) {
			zt_log(ZT_LOG_ERROR, "bad %s: a join token for network %016llx was given already", source,
			       (unsigned long long)nwid);
			return -1;
		}
	}
	if (jo->n_tokens == ZT_NETJOIN_MAX_NETWORKS) {
		zt_log(ZT_LOG_ERROR, "too many join tokens: %d at most", ZT_NETJOIN_MAX_NETWORKS);
		return -1;
	}
	memcpy(jo->tokens[jo->n_tokens], text, ZT_JOIN_TOKEN_LEN);
	jo->tokens[jo->n_tokens++][ZT_JOIN_TOKEN_LEN] = 0;
	return 0;
}

static int token_file(struct zt_join_opts *jo, const char *path)
{
	char token[ZT_JOIN_TOKEN_LEN + 1];
	unsigned mode = 0;
	int err = zt_netjoin_read_token(path, token, &mode);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot use --join-token-file %s: %s", path,
		       err == -EBADMSG || err == -EFBIG ? "not a join token (ztrun controller token create prints one)"
		                                        : strerror(-err));
		return -1;
	}
	if (mode & 077) /* as for the home's other secrets */
		zt_log(ZT_LOG_WARN, "%s is accessible by others (mode %04o): chmod 600 it", path, mode);
	err = add_token(jo, token, ZT_JOIN_TOKEN_LEN, "--join-token-file");
	zt_wipe(token, sizeof(token));
	return err;
}

static bool joined(const struct zt_join_opts *jo, uint64_t nwid)
{
	for (size_t k = 0; k < jo->n_nwids; k++)
		if (jo->nwids[k] == nwid)
			return true;
	return false;
}

int zt_join_take_tokens(struct zt_join_opts *jo)
{
	for (size_t i = 0; i < jo->n_tokens; i++) {
		uint64_t nwid = 0;
		zt_join_token_parse(jo->tokens[i], ZT_JOIN_TOKEN_LEN, &nwid);
		if (!joined(jo, nwid)) {
			zt_log(ZT_LOG_ERROR, "the join token given is for network %016llx, which is not joined here",
			       (unsigned long long)nwid);
			return -1;
		}
	}
	char *v = getenv("ZTRUN_JOIN_TOKEN");
	int err = 0;
	uint64_t nwid = 0;
	if (v && *v) {
		size_t len = strlen(v);
		if (!zt_join_token_parse(v, len, &nwid) || joined(jo, nwid))
			err = add_token(jo, v, len, "ZTRUN_JOIN_TOKEN");
		else /* the environment may be meant for other runs: said, not fatal */
			zt_log(ZT_LOG_WARN, "ZTRUN_JOIN_TOKEN is for network %016llx, which is not joined here: not used",
			       (unsigned long long)nwid);
		zt_wipe(v, len); /* from the environment block itself: /proc/PID/environ shows it no more */
	}
	unsetenv("ZTRUN_JOIN_TOKEN"); /* and COMMAND never gets it */
	return err;
}

/* Takes one of the join options; -1 after saying what is wrong. */
int zt_join_parse_opt(struct zt_join_opts *jo, int opt, char *arg)
{
	char *end;
	int err;
	switch (opt) {
	case 'T':
		err = add_token(jo, arg, strlen(arg), "--join-token");
		zt_wipe(arg, strlen(arg)); /* out of ps and /proc/PID/cmdline */
		return err;
	case 'J':
		return token_file(jo, arg);
	case 'n':
		if (zt_network_kind(arg) != 1) {
			zt_log(ZT_LOG_ERROR, "bad network ID '%s' for -n: 16 hex digits", arg);
			return -1;
		}
		if (jo->n_nwids + 1 >= ZT_NETJOIN_MAX_NETWORKS) {
			zt_log(ZT_LOG_ERROR, "too many networks: %d at most", ZT_NETJOIN_MAX_NETWORKS);
			return -1;
		}
		jo->nwids[jo->n_nwids++] = strtoull(arg, NULL, 16);
		return 0;
	case 'H':
		jo->home = arg;
		break;
	case 'E':
		jo->ephemeral = true;
		break;
	case 'L':
		jo->planet = arg;
		break;
	case 'P':
	case 'W':
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (*end || end == arg || errno || v < 0 || v > (opt == 'P' ? 65535 : 86400)) {
			zt_log(ZT_LOG_ERROR, "bad %s '%s' (%s)", opt == 'P' ? "port" : "wait", arg,
			       opt == 'P' ? "0 to 65535" : "seconds, 0 to 86400");
			return -1;
		}
		*(opt == 'P' ? &jo->port : &jo->wait_s) = v;
		break;
	default:
		return 0;
	}
	if (jo->home && jo->ephemeral) {
		zt_log(ZT_LOG_ERROR, "--home and --ephemeral exclude each other");
		return -1;
	}
	return 0;
}

/* Starts the node, joins the networks and waits (up to --wait) until each has its addresses, saying
 * what it waits for. 0, or the exit status to leave with. */
int zt_join_networks(struct zt_loop *loop, const int *stop_signal, struct zt_join_opts *jo,
                     struct zt_home *home, struct zt_netjoin **nj, const char *socket_path)
{
	const char *tokens[ZT_NETJOIN_MAX_NETWORKS] = {0};
	for (size_t i = 0; i < jo->n_tokens; i++) {
		uint64_t nwid = 0;
		zt_join_token_parse(jo->tokens[i], ZT_JOIN_TOKEN_LEN, &nwid);
		for (size_t k = 0; k < jo->n_nwids; k++)
			if (jo->nwids[k] == nwid)
				tokens[k] = jo->tokens[i];
	}
	char resolv[4200];
	snprintf(resolv, sizeof(resolv), "%s.resolv.conf", socket_path);
	if (zt_home_open_or_say(home, jo->home, jo->ephemeral) < 0)
		return ZT_EXIT_ZTRUN;
	const char *what;
	struct zt_netjoin_config cfg = {
	    .nwids = jo->nwids,
	    .n_nwids = jo->n_nwids,
	    .home = home,
	    .planet_file = jo->planet,
	    .port = (uint16_t)jo->port,
	    .allow_loopback = true,
	    .resolv_conf = resolv,
	    .join_tokens = tokens,
	};
	int err = zt_netjoin_new(nj, loop, &cfg, &what);
	zt_wipe(jo->tokens, sizeof(jo->tokens)); /* VL2 holds its own copies now */
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the ZeroTier node (%s): %s%s", what, strerror(-err),
		       err == -EADDRINUSE ? " (--port 0 picks a free port)" : "");
		return ZT_EXIT_ZTRUN;
	}
	char addr[ZT_ADDRESS_TEXT_LEN + 1], nw[17], desc[300];
	zt_address_format(zt_netjoin_address(*nj), addr);
	snprintf(nw, sizeof(nw), "%016llx", (unsigned long long)jo->nwids[0]);
	zt_log(ZT_LOG_INFO, "node %s on UDP port %u, planet from %s", addr, zt_netjoin_port(*nj),
	       zt_netjoin_planet_source(*nj));
	if (jo->wait_s == 0)
		return 0;
	int64_t deadline = zt_now_ms() + jo->wait_s * 1000;
	enum zt_netjoin_state said = ZT_NETJOIN_READY;
	bool said_offline = false;
	uint64_t which;
	for (;;) {
		enum zt_netjoin_state st = zt_netjoin_state(*nj, &which);
		/* No root has answered: nothing can reach the controller, say that rather than blame it. */
		bool offline = st == ZT_NETJOIN_WAITING && !zt_node_online(zt_netjoin_node(*nj));
		snprintf(nw, sizeof(nw), "%016llx", (unsigned long long)which);
		if (st == ZT_NETJOIN_READY)
			break;
		if (st == ZT_NETJOIN_NOT_FOUND) {
			zt_log(ZT_LOG_ERROR, "cannot join %s: its controller %.10s says it does not exist",
			       nw, nw);
			return ZT_EXIT_ZTRUN;
		}
		if (st != said || offline != said_offline) {
			/* one line per change of what we wait for */
			zt_log(ZT_LOG_WARN, "joining %s as node %s... %s", nw, addr,
			       st == ZT_NETJOIN_DENIED ? "waiting for authorization"
			       : offline               ? "waiting for a root of its planet to answer"
			                               : "waiting for its configuration");
			said = st;
			said_offline = offline;
		}
		if (*stop_signal)
			return 128 + *stop_signal;
		int64_t now = zt_now_ms();
		if (now >= deadline) {
			if (offline)
				zt_log(ZT_LOG_ERROR,
				       "cannot join %s: no root of its planet answers after %ld s (planet from "
				       "%s: is its root running and reachable? or wait longer with --wait)",
				       nw, jo->wait_s, zt_netjoin_planet_source(*nj));
			else if (st == ZT_NETJOIN_DENIED)
				zt_log(ZT_LOG_ERROR,
				       "not authorized on %s after %ld s (authorize node %s on its "
				       "controller, or wait "
				       "longer with --wait)",
				       nw, jo->wait_s, addr);
			else
				zt_log(ZT_LOG_ERROR,
				       "no configuration for %s after %ld s (is its controller %.10s "
				       "reachable through "
				       "the planet's roots? authorize node %s there; or wait longer with "
				       "--wait)",
				       nw, jo->wait_s, nw, addr);
			return ZT_EXIT_ZTRUN;
		}
		int err2 = zt_loop_run_once(loop, (int)(deadline - now < 200 ? deadline - now : 200));
		if (err2) {
			zt_log(ZT_LOG_ERROR, "event loop failed: %s", strerror(-err2));
			return ZT_EXIT_ZTRUN;
		}
	}
	for (size_t i = 0; i < jo->n_nwids; i++) {
		snprintf(nw, sizeof(nw), "%016llx", (unsigned long long)jo->nwids[i]);
		zt_netjoin_describe(*nj, jo->nwids[i], desc, sizeof(desc));
		zt_log(ZT_LOG_WARN, "joined %s as node %s: %s", nw, addr, desc);
	}
	return 0;
}
