/* The shim's rpc connections to the socket service: one SOCK_SEQPACKET connection per thread,
 * opened lazily, owned by one pid, closed at thread exit and dropped in a forked child. A small
 * registry of their fd numbers lets close/dup2/close_range keep the app's hands off them.
 *
 * A thread may no longer be able to connect to the service's socket itself: its process gave up the
 * rights that reach it (apache's and nginx's workers change uid, sshd's chroot) and then started the
 * thread. So each process keeps one more connection, its factory, only to ask the service for new
 * connections (ZT_NC_CLONE) when connect() is refused: opened beside the process's first connection,
 * or, in a forked child, cloned by the service before the fork. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hooks.h"

/* Threads with a cached connection at the same time; past this a thread opens a connection per
 * request (slower, still correct). */
#define CONN_SLOTS 256

/* One slot per cached connection. `fdp1` is the fd + 1: 0 free, -1 being claimed. `pid` is the
 * process that opened it: a child after fork sees another pid and must not speak on it. */
struct conn_slot {
	_Atomic int fdp1;
	_Atomic pid_t pid;
};

static struct conn_slot slots[CONN_SLOTS];
static _Atomic unsigned slots_used; /* slots past this were never claimed */

struct conn_thread {
	int slot; /* index into slots, or -1 */
	uint32_t next_id;
	int clone_fd; /* between fork's prepare and child handlers: the child's factory, or -1 */
};
static _Thread_local struct conn_thread self __attribute__((tls_model("initial-exec"))) = {-1, 0, -1};

/* Set once this process (or the one it was forked from) has talked to the service: only then is a
 * connection cloned for a forked child. A shell that forks for every command never pays for it. */
static _Atomic bool ever_connected;

/* The factory's slot (or -1); it is this process's only if the slot's pid is. Requests on it are
 * serialized by factory_lock (held across fork, so a child never inherits it taken). */
static _Atomic int factory_slot = -1;
static pthread_mutex_t factory_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t factory_next_id;

static pthread_key_t exit_key;
static bool exit_key_ok;
static struct sockaddr_un service_addr;
static socklen_t service_addr_len;
/* Control fds are moved to numbers at or above this, out of the way of apps that expect the lowest
 * free number from their own socket() or dup2() onto small fixed numbers. */
static int conn_fd_floor = 3;

static void slot_release(struct conn_slot *s, int expect_fdp1)
{
	int v = expect_fdp1;
	if (v > 0 && atomic_compare_exchange_strong(&s->fdp1, &v, 0))
		real_close(v - 1);
}

/* Closes connections inherited from another process (after a fork that bypassed pthread_atfork,
 * e.g. a raw clone); the threads that owned them do not exist here. */
static void drop_foreign(pid_t pid)
{
	unsigned used = atomic_load(&slots_used);
	for (unsigned i = 0; i < used && i < CONN_SLOTS; i++) {
		int v = atomic_load(&slots[i].fdp1);
		if (v > 0 && atomic_load(&slots[i].pid) != pid)
			slot_release(&slots[i], v);
	}
}

/* Claims a free slot for fd; its index, or -1 if all are taken. */
static int slot_claim(int fd, pid_t pid)
{
	for (int i = 0; i < CONN_SLOTS; i++) {
		int expect = 0;
		if (!atomic_compare_exchange_strong(&slots[i].fdp1, &expect, -1))
			continue;
		atomic_store(&slots[i].pid, pid);
		unsigned used = atomic_load(&slots_used);
		while (used < (unsigned)i + 1 &&
		       !atomic_compare_exchange_weak(&slots_used, &used, (unsigned)i + 1))
			;
		atomic_store(&slots[i].fdp1, fd + 1);
		return i;
	}
	return -1;
}

/* Claims a slot for fd as this thread's cached connection; false if all are taken. */
static bool conn_register(int fd, pid_t pid)
{
	int i = slot_claim(fd, pid);
	if (i < 0)
		return false;
	self.slot = i;
	if (exit_key_ok)
		pthread_setspecific(exit_key, &self);
	return true;
}

