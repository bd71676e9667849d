/* Private to the preload shim: the real libc functions it wraps, the per-thread rpc connection
 * to the socket service, and the test that tells a virtual socket from a native one. */
#ifndef ZTRUN_SHIM_H
#define ZTRUN_SHIM_H

/*
 * Known limits (each is a call the shim does not see, or a shape the contract cannot carry):
 * - read()/write()/readv()/writev() ask what an fd is only where the shim made a datagram socket
 *   (a bit per fd number, carried by dup/dup2/dup3 and fcntl(F_DUPFD), cleared by close:
 *   hooks_fd.c), so on an unconnected UDP socket read() gets the payload and write() EDESTADDRREQ as
 *   on the kernel. A copy inherited across exec or received over SCM_RIGHTS is not marked: there
 *   read() still returns the address header with the payload. sendfile()/splice() are not hooked. On connected
 *   UDP and on TCP all of them work natively.
 * - glibc's resolver opens its sockets inside libc, so the shim replaces it (hooks_resolv.c,
 *   dns_client.c): getaddrinfo, getnameinfo, gethostbyname*, gethostbyaddr*, res_query/search/
 *   querydomain/send (and their res_n and __res_ names), getaddrinfo_a with gai_suspend and
 *   gai_cancel (hooks_gai.c: a queued request is never cancelled). Not replaced: gethostent and other NSS databases (no network), RES_OPTIONS/LOCALDOMAIN,
 *   nameservers with an interface name as scope, NI_NOFQDN (no local domain here), IDN conversion;
 *   nameservers an app sets in _res or a res_state are ignored (ztrun's resolv.conf decides).
 *   getifaddrs, if_nameindex, if_nametoindex, if_indextoname and SIOCGIF* ioctls show the virtual
 *   interfaces (ifa_data of AF_PACKET entries is NULL); a raw NETLINK_ROUTE socket still shows the
 *   host's (iproute2 does that).
 * - Other libc internals call socket() without the PLT, so their sockets are the host's.
 * - listen() and connect() on UDP install a new app end on the calling fd number only: a dup()
 *   made earlier keeps the old end.
 * - Ancillary data: on unconnected UDP, IP_PKTINFO, IP_TTL, IP_TOS and their IPV6_ twins (RFC 3542)
 *   both ways (ancillary.c); not on connected UDP (raw datagrams), and no timestamps or MSG_ERRQUEUE;
 *   SCM_RIGHTS/SCM_CREDENTIALS give EINVAL as on the kernel. Turning a receive option on replaces
 *   the socket's app end (rpc.h, kind 'D'), as connect() on UDP does.
 * - Urgent data (MSG_OOB) is carried in line, as with SO_OOBINLINE: the receiver reads it with the
 *   stream; recv(MSG_OOB) finds none, select() no exception, and no SIGURG (lwIP has no urgent
 *   pointer).
 * - UDP-Lite (IPPROTO_UDPLITE) shares its port numbers with UDP (lwIP has one table), and
 *   UDPLITE_RECV_CSCOV is kept but not enforced on what arrives.
 * - sendto() to another address on a connected UDP socket gives EISCONN (Linux would send it).
 * - recv() on a TCP socket that never connected gives ENOTCONN only when it would not block (a
 *   non-blocking socket, or MSG_DONTWAIT); a blocking one waits, as for data.
 * - A blocking connect() ignores SO_SNDTIMEO. send() on a listener gives EPIPE without SIGPIPE.
 * - Programs that bypass libc (Go, raw syscalls) are not intercepted here: ztrun's seccomp
 *   supervisor (src/sandbox/) makes their socket calls.
 */

#include <stdbool.h>
#include <stddef.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "fdpass.h"
#include "rpc.h"
#include "rpc_reply.h"

/* Everything in the library is hidden (-fvisibility=hidden) except the hooks. */
#define ZT_EXPORT __attribute__((visibility("default")))

/* glibc with _GNU_SOURCE declares address arguments as a transparent union; a hook must be defined
 * with the same type as the declaration it replaces. */
#if defined(__GLIBC__) && defined(__USE_GNU) && defined(__GNUC__) && !defined(__cplusplus)
#define ZT_SA(arg)  ((arg).__sockaddr__)
#define ZT_CSA(arg) ((arg).__sockaddr__)
#else
#define ZT_SA(arg)  (arg)
#define ZT_CSA(arg) (arg)
#endif

/* The FORTIFY entry points have no declaration unless _FORTIFY_SOURCE is on. */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, __SOCKADDR_ARG addr,
                       socklen_t *addrlen);

/* The next definition of each hooked function (libc's), resolved once by zt_shim_init(). A missing
 * one stays NULL and its hook fails with ENOSYS rather than calling through a null pointer. */
