/* The run command, `ztrun [OPTIONS] NETWORK -- COMMAND [ARG...]`: makes the runtime directory, starts the
 * socket service and COMMAND, then forwards signals and reaps children until COMMAND exits. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "home.h"
#include "log.h"
#include "netjoin.h"
#include "notify.h"
#include "run_join.h"
#include "loop.h"
#include "rundir.h"
#include "sandbox.h"
#include "shim.h"
#include "spawn.h"
#include "subcommands.h"
#include "stack/service.h"

#define USAGE     "ztrun [OPTIONS] NETWORK -- COMMAND [ARG...]"
#define NC_PREFIX "nc_"
/* How long orphans of COMMAND get between SIGTERM and SIGKILL. */
#define ZT_ORPHAN_GRACE_MS 3000

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

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
	char rundir[4096], shim_path[4200], socket_path[4200], socket_name[64], resolv_name[80];
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

static void print_help(FILE *f, void (*print_subcommands)(FILE *f))
{
	fprintf(f, "Usage: " USAGE "\n"
	           "       ztrun SUBCOMMAND [ARG...]\n"
	           "\n"
	           "Runs COMMAND with its IPv4 and IPv6 sockets in ztrun's own network stack. NETWORK is\n"
	           "\"none\" (a private loopback, 127.0.0.1 and ::1, and nothing else) or a 16-hex-digit\n"
	           "ZeroTier network ID: ztrun joins it and runs COMMAND once it has its addresses.\n"
	           "\n"
	           "Options:\n"
	           "  -n, --network ID  join this network too (repeatable; NETWORK is the app's first)\n"
	           "      --home DIR    node state directory (default $ZTRUN_HOME, $XDG_DATA_HOME/ztrun or\n"
	           "                    ~/.local/share/ztrun), locked while ztrun runs\n"
	           "      --ephemeral   no state directory: a new identity, in memory only\n"
	           "      --port N      UDP port of the node (default: its last one, else any free one)\n"
	           "      --planet FILE the planet (default $ZTRUN_PLANET, DIR/planet, the built-in Earth)\n"
	           "      --wait SECS   how long to wait for the networks (default 60; 0: start at once)\n"
	           "  -v, --verbose     say more (twice: debug); overrides ZTRUN_LOG\n"
	           "  -q, --quiet       print errors only; overrides ZTRUN_LOG\n"
	           "      --drop-caps   run COMMAND without any capabilities (hardening; by default it\n"
	           "                    has those it would have without ztrun)\n"
	           "      --no-seccomp  LD_PRELOAD only: programs that bypass libc (static, Go) reach\n"
	           "                    the host's network\n"
	           "  -h, --help        print this help and exit\n"
	           "  -V, --version     print the version and exit\n"
	           "\n");
	print_subcommands(f);
	fprintf(f, "\n"
	           "Environment: ZTRUN_LOG=error|warn|info|debug, XDG_RUNTIME_DIR, TMPDIR, ZTRUN_HOME,\n"
	           "ZTRUN_PLANET, ZTRUN_JOIN_LOOPBACK=1 (connections between COMMAND's own sockets joined\n"
	           "directly, past the stack: see the manual).\n"
	           "Exit status: COMMAND's own, 128+N if it was killed by signal N, 125 if ztrun failed,\n"
	           "126 if COMMAND could not be run, 127 if it was not found.\n");
}

/* The hint for a runtime directory base that cannot be used. */
static const char *base_hint(const char *var)
{
	if (!var)
		return "set TMPDIR to a writable directory";
	if (strcmp(var, "XDG_RUNTIME_DIR") == 0)
		return "point XDG_RUNTIME_DIR at a writable directory, or unset it to use $TMPDIR or /tmp";
	return "point TMPDIR at a writable directory, or unset it to use /tmp";
}

/* Sends sig to every process whose parent is us: once COMMAND is gone, these are the orphans it left,
 * re-parented to us as subreaper. Returns how many there were. */
static int signal_orphans(int sig)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t self = getpid();
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		/* "pid (comm) state ppid": comm may hold spaces and parentheses, so parse after the last ')'
		 */
		char *close_paren = strrchr(buf, ')');
		int ppid;
		if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == self) {
			kill((pid_t)atoi(e->d_name), sig);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Before every sleep once COMMAND has exited: the loop keeps serving the orphans' sockets while they
 * shut down after SIGTERM; the ones still alive at kill_after get SIGKILL; no children left, we stop. */
static int64_t orphan_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	struct run *r = arg;
	if (!r->child_done)
		return -1;
	if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) {
		zt_loop_stop(loop);
		return -1;
	}
	if (now >= r->kill_after) {
		signal_orphans(SIGKILL);
		return now + 50;
	}
	return now + 50 < r->kill_after ? now + 50 : r->kill_after;
}

