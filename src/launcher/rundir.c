#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	return 0;
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
