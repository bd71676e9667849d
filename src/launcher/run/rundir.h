/* ztrun's private runtime directory: ztrun.XXXXXX (mode 0700) holding the preload shim and the control
 * socket, made at start and removed with everything in it on every exit path. */
#ifndef ZTRUN_RUNDIR_H
#define ZTRUN_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

/* Where the directory goes: $XDG_RUNTIME_DIR if set and not empty, else $TMPDIR if set and not empty,
 * else /tmp. *var names the environment variable that chose it, or is NULL for /tmp. A variable
 * that names an unusable directory is not skipped: the caller reports it. */
const char *zt_rundir_base(const char **var);

#define ZT_RUNDIR_LOCK "lock"

/* Makes base/ztrun.XXXXXX with mode 0700 and writes its path to path[size]; in it, ZT_RUNDIR_LOCK,
 * locked (flock) until this process exits. Returns 0 or -errno (-ENAMETOOLONG if the path does not
 * fit, -ENOTDIR, -EACCES, ...). */
int zt_rundir_create(char *path, size_t size, const char *base);

/* Removes the base/ztrun.XXXXXX directories of this user whose ztrun is gone (its lock file is not
 * held: killed with SIGKILL, or the machine lost power). Returns how many it removed. */
int zt_rundir_sweep(const char *base);

/* Creates dir/name exclusively with the given mode and writes len bytes of data into it.
 * Returns 0 or -errno; on error the file is removed. */
int zt_rundir_write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode);

/* Removes path and everything below it, not following symlinks. Returns 0 or the first -errno. */
int zt_rundir_remove(const char *path);

/* Arms a last-ditch removal for when ztrun itself dies of a signal it does not handle (an assertion's
 * SIGABRT, SIGSEGV, SIGALRM, ...): the handler unlinks dir/<name> for each of names[n] (n <= 4),
 * removes dir, and dies of the same signal. Only async-signal-safe calls run there, so dir stays if
 * something else was put in it. The handler does nothing in a forked child. Returns 0 or -errno. */
int zt_rundir_remove_on_crash(const char *dir, const char *const names[], size_t n);

#endif