extern int (*real_socket)(int, int, int);
extern int (*real_bind)(int, const struct sockaddr *, socklen_t);
extern int (*real_listen)(int, int);
extern int (*real_accept)(int, struct sockaddr *, socklen_t *);
extern int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
extern int (*real_connect)(int, const struct sockaddr *, socklen_t);
extern int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
extern int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
extern int (*real_setsockopt)(int, int, int, const void *, socklen_t);
extern int (*real_getsockopt)(int, int, int, void *, socklen_t *);
extern ssize_t (*real_send)(int, const void *, size_t, int);
extern ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
extern ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
extern int (*real_sendmmsg)(int, struct mmsghdr *, unsigned int, int);
extern ssize_t (*real_recv)(int, void *, size_t, int);
extern ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
extern ssize_t (*real_recvmsg)(int, struct msghdr *, int);
extern int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
extern ssize_t (*real_recv_chk)(int, void *, size_t, size_t, int);
extern ssize_t (*real_recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
extern int (*real_ioctl)(int, unsigned long, ...);
extern int (*real_close)(int);
extern int (*real_dup)(int);
extern int (*real_dup2)(int, int);
extern int (*real_dup3)(int, int, int);
extern int (*real_fcntl)(int, int, ...);
extern int (*real_fcntl64)(int, int, ...);
extern int (*real_posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                               char *const[], char *const[]);
extern int (*real_posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                                char *const[], char *const[]);
extern int (*real_close_range)(unsigned int, unsigned int, int);
struct epoll_event;
extern int (*real_epoll_ctl)(int, int, int, struct epoll_event *);
extern void (*real_closefrom)(int);
extern ssize_t (*real_read)(int, void *, size_t);
extern ssize_t (*real_write)(int, const void *, size_t);
extern ssize_t (*real_readv)(int, const struct iovec *, int);
extern ssize_t (*real_writev)(int, const struct iovec *, int);

/* Points the real_ socket calls that ztrun's seccomp filter watches at raw syscalls carrying the
 * cookie that lets them pass (direct.c, rpc.h). From init, after the real_ pointers are resolved. */
void zt_direct_init(void);

/* True when ZT_NC_NETWORK was set at start: only then are AF_INET/AF_INET6 sockets virtual. */
extern bool zt_shim_enabled;

/* Runs init once (constructor + pthread_once); every hook calls it first. */
void zt_shim_init(void);

/* Writes one line to the file named by ZTRUN_SHIM_DEBUG, if set; otherwise does nothing. */
void zt_shim_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What an fd is, from one getsockname(): 0 for anything that is not a virtual socket, else the kind
 * letter of rpc.h ('s', 'l', 'd', 'D', 'c'). A placeholder (rpc.h, Lazy streams) is made a socket
 * of the service first, and says 's'; zt_fd_kind_any says 'u' or 'U' for it. */
int zt_fd_kind(int fd);
int zt_fd_kind_any(int fd);

/* ---- rpc connections to the service (rpc_conn.c) ---- */

struct zt_rpc_reply {
	int32_t result; /* >= 0 or -errno */
	int fd;         /* -1 unless the reply carried one */
	uint8_t body[ZT_NC_MAX_MSG];
	size_t body_len;
};

/* Sends one request (op, body) carrying `fd` as SCM_RIGHTS (none if fd < 0) on this thread's
 * rpc connection and waits for its reply. Returns 0 with *rep filled, or -errno when the service
 * could not be asked or answered nonsense (the caller maps that to the errno its call would give).
 * `interruptible`: a signal ends the wait with -EINTR (blocking connect); otherwise it is retried.
 * A received fd the caller does not take must be closed by it (rep->fd). */
int zt_rpc(enum zt_nc_op op, int fd, const void *body, size_t body_len, bool interruptible,
           struct zt_rpc_reply *rep);

/* The shim's socket calls (its real_ ones) for fdpass.h. */
extern const struct zt_fdpass_ops zt_shim_fdpass;

/* Whether this thread has talked to the service on a connection it still holds, which the service
 * has not hung up (one poll; after a raw clone it may be the parent's, which the next request finds
 * out). */
bool zt_rpc_conn_ready(void);

/* Whether fd is one of the shim's rpc connections (of any thread). */
bool zt_rpc_conn_is_own_fd(int fd);

/* Moves an rpc connection off `fd` to another number so the app can use `fd`. 0 or -errno. */
int zt_rpc_conn_evacuate(int fd);

/* Fills fds[] (up to max) with the open rpc connections, ascending; returns how many. */
size_t zt_rpc_conn_list(int *fds, size_t max);

/* Registers thread-exit and fork handling; called once from init. */
void zt_rpc_conn_init(void);

/* dlsym(RTLD_NEXT) with the self-reference check of init.c, for the other files' real_ pointers;
 * ZT_RESOLVE(f) sets real_f to libc's f. */
void *zt_resolve_symbol(const char *name, void *self);
#define ZT_RESOLVE(name) (real_##name = (__typeof__(real_##name))zt_resolve_symbol(#name, (void *)name))

/* ---- virtual interfaces (hooks_if.c) ---- */

/* One entry of the service's interface list (rpc.h, ZT_NC_IFADDRS). */
/* The list into a malloc'd array *out (free it when the count is > 0). Count, or -errno. */
int zt_if_list(struct zt_if_entry **out);

/* The SIOCGIF* requests, answered from that list for any socket (SIOCSIF* get EPERM). Returns true
 * when it handled the request (its result in *ret, errno set), false for anything else. */
bool zt_if_ioctl(int fd, unsigned long request, void *arg, int *ret);

/* ---- resolver (dns_client.c, hooks_resolv.c, hooks_hostent.c, hooks_res.c) ---- */

/* Where resolv.conf is read from: ZTRUN_RESOLV_CONF, else beside ZT_NC_NETWORK. From init. */
void zt_resolv_conf_path_init(void);
/* Resolve libc's resolver and interface entry points for the disabled shim. From init. */
void zt_resolver_init(void);
void zt_if_init(void);

#endif
