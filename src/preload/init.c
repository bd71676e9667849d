/* Start-up of the preload shim: resolves the real libc functions once, reads ZT_NC_NETWORK, and
 * provides the one test (getsockname) that says whether an fd is a virtual socket. */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "hooks.h"

int (*real_socket)(int, int, int);
int (*real_bind)(int, const struct sockaddr *, socklen_t);
int (*real_listen)(int, int);
int (*real_accept)(int, struct sockaddr *, socklen_t *);
int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
int (*real_connect)(int, const struct sockaddr *, socklen_t);
int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
int (*real_setsockopt)(int, int, int, const void *, socklen_t);
int (*real_getsockopt)(int, int, int, void *, socklen_t *);
ssize_t (*real_send)(int, const void *, size_t, int);
ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
int (*real_sendmmsg)(int, struct mmsghdr *, unsigned int, int);
ssize_t (*real_recv)(int, void *, size_t, int);
ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t (*real_recvmsg)(int, struct msghdr *, int);
int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
ssize_t (*real_recv_chk)(int, void *, size_t, size_t, int);
ssize_t (*real_recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
int (*real_ioctl)(int, unsigned long, ...);
int (*real_close)(int);
int (*real_dup)(int);
int (*real_dup2)(int, int);
int (*real_dup3)(int, int, int);
int (*real_fcntl)(int, int, ...);
int (*real_fcntl64)(int, int, ...);
int (*real_posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]);
int (*real_posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                         char *const[], char *const[]);
int (*real_close_range)(unsigned int, unsigned int, int);
int (*real_epoll_ctl)(int, int, int, struct epoll_event *);
void (*real_closefrom)(int);
ssize_t (*real_read)(int, void *, size_t);
ssize_t (*real_write)(int, const void *, size_t);
ssize_t (*real_readv)(int, const struct iovec *, int);
ssize_t (*real_writev)(int, const struct iovec *, int);

bool zt_shim_enabled;

static char debug_path[256];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* dlsym(RTLD_NEXT) normally finds libc's definition. If it finds nothing, or our own hook (the
 * library loaded twice, or an odd link order), libc is asked directly; failing that the pointer stays
 * NULL and the hook reports ENOSYS. Never abort: the app must not die because of us. */
void *zt_resolve_symbol(const char *name, void *self)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (p && p != self)
		return p;
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (libc) {
		p = dlsym(libc, name);
		dlclose(libc);
		if (p && p != self)
			return p;
	}
	return NULL;
}

static void resolve_symbols(void)
{
	ZT_RESOLVE(socket);
	ZT_RESOLVE(bind);
	ZT_RESOLVE(listen);
	ZT_RESOLVE(accept);
	ZT_RESOLVE(accept4);
	ZT_RESOLVE(connect);
	ZT_RESOLVE(getsockname);
	ZT_RESOLVE(getpeername);
	ZT_RESOLVE(setsockopt);
	ZT_RESOLVE(getsockopt);
	ZT_RESOLVE(send);
	ZT_RESOLVE(sendto);
	ZT_RESOLVE(sendmsg);
	ZT_RESOLVE(sendmmsg);
	ZT_RESOLVE(recv);
	ZT_RESOLVE(recvfrom);
	ZT_RESOLVE(recvmsg);
	ZT_RESOLVE(recvmmsg);
	real_recv_chk = (__typeof__(real_recv_chk))zt_resolve_symbol("__recv_chk", (void *)__recv_chk);
	real_recvfrom_chk =
	    (__typeof__(real_recvfrom_chk))zt_resolve_symbol("__recvfrom_chk", (void *)__recvfrom_chk);
	ZT_RESOLVE(ioctl);
	ZT_RESOLVE(close);
	ZT_RESOLVE(dup);
	ZT_RESOLVE(dup2);
	ZT_RESOLVE(dup3);
	ZT_RESOLVE(fcntl);
	ZT_RESOLVE(fcntl64);
	ZT_RESOLVE(posix_spawn);
	ZT_RESOLVE(posix_spawnp);
	zt_exec_init();
	ZT_RESOLVE(close_range);
	ZT_RESOLVE(epoll_ctl);
	ZT_RESOLVE(closefrom);
	ZT_RESOLVE(read);
	ZT_RESOLVE(write);
	ZT_RESOLVE(readv);
	ZT_RESOLVE(writev);
}

static void init_once_fn(void)
{
	resolve_symbols();
	zt_direct_init();
	const char *dbg = getenv("ZTRUN_SHIM_DEBUG");
	if (dbg && strlen(dbg) < sizeof(debug_path))
		strcpy(debug_path, dbg);
	zt_rpc_conn_init();
	zt_resolver_init();
	zt_resolv_conf_path_init();
	/* Virtual sockets need every entry point they are reached through. */
	const char *network = getenv("ZT_NC_NETWORK");
	zt_shim_enabled = network && *network && real_socket && real_close && real_getsockname &&
	                  real_sendmsg && real_recvmsg && real_dup3 && real_getsockopt && real_setsockopt;
	zt_shim_debug("init pid %d enabled %d", (int)getpid(), (int)zt_shim_enabled);
}

void zt_shim_init(void)
{
	pthread_once(&init_once, init_once_fn);
}

__attribute__((constructor)) static void zt_shim_constructor(void)
{
	zt_shim_init();
}

void zt_shim_debug(const char *fmt, ...)
{
	if (!debug_path[0] || !real_close)
		return;
	char line[512];
	int n = snprintf(line, sizeof(line), "ztrun-shim[%d]: ", (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len =
	    (size_t)n + ((size_t)m < sizeof(line) - (size_t)n - 1 ? (size_t)m : sizeof(line) - (size_t)n - 2);
	line[len++] = '\n';
	int saved = errno;
	int fd = open(debug_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ssize_t w = write(fd, line, len);
		(void)w;
		real_close(fd);
	}
	errno = saved;
}

int zt_fd_kind_any(int fd)
{
	struct sockaddr_un un;
	socklen_t len = sizeof(un);
	int saved = errno;
	int r = real_getsockname(fd, (struct sockaddr *)&un, &len);
	errno = saved;
	int kind = r < 0 ? 0 : zt_nc_name_kind(&un, len);
	return kind && strchr("sldDcuU", kind) ? kind : 0;
}

int zt_fd_kind(int fd)
{
	int kind = zt_fd_kind_any(fd);
	if (kind != 'u' && kind != 'U')
		return kind;
	/* Failing that (the service is gone), the call goes on as on a socket the service forgot. */
	int saved = errno;
	zt_lazy_realize(fd, kind, false);
	errno = saved;
	return 's';
}
