#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void zt_cli_begin(struct zt_cli *cli, const char *name)
{
	*cli = (struct zt_cli){0};
	snprintf(cli->name, sizeof(cli->name), "%s", name);
	optind = 0; /* 0, not 1: getopt starts afresh, forgetting an earlier scan's "+" */
	opterr = 0;
}

void zt_cli_next(struct zt_cli *cli, const char *command)
{
	size_t len = strlen(cli->name);
	snprintf(cli->name + len, sizeof(cli->name) - len, " %s", command);
	optind = 0;
	opterr = 0;
}

bool zt_cli_log_flag(struct zt_cli *cli, const char *arg)
{
	if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "--quiet") == 0) {
		(*(arg[2] == 'v' ? &cli->verbose : &cli->quiet))++;
		return true;
	}
	if (arg[0] != '-' || !arg[1] || strspn(arg + 1, "vq") != strlen(arg + 1))
		return false;
	for (const char *p = arg + 1; *p; p++)
		(*(*p == 'v' ? &cli->verbose : &cli->quiet))++;
	return true;
}

/* Says what is wrong with the option getopt just refused. It was in argv[optind - 1] unless getopt stopped
 * inside a cluster of short options (-vx), where optind has not moved on. */
static void bad_option(const struct zt_cli *cli, char **argv, int optind_before, const char *shorts)
{
	const char *elem = optind > optind_before ? argv[optind - 1] : NULL;
	if (elem && strncmp(elem, "--", 2) == 0) {
		const char *eq = strchr(elem, '=');
		int len = eq ? (int)(eq - elem) : (int)strlen(elem);
		/* getopt gives a missing value and a value too many the option's own code */
		const char *why = !optopt ? "unknown" : eq ? "takes no value" : "needs a value";
		zt_log(ZT_LOG_ERROR, "bad option '%.*s': %s (see %s --help)", len, elem, why, cli->name);
		return;
	}
	const char *known = optopt && optopt != ':' && optopt != '+' ? strchr(shorts, optopt) : NULL;
	zt_log(ZT_LOG_ERROR, "bad option '-%c': %s (see %s --help)", optopt ? optopt : '?',
	       known ? "needs a value" : "unknown", cli->name);
}

int zt_cli_getopt(struct zt_cli *cli, int argc, char **argv, const char *shorts, const struct option *longs)
{
	for (;;) {
		int before = optind;
		int opt = getopt_long(argc, argv, shorts, longs, NULL);
		if (opt == 'v')
			cli->verbose++;
		else if (opt == 'q')
			cli->quiet++;
		else if (opt == '?' || opt == ':') {
			bad_option(cli, argv, before, shorts);
			return '?';
		} else
			return opt;
	}
}

void zt_cli_set_log_level(const struct zt_cli *cli)
{
	const char *env = getenv("ZTRUN_LOG");
	enum zt_log_level level = ZT_LOG_WARN;
	bool bad_env = env && env[0] && zt_log_parse_level(env, &level) < 0;
	if (cli->verbose || cli->quiet) {
		int l = ZT_LOG_WARN + cli->verbose - cli->quiet;
		if (l < ZT_LOG_ERROR)
			l = ZT_LOG_ERROR;
		if (l > ZT_LOG_DEBUG)
			l = ZT_LOG_DEBUG;
		level = (enum zt_log_level)l;
	}
	zt_log_set_level(level);
	if (bad_env)
		zt_log(ZT_LOG_WARN, "ignoring ZTRUN_LOG=%s: not a level (use error, warn, info or debug)",
		       env);
}

void zt_cli_node_event(void *arg, enum zt_node_event ev, const void *data)
{
	(void)arg;
	(void)data;
	switch (ev) {
	case ZT_NODE_EVENT_ONLINE:
		zt_log(ZT_LOG_INFO, "online: a root answered");
		break;
	case ZT_NODE_EVENT_OFFLINE:
		zt_log(ZT_LOG_WARN, "offline: no root has answered for %d s", ZT_NODE_ONLINE_MS / 1000);
		break;
	case ZT_NODE_EVENT_IDENTITY_COLLISION:
		zt_log(ZT_LOG_ERROR,
		       "a root says our address belongs to another key: this identity cannot be "
		       "used (move identity.secret away to make a new one)");
		break;
	case ZT_NODE_EVENT_PLANET_CHANGED:
		zt_log(ZT_LOG_INFO, "the planet was updated by a root");
		break;
	}
}
