/* Starting COMMAND: fork, give the child the signal mask ztrun started with, set LD_PRELOAD and
 * ZT_NC_NETWORK, install the seccomp filter, drop its capabilities if asked, exec with a PATH search. A
 * failure in the child before or at exec comes back over a close-on-exec pipe, so the caller knows the
 * outcome before it enters its loop. */
#ifndef ZTRUN_SPAWN_H
#define ZTRUN_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

enum zt_spawn_step {
	ZT_SPAWN_FORK, /* pipe or fork in ztrun */
	ZT_SPAWN_ENV,  /* setting LD_PRELOAD or ZT_NC_NETWORK */
	ZT_SPAWN_CAPS, /* dropping capabilities */
	ZT_SPAWN_SANDBOX, /* the filter is in place but ztrun could not be given its fd */
	ZT_SPAWN_EXEC, /* execvp: -ENOENT means not found, anything else found but not runnable */
};

struct zt_spawn {
	char *const *argv;       /* COMMAND and its arguments, NULL-terminated; argv[0] is searched in PATH */
	const char *preload;     /* the shim's path, put first in LD_PRELOAD */
	const char *nc_network;  /* the control socket's path, the value of ZT_NC_NETWORK */
	const sigset_t *sigmask; /* the mask COMMAND starts with: the one ztrun was started with */
	bool drop_caps;          /* clear every capability set (--drop-caps); else leave them as they are */
	const struct rlimit *nofile; /* the RLIMIT_NOFILE COMMAND starts with; NULL: ztrun's own */
	bool sandbox;            /* install the seccomp filter (sandbox.h) and send its fd over: */
	int sandbox_sock;
};

/* Raises ztrun's own soft RLIMIT_NOFILE to its hard limit (if it can); *was gets the limits before,
 * for zt_spawn's nofile, so COMMAND does not inherit the raise. Returns 0, or -1 when the limits
 * could not be read (*was is then unset). */
int zt_spawn_raise_nofile(struct rlimit *was);

/* Returns 0 with *pid set once COMMAND has been exec'd, or -errno with *step naming what failed; a
 * child that failed has been reaped. Dispositions are not touched: COMMAND gets those ztrun got. */
int zt_spawn(const struct zt_spawn *sp, pid_t *pid, enum zt_spawn_step *step);

/* False when dropping capabilities cannot clear the bounding set (no CAP_SETPCAP): a child running
 * as uid 0 then regains its capabilities at exec. */
bool zt_spawn_can_clear_bounding_set(void);

/* The capabilities the file that execvp would run for cmd carries (file capabilities, as setcap
 * gives ping), as text to free(); NULL if none or it cannot tell. An exec fails with EPERM when
 * --drop-caps has cleared the bounding set of a capability such a file must get. */
char *zt_spawn_file_caps(const char *cmd);

#endif
