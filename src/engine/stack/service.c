/* The socket service: accepts rpc connections from shims, decodes requests (rpc.h) and turns
 * them into operations on virtual sockets. A malformed request gets -EINVAL; a message that is not
 * a request at all ends that rpc connection. Nothing a client sends can stop the service. */
#include "joined_int.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ZT_CONN_MSGS_PER_EVENT 16

void zt_service_reply(struct zt_rpc_conn *conn, enum zt_nc_op op, uint32_t id, int result,
                      const void *payload, size_t plen, int fd)
{
	uint8_t msg[ZT_NC_MAX_MSG];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_reply_hdr(&b, op, id, fd >= 0 ? ZT_NC_REPLY_HAS_FD : 0, result);
	zt_nc_put_bytes(&b, payload, plen);
	if (b.bad || conn->dead)
		return;
	/* A client that does not read its replies is broken; it loses its rpc connection, not us
	 * our loop. */
	if (zt_send_with_fd(conn->fd, msg, b.off, fd) < 0)
		shutdown(conn->fd, SHUT_RDWR);
}

static int op_clone(struct zt_service *svc, int *reply_fd);

static void handle_request(struct zt_rpc_conn *conn, uint8_t *msg, size_t len, int fd)
{
	struct zt_service *svc = conn->svc;
	struct zt_nc_buf req = {.p = msg, .len = len};
	uint32_t w = zt_nc_get_u32(&req), id = zt_nc_get_u32(&req);
	enum zt_nc_op op = (enum zt_nc_op)(w & 0xff);
	if (req.bad || ((w >> 8) & 0xff) != ZT_NC_VERSION || op < ZT_NC_SOCKET || op > ZT_NC_OP_LAST) {
		shutdown(conn->fd, SHUT_RDWR); /* not our protocol: hang up on it */
		return;
	}
	uint8_t out[4 + ZT_NC_MAX_OPTLEN];
	size_t outlen = 0;
	int reply_fd = -1, r;
	bool deferred = false;
	struct zt_sock *s = NULL;
	if (op != ZT_NC_SOCKET && op != ZT_NC_CLONE && op != ZT_NC_IFADDRS && op != ZT_NC_CONNECT_NEW) {
		s = fd >= 0 ? zt_sock_lookup(svc, fd) : NULL;
		if (!s) {
			zt_service_reply(conn, op, id, fd >= 0 ? -ENOTSOCK : -EBADF, NULL, 0, -1);
			return;
		}
	}
	switch (op) {
	case ZT_NC_SOCKET:
		r = zt_op_socket(svc, &req, &reply_fd);
		break;
	case ZT_NC_BIND:
		r = zt_op_bind(s, &req);
		break;
	case ZT_NC_LISTEN:
		r = zt_op_listen(s, &req, &reply_fd);
		break;
	case ZT_NC_CONNECT:
		r = zt_op_connect(svc, conn, id, s, fd, &req, &reply_fd, &deferred);
		break;
	case ZT_NC_CONNECT_NEW:
		r = zt_op_connect_new(svc, &req, &reply_fd);
		break;
	case ZT_NC_GETSOCKNAME:
	case ZT_NC_GETPEERNAME:
		r = zt_op_name(s, op == ZT_NC_GETPEERNAME, out, &outlen);
		break;
	case ZT_NC_SETSOCKOPT:
		r = zt_op_setsockopt(s, fd, &req, &reply_fd);
		break;
	case ZT_NC_CLONE:
		r = op_clone(svc, &reply_fd);
		break;
	case ZT_NC_IFADDRS:
		r = zt_op_ifaddrs(&req, out, sizeof(out), &outlen);
		break;
	default:
		r = zt_op_getsockopt(s, fd, &req, out, &outlen);
		break;
	}
	if (deferred)
		return;
	zt_service_reply(conn, op, id, r, r < 0 ? NULL : out, r < 0 ? 0 : outlen, reply_fd);
	if (reply_fd >= 0)
		close(reply_fd);
}

static int conn_add(struct zt_service *svc, int fd);

static int op_clone(struct zt_service *svc, int *reply_fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int r = fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 ? -errno : conn_add(svc, sv[0]);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	*reply_fd = sv[1];
	return 0;
}

static void conn_close(struct zt_rpc_conn *conn)
{
	struct zt_service *svc = conn->svc;
	zt_loop_unwatch(svc->loop, &conn->watch);
	close(conn->fd);
	conn->dead = true;
	/* Replies still owed to this connection have nobody to go to. */
	for (size_t b = 0; b < ZT_SVC_BUCKETS; b++)
		for (struct zt_sock *s = svc->buckets[b]; s; s = s->next_in_bucket)
			for (int i = 0; i < s->nwaiters; i++)
				if (s->waiters[i].conn == conn)
					s->waiters[i].conn = NULL;
}

