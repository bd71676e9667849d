/* exec: a placeholder (rpc.h, Lazy streams) the new program inherits keeps its fd, but the options it
 * carries live in this image's memory (lazy.c). So before an exec, a placeholder that carries options
 * and has no FD_CLOEXEC is made the service's socket, with them. libc's exec functions call execve
 * inside libc, so each one is hooked; the l forms collect their arguments and go through the v forms. */
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "hooks.h"

static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execv)(const char *, char *const[]);
static int (*real_execvp)(const char *, char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);

void zt_exec_init(void)
{
	ZT_RESOLVE(execve);
	ZT_RESOLVE(execv);
	ZT_RESOLVE(execvp);
	ZT_RESOLVE(execvpe);
	ZT_RESOLVE(fexecve);
}

static void before_exec(void)
{
	zt_shim_init();
	if (zt_shim_enabled)
		zt_lazy_before_exec();
}

ZT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	before_exec();
	return CALL_REAL(execve, path, argv, envp);
}

ZT_EXPORT int execv(const char *path, char *const argv[])
{
	before_exec();
	return CALL_REAL(execv, path, argv);
}

ZT_EXPORT int execvp(const char *file, char *const argv[])
{
	before_exec();
	return CALL_REAL(execvp, file, argv);
}

ZT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	before_exec();
	return CALL_REAL(execvpe, file, argv, envp);
}

ZT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	before_exec();
	return CALL_REAL(fexecve, fd, argv, envp);
}

/* How many arguments an l form has after arg0, up to its NULL. */
static size_t count_args(const char *arg0, va_list *ap)
{
	size_t n = 0;
	if (arg0)
		while (va_arg(*ap, char *))
			n++;
	return n;
}

/* argv of an l form: arg0, the n arguments after it, NULL. */
static void fill_args(char **argv, const char *arg0, size_t n, va_list *ap)
{
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(*ap, char *);
	argv[n + 1] = NULL;
}

/* execle's envp, after the n arguments fill_args took: past the NULL that ends them (which arg0 is
 * when it is NULL itself). */
static char *const *envp_after(const char *arg0, va_list *ap)
{
	if (arg0)
		(void)va_arg(*ap, char *);
	return va_arg(*ap, char *const *);
}

ZT_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	size_t n = count_args(arg0, &ap);
	va_end(ap);
	char *argv[n + 2];
	va_start(ap, arg0);
	fill_args(argv, arg0, n, &ap);
	va_end(ap);
	return execv(path, argv);
}

ZT_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	size_t n = count_args(arg0, &ap);
	va_end(ap);
	char *argv[n + 2];
	va_start(ap, arg0);
	fill_args(argv, arg0, n, &ap);
	va_end(ap);
	return execvp(file, argv);
}

ZT_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	size_t n = count_args(arg0, &ap);
	va_end(ap);
	char *argv[n + 2];
	va_start(ap, arg0);
	fill_args(argv, arg0, n, &ap);
	char *const *envp = envp_after(arg0, &ap);
	va_end(ap);
	return execve(path, argv, envp);
}