/* This process's factory connection, or -1. */
static int factory_fd(pid_t pid)
{
	int i = atomic_load(&factory_slot);
	if (i < 0)
		return -1;
	int v = atomic_load(&slots[i].fdp1);
	return v > 0 && atomic_load(&slots[i].pid) == pid ? v - 1 : -1;
}

static int move_high(int fd)
{
	int high = fcntl(fd, F_DUPFD_CLOEXEC, conn_fd_floor);
	if (high < 0)
		return fd;
	real_close(fd);
	return high;
}

/* A child may give up the rights that reach the service's socket (nginx workers change uid), so its
 * factory is a connection cloned by the service before the fork (rpc.h, ZT_NC_CLONE). */
static void before_fork(void)
{
	self.clone_fd = -1;
	zt_before_child();
	zt_lazy_lock_all(); /* and no thread is between a placeholder and its socket across the fork */
	if (zt_shim_enabled && atomic_load(&ever_connected)) {
		int saved = errno;
		struct zt_rpc_reply rep;
		if (zt_rpc(ZT_NC_CLONE, -1, NULL, 0, false, &rep) == 0 && rep.fd >= 0) {
			if (rep.result == 0)
				self.clone_fd = rep.fd;
			else
				real_close(rep.fd);
		}
		errno = saved;
	}
	pthread_mutex_lock(&factory_lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&factory_lock);
	zt_lazy_unlock_all();
	if (self.clone_fd >= 0)
		real_close(self.clone_fd);
	self.clone_fd = -1;
}

/* Connections of the parent's threads are not ours to speak on: close them, keep the clone as our
 * factory. */
static void after_fork_child(void)
{
	pthread_mutex_unlock(&factory_lock);
	zt_lazy_unlock_all();
	zt_lazy_after_fork_child();
	unsigned used = atomic_load(&slots_used);
	for (unsigned i = 0; i < used && i < CONN_SLOTS; i++) {
		int v = atomic_exchange(&slots[i].fdp1, 0);
		if (v > 0)
			real_close(v - 1);
	}
	self.slot = -1;
	atomic_store(&factory_slot, -1);
	if (self.clone_fd >= 0) {
		int fd = move_high(self.clone_fd);
		self.clone_fd = -1;
		int i = slot_claim(fd, getpid());
		if (i >= 0)
			atomic_store(&factory_slot, i);
		else
			real_close(fd);
	}
}

static void thread_exit(void *unused)
{
	(void)unused;
	if (self.slot < 0)
		return;
	struct conn_slot *s = &slots[self.slot];
	int v = atomic_load(&s->fdp1);
	if (v > 0 && atomic_load(&s->pid) == getpid())
		slot_release(s, v);
	self.slot = -1;
}

void zt_rpc_conn_init(void)
{
	const char *path = getenv("ZT_NC_NETWORK");
	if (path && strlen(path) < sizeof(service_addr.sun_path)) {
		service_addr.sun_family = AF_UNIX;
		strcpy(service_addr.sun_path, path);
		service_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	}
	exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= 64)
		conn_fd_floor = rl.rlim_cur >= 1024 ? 768 : (int)(rl.rlim_cur * 3 / 4);
	else if (rl.rlim_cur == RLIM_INFINITY)
		conn_fd_floor = 768;
}

static int connect_service(void)
{
	if (!service_addr_len)
		return -ENAMETOOLONG;
	int fd = real_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r;
	do
		r = real_connect(fd, (const struct sockaddr *)&service_addr, service_addr_len);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		real_close(fd);
		return -e;
	}
	return move_high(fd);
}

static int rpc_on(int c, uint32_t id, enum zt_nc_op op, int fd, const void *body, size_t body_len,
                  bool interruptible, struct zt_rpc_reply *rep);