static void reap_children(struct run *r)
{
	int status;
	pid_t pid;

	/* SIGCHLD coalesces, and as a subreaper we also inherit orphans: collect all that are dead. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == r->child) {
			r->child_done = true;
			r->child_status = status;
			/* What COMMAND left running would lose its network with us: stop it first. */
			r->kill_after = zt_now_ms() + ZT_ORPHAN_GRACE_MS;
			if (signal_orphans(SIGTERM) > 0)
				zt_log(ZT_LOG_INFO,
				       "COMMAND (pid %d) exited: stopping the processes it left running",
				       (int)pid);
		} else {
			zt_log(ZT_LOG_DEBUG, "reaped orphan %d", (int)pid);
		}
	}
}

static void on_signal(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	struct run *r = arg;

	(void)loop;
	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD) {
			reap_children(r);
			continue;
		}
		/* The terminal signals its whole foreground process group, COMMAND included: forwarding
		 * would deliver it twice. A hangup is the exception when we lead the session, since the
		 * kernel then tells only us. */
		if (si.ssi_code == SI_KERNEL && !(sig == SIGHUP && r->session_leader)) {
			zt_log(ZT_LOG_DEBUG, "not forwarding %s from the terminal: COMMAND got it too",
			       strsignal(sig));
			continue;
		}
		if (r->child_done)
			continue;
		if (r->child <= 0) {
			/* still joining the networks: stop, as COMMAND would have */
			r->stop_signal = sig;
			zt_loop_stop(loop);
			continue;
		}
		zt_log(ZT_LOG_DEBUG, "forwarding %s to %d", strsignal(sig), (int)r->child);
		if (sig == SIGTERM || sig == SIGINT)
			zt_notify("STOPPING=1");
		kill(r->child, sig);
	}
}

static int exit_status_of(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

/* -v, -q, --drop-caps, --no-seccomp and the join options. 0, 1 after --help or --version, -1 after an error. */
static int parse_options(struct run *r, int argc, char **argv, void (*print_subcommands)(FILE *f))
{
	static const struct option long_options[] = {
	    ZT_CLI_LOG_OPTIONS,
	    {"keep-caps", no_argument, NULL, 'k'},
	    {"drop-caps", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"network", required_argument, NULL, 'n'},
	    {"home", required_argument, NULL, 'H'},
	    {"ephemeral", no_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'P'},
	    {"planet", required_argument, NULL, 'L'},
	    {"wait", required_argument, NULL, 'W'},
	    {"no-seccomp", no_argument, NULL, 'S'},
	    {0},
	};
	struct zt_cli cli;
	int opt;

	zt_cli_begin(&cli, "ztrun");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "+vqhVn:", long_options)) != -1) {
		if (opt == '?' || zt_join_parse_opt(&r->jo, opt, optarg) < 0)
			return -1;
		switch (opt) {
		case 'k': /* the default now; the option stays accepted for existing scripts */
			break;
		case 'D':
			r->drop_caps = true;
			break;
		case 'S':
			r->no_seccomp = true;
			break;
		case 'h':
			print_help(stdout, print_subcommands);
			return 1;
		case 'V':
			printf("ztrun %s\n", ZTRUN_VERSION);
			return 1;
		}
	}
	zt_cli_set_log_level(&cli);
	zt_notify_init();
	return 0;
}

