/* The seccomp supervisor's plumbing (design: sandbox.h): the notification fd on the loop, the life of
 * a stopped call, the program's fds and memory, and the control connection to the socket service. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "appopt.h"
#include "sandbox_int.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6 */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS     SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif
/* How often calls that wait for an fd are checked for a program that gave up on them. */
#define SWEEP_MS 1000

bool zt_sandbox_may_skip_nnp(void)
{
	/* CAP_SYS_ADMIN (21) in the effective set */
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	bool found = false;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && (eff >> 21 & 1);
}

static void finish(struct sb_call *c)
{
	struct zt_sandbox *sb = c->sb;
	if (c->done)
		return;
	c->done = true;
	if (c->w.active)
		zt_loop_unwatch(sb->loop, &c->w);
	for (struct sb_call **pp = &sb->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	/* freed before the loop sleeps: a watch's memory must outlive the round */
	c->next = sb->dead;
	sb->dead = c;
}

static void respond(struct sb_call *c, int64_t val, int err, uint32_t flags)
{
	struct seccomp_notif_resp r = {.id = c->id, .val = val, .error = err ? -err : 0, .flags = flags};
	/* ENOENT: the program gave up on the call (a signal) or is gone; nothing to tell */
	ioctl(c->sb->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &r);
	finish(c);
}

void sb_answer(struct sb_call *c, int64_t val)
{
	respond(c, val, 0, 0);
}

void sb_fail(struct sb_call *c, int err)
{
	respond(c, -1, err, 0);
}

void sb_continue(struct sb_call *c)
{
	c->sb->native++;
	respond(c, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

bool sb_valid(struct sb_call *c)
{
	uint64_t id = c->id;
	return ioctl(c->sb->notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void sb_answer_fd(struct sb_call *c, int fd, bool cloexec)
{
	struct seccomp_notif_addfd a = {
	    .id = c->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)fd, .newfd_flags = cloexec ? O_CLOEXEC : 0};
	int r = ioctl(c->sb->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	int err = errno;
	close(fd);
	if (r >= 0 || err == ENOENT)
		finish(c);
	else
		sb_fail(c, err == EMFILE ? EMFILE : ENOBUFS);
}

/* The program's close-on-exec flag of its fd n: fdinfo's flags carry O_CLOEXEC. */
static bool program_cloexec(struct sb_call *c, int n)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)c->pid, n);
	FILE *f = fopen(path, "re");
	unsigned long flags = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %lo", &flags) == 1)
			break;
	fclose(f);
	return flags & O_CLOEXEC;
}

int sb_install_over(struct sb_call *c, int fd)
{
	int fl = fcntl(c->fd, F_GETFL), nfl = fcntl(fd, F_GETFL);
	if (fl >= 0 && nfl >= 0)
		fcntl(fd, F_SETFL, (nfl & ~O_NONBLOCK) | (fl & O_NONBLOCK));
	zt_appopt_copy(c->fd, fd, getsockopt, setsockopt);
	struct seccomp_notif_addfd a = {.id = c->id,
	                                .flags = SECCOMP_ADDFD_FLAG_SETFD,
	                                .srcfd = (uint32_t)fd,
	                                .newfd = (uint32_t)c->args[0],
	                                .newfd_flags = program_cloexec(c, (int)c->args[0]) ? O_CLOEXEC : 0};
	int r = ioctl(c->sb->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	int err = errno;
	close(fd);
	return r < 0 ? -err : 0;
}

int sb_read(struct sb_call *c, uint64_t addr, void *buf, size_t len)
{
	if (!len)
		return 0;
	struct iovec l = {buf, len}, r = {(void *)(uintptr_t)addr, len};
	return process_vm_readv(c->pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

int sb_write(struct sb_call *c, uint64_t addr, const void *buf, size_t len)
{
	if (!len)
		return 0;
	struct iovec l = {(void *)buf, len}, r = {(void *)(uintptr_t)addr, len};
	return process_vm_writev(c->pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* ---- the control connection ---- */

const struct zt_fdpass_ops sb_fdpass_ops = {.sendmsg = sendmsg, .recvmsg = recvmsg, .close = close};

static int ctl_open(struct zt_sandbox *sb);

int sb_request(struct sb_call *c, enum zt_nc_op op, int fd, const void *body, size_t len, sb_reply_fn *on_reply)
{
	struct zt_sandbox *sb = c->sb;
	uint8_t msg[ZT_NC_MAX_MSG];
	if (len > sizeof(msg) - ZT_NC_HDR_LEN)
		return -EMSGSIZE;
	if (sb->ctl_fd < 0) {
		int e = ctl_open(sb);
		if (e < 0)
			return e;
	}
	if (++sb->next_id == 0)
		sb->next_id = 1;
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_req_hdr(&b, op, sb->next_id);
	zt_nc_put_bytes(&b, body, len);
	ssize_t n = zt_fdpass_send(&sb_fdpass_ops, sb->ctl_fd, msg, b.off, fd, MSG_DONTWAIT);
	if (n < 0)
		return n == -EAGAIN ? -ENOBUFS : (int)n;
	c->rpc_id = sb->next_id;
	c->on_reply = on_reply;
	return 0;
}

static void ctl_close(struct zt_sandbox *sb)
{
	if (sb->ctl_fd < 0)
		return;
	zt_loop_unwatch(sb->loop, &sb->cw);
	close(sb->ctl_fd);
	sb->ctl_fd = -1;
	/* the service went away: the calls waiting for it fail as the shim's would */
	for (struct sb_call *c = sb->calls, *next; c; c = next) {
		next = c->next;
		if (c->rpc_id)
			sb_fail(c, ENETDOWN);
	}
}

static void on_ctl(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	struct zt_sandbox *sb = arg;
	(void)loop;
	(void)w;
	for (int round = 0; round < 64; round++) {
		uint8_t msg[ZT_NC_MAX_MSG];
		struct zt_fdpass_msg got;
		int e = zt_fdpass_recv(&sb_fdpass_ops, sb->ctl_fd, msg, sizeof(msg), MSG_DONTWAIT, &got);
		if (e == -EAGAIN || e == -EINTR)
			return;
		if (e < 0 || got.len == 0) { /* the socket service is gone */
			ctl_close(sb);
			return;
		}
		ssize_t n = (ssize_t)got.len;
		struct zt_nc_buf b = {.p = msg, .len = (size_t)n};
		uint32_t w0 = zt_nc_get_u32(&b), id = zt_nc_get_u32(&b);
		int32_t result = (int32_t)zt_nc_get_u32(&b);
		int fd = got.fd;
		if (fd >= 0 && !(w0 >> 16 & ZT_NC_REPLY_HAS_FD)) {
			close(fd);
			fd = -1;
		}
		struct sb_call *c = sb->calls;
		while (c && c->rpc_id != id)
			c = c->next;
		if (b.bad || !c || id == 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		c->rpc_id = 0;
		struct zt_nc_buf body = {.p = msg + b.off, .len = (size_t)n - b.off};
		c->on_reply(c, result, fd, &body);
	}
	(void)events;
}

static int ctl_open(struct zt_sandbox *sb)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memcpy(a.sun_path, sb->socket_path, sizeof(a.sun_path));
	int e = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		e = -errno;
	else
		e = zt_loop_watch(sb->loop, &sb->cw, fd, EPOLLIN, on_ctl, sb);
	if (e < 0) {
		close(fd);
		return e;
	}
	sb->ctl_fd = fd;
	return 0;
}

/* ---- waiting for the program's socket ---- */

static void on_ready(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	struct sb_call *c = arg;
	(void)events;
	zt_loop_unwatch(loop, w);
	if (!sb_valid(c)) {
		finish(c);
		return;
	}
	c->on_ready(c);
}

int sb_wait(struct sb_call *c, uint32_t events, sb_ready_fn *fn)
{
	/* The program's SO_RCVTIMEO/SO_SNDTIMEO are set on the app end itself (ops.c): the wait ends
	 * with EAGAIN when it runs out, as the kernel's accept, recv or send would (sweep). */
	struct timeval tv = {0};
	socklen_t len = sizeof(tv);
	c->deadline = 0;
	if (getsockopt(c->fd, SOL_SOCKET, events & EPOLLOUT ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, &len) == 0 &&
	    (tv.tv_sec > 0 || tv.tv_usec > 0))
		c->deadline = zt_now_ms() + (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	c->on_ready = fn;
	return zt_loop_watch(c->sb->loop, &c->w, c->fd, events, on_ready, c);
}

/* ---- notifications ---- */

/* The pidfd of thread tid, kept: opening one (and closing it) costs ~20 us, more than the rest of a
 * stop's own syscalls, and a program stops again and again from the same threads. A kept pidfd
 * names the thread it was opened for: while that lives no other can have its tid, and once it is
 * gone pidfd_getfd says ESRCH and take_fd asks again with fresh set, which opens a new one. */
static int caller_pidfd(struct zt_sandbox *sb, pid_t tid, bool fresh)
{
	struct sb_pidfd *slot = NULL;
	for (int i = 0; i < SB_PIDFDS && !slot; i++)
		if (sb->pidfds[i].tid == tid)
			slot = &sb->pidfds[i];
	if (slot && !fresh)
		return slot->fd;
	for (int i = 0; i < SB_PIDFDS && !slot; i++)
		if (sb->pidfds[i].tid == 0)
			slot = &sb->pidfds[i];
	if (!slot)
		slot = &sb->pidfds[sb->pidfd_next++ % SB_PIDFDS];
	if (slot->tid)
		close(slot->fd);
	slot->tid = 0;
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (fd < 0)
		return -errno;
	slot->tid = tid;
	slot->fd = fd;
	return fd;
}

static int take_fd(struct sb_call *c)
{
	for (bool fresh = false;; fresh = true) {
		int pidfd = caller_pidfd(c->sb, c->pid, fresh);
		if (pidfd < 0)
			return pidfd;
		/* the pidfd names the caller only if the call is still pending: checked after opening it */
		if (!sb_valid(c))
			return -ENOENT;
		c->fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)c->args[0], 0);
		if (c->fd >= 0)
			return 0;
		int err = errno;
		if (err != ESRCH || fresh)
			return -err;
	}
}

static void serve(struct zt_sandbox *sb, const struct seccomp_notif *n)
{
	struct sb_call *c = calloc(1, sizeof(*c));
	if (!c) {
		struct seccomp_notif_resp r = {.id = n->id, .error = -ENOMEM};
		ioctl(sb->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &r);
		return;
	}
	c->sb = sb;
	c->id = n->id;
	c->pid = (pid_t)n->pid;
	c->nr = n->data.nr;
	memcpy(c->args, n->data.args, sizeof(c->args));
	c->fd = -1;
	c->next = sb->calls;
	sb->calls = c;
	sb->served++;
	if (c->nr == SYS_socket) {
		sb_op_socket(c);
		return;
	}
	if (!sb_is_fd_call(c->nr)) {
		sb_continue(c);
		return;
	}
	int e = take_fd(c);
	if (e == -ENOENT) {
		finish(c);
		return;
	}
	if (e == -EBADF || e == -EPERM || e == -ESRCH) {
		/* not an fd (the kernel says EBADF itself), or one we may not see: native */
		sb_continue(c);
		return;
	}
	if (e < 0) {
		sb_fail(c, ENOBUFS);
		return;
	}
	c->kind = zt_sandbox_fd_kind(c->fd);
	if (!c->kind) {
		sb_continue(c);
		return;
	}
	int fl = fcntl(c->fd, F_GETFL);
	c->nonblock = fl >= 0 && (fl & O_NONBLOCK);
	if (c->kind == 'u' || c->kind == 'U')
		sb_realize(c);
	else
		sb_op_fd(c);
}

static void on_notify(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	struct zt_sandbox *sb = arg;
	if (events & EPOLLIN) {
		struct seccomp_notif n;
		memset(&n, 0, sizeof(n));
		if (ioctl(sb->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0)
			serve(sb, &n);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* no process under the filter is left */
		zt_loop_unwatch(loop, w);
	}
}

static int64_t sweep(struct zt_loop *loop, int64_t now, void *arg)
{
	struct zt_sandbox *sb = arg;
	(void)loop;
	while (sb->dead) {
		struct sb_call *c = sb->dead;
		sb->dead = c->next;
		if (c->fd >= 0)
			close(c->fd);
		free(c->buf);
		free(c);
	}
	int64_t next_wake = -1;
	for (struct sb_call *c = sb->calls, *next; c; c = next) {
		next = c->next;
		if (!c->w.active)
			continue;
		if (c->deadline && now >= c->deadline) {
			sb_fail(c, EAGAIN); /* the socket's timeout ran out */
			continue;
		}
		if (now - sb->last_sweep >= SWEEP_MS && !sb_valid(c)) {
			finish(c);
			continue;
		}
		int64_t wake = c->deadline && c->deadline < now + SWEEP_MS ? c->deadline : now + SWEEP_MS;
		if (next_wake < 0 || wake < next_wake)
			next_wake = wake;
	}
	if (now - sb->last_sweep >= SWEEP_MS)
		sb->last_sweep = now;
	return next_wake;
}

int zt_sandbox_new(struct zt_sandbox **out, struct zt_loop *loop, int notify_fd, const char *socket_path)
{
	struct zt_sandbox *sb = calloc(1, sizeof(*sb));
	int e;
	if (!sb) {
		close(notify_fd);
		return -ENOMEM;
	}
	if (strlen(socket_path) >= sizeof(sb->socket_path)) {
		free(sb);
		close(notify_fd);
		return -ENAMETOOLONG;
	}
	strcpy(sb->socket_path, socket_path);
	sb->loop = loop;
	sb->notify_fd = notify_fd;
	sb->ctl_fd = -1;
	sb_dns_init(sb);
	/* The program's thread sleeps while we serve its call: wake us on its CPU, and it on ours (an
	 * older kernel says EINVAL: a slower wake-up, nothing else). */
	ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	e = zt_loop_watch(loop, &sb->nw, notify_fd, EPOLLIN, on_notify, sb);
	if (!e) {
		e = zt_loop_before_sleep(loop, sweep, sb);
		sb->hook = !e;
	}
	if (e) {
		zt_sandbox_free(sb);
		return e;
	}
	*out = sb;
	return 0;
}

void zt_sandbox_free(struct zt_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->nw.active)
		zt_loop_unwatch(sb->loop, &sb->nw);
	while (sb->calls)
		sb_fail(sb->calls, ENETDOWN);
	ctl_close(sb);
	if (sb->hook)
		zt_loop_remove_hook(sb->loop, sweep, sb);
	sweep(sb->loop, 0, sb);
	for (int i = 0; i < SB_PIDFDS; i++)
		if (sb->pidfds[i].tid)
			close(sb->pidfds[i].fd);
	close(sb->notify_fd);
	free(sb);
}

void zt_sandbox_counters(const struct zt_sandbox *sb, unsigned long *served, unsigned long *native)
{
	*served = sb->served;
	*native = sb->native;
}