/* A new connection from the factory, or -errno. */
static int factory_clone(pid_t pid)
{
	int r = -ENOTCONN;
	pthread_mutex_lock(&factory_lock);
	int c = factory_fd(pid);
	if (c >= 0) {
		struct zt_rpc_reply rep;
		r = rpc_on(c, ++factory_next_id, ZT_NC_CLONE, -1, NULL, 0, false, &rep);
		if (r < 0) { /* the factory itself is broken (service gone): forget it */
			int i = atomic_exchange(&factory_slot, -1);
			if (i >= 0)
				slot_release(&slots[i], c + 1);
		} else if (rep.fd < 0)
			r = rep.result < 0 ? rep.result : -EPROTO;
		else if (rep.result < 0) {
			real_close(rep.fd);
			r = rep.result;
		} else
			r = move_high(rep.fd);
	}
	pthread_mutex_unlock(&factory_lock);
	return r;
}

/* A connection for this thread: connect() to the service's socket, or, where that is refused, one
 * from the factory. The process's first connection also makes its factory. */
static int conn_open(pid_t pid)
{
	int fd = connect_service();
	if (fd < 0) {
		int cloned = factory_clone(pid);
		return cloned >= 0 ? cloned : fd;
	}
	atomic_store(&ever_connected, true);
	if (factory_fd(pid) < 0) {
		pthread_mutex_lock(&factory_lock);
		int f = factory_fd(pid) < 0 ? connect_service() : -1;
		if (f >= 0) {
			int i = slot_claim(f, pid);
			if (i >= 0)
				atomic_store(&factory_slot, i);
			else
				real_close(f);
		}
		pthread_mutex_unlock(&factory_lock);
	}
	return fd;
}

/* This thread's connection; *transient is set when it could not be cached (close it after use). */
static int conn_acquire(bool *transient)
{
	pid_t pid = getpid();
	*transient = false;
	if (self.slot >= 0) {
		struct conn_slot *s = &slots[self.slot];
		int v = atomic_load(&s->fdp1);
		if (v > 0 && atomic_load(&s->pid) == pid)
			return v - 1;
		self.slot = -1;
	}
	drop_foreign(pid);
	int fd = conn_open(pid);
	if (fd < 0)
		return fd;
	*transient = !conn_register(fd, pid);
	return fd;
}

/* The connection is unusable (service gone, protocol broken): forget it so the next call reopens. */
static void conn_discard(int fd, bool transient)
{
	if (transient || self.slot < 0) {
		real_close(fd);
		return;
	}
	slot_release(&slots[self.slot], fd + 1);
	self.slot = -1;
}

bool zt_rpc_conn_ready(void)
{
	int v = self.slot >= 0 ? atomic_load(&slots[self.slot].fdp1) : 0;
	if (v <= 0)
		return false;
	/* the service hung up (stopped, or left the network) */
	struct pollfd p = {.fd = v - 1, .events = 0};
	int saved = errno;
	bool up = poll(&p, 1, 0) == 0 || !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
	errno = saved;
	return up;
}

bool zt_rpc_conn_is_own_fd(int fd)
{
	if (fd < 0)
		return false;
	unsigned used = atomic_load(&slots_used);
	for (unsigned i = 0; i < used && i < CONN_SLOTS; i++)
		if (atomic_load(&slots[i].fdp1) == fd + 1)
			return true;
	return false;
}

int zt_rpc_conn_evacuate(int fd)
{
	unsigned used = atomic_load(&slots_used);
	for (unsigned i = 0; i < used && i < CONN_SLOTS; i++) {
		int v = fd + 1;
		if (atomic_load(&slots[i].fdp1) != v)
			continue;
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, conn_fd_floor);
		if (moved < 0)
			moved = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (moved < 0)
			return -errno;
		if (atomic_compare_exchange_strong(&slots[i].fdp1, &v, moved + 1))
			real_close(fd);
		else
			real_close(moved);
		return 0;
	}
	return 0;
}

