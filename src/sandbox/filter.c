/* The seccomp filter ztrun installs in COMMAND before exec (design: sandbox.h). Written as classic
 * BPF rather than with libseccomp: it is short, it needs "every family but these" tests libseccomp
 * cannot say in one rule, and it adds no library to the binary. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "rpc.h"
#include "sandbox.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "the seccomp filter knows x86_64 and aarch64 only"
#endif

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define NOTIFY    SECCOMP_RET_USER_NOTIF
#define ALLOW     SECCOMP_RET_ALLOW
#define FAIL(e)   (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

struct prog {
	struct sock_filter ins[160];
	unsigned n;
	bool overflow;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->n == sizeof(p->ins) / sizeof(p->ins[0])) {
		p->overflow = true;
		return;
	}
	p->ins[p->n++] = (struct sock_filter){code, jt, jf, k};
}

static void ld(struct prog *p, uint32_t off)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

static void ret(struct prog *p, uint32_t v)
{
	emit(p, BPF_RET | BPF_K, v, 0, 0);
}

/* if (A == k) return v; */
static void if_eq_ret(struct prog *p, uint32_t k, uint32_t v)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1);
	ret(p, v);
}

/* A block for one syscall number: "if (nr == k) { block }", where every block ends in a return, so
 * the dispatch continues with A still holding nr. open() returns the jump to patch in close(). */
static unsigned block_open(struct prog *p, uint32_t nr)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 0);
	return p->n - 1;
}

static void block_close(struct prog *p, unsigned at)
{
	if (p->n - at - 1 > 255)
		p->overflow = true;
	else if (!p->overflow)
		p->ins[at].jf = (uint8_t)(p->n - at - 1);
}

/* Allowed when the 64-bit argument i is v, else stopped for the supervisor. */
static void arg_is_or_notify(struct prog *p, int i, uint64_t v)
{
	ld(p, ARG_LO(i));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)v, 0, 3);
	ld(p, ARG_HI(i));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(v >> 32), 0, 1);
	ret(p, ALLOW);
	ret(p, NOTIFY);
}

/* socket(): IPv4 and IPv6 go to the supervisor; Unix and netlink stay native; every other family
 * (packet, vsock, RDS, TIPC...) could reach the host's network and is refused. */
static void socket_block(struct prog *p, uint32_t nr, bool notify)
{
	unsigned at = block_open(p, nr);
	ld(p, ARG_LO(0));
	if_eq_ret(p, AF_UNIX, ALLOW);
	if_eq_ret(p, AF_NETLINK, ALLOW);
	if (notify) {
		if_eq_ret(p, AF_INET, NOTIFY);
		if_eq_ret(p, AF_INET6, NOTIFY);
	}
	ret(p, FAIL(EAFNOSUPPORT));
	block_close(p, at);
}

static void fail_block(struct prog *p, uint32_t nr, int err)
{
	unsigned at = block_open(p, nr);
	ret(p, FAIL(err));
	block_close(p, at);
}

/* The calls that take a socket the supervisor may own; the shim's carry the cookie. */
static const uint32_t watched_calls[] = {
    SYS_connect,     SYS_bind,        SYS_listen,  SYS_accept,  SYS_accept4,  SYS_getsockname,
    SYS_getpeername, SYS_setsockopt,  SYS_getsockopt, SYS_sendmsg, SYS_recvmsg, SYS_sendmmsg,
    SYS_recvmmsg,
};

