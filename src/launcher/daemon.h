/* The event loop of a long-lived subcommand (service, controller): made with SIGINT, SIGTERM and SIGHUP
 * read from a signalfd on it, each of which stops the loop. */
#ifndef ZTRUN_DAEMON_H
#define ZTRUN_DAEMON_H

#include "loop.h"

struct zt_daemon_loop {
	struct zt_loop *loop;
	int sfd;
	struct zt_watch sw;
};

/* Blocks the three signals and makes the loop. 0 or -errno (d is then safe to close). */
int zt_daemon_loop_open(struct zt_daemon_loop *d);
/* Frees the loop and the signalfd; call after everything watching the loop is freed. */
void zt_daemon_loop_close(struct zt_daemon_loop *d);

#endif
