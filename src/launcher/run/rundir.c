#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *zt_rundir_base(const char **var)
{
	static const char *const vars[] = {"XDG_RUNTIME_DIR", "TMPDIR"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *value = getenv(vars[i]);
		if (value && value[0]) {
			*var = vars[i];
			return value;
		}
	}
	*var = NULL;
	return "/tmp";
}

int zt_rundir_create(char *path, size_t size, const char *base)
{
	int n = snprintf(path, size, "%s/ztrun.XXXXXX", base);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	/* mkdtemp makes the directory 0700 whatever the umask. */
	if (!mkdtemp(path))
		return -errno;
	/* Held for ztrun's life (close-on-exec: COMMAND does not hold it), so that a later ztrun can tell a
	 * directory left by a killed one. Locked before it gets its name: a lock file that exists is held
	 * until its ztrun is gone. */
	char tmp[4200], lock[4200];
	snprintf(tmp, sizeof(tmp), "%s/" ZT_RUNDIR_LOCK ".new", path);
	snprintf(lock, sizeof(lock), "%s/" ZT_RUNDIR_LOCK, path);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err = fd < 0 || flock(fd, LOCK_EX) < 0 || rename(tmp, lock) < 0 ? -errno : 0;
	if (err) {
		if (fd >= 0)
			close(fd);
		zt_rundir_remove(path);
	}
	return err;
}

int zt_rundir_sweep(const char *base)
{
	DIR *dir = opendir(base);
	if (!dir)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "ztrun.", 6) != 0 || strlen(e->d_name) != 12)
			continue;
		int dfd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		struct stat st;
		/* No lock file: made by an older ztrun, or not yet named; either way not ours to judge. */
		int lfd = fstat(dfd, &st) == 0 && st.st_uid == geteuid()
		              ? openat(dfd, ZT_RUNDIR_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
		              : -1;
		if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) == 0) {
			char path[4200];
			snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
			if (zt_rundir_remove(path) == 0)
				n++;
		}
		if (lfd >= 0)
			close(lfd);
		close(dfd);
	}
	closedir(dir);
	return n;
}

int zt_rundir_write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[4096];
	const char *p = data;
	int ret = 0, fd = -1;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			goto cleanup;
		}
		p += w;
		len -= (size_t)w;
	}
	/* The mode may have been narrowed by the umask; the shim must be readable by its owner. */
	if (fchmod(fd, mode) < 0)
		ret = -errno;
cleanup:
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

/* Depth-limited so a hostile tree cannot exhaust the stack or fds; the app may have written into the
 * directory (its path is in ZT_NC_NETWORK), though normally it holds two entries. */
static int remove_at(int dirfd, const char *name, int depth)
{
	int ret = 0, fd;
	DIR *dir;

	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR)
		return errno == ENOENT ? 0 : -errno;
	if (depth > 16)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}
	for (struct dirent *de; (de = readdir(dir));) {
		int r;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = remove_at(fd, de->d_name, depth + 1);
		if (r && !ret)
			ret = r;
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && !ret)
		ret = -errno;
	return ret;
}

int zt_rundir_remove(const char *path)
{
	return remove_at(AT_FDCWD, path, 0);
}

/* The crash handler cannot allocate or format, so the paths are prepared here. */
static struct {
	pid_t pid;
	size_t nfiles;
	char dir[4096];
	char files[5][4096];
} crash;

static void remove_on_crash(int sig)
{
	if (getpid() == crash.pid) {
		for (size_t i = 0; i < crash.nfiles; i++)
			unlink(crash.files[i]);
		rmdir(crash.dir);
	}
	/* SA_RESETHAND restored the default action and SA_NODEFER left sig unblocked: this kills us. */
	raise(sig);
}

int zt_rundir_remove_on_crash(const char *dir, const char *const names[], size_t n)
{
	/* Every signal whose default action would end ztrun and that run does not read from its signalfd. */
	static const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS,    SIGFPE,  SIGILL, SIGSYS, SIGTRAP,  SIGXCPU,
	                            SIGXFSZ, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,  SIGPWR, SIGSTKFLT};
	struct sigaction sa = {.sa_handler = remove_on_crash, .sa_flags = SA_RESETHAND | SA_NODEFER};

	if (n > sizeof(crash.files) / sizeof(crash.files[0]) || strlen(dir) >= sizeof(crash.dir))
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(crash.files[i], sizeof(crash.files[i]), "%s/%s", dir, names[i]);
		if (len < 0 || (size_t)len >= sizeof(crash.files[i]))
			return -ENAMETOOLONG;
	}
	strcpy(crash.dir, dir);
	crash.nfiles = n;
	crash.pid = getpid();
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		struct sigaction old;
		/* An ignored signal cannot kill us, and COMMAND should inherit it ignored. */
		if (sigaction(fatal[i], NULL, &old) < 0)
			return -errno;
		if (old.sa_handler != SIG_IGN && sigaction(fatal[i], &sa, NULL) < 0)
			return -errno;
	}
	return 0;
}
