/* COMMAND and its children while ztrun serves them: the signals ztrun takes and forwards, reaping
 * (ztrun is a subreaper), and the orphans COMMAND leaves behind, stopped once it has exited. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "notify.h"
#include "run_int.h"
#include "spawn.h"
#include "stack/service.h"

/* How long orphans of COMMAND get between SIGTERM and SIGKILL. */
#define ZT_ORPHAN_GRACE_MS 3000

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

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
		pid_t pid = (pid_t)atoi(e->d_name);
		/* the maker of joined connections' sockets is ours, not COMMAND's; it ends with us */
		if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == self &&
		    pid != zt_privnet_pid()) {
			kill(pid, sig);
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

/* Blocked before the directory exists, so a SIGTERM from now on is read by the loop and reaches COMMAND
 * instead of killing us with the directory left behind. */
int run_take_signals(struct run *r)
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

/* The signals read from the loop, and the orphans' hook. 0, or -1 after saying why. */
int run_watch_signals(struct run *r)
{
	r->signal_fd = signalfd(-1, &r->blocked, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->signal_fd < 0) {
		zt_log(ZT_LOG_ERROR, "cannot create a signalfd: %s", strerror(errno));
		return -1;
	}
	int err = zt_loop_watch(r->loop, &r->signals, r->signal_fd, EPOLLIN, on_signal, r);
	if (!err)
		err = zt_loop_before_sleep(r->loop, orphan_hook, r);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot watch the signalfd: %s", strerror(-err));
		return -1;
	}
	return 0;
}

/* Serves COMMAND's sockets until it and its orphans are gone. Returns the exit status to leave with. */
int run_wait_command(struct run *r)
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
