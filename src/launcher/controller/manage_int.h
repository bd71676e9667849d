/* Between the management commands' files: manage.c (the command table, network and member commands) and
 * token.c (join tokens). */
#ifndef ZTRUN_CTL_MANAGE_INT_H
#define ZTRUN_CTL_MANAGE_INT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "conn.h"

#define MAX_LIST 256 /* --pool, --route, --v6, IPs */

enum { OK = 0, FAILED = ZT_EXIT_FAILURE, USAGE = ZT_EXIT_USAGE };

struct create_opts {
	cJSON *body, *pools, *routes;
	bool v4, v6, rfc4193, sixplane, pub;
	const char *name;
	char pool_routes[MAX_LIST][64];
	size_t n_pool_routes;
	char route_targets[MAX_LIST][64];
	size_t n_routes;
};

/* token create's options */
struct token_opts {
	const char *name, *pool;
	long long uses;       /* -1: not given (one use) */
	long long expires_ms; /* 0: not given (never) */
};

struct cli {
	struct zt_cli front;          /* "ztrun controller network create" */
	const struct manage_cmd *cmd; /* the command run */
	bool json;                    /* -j */
	bool none;                    /* set-ip --none */
	struct create_opts *co;       /* network create's options */
	struct token_opts *to;        /* token create's options */
	char *body;                   /* set-ip's request, made before HOME is opened */
	struct zt_ctlconn cc;
	bool open;
};

/* The token commands' options ('U' --uses, 'X' --expires, 'I' --ip-pool, 'L' --name); USAGE after saying
 * what is wrong. */
int zt_ctl_token_opt(struct cli *c, int opt, const char *arg);
int zt_ctl_token_create(struct cli *c, char **pos, int npos);
int zt_ctl_token_list(struct cli *c, char **pos, int npos);
int zt_ctl_token_revoke(struct cli *c, char **pos, int npos);
int zt_ctl_token_check_name(struct cli *c, char **more, int n);

int zt_ctl_usage_error(struct cli *c, const char *fmt, const char *arg);
/* One call of the controller's API (conn.c), `what` naming it in errors. With -j the answer is printed as it
 * came; else, when answer is not NULL, it is parsed into *answer (NULL, and said, if it is not JSON).
 * FAILED when no answer came (said), else OK. */
int zt_ctl_ask(struct cli *c, const char *what, const char *method, const char *path, const char *body,
               const char *nwid, const char *addr, cJSON **answer);

#endif
