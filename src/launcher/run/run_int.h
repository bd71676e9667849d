/* What the files of the run command share: one run of COMMAND, and the steps that run_main
 * (run.c) takes in order. Each step says what went wrong itself. */
#ifndef ZTRUN_RUN_INT_H
#define ZTRUN_RUN_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "home.h"
#include "loop.h"
#include "run_join.h"

struct zt_service;
struct zt_netjoin;
struct zt_sandbox;

/* One run of COMMAND: what the command line asked, then what was made for it, in the order made. */
struct run {
	/* the command line */
	struct zt_join_opts jo;
	bool drop_caps;
	bool no_seccomp;     /* --no-seccomp: LD_PRELOAD only */
	const char *network; /* NETWORK as given: "none" or the app's first network ID */
	char **command;
	/* the runtime directory, base/ztrun.XXXXXX, with the shim and the service's socket */
	const char *base, *base_var;
	char rundir[4096], shim_path[4200], socket_path[4200], socket_name[64], resolv_name[80],
	    host_resolv_name[96];
	sigset_t blocked, orig_mask;
	/* the fd limits ztrun was started with, for COMMAND (NULL: unknown, COMMAND gets ztrun's) */
	struct rlimit orig_nofile;
	const struct rlimit *command_nofile;
	/* the loop, the socket service and the node */
	struct zt_loop *loop;
	struct zt_service *svc;
	struct zt_netjoin *nj;
	struct zt_sandbox *sandbox; /* COMMAND's seccomp supervisor, when the filter is in place */
	struct zt_home home;
	struct zt_watch signals;
	int signal_fd;
	pid_t child;
	bool child_done;
	int child_status;   /* a wait status, once child_done */
	int64_t kill_after; /* once COMMAND is done: when the orphans still alive get SIGKILL */
	bool session_leader;
	int stop_signal; /* a signal that came while joining, before COMMAND started */
};

/* run_args.c: the options (0, 1 after --help or --version, -1 after an error), then NETWORK --
 * COMMAND (0 or -1). */
int run_parse_options(struct run *r, int argc, char **argv, void (*print_subcommands)(FILE *f));
int run_parse_operands(struct run *r, int argc, char **argv);

/* run_children.c: signals blocked and ztrun a subreaper, before anything is made (0 or -1); the
 * signals and orphans watched from the loop (0 or -1); the loop run until COMMAND and its orphans
 * are gone (the exit status to leave with). */
int run_take_signals(struct run *r);
int run_watch_signals(struct run *r);
int run_wait_command(struct run *r);

#endif
