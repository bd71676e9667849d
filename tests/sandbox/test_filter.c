/* The seccomp filter's decisions (src/sandbox/filter.c), call by call: its program run by a classic
 * BPF interpreter here on chosen seccomp_data, as the kernel would run it. Whatever builds the
 * program, these answers are the contract (sandbox.h): which calls stop for the supervisor, which
 * pass, which fail and with what, for x86_64, its x32 numbers, 32-bit x86 and foreign ABIs. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "harness.h"
#include "rpc.h"
#include "sandbox.h"

#define ALLOW     SECCOMP_RET_ALLOW
#define NOTIFY    SECCOMP_RET_USER_NOTIF
#define FAIL(e)   (SECCOMP_RET_ERRNO | (e))
#define BAD       0xdeadbeefu /* the interpreter's own verdict on a program the kernel would refuse */

static struct sock_filter prog[ZT_SANDBOX_FILTER_MAX];
static unsigned prog_len;

/* Classic BPF as seccomp allows it (kernel/seccomp.c seccomp_check_filter): loads from the data
 * (32-bit aligned words), scratch memory, ALU, jumps forward, returns. */
static uint32_t run(const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const uint8_t *data = (const uint8_t *)d;
	for (unsigned pc = 0; pc < prog_len; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t k = f->k;
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS) && k % 4 == 0 && k + 4 <= sizeof(*d))
				memcpy(&a, data + k, 4);
			else if (f->code == (BPF_LD | BPF_W | BPF_LEN))
				a = sizeof(*d);
			else if (f->code == (BPF_LD | BPF_IMM))
				a = k;
			else if (f->code == (BPF_LD | BPF_MEM) && k < BPF_MEMWORDS)
				a = mem[k];
			else
				return BAD;
			break;
		case BPF_LDX:
			if (f->code == (BPF_LDX | BPF_IMM))
				x = k;
			else if (f->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
				x = mem[k];
			else if (f->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof(*d);
			else
				return BAD;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return BAD;
			mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) return BAD; a /= src; break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return BAD;
			}
			break;
		case BPF_JMP: {
			bool t;
			switch (BPF_OP(f->code)) {
			case BPF_JA: pc += k; continue;
			case BPF_JEQ: t = a == src; break;
			case BPF_JGT: t = a > src; break;
			case BPF_JGE: t = a >= src; break;
			case BPF_JSET: t = (a & src) != 0; break;
			default: return BAD;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return BAD;
		}
	}
	return BAD; /* ran off the end: the kernel refuses such a program */
}

static uint32_t call(uint32_t arch, int nr, const uint64_t args[6])
{
	struct seccomp_data d = {.nr = nr, .arch = arch};
	if (args)
		memcpy(d.args, args, sizeof(d.args));
	return run(&d);
}

