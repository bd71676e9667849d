/* The service manager's readiness protocol (sd_notify(3)) without libsystemd: a datagram of
 * "VAR=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or @name for an
 * abstract one). Does nothing when the variable is unset, so callers need not check. */
#ifndef ZTRUN_NOTIFY_H
#define ZTRUN_NOTIFY_H

/* Takes $NOTIFY_SOCKET out of the environment (so the programs we start do not inherit a socket
 * meant for us) and keeps it for zt_notify. Call once at start, before anything is started. */
void zt_notify_init(void);

/* Sends state (e.g. "READY=1\nSTATUS=..."). 1 if sent, 0 if there is no socket, or -errno. */
int zt_notify(const char *state);

#endif
