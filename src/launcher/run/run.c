/* The run command, `ztrun [OPTIONS] NETWORK -- COMMAND [ARG...]`: makes the runtime directory, starts the
 * socket service and COMMAND, then forwards signals and reaps children until COMMAND exits
 * (run_children.c). Its command line is read by run_args.c. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "home.h"
#include "log.h"
#include "netjoin.h"
#include "notify.h"
#include "run_int.h"
#include "run_join.h"
#include "loop.h"
#include "rundir.h"
#include "sandbox.h"
#include "shim.h"
#include "rpc.h"
#include "sysio.h"
#include "spawn.h"
#include "subcommands.h"
#include "stack/service.h"

#define NC_PREFIX "nc_"

/* The hint for a runtime directory base that cannot be used. */
static const char *base_hint(const char *var)
{
	if (!var)
		return "set TMPDIR to a writable directory";
	if (strcmp(var, "XDG_RUNTIME_DIR") == 0)
		return "point XDG_RUNTIME_DIR at a writable directory, or unset it to use $TMPDIR or /tmp";
	return "point TMPDIR at a writable directory, or unset it to use /tmp";
}

/* Where the runtime directory goes; checked before anything exists, so these errors leave nothing
 * behind. */
static int check_base(struct run *r)
{
	r->base = zt_rundir_base(&r->base_var);
	if (strpbrk(r->base, " :")) {
		zt_log(ZT_LOG_ERROR,
		       "cannot use '%s' for the runtime directory: LD_PRELOAD cannot carry a path "
		       "with a space or colon (%s)",
		       r->base, base_hint(r->base_var));
		return -1;
	}
	if (strlen(r->base) + strlen("/ztrun.XXXXXX/" NC_PREFIX) + strlen(r->network) >=
	    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		zt_log(ZT_LOG_ERROR,
		       "cannot use '%s' for the runtime directory: too long for a Unix socket path (%s)",
		       r->base, base_hint(r->base_var));
		return -1;
	}
	return 0;
}

/* The runtime directory with the shim in it, removed on a crash too. */
static int make_rundir(struct run *r)
{
	int swept = zt_rundir_sweep(r->base);
	if (swept)
		zt_log(ZT_LOG_DEBUG, "removed %d runtime directories of ztruns that were killed", swept);
	int err = zt_rundir_create(r->rundir, sizeof(r->rundir), r->base);
	if (err) {
		r->rundir[0] = '\0';
		zt_log(ZT_LOG_ERROR, "cannot create runtime directory in %s%s%s: %s (%s)", r->base,
		       r->base_var ? " from $" : "", r->base_var ? r->base_var : "", strerror(-err),
		       base_hint(r->base_var));
		return -1;
	}
	snprintf(r->socket_name, sizeof(r->socket_name), NC_PREFIX "%s", r->network);
	snprintf(r->resolv_name, sizeof(r->resolv_name), "%s.resolv.conf", r->socket_name);
	snprintf(r->host_resolv_name, sizeof(r->host_resolv_name), "%s" ZT_NC_RESOLV_HOST_SUFFIX, r->resolv_name);
	snprintf(r->shim_path, sizeof(r->shim_path), "%s/" ZT_SHIM_NAME, r->rundir);
	snprintf(r->socket_path, sizeof(r->socket_path), "%s/%s", r->rundir, r->socket_name);
	err = zt_rundir_remove_on_crash(
	    r->rundir,
	    (const char *const[]){ZT_SHIM_NAME, r->socket_name, r->resolv_name, r->host_resolv_name, ZT_RUNDIR_LOCK},
	    5);
	if (err)
		zt_log(ZT_LOG_WARN, "cannot arm removal of %s on a crash: %s", r->rundir, strerror(-err));
	err = zt_rundir_write_file(r->rundir, ZT_SHIM_NAME, zt_shim_start,
	                           (size_t)(zt_shim_end - zt_shim_start), 0500);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot write the preload library to %s: %s", r->shim_path,
		       strerror(-err));
		return -1;
	}
	/* --fallthrough: the host's nameservers, for when the network pushes none (rpc.h, Names) */
	char host_resolv[4200];
	snprintf(host_resolv, sizeof(host_resolv), "%s/%s", r->rundir, r->host_resolv_name);
	if (r->jo.fallthrough && (err = zt_file_copy(ZT_HOST_RESOLV_CONF, host_resolv)) < 0 && err != -ENOENT)
		zt_log(ZT_LOG_WARN, "cannot copy %s for the resolver: %s", ZT_HOST_RESOLV_CONF, strerror(-err));
	return 0;
}

