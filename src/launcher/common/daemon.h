/* What the node-running subcommands (run with a network, service, controller) share: the event loop of a
 * long-lived one, stopped by SIGINT, SIGTERM or SIGHUP read from a signalfd; opening the home with the
 * one-line error a user needs. */
#ifndef ZTRUN_DAEMON_H
#define ZTRUN_DAEMON_H

#include <stdbool.h>

#include "home.h"
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

/* zt_home_open for a subcommand: dir NULL and !ephemeral means the default home. Says in one line why
 * it cannot (the lock's holder, the error); 0 or -1. */
int zt_home_open_or_say(struct zt_home *home, const char *dir, bool ephemeral);

#endif
