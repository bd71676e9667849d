/* The seccomp filter ztrun installs in COMMAND before exec (design: sandbox.h), built with
 * libseccomp (as a binary tree of syscall numbers: read/write cross 9 instructions) and exported
 * as classic BPF, which zt_sandbox_install loads with the seccomp() call itself (no_new_privs only
 * when asked, the listener flag, errors as the kernel gives them). libseccomp compares an
 * argument once per rule and the default is to allow, so "every family but these" is a set of
 * rules, one per refused value; 32-bit x86 has rules of its own, merged in. The decisions are
 * pinned call by call in tests/sandbox/test_filter.c. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "rpc.h"
#include "sandbox.h"

#define FAIL(e) SCMP_ACT_ERRNO(e)

/* The calls that take a socket the supervisor may own; the shim's carry the cookie. */
static const int watched_calls[] = {
    SCMP_SYS(connect),     SCMP_SYS(bind),       SCMP_SYS(listen),     SCMP_SYS(accept),
    SCMP_SYS(accept4),     SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),  SCMP_SYS(sendmsg),    SCMP_SYS(recvmsg),    SCMP_SYS(sendmmsg),
    SCMP_SYS(recvmmsg),
};

/* The kernel takes a family as an int: only the low 32 bits of argument 0 count, whatever the high
 * ones hold. (SCMP_A0_32 would also want the high half zero: a family with junk there would pass.) */
static int family_rule(scmp_filter_ctx ctx, uint32_t action, int nr, uint32_t family)
{
	return seccomp_rule_add(ctx, action, nr, 1, SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, family));
}

/* Refuses with err every family but those of keep. The filter's default is to allow, and a rule
 * compares an argument once, so the others are said one rule each: the values below 32, and any
 * value with one of bits 5-31 set. */
static int refuse_other_families(scmp_filter_ctx ctx, int nr, const uint32_t *keep, size_t nkeep, int err)
{
	int e = 0;
	for (uint32_t fam = 0; fam < 32 && !e; fam++) {
		bool kept = false;
		for (size_t i = 0; i < nkeep; i++)
			kept |= keep[i] == fam;
		if (!kept)
			e = family_rule(ctx, FAIL(err), nr, fam);
	}
	for (int bit = 5; bit < 32 && !e; bit++)
		e = seccomp_rule_add(ctx, FAIL(err), nr, 1, SCMP_A0_64(SCMP_CMP_MASKED_EQ, 1u << bit, 1u << bit));
	return e;
}

/* socket(): IPv4 and IPv6 to the supervisor (or, on an ABI it does not serve, refused); Unix and
 * netlink native; every other family (packet, vsock, RDS, TIPC...) could reach the host's network
 * and is refused. */
static int socket_rules(scmp_filter_ctx ctx, int nr, bool notify)
{
	static const uint32_t native[] = {AF_UNIX, AF_NETLINK, AF_INET, AF_INET6};
	if (!notify)
		return refuse_other_families(ctx, nr, native, 2, EAFNOSUPPORT);
	int e = family_rule(ctx, SCMP_ACT_NOTIFY, nr, AF_INET);
	e = e ? e : family_rule(ctx, SCMP_ACT_NOTIFY, nr, AF_INET6);
	return e ? e : refuse_other_families(ctx, nr, native, 4, EAFNOSUPPORT);
}

static int native_rules(scmp_filter_ctx ctx)
{
	static const uint32_t unix_only[] = {AF_UNIX};
	int e = socket_rules(ctx, SCMP_SYS(socket), true);
	e = e ? e : refuse_other_families(ctx, SCMP_SYS(socketpair), unix_only, 1, EAFNOSUPPORT);
	/* io_uring does socket work in the kernel, out of the filter's sight: programs fall back. */
	e = e ? e : seccomp_rule_add(ctx, FAIL(ENOSYS), SCMP_SYS(io_uring_setup), 0);
	for (size_t i = 0; i < sizeof(watched_calls) / sizeof(watched_calls[0]) && !e; i++)
		e = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, watched_calls[i], 1,
		                           SCMP_A5_64(SCMP_CMP_NE, ZT_NC_SYSCALL_COOKIE, 0));
	/* sendto/recvfrom use all six arguments: without an address they go through at once. */
	e = e ? e : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1, SCMP_A4_64(SCMP_CMP_NE, 0, 0));
	e = e ? e : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(recvfrom), 1, SCMP_A4_64(SCMP_CMP_NE, 0, 0));
	return e;
}

#ifdef __x86_64__
/* 32-bit x86 (int 0x80, or a 32-bit program): no IPv4/IPv6 sockets at all; socketcall's arguments
 * are in memory, out of sight, so it is refused whole. (On x86 libseccomp takes socket rules only
 * in its ordinary, not exact, form: it writes them for the direct call 359; socketcall's own rule,
 * without conditions, stands.) */
static int i386_rules(scmp_filter_ctx ctx)
{
	int e = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	e = e ? e : seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	e = e ? e : seccomp_rule_add(ctx, FAIL(ENOSYS), SCMP_SYS(socketcall), 0);
	e = e ? e : socket_rules(ctx, SCMP_SYS(socket), false);
	return e ? e : seccomp_rule_add(ctx, FAIL(ENOSYS), SCMP_SYS(io_uring_setup), 0);
}
#endif

/* A new context: everything allowed, any ABI it has no rules for refused (on x86_64 that includes
 * x32's numbers), no_new_privs left to zt_sandbox_install. */
static scmp_filter_ctx new_ctx(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx && (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, FAIL(ENOSYS)) != 0 ||
	            seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) != 0 ||
	            seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0)) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* The whole filter as one context; NULL on failure. */
static scmp_filter_ctx build(void)
{
	scmp_filter_ctx ctx = new_ctx();
	if (!ctx)
		return NULL;
	if (native_rules(ctx) != 0) {
		seccomp_release(ctx);
		return NULL;
	}
#ifdef __x86_64__
	scmp_filter_ctx x86 = new_ctx();
	if (!x86 || i386_rules(x86) != 0 || seccomp_merge(ctx, x86) != 0) {
		if (x86)
			seccomp_release(x86); /* a successful merge took it */
		seccomp_release(ctx);
		return NULL;
	}
#endif
	return ctx;
}

int zt_sandbox_filter(struct sock_filter *ins, unsigned max)
{
	scmp_filter_ctx ctx = build();
	if (!ctx)
		return -EINVAL;
	/* libseccomp 2.5 exports to an fd only */
	int fd = memfd_create("ztrun-seccomp", MFD_CLOEXEC);
	int n = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (n == 0) {
		off_t size = lseek(fd, 0, SEEK_END);
		if (size <= 0 || size % sizeof(ins[0]) != 0)
			n = -EINVAL;
		else if ((size_t)size > max * sizeof(ins[0]))
			n = -E2BIG;
		else if (pread(fd, ins, (size_t)size, 0) != size)
			n = -EIO;
		else
			n = (int)(size / (off_t)sizeof(ins[0]));
	}
	if (fd >= 0)
		close(fd);
	return n;
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
