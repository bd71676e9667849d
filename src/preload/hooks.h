/* Helpers shared by the hook files of the preload shim. */
#ifndef ZTRUN_SHIM_HOOKS_H
#define ZTRUN_SHIM_HOOKS_H

#include "shim.h"

#define CALL_REAL(name, ...) (real_##name ? real_##name(__VA_ARGS__) : (errno = ENOSYS, -1))

/* Sets errno to err and returns -1, the shape of every failing hook. */
int zt_fail(int err);

/* An app's sockaddr into the wire form: 0, -EFAULT, -EINVAL (short) or -EAFNOSUPPORT. */
int zt_addr_in(struct zt_nc_addr *a, const struct sockaddr *sa, socklen_t len);

/* The wire form into the app's buffer, truncated as the kernel does; *len gets the full length.
 * Nothing is written when sa is NULL. 0 or -EFAULT. */
int zt_addr_out(const struct zt_nc_addr *a, struct sockaddr *sa, socklen_t *len);

/* O_NONBLOCK and FD_CLOEXEC of an fd the service handed over, as the app asked. 0 or -errno. */
int zt_set_fd_flags(int fd, bool nonblock, bool cloexec);

/* getsockname/getpeername of a virtual fd through the service; 0, or -1 with errno set. */
int zt_name_call(enum zt_nc_op op, int fd, struct sockaddr *addr, socklen_t *len);

/* hooks_fd.c: whether fd may be an unconnected datagram socket ('d' or 'D'), so read() and
 * write() must ask zt_fd_kind; and marking or clearing it (socket, connect, dup, close). */
bool zt_dgram_hint(int fd);
void zt_dgram_hint_set(int fd, bool on);

/* hooks_fd.c: whether fd is a stream socket of the service this image made and never copied, passed
 * or had watched (see hooks_fd.c), and marking or clearing that. */
bool zt_solo(int fd);
void zt_solo_set(int fd, bool on);
void zt_solo_clear_all(void);
/* Before a fork or a posix_spawn: every placeholder becomes the service's socket (the child shares
 * it) and no socket is solo any more. */
void zt_before_child(void);

/* hooks_fd.c: a placeholder about to be copied, watched or passed on becomes the service's socket,
 * one never joined (a no-op for anything else; errno kept). */
void zt_realize_shared(int fd);

/* lopts.c: the options listener fd's accepted sockets inherit (appopt.h), from a cache; dropping
 * fd's entry (its number closed or reused), and all of them (a change this process made). */
struct zt_appopt_set;
void zt_lopts_get(int fd, struct zt_appopt_set *out);
void zt_lopts_forget(int fd);
void zt_lopts_changed(void);

/* Installs the service's new socket `nfd` over placeholder `fd` (rpc.h, Lazy streams), keeping fd's
 * number and FD_CLOEXEC, and closes nfd; 0 or -errno. Cheaper than a new app end's install: a
 * placeholder carries no options (a setsockopt makes it the service's socket first), its O_NONBLOCK
 * is `nonblock` (as the caller read it), and the caller knows whether nfd came O_NONBLOCK (a joined
 * connection's kernel socket) or not (an app end). */
int zt_install_placeholder(int nfd, int fd, bool nonblock, bool nfd_nonblock);

/* lazy.c: placeholders of stream sockets the service was not asked for yet (rpc.h, Lazy streams).
 * zt_lazy_new: a placeholder of domain with SOCK_NONBLOCK/SOCK_CLOEXEC `flags`, or -errno.
 * zt_lazy_realize: asks for the socket and installs it over placeholder fd of `kind` ('u', 'U');
 * `shared`: copies of fd will exist (dup, fork) or an epoll watches it, so it is never joined.
 * zt_lazy_realize_all: that for every placeholder of the process (before a fork).
 * zt_lazy_hint: whether fd may be a placeholder; zt_lazy_forget: fd is not one any more. */
int zt_lazy_new(int domain, int flags);
int zt_lazy_realize(int fd, int kind, bool shared);
void zt_lazy_realize_all(void);
bool zt_lazy_hint(int fd);
void zt_lazy_forget(int fd);
void zt_lazy_after_fork_child(void);
/* Before an exec (hooks_exec.c): placeholders that carry options and survive the exec become sockets. */
void zt_lazy_before_exec(void);
void zt_exec_init(void);
/* Options set before connect (lazy.c): setsockopt and getsockopt of the carried ones on a
 * placeholder, answered without the service (true, the call's result in *ret, errno set), or false:
 * not a placeholder or not such an option, the caller goes on as for any fd. */
bool zt_lazy_setopt(int fd, int level, int name, const void *val, socklen_t len, int *ret);
bool zt_lazy_getopt(int fd, int level, int name, void *val, socklen_t *len, int *ret);
/* Under fd's lock: appends placeholder fd's carried options to a request (rpc.h); how many. */
size_t zt_lazy_put_opts(int fd, struct zt_nc_buf *b);
/* After an 's' app end replaced placeholder fd: its SO_SNDBUF on the app end too, if one was set. */
void zt_lazy_opts_to_app_end(int fd);
/* The lock of placeholder fd's changes (lazy.c): connect() holds it from its check of fd's kind to
 * the install; a fork holds them all. */
void zt_lazy_lock(int fd);
void zt_lazy_unlock(int fd);
void zt_lazy_lock_all(void);
void zt_lazy_unlock_all(void);
/* Under fd's lock, what placeholder fd of `kind` is now: kind while its hint is set (what made it a
 * socket cleared it under the lock), else its kind as zt_fd_kind_any says. */
int zt_lazy_still(int fd, int kind);

#endif
