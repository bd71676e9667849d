/* The event loop of a long-lived subcommand, stopped by SIGINT, SIGTERM or SIGHUP. */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"

static void on_signal(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	struct signalfd_siginfo si;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		zt_log(ZT_LOG_INFO, "%s: stopping", strsignal((int)si.ssi_signo));
		zt_loop_stop(loop);
	}
}

int zt_daemon_loop_open(struct zt_daemon_loop *d)
{
	*d = (struct zt_daemon_loop){.sfd = -1};
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	int err = d->sfd < 0 ? -errno : zt_loop_new(&d->loop);
	if (!err)
		err = zt_loop_watch(d->loop, &d->sw, d->sfd, EPOLLIN, on_signal, NULL);
	return err;
}

void zt_daemon_loop_close(struct zt_daemon_loop *d)
{
	if (d->sw.active)
		zt_loop_unwatch(d->loop, &d->sw);
	zt_loop_free(d->loop);
	d->loop = NULL;
	if (d->sfd >= 0)
		close(d->sfd);
	d->sfd = -1;
}

/* Opens the home, or says in one line why not; 0 or -1. */
int zt_home_open_or_say(struct zt_home *home, const char *dir, bool ephemeral)
{
	char *dflt = NULL;
	if (!dir && !ephemeral) {
		dflt = zt_home_default();
		if (!dflt) {
			zt_log(ZT_LOG_ERROR,
			       "no home directory: neither HOME nor XDG_DATA_HOME is set (give --home "
			       "DIR or --ephemeral)");
			return -1;
		}
		dir = dflt;
	}
	int err = zt_home_open(home, ephemeral ? NULL : dir);
	if (err == -EBUSY)
		zt_log(ZT_LOG_ERROR,
		       "cannot use home %s: in use by process %d (one node per identity: give another "
		       "--home, or "
		       "--ephemeral)",
		       dir, (int)home->holder);
	else if ((err == -EPERM || err == -ELOOP) && home->untrusted)
		zt_log(ZT_LOG_ERROR, "cannot use home %s: %s", dir, home->untrusted);
	else if (err)
		zt_log(ZT_LOG_ERROR, "cannot use home %s: %s (give another --home, or --ephemeral)", dir,
		       strerror(-err));
	unsigned mode;
	const char *exposed = err ? NULL : zt_home_exposed_secret(home, &mode);
	if (exposed) /* as ssh does for its keys; once, at the start */
		zt_log(ZT_LOG_WARN, "%s/%s is accessible by others (mode %04o): chmod 600 it", dir, exposed,
		       mode);
	free(dflt);
	return err ? -1 : 0;
}
