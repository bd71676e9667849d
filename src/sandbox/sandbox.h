/* The sandbox: COMMAND's socket calls on the virtual network whatever kind of program it is.
 *
 * Design
 * ------
 * LD_PRELOAD sees only programs that call libc's socket functions through the PLT. Static programs,
 * Go (whose net package makes raw syscalls), a child started with LD_PRELOAD removed, or one that
 * dropped its uid before exec (ld.so cannot read the 0500 shim) would reach the host's network. So
 * ztrun installs a seccomp filter in COMMAND before exec (filter.c); it holds for the whole process
 * tree and cannot be removed:
 *   - socket(AF_INET/AF_INET6) stops for the supervisor (seccomp user notification); Unix and
 *     netlink sockets are native; every other family fails with EAFNOSUPPORT; io_uring_setup fails
 *     with ENOSYS (its kernel-side socket work would be out of sight), so programs fall back;
 *   - connect, bind, listen, accept[4], getsockname, getpeername, [gs]etsockopt, send/recv[m]msg,
 *     and sendto/recvfrom with an address stop too, unless they carry the shim's cookie (rpc.h):
 *     the shim never stops, so dynamically linked programs keep their speed;
 *   - 32-bit x86 calls get no IPv4/IPv6 sockets (socketcall cannot be inspected); x32 gets nothing.
 * Isolation rests on socket() alone: without an IPv4/IPv6 socket of the host nothing reaches the host's
 * network, whatever else the program calls. The other stops are for function: they make a virtual
 * socket (one end of a socketpair) behave as TCP or UDP for a program that does not know.
 *
 * The supervisor (supervisor.c, ops.c, ops_io.c) runs in ztrun on its event loop; the notification fd is
 * pollable. It is a client of the socket service like the shim, over its own control connection
 * (rpc.h), so nothing in the service knows about it. For socket() it asks the service for an app
 * end and puts it into the program with SECCOMP_IOCTL_NOTIF_ADDFD (answering atomically). For a call
 * on an fd it takes a copy of the program's fd (pidfd_getfd) and asks it one getsockname(): not a
 * virtual socket -> the call continues natively (SECCOMP_USER_NOTIF_FLAG_CONTINUE; safe, since no
 * host IPv4/IPv6 socket can exist in the tree except what it inherited: the TCP sockets of joined
 * loopback connections belong to ztrun's own network namespace, whose only interface is its
 * loopback, so not even one disconnected and connected again reaches out); virtual -> the supervisor
 * reads the arguments from the program's memory (process_vm_readv), does what the shim's hook would
 * (the RPC, or framing a datagram), writes the results back and answers. A call that must wait
 * (blocking connect, accept, a datagram) waits in the supervisor, never in the loop: the program's
 * thread stays stopped until the answer, and a signal to it interrupts the wait as for a kernel call.
 * Before acting on what it read, the supervisor checks the notification is still valid
 * (SECCOMP_IOCTL_NOTIF_ID_VALID), so a reused pid is never mistaken for the caller.
 *
 * no_new_privs: without CAP_SYS_ADMIN a filter may only be installed with no_new_privs set, which
 * makes exec ignore setuid/setgid bits and file capabilities for the whole tree. ztrun sets it only
 * when it lacks CAP_SYS_ADMIN (an ordinary user, who could not have gained privilege through a
 * setuid program in ztrun's own network anyway); as root, setuid programs inside work as before.
 *
 * Where seccomp user notification is unavailable (kernel before 5.9 for ADDFD, a container profile
 * that forbids seccomp()), ztrun says so once and runs COMMAND with LD_PRELOAD only.
 */
#ifndef ZTRUN_SANDBOX_H
#define ZTRUN_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "loop.h"

/* The filter's program (classic BPF, for seccomp_data): written into ins, at most max instructions.
 * Returns how many, or -E2BIG. zt_sandbox_install loads it; tests run it on chosen calls. */
#define ZT_SANDBOX_FILTER_MAX 1024
struct sock_filter;
int zt_sandbox_filter(struct sock_filter *ins, unsigned max);

/* In the child, before exec: sets no_new_privs if need_nnp, installs the filter. Returns the
 * notification fd (close-on-exec) or -errno. Calls nothing the filter stops. */
int zt_sandbox_install(bool need_nnp);

/* In the child, before exec: installs the filter (zt_sandbox_install) and sends the outcome, with the
 * notification fd, over the socket sock to the parent. Returns 0, or -errno when the filter is in
 * place but the parent could not be told (then nothing would serve it: do not exec). */
int zt_sandbox_child(int sock, bool need_nnp);
/* In the parent, once the child has exec'd: the child's outcome (0 or its -errno) and the
 * notification fd (-1 unless 0). */
int zt_sandbox_take(int sock, int *notify_fd);

/* Whether this process may install a filter without no_new_privs (CAP_SYS_ADMIN). */
bool zt_sandbox_may_skip_nnp(void);

struct zt_sandbox;

/* Serves notifications from notify_fd (taken over) on loop, with the socket service whose control
 * socket is socket_path. Returns 0 or -errno (notify_fd closed either way). */
int zt_sandbox_new(struct zt_sandbox **out, struct zt_loop *loop, int notify_fd, const char *socket_path);
void zt_sandbox_free(struct zt_sandbox *sb);

/* Counters for -vv and tests: notifications served, and those that continued natively. */
void zt_sandbox_counters(const struct zt_sandbox *sb, unsigned long *served, unsigned long *native);

#endif
