/* The local HTTP API of a node or controller as its home shows it (HOME/authtoken.secret,
 * zerotier-one.port, the lock's holder), and its client on 127.0.0.1:PORT: one request, one answer,
 * after making sure the listener is the process that holds the home. A TCP port is anyone's
 * to bind once its owner is gone, so the token goes only to a listening socket found among that
 * process's own file descriptors (/proc/net/tcp and /proc/PID/fd). Prints nothing. */
#ifndef ZTRUN_LOCALAPI_H
#define ZTRUN_LOCALAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZT_API_TIMEOUT_S  30  /* one call */
#define ZT_API_TOKEN_FILE "authtoken.secret"
#define ZT_API_TOKEN_LEN  24  /* as stock: 24 characters of [a-z0-9] */
#define ZT_API_TOKEN_MAX  256 /* longer token files are refused */

/* Reads HOME/authtoken.secret, trimmed as stock trims it, into token (cap bytes). With create, a missing
 * file is made first: ZT_API_TOKEN_LEN random characters of [a-z0-9], mode 0600, never replacing one that
 * appears meanwhile. 0, -ENOENT, -EBADMSG (empty, too long, or a control character inside), or -errno. */
int zt_api_token(const char *home_dir, bool create, char *token, size_t cap);

struct zt_api_client {
	uint16_t port;
	pid_t owner;        /* the process that must be listening (the home lock's holder) */
	const char *token;  /* sent as X-ZT1-Auth */
};

/* Connects to 127.0.0.1:port and checks that what listens there is c->owner's. The connected fd, or
 * -ECONNREFUSED (nothing listens), -EPERM (a listener of another process: nothing was sent), -EACCES
 * (cannot see owner's file descriptors: another user), or -errno. */
int zt_api_connect(const struct zt_api_client *c);

/* One request (body NULL: none) and its answer: the status and the body (malloc'd, NUL-terminated, NULL
 * when empty). 0, zt_api_connect's errors, -EPROTO (not an HTTP answer), -ETIMEDOUT, -EFBIG, -errno. */
int zt_api_call(const struct zt_api_client *c, const char *method, const char *path, const char *body,
                int *status, char **response);

/* The pid holding HOME's lock (ztrun.lock), without taking it: 0 and *pid, -ESRCH (nobody holds it:
 * no node runs there), -ENOENT (no lock file) or -errno. */
int zt_home_lock_holder(const char *dir, pid_t *pid);

/* HOME/zerotier-one.port: 0 and *port, -EBADMSG, or -errno. */
int zt_home_read_port(const char *dir, uint16_t *port);

#endif