/* NETWORK -- COMMAND after the options; NETWORK, when an ID, goes first in the networks to join. */
static int parse_operands(struct run *r, int argc, char **argv)
{
	if (optind >= argc) {
		zt_log(ZT_LOG_ERROR, "missing NETWORK (usage: " USAGE ")");
		return -1;
	}
	r->network = argv[optind];
	switch (zt_network_kind(r->network)) {
	case 0:
		if (r->jo.n_nwids) {
			zt_log(ZT_LOG_ERROR,
			       "-n joins networks beside NETWORK, which is none: give a network ID");
			return -1;
		}
		break;
	case 1:
		if (r->jo.n_nwids == ZT_NETJOIN_MAX_NETWORKS) {
			zt_log(ZT_LOG_ERROR, "too many networks: %d at most", ZT_NETJOIN_MAX_NETWORKS);
			return -1;
		}
		/* NETWORK is the app's first network (ZT_NC_NETWORK): put it in front */
		memmove(r->jo.nwids + 1, r->jo.nwids, r->jo.n_nwids * sizeof(r->jo.nwids[0]));
		r->jo.nwids[0] = strtoull(r->network, NULL, 16);
		r->jo.n_nwids++;
		break;
	default:
		zt_log(ZT_LOG_ERROR,
		       "bad NETWORK '%s': not \"none\" or a 16-hex-digit network ID (usage: " USAGE ")",
		       r->network);
		return -1;
	}
	if (optind + 1 >= argc || strcmp(argv[optind + 1], "--") != 0) {
		if (optind + 1 >= argc)
			zt_log(ZT_LOG_ERROR, "missing '--' and COMMAND after NETWORK (usage: " USAGE ")");
		else
			zt_log(ZT_LOG_ERROR,
			       "expected '--' after NETWORK, got '%s' (options go before NETWORK)",
			       argv[optind + 1]);
		return -1;
	}
	if (optind + 2 >= argc) {
		zt_log(ZT_LOG_ERROR, "missing COMMAND after '--' (usage: " USAGE ")");
		return -1;
	}
	r->command = argv + optind + 2;
	return 0;
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

/* Blocked before the directory exists, so a SIGTERM from now on is read by the loop and reaches COMMAND
 * instead of killing us with the directory left behind. */
static int take_signals(struct run *r)
{
	sigemptyset(&r->blocked);
	for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaddset(&r->blocked, forwarded_signals[i]);
	/* SIGCHLD is read from the signalfd too. SIGPIPE stays blocked and unread: it would only report
	 * a write to a closed socket, which the write's EPIPE already says. */
	sigaddset(&r->blocked, SIGCHLD);
	sigaddset(&r->blocked, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &r->blocked, &r->orig_mask) < 0) {
		zt_log(ZT_LOG_ERROR, "cannot block signals: %s", strerror(errno));
		return -1;
	}
	sigdelset(&r->blocked, SIGPIPE);
	/* One fd per socket of COMMAND, and per connection of its peers: ztrun's own soft fd limit goes
	 * up to the hard one; COMMAND starts with the limit ztrun was started with. */
	if (zt_spawn_raise_nofile(&r->orig_nofile) == 0)
		r->command_nofile = &r->orig_nofile;
	/* We may be PID 1 of a container, or below one: orphans of COMMAND become ours to reap. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		zt_log(ZT_LOG_WARN, "cannot become a child subreaper: %s (orphans of COMMAND are not reaped)",
		       strerror(errno));
	r->session_leader = getsid(0) == getpid();
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
	snprintf(r->shim_path, sizeof(r->shim_path), "%s/" ZT_SHIM_NAME, r->rundir);
	snprintf(r->socket_path, sizeof(r->socket_path), "%s/%s", r->rundir, r->socket_name);
	err = zt_rundir_remove_on_crash(
	    r->rundir, (const char *const[]){ZT_SHIM_NAME, r->socket_name, r->resolv_name, ZT_RUNDIR_LOCK}, 4);
	if (err)
		zt_log(ZT_LOG_WARN, "cannot arm removal of %s on a crash: %s", r->rundir, strerror(-err));
	err = zt_rundir_write_file(r->rundir, ZT_SHIM_NAME, zt_shim_start,
	                           (size_t)(zt_shim_end - zt_shim_start), 0500);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot write the preload library to %s: %s", r->shim_path,
		       strerror(-err));
		return -1;
	}
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
	err = zt_service_new(&r->svc, r->loop, &(struct zt_service_config){.socket_path = r->socket_path});
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the socket service on %s: %s", r->socket_path,
		       strerror(-err));
		return -1;
	}
	r->signal_fd = signalfd(-1, &r->blocked, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->signal_fd < 0) {
		zt_log(ZT_LOG_ERROR, "cannot create a signalfd: %s", strerror(errno));
		return -1;
	}
	err = zt_loop_watch(r->loop, &r->signals, r->signal_fd, EPOLLIN, on_signal, r);
	if (!err)
		err = zt_loop_before_sleep(r->loop, orphan_hook, r);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot watch the signalfd: %s", strerror(-err));
		return -1;
	}
	return 0;
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

/* Serves COMMAND's sockets until it and its orphans are gone. Returns the exit status to leave with. */
static int wait_command(struct run *r)
{
	const char *name = r->command[0];
	int err = zt_loop_run(r->loop);
	if (err && !r->child_done) {
		/* Without the loop COMMAND has no network: stop it rather than leave it half-working. */
		zt_log(ZT_LOG_ERROR, "event loop failed: %s (stopping '%s')", strerror(-err), name);
		kill(r->child, SIGKILL);
		while (waitpid(r->child, NULL, 0) < 0 && errno == EINTR)
			;
		return ZT_EXIT_ZTRUN;
	}
	int ret = exit_status_of(r->child_status);
	if (WIFSIGNALED(r->child_status))
		zt_log(ZT_LOG_INFO, "'%s' was killed by %s", name, strsignal(WTERMSIG(r->child_status)));
	else
		zt_log(ZT_LOG_INFO, "'%s' exited with status %d", name, ret);
	/* Orphans that died while we were finishing. */
	reap_children(r);
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
	int ret = parse_options(&r, argc, argv, print_subcommands);

	if (ret)
		return ret > 0 ? 0 : ZT_EXIT_ZTRUN;
	if (parse_operands(&r, argc, argv) < 0 || check_base(&r) < 0 || take_signals(&r) < 0)
		return ZT_EXIT_ZTRUN;
	ret = ZT_EXIT_ZTRUN;
	if (make_rundir(&r) < 0 || start_service(&r) < 0)
		goto out;
	if (r.jo.n_nwids &&
	    (ret = zt_join_networks(r.loop, &r.stop_signal, &r.jo, &r.home, &r.nj, r.socket_path)))
		goto out;
	ret = spawn_command(&r);
	if (ret == 0)
		ret = wait_command(&r);
out:
	finish(&r);
	return ret;
}