static const char *verdict(uint32_t v, char *buf, size_t len)
{
	if (v == ALLOW)
		return "allow";
	if (v == NOTIFY)
		return "notify";
	if ((v & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		snprintf(buf, len, "errno %s", strerror((int)(v & SECCOMP_RET_DATA)));
	else
		snprintf(buf, len, "0x%08x", v);
	return buf;
}

#define EXPECT(arch, nr, want, what, ...)                                                                    \
	do {                                                                                                 \
		uint64_t args_[6] = {__VA_ARGS__};                                                           \
		uint32_t got_ = call(arch, nr, args_);                                                       \
		char g_[64], w_[64];                                                                         \
		CHECK_MSG(got_ == (want), "%s: %s (wanted %s)", what, verdict(got_, g_, sizeof(g_)),         \
		          verdict(want, w_, sizeof(w_)));                                                    \
	} while (0)

#if defined(__x86_64__)
#define NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE AUDIT_ARCH_AARCH64
#endif

static void test_native(void)
{
	const uint64_t cookie = ZT_NC_SYSCALL_COOKIE;
	EXPECT(NATIVE, SYS_socket, NOTIFY, "socket(AF_INET)", AF_INET, SOCK_STREAM);
	EXPECT(NATIVE, SYS_socket, NOTIFY, "socket(AF_INET6)", AF_INET6, SOCK_DGRAM);
	EXPECT(NATIVE, SYS_socket, NOTIFY, "socket(AF_INET) with junk in the high half (the kernel takes an int)",
	       0xffffffff00000000ull | AF_INET);
	EXPECT(NATIVE, SYS_socket, ALLOW, "socket(AF_UNIX)", AF_UNIX, SOCK_STREAM);
	EXPECT(NATIVE, SYS_socket, ALLOW, "socket(AF_NETLINK)", AF_NETLINK, SOCK_RAW);
	static const int others[] = {AF_UNSPEC, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, AF_PACKET, AF_VSOCK, 45, -1};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "socket(family %d)", others[i]);
		EXPECT(NATIVE, SYS_socket, FAIL(EAFNOSUPPORT), what, (uint64_t)(uint32_t)others[i]);
	}
	EXPECT(NATIVE, SYS_socketpair, ALLOW, "socketpair(AF_UNIX)", AF_UNIX, SOCK_STREAM);
	EXPECT(NATIVE, SYS_socketpair, FAIL(EAFNOSUPPORT), "socketpair(AF_INET)", AF_INET, SOCK_STREAM);
	EXPECT(NATIVE, SYS_io_uring_setup, FAIL(ENOSYS), "io_uring_setup", 8, 0);
	static const int watched[] = {SYS_connect,     SYS_bind,       SYS_listen,     SYS_accept,  SYS_accept4,
	                              SYS_getsockname, SYS_getpeername, SYS_setsockopt, SYS_getsockopt,
	                              SYS_sendmsg,     SYS_recvmsg,    SYS_sendmmsg,   SYS_recvmmsg};
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "call %d without the cookie", watched[i]);
		EXPECT(NATIVE, watched[i], NOTIFY, what, 3, 0, 0, 0, 0, 0);
		snprintf(what, sizeof(what), "call %d with the cookie", watched[i]);
		EXPECT(NATIVE, watched[i], ALLOW, what, 3, 0, 0, 0, 0, cookie);
		snprintf(what, sizeof(what), "call %d with half the cookie", watched[i]);
		EXPECT(NATIVE, watched[i], NOTIFY, what, 3, 0, 0, 0, 0, cookie & 0xffffffffull);
		EXPECT(NATIVE, watched[i], NOTIFY, what, 3, 0, 0, 0, 0, cookie ^ 0xffffffffull);
	}
	static const int addressed[] = {SYS_sendto, SYS_recvfrom};
	for (size_t i = 0; i < 2; i++) {
		char what[64];
		snprintf(what, sizeof(what), "call %d without an address", addressed[i]);
		EXPECT(NATIVE, addressed[i], ALLOW, what, 3, 0x1000, 10, 0, 0, 0);
		snprintf(what, sizeof(what), "call %d with an address", addressed[i]);
		EXPECT(NATIVE, addressed[i], NOTIFY, what, 3, 0x1000, 10, 0, 0x2000, 16);
		EXPECT(NATIVE, addressed[i], NOTIFY, what, 3, 0x1000, 10, 0, 0x7f0000000000ull, 16);
	}
	EXPECT(NATIVE, SYS_read, ALLOW, "read", 0, 0, 0);
	EXPECT(NATIVE, SYS_write, ALLOW, "write", 1, 0, 0);
	EXPECT(NATIVE, SYS_getpid, ALLOW, "getpid");
	EXPECT(NATIVE, SYS_shutdown, ALLOW, "shutdown (native: close and shutdown reach the service as EOF)", 3, 1);
}

static void test_other_abis(void)
{
#ifdef __x86_64__
	EXPECT(AUDIT_ARCH_X86_64, 0x40000000 | SYS_socket, FAIL(ENOSYS), "x32 socket", AF_INET);
	EXPECT(AUDIT_ARCH_X86_64, 0x40000000 | 0, FAIL(ENOSYS), "x32 read", 0);
	EXPECT(AUDIT_ARCH_I386, 102, FAIL(ENOSYS), "i386 socketcall", 1, 0);
	EXPECT(AUDIT_ARCH_I386, 359, FAIL(EAFNOSUPPORT), "i386 socket(AF_INET)", AF_INET);
	EXPECT(AUDIT_ARCH_I386, 359, FAIL(EAFNOSUPPORT), "i386 socket(AF_PACKET)", AF_PACKET);
	EXPECT(AUDIT_ARCH_I386, 359, ALLOW, "i386 socket(AF_UNIX)", AF_UNIX);
	EXPECT(AUDIT_ARCH_I386, 425, FAIL(ENOSYS), "i386 io_uring_setup");
	EXPECT(AUDIT_ARCH_I386, 3, ALLOW, "i386 read", 0);
#endif
	EXPECT(AUDIT_ARCH_ARM, SYS_socket, FAIL(ENOSYS), "a foreign ABI: socket", AF_INET);
	EXPECT(AUDIT_ARCH_ARM, 3, FAIL(ENOSYS), "a foreign ABI: anything", 0);
}

int main(void)
{
	int n = zt_sandbox_filter(prog, ZT_SANDBOX_FILTER_MAX);
	if (!CHECK_MSG(n > 0, "the filter's program builds (%d instructions)", n))
		return zt_check_report();
	prog_len = (unsigned)n;
	test_native();
	test_other_abis();
	return zt_check_report();
}