size_t zt_rpc_conn_list(int *fds, size_t max)
{
	size_t n = 0;
	unsigned used = atomic_load(&slots_used);
	for (unsigned i = 0; i < used && i < CONN_SLOTS && n < max; i++) {
		int v = atomic_load(&slots[i].fdp1);
		if (v > 0)
			fds[n++] = v - 1;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: a handful of entries */
		for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

static ssize_t shim_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return real_sendmsg(fd, m, flags);
}

static ssize_t shim_recvmsg(int fd, struct msghdr *m, int flags)
{
	return real_recvmsg(fd, m, flags);
}

static int shim_close(int fd)
{
	return real_close(fd);
}

const struct zt_fdpass_ops zt_shim_fdpass = {shim_sendmsg, shim_recvmsg, shim_close};

static int send_request(int c, const uint8_t *msg, size_t len, int fd)
{
	ssize_t n;
	do
		n = zt_fdpass_send(&zt_shim_fdpass, c, msg, len, fd, 0);
	while (n == -EINTR);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EPROTO;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		real_close(fd);
}

/* Reads one message from the rpc connection: 1 = a reply for `id` (rep filled), 0 = a stale
 * reply (dropped), -errno = failure. */
static int recv_reply(int c, enum zt_nc_op op, uint32_t id, bool interruptible, struct zt_rpc_reply *rep)
{
	uint8_t in[ZT_NC_MAX_MSG + 1];
	struct zt_fdpass_msg m;
	for (;;) {
		int r = zt_fdpass_recv(&zt_shim_fdpass, c, in, sizeof(in), 0, &m);
		if (r == 0)
			break;
		if (r != -EINTR || interruptible)
			return r;
	}
	if (m.len == 0) {
		close_fd(m.fd);
		return -ECONNRESET;
	}
	int32_t result;
	bool has_fd;
	size_t off;
	int ours = m.truncated ? -EPROTO : zt_nc_reply_check(in, m.len, op, id, &result, &has_fd, &off);
	if (ours <= 0 || m.extra_fds > 0 || (m.fd >= 0 && !has_fd)) {
		close_fd(m.fd);
		return ours <= 0 ? ours : -EPROTO; /* 0: stale, dropped */
	}
	if (has_fd && m.fd < 0) /* the kernel could not install it: out of fds */
		return m.fds_lost ? -EMFILE : -EPROTO;
	rep->result = result;
	rep->fd = m.fd;
	rep->body_len = m.len - off;
	memcpy(rep->body, in + off, rep->body_len);
	return 1;
}

/* One request and its reply on connection c: 0 (rep filled) or -errno. */
static int rpc_on(int c, uint32_t id, enum zt_nc_op op, int fd, const void *body, size_t body_len,
                  bool interruptible, struct zt_rpc_reply *rep)
{
	uint8_t msg[ZT_NC_MAX_MSG];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_req_hdr(&b, op, id);
	zt_nc_put_bytes(&b, body, body_len);
	if (b.bad)
		return -EINVAL;
	int r = send_request(c, msg, b.off, fd);
	while (r == 0)
		r = recv_reply(c, op, id, interruptible, rep);
	zt_shim_debug("rpc op %d fd %d -> %d result %d", (int)op, fd, r, r == 1 ? rep->result : 0);
	return r < 0 ? r : 0;
}

int zt_rpc(enum zt_nc_op op, int fd, const void *body, size_t body_len, bool interruptible,
           struct zt_rpc_reply *rep)
{
	bool transient;
	int c = conn_acquire(&transient);
	if (c < 0)
		return c;
	int r = rpc_on(c, ++self.next_id, op, fd, body, body_len, interruptible, rep);
	if (r < 0 && r != -EINTR && r != -EINVAL)
		conn_discard(c, transient);
	else if (transient)
		real_close(c);
	return r;
}