static void conn_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	struct zt_rpc_conn *conn = arg;
	for (int i = 0; i < ZT_CONN_MSGS_PER_EVENT && !conn->dead; i++) {
		uint8_t msg[ZT_NC_MAX_MSG + 1];
		struct zt_fdpass_msg m;
		int r = zt_fdpass_recv(&zt_sock_fdpass, conn->fd, msg, sizeof(msg), MSG_DONTWAIT, &m);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN)
			break;
		if (r < 0 || m.len == 0 || m.truncated || m.fds_lost || m.extra_fds > 0) {
			/* EOF, error, or a message no shim sends: this client is done or broken */
			if (m.fd >= 0)
				close(m.fd);
			conn_close(conn);
			return;
		}
		handle_request(conn, msg, m.len, m.fd);
		if (m.fd >= 0)
			close(m.fd);
		/* A shim's thread waits for each reply, so one request is all there is, as a rule: the
		 * next round's epoll (level-triggered) says if not, cheaper than a recvmsg that says EAGAIN. */
		if (events & EPOLLIN)
			break;
	}
	if ((events & (EPOLLHUP | EPOLLERR)) && !conn->dead) {
		/* drain first: a request sent right before exit still deserves its side effects */
		conn_io(loop, w, 0, arg);
		if (!conn->dead)
			conn_close(conn);
	}
}

/* Is the process at the other end of fd one of our own uid? */
static bool peer_is_owner(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr) &&
	       cr.uid == geteuid();
}

static void listen_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	(void)events;
	struct zt_service *svc = arg;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(svc->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if ((svc->owner_only && !peer_is_owner(fd)) || conn_add(svc, fd) < 0)
			close(fd);
	}
}

static int conn_add(struct zt_service *svc, int fd)
{
	struct zt_rpc_conn *conn = calloc(1, sizeof(*conn));
	if (!conn)
		return -ENOMEM;
	int r = zt_loop_watch(svc->loop, &conn->watch, fd, EPOLLIN, conn_io, conn);
	if (r < 0) {
		free(conn);
		return r;
	}
	conn->fd = fd;
	conn->svc = svc;
	conn->next = svc->conns;
	svc->conns = conn;
	return 0;
}

/* Between rounds: free what handlers retired during the round. */
static int64_t service_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	struct zt_service *svc = arg;
	zt_sock_reap(svc);
	for (struct zt_rpc_conn **pp = &svc->conns; *pp;) {
		struct zt_rpc_conn *c = *pp;
		if (c->dead) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
	int64_t due = zt_joined_due(now), parked = zt_sock_parked_due(svc, now);
	return due < 0 || (parked >= 0 && parked < due) ? parked : due;
}

int zt_service_new(struct zt_service **out, struct zt_loop *loop, const struct zt_service_config *cfg)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (!cfg->socket_path || strlen(cfg->socket_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	struct zt_service *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	svc->loop = loop;
	svc->pid = getpid();
	svc->lfd = -1;
	int err = -ENOMEM;
	svc->path = strdup(cfg->socket_path);
	if (!svc->path)
		goto fail;
	strcpy(sun.sun_path, cfg->socket_path);
	svc->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (svc->lfd < 0)
		goto fail_errno;
	unlink(cfg->socket_path);
	svc->owner_only = cfg->owner_only;
	svc->fallthrough = cfg->fallthrough;
	/* The file takes the umask's mode at bind: 0600 from the start, with no moment open to others. */
	mode_t old_umask = cfg->owner_only ? umask(0177) : 0;
	int bound = bind(svc->lfd, (struct sockaddr *)&sun, sizeof(sun));
	if (cfg->owner_only)
		umask(old_umask);
	struct stat st;
	if (bound < 0 || listen(svc->lfd, 128) < 0 || stat(cfg->socket_path, &st) < 0)
		goto fail_errno;
	svc->path_dev = st.st_dev;
	svc->path_ino = st.st_ino;
	err = zt_stack_init(loop);
	if (err)
		goto fail;
	zt_tcp_hooks_install();
	err = zt_loop_before_sleep(loop, service_hook, svc);
	if (!err)
		err = zt_loop_watch(loop, &svc->lwatch, svc->lfd, EPOLLIN, listen_io, svc);
	if (err) {
		zt_loop_remove_hook(loop, service_hook, svc);
		zt_stack_release(loop);
		goto fail;
	}
	*out = svc;
	return 0;
fail_errno:
	err = -errno;
fail:
	if (svc->lfd >= 0) {
		close(svc->lfd);
		unlink(cfg->socket_path);
	}
	free(svc->path);
	free(svc);
	return err;
}

void zt_service_free(struct zt_service *svc)
{
	if (!svc)
		return;
	zt_loop_remove_hook(svc->loop, service_hook, svc);
	zt_sock_free_all(svc);
	while (svc->conns) {
		struct zt_rpc_conn *c = svc->conns;
		svc->conns = c->next;
		if (!c->dead)
			conn_close(c);
		free(c);
	}
	zt_loop_unwatch(svc->loop, &svc->lwatch);
	close(svc->lfd);
	/* A service started since on the same path (the network joined again) keeps its socket. */
	struct stat st;
	if (stat(svc->path, &st) == 0 && st.st_dev == svc->path_dev && st.st_ino == svc->path_ino)
		unlink(svc->path);
	zt_stack_release(svc->loop);
	free(svc->path);
	free(svc);
}

size_t zt_service_socket_count(const struct zt_service *svc)
{
	return svc->nsocks;
}