static void build(struct prog *p)
{
	ld(p, offsetof(struct seccomp_data, arch));
	unsigned native = block_open(p, NATIVE_ARCH);
	/* ---- native calls ---- */
	ld(p, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	/* The x32 ABI shares the arch value: its numbers carry bit 30. It gets no calls at all. */
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
	ret(p, FAIL(ENOSYS));
#endif
	socket_block(p, SYS_socket, true);
	{
		unsigned at = block_open(p, SYS_socketpair);
		ld(p, ARG_LO(0));
		if_eq_ret(p, AF_UNIX, ALLOW);
		ret(p, FAIL(EAFNOSUPPORT));
		block_close(p, at);
	}
	/* io_uring does socket work in the kernel, out of the filter's sight: programs fall back. */
	fail_block(p, SYS_io_uring_setup, ENOSYS);
	for (size_t i = 0; i < sizeof(watched_calls) / sizeof(watched_calls[0]); i++) {
		unsigned at = block_open(p, watched_calls[i]);
		arg_is_or_notify(p, 5, ZT_NC_SYSCALL_COOKIE);
		block_close(p, at);
	}
	/* sendto/recvfrom use all six arguments: without an address they go through at once. */
	static const uint32_t addressed[] = {SYS_sendto, SYS_recvfrom};
	for (size_t i = 0; i < 2; i++) {
		unsigned at = block_open(p, addressed[i]);
		ld(p, ARG_LO(4));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
		ld(p, ARG_HI(4));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
		ret(p, ALLOW);
		ret(p, NOTIFY);
		block_close(p, at);
	}
	ret(p, ALLOW);
	block_close(p, native);
#ifdef __x86_64__
	/* ---- 32-bit x86 (int 0x80, or a 32-bit program): no IPv4/IPv6 sockets at all ---- */
	unsigned i386 = block_open(p, AUDIT_ARCH_I386);
	ld(p, offsetof(struct seccomp_data, nr));
	fail_block(p, 102, ENOSYS); /* socketcall: its arguments are out of sight */
	socket_block(p, 359, false);
	fail_block(p, 425, ENOSYS); /* io_uring_setup */
	ret(p, ALLOW);
	block_close(p, i386);
#endif
	/* any other ABI: nothing to trust it with */
	ret(p, FAIL(ENOSYS));
}

int zt_sandbox_filter(struct sock_filter *ins, unsigned max)
{
	struct prog p = {.n = 0};
	build(&p);
	if (p.overflow || p.n > max)
		return -E2BIG;
	memcpy(ins, p.ins, p.n * sizeof(ins[0]));
	return (int)p.n;
}

int zt_sandbox_install(bool need_nnp)
{
	struct sock_filter ins[ZT_SANDBOX_FILTER_MAX];
	int n = zt_sandbox_filter(ins, ZT_SANDBOX_FILTER_MAX);
	if (n < 0)
		return n;
	struct sock_fprog fprog = {.len = (unsigned short)n, .filter = ins};
	if (need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

/* The child's sendmsg carries the cookie: the filter it just installed would stop it otherwise, and
 * nobody serves notifications before the exec. */
static ssize_t cookie_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return syscall(SYS_sendmsg, fd, m, flags, 0, 0, (long)ZT_NC_SYSCALL_COOKIE);
}

int zt_sandbox_child(int sock, bool need_nnp)
{
	static const struct zt_fdpass_ops ops = {.sendmsg = cookie_sendmsg, .recvmsg = recvmsg, .close = close};
	int fd = zt_sandbox_install(need_nnp);
	int32_t err = fd < 0 ? fd : 0;
	ssize_t n = zt_fdpass_send(&ops, sock, &err, sizeof(err), fd, 0);
	if (fd >= 0)
		close(fd);
	if (fd >= 0 && n < 0)
		return (int)n; /* filtered, and nobody will ever answer: the caller must not exec */
	return 0;
}

int zt_sandbox_take(int sock, int *notify_fd)
{
	static const struct zt_fdpass_ops ops = {.sendmsg = sendmsg, .recvmsg = recvmsg, .close = close};
	int32_t err = -EIO;
	struct zt_fdpass_msg got;
	*notify_fd = -1;
	if (zt_fdpass_recv(&ops, sock, &err, sizeof(err), MSG_DONTWAIT, &got) < 0 || got.len != sizeof(err)) {
		if (got.fd >= 0)
			close(got.fd);
		return -EIO;
	}
	if (err == 0 && got.fd < 0)
		return -EIO;
	if (err < 0 && got.fd >= 0)
		close(got.fd);
	else
		*notify_fd = got.fd;
	return err;
}