/* The loop, the socket service on the runtime directory's socket, and the signals read from the loop. */
static int start_service(struct run *r)
{
	int err = zt_loop_new(&r->loop);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot create the event loop: %s", strerror(-err));
		return -1;
	}
	err = zt_service_new(&r->svc, r->loop,
	                     &(struct zt_service_config){.socket_path = r->socket_path, .fallthrough = r->jo.fallthrough});
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the socket service on %s: %s", r->socket_path,
		       strerror(-err));
		return -1;
	}
	return run_watch_signals(r);
}

static void notify_ready(const char *command, const char *network)
{
	char state[512];
	snprintf(state, sizeof(state), "READY=1\nSTATUS=running %s on %s", command, network);
	int err = zt_notify(state);
	if (err < 0)
		zt_log(ZT_LOG_WARN, "cannot tell the service manager that '%s' runs: %s", command,
		       strerror(-err));
}

/* An exec that failed with EPERM under --drop-caps: most likely a file with capabilities (Debian's
 * ping), which an exec cannot grant once the bounding set is empty. Says so in one line. */
static void why_no_exec_without_caps(const char *name)
{
	char *caps = zt_spawn_file_caps(name);
	if (caps)
		zt_log(ZT_LOG_ERROR,
		       "cannot run '%s': %s (it has file capabilities, %s, which --drop-caps withholds: run it "
		       "without --drop-caps)",
		       name, strerror(EPERM), caps);
	else
		zt_log(ZT_LOG_ERROR, "cannot run '%s': %s (--drop-caps may be why)", name, strerror(EPERM));
	free(caps);
}

/* Serves the seccomp filter COMMAND's child installed (its outcome and fd come over sock), or says
 * once that there is none. 0, or -1 when a filter is in place that nothing can serve. */
static int start_sandbox(struct run *r, int sock)
{
	int notify_fd;
	int err = zt_sandbox_take(sock, &notify_fd);
	if (!err)
		err = zt_sandbox_new(&r->sandbox, r->loop, notify_fd, r->socket_path);
	if (err && notify_fd >= 0) {
		zt_log(ZT_LOG_ERROR, "cannot serve the seccomp filter of '%s': %s (stopping it)", r->command[0],
		       strerror(-err));
		kill(r->child, SIGKILL);
		while (waitpid(r->child, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	if (err)
		zt_log(ZT_LOG_WARN,
		       "seccomp user notification is not available (%s): LD_PRELOAD only, so programs that "
		       "bypass libc (static, Go) reach the host's network",
		       strerror(-err));
	return 0;
}

/* Starts COMMAND with the shim preloaded, under the seccomp filter. 0, or the exit status to leave
 * with. */
static int spawn_command(struct run *r)
{
	enum zt_spawn_step step;
	const char *name = r->command[0], *hint;
	int ret = ZT_EXIT_ZTRUN, pair[2] = {-1, -1};

	if (r->drop_caps && geteuid() == 0 && !zt_spawn_can_clear_bounding_set())
		zt_log(ZT_LOG_WARN,
		       "cannot clear the capability bounding set: no CAP_SETPCAP (COMMAND runs as root "
		       "and regains capabilities at exec; drop them before starting ztrun)");
	if (!r->no_seccomp && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		zt_log(ZT_LOG_ERROR, "cannot create a socketpair: %s", strerror(errno));
		return ZT_EXIT_ZTRUN;
	}
	int err = zt_spawn(&(struct zt_spawn){.argv = r->command,
	                                      .preload = r->shim_path,
	                                      .nc_network = r->socket_path,
	                                      .sigmask = &r->orig_mask,
	                                      .nofile = r->command_nofile,
	                                      .drop_caps = r->drop_caps,
	                                      .sandbox = !r->no_seccomp,
	                                      .sandbox_sock = pair[1]},
	                   &r->child, &step);
	if (pair[1] >= 0)
		close(pair[1]);
	if (!err && pair[0] >= 0) {
		err = start_sandbox(r, pair[0]);
		close(pair[0]);
		if (err)
			return ZT_EXIT_ZTRUN;
	} else if (pair[0] >= 0) {
		close(pair[0]);
	}
	if (!err) {
		zt_log(ZT_LOG_INFO, "started '%s' as pid %d on network %s (control socket %s)", name,
		       (int)r->child, r->network, r->socket_path);
		/* Ready for the service manager: the networks have their addresses and COMMAND has
		 * been exec'd (not: it serves yet; ztrun cannot know that). */
		notify_ready(name, r->network);
		return 0;
	}
	switch (step) {
	case ZT_SPAWN_EXEC:
		ret = ZT_EXIT_CANNOT_RUN;
		hint = " (is it an executable file?)";
		if (err == -ENOENT) {
			ret = ZT_EXIT_NOT_FOUND;
			hint = strchr(name, '/') ? "" : " (not found in PATH)";
		}
		if (err == -EPERM && r->drop_caps)
			why_no_exec_without_caps(name);
		else
			zt_log(ZT_LOG_ERROR, "cannot run '%s': %s%s", name, strerror(-err), hint);
		break;
	case ZT_SPAWN_CAPS:
		zt_log(ZT_LOG_ERROR, "cannot drop capabilities of '%s': %s (without --drop-caps, ztrun leaves them)",
		       name, strerror(-err));
		break;
	case ZT_SPAWN_SANDBOX:
		zt_log(ZT_LOG_ERROR, "cannot hand the seccomp filter of '%s' to ztrun: %s", name, strerror(-err));
		break;
	case ZT_SPAWN_ENV:
		zt_log(ZT_LOG_ERROR, "cannot set the environment of '%s': %s", name, strerror(-err));
		break;
	default:
		zt_log(ZT_LOG_ERROR, "cannot start '%s': %s", name, strerror(-err));
		break;
	}
	return ret;
}

/* Undoes what was made, last first. */
static void finish(struct run *r)
{
	if (r->sandbox) {
		unsigned long served, native;
		zt_sandbox_counters(r->sandbox, &served, &native);
		zt_log(ZT_LOG_DEBUG, "seccomp: %lu calls stopped, %lu of them let through natively", served,
		       native);
		zt_sandbox_free(r->sandbox);
	}
	if (r->signals.active)
		zt_loop_unwatch(r->loop, &r->signals);
	if (r->signal_fd >= 0)
		close(r->signal_fd);
	if (r->nj && zt_log_get_level() >= ZT_LOG_DEBUG) {
		char counters[1024];
		zt_netjoin_counters(r->nj, counters, sizeof(counters));
		zt_log(ZT_LOG_DEBUG, "%s", counters);
	}
	zt_netjoin_free(r->nj);
	zt_home_close(&r->home);
	if (r->svc)
		zt_service_free(r->svc);
	if (r->loop)
		zt_loop_free(r->loop);
	if (r->rundir[0]) {
		int err = zt_rundir_remove(r->rundir);
		if (err)
			zt_log(ZT_LOG_WARN, "cannot remove runtime directory %s: %s", r->rundir,
			       strerror(-err));
	}
}

int run_main(int argc, char **argv, void (*print_subcommands)(FILE *f))
{
	struct run r = {.jo = {.wait_s = 60}, .home = {.lock_fd = -1}, .signal_fd = -1, .child = -1};
	int ret = run_parse_options(&r, argc, argv, print_subcommands);

	if (ret)
		return ret > 0 ? 0 : ZT_EXIT_ZTRUN;
	if (run_parse_operands(&r, argc, argv) < 0 || zt_join_take_tokens(&r.jo) < 0 || check_base(&r) < 0 ||
	    run_take_signals(&r) < 0)
		return ZT_EXIT_ZTRUN;
	ret = ZT_EXIT_ZTRUN;
	if (make_rundir(&r) < 0 || start_service(&r) < 0)
		goto out;
	if (r.jo.n_nwids &&
	    (ret = zt_join_networks(r.loop, &r.stop_signal, &r.jo, &r.home, &r.nj, r.socket_path)))
		goto out;
	ret = spawn_command(&r);
	if (ret == 0)
		ret = run_wait_command(&r);
out:
	finish(&r);
	return ret;
}
