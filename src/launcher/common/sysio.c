#include "sysio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int zt_file_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t have = 0, cap = 0;
	int ret, fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	/* Not trusting st_size: the file may be a pipe, or change while we read. */
	for (;;) {
		/* Room for at least one byte and the NUL; at most max + 2, enough to see a file is too long. */
		if (cap - have < 2) {
			size_t next = cap ? 2 * cap : 4096;
			if (next > max + 2)
				next = max + 2;
			uint8_t *p = realloc(buf, next);
			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			buf = p;
			cap = next;
		}
		ssize_t n = read(fd, buf + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {
			ret = -EFBIG;
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		ret = -ENOMEM;
		goto out;
	}
	buf[have] = 0;
	*data = buf;
	*len = have;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes a directory entry durable; some file systems cannot fsync a directory, which is no failure. */
static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	int ret = write_all(fd, data, len);
	close(fd);
	return ret;
}

/* Moves tmp to path; without replacing an existing path when no_clobber. */
static int install(const char *tmp, const char *path, bool no_clobber)
{
	if (!no_clobber)
		return rename(tmp, path) == 0 ? 0 : -errno;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* File systems without RENAME_NOREPLACE: link(2) also refuses to replace. */
	if (link(tmp, path) != 0)
		return -errno;
	unlink(tmp);
	return 0;
}

int zt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool no_clobber)
{
	char target[PATH_MAX], tmp[PATH_MAX + 16];
	struct stat st;
	int ret = 0, fd = -1;
	mode_t mask = umask(0);
	umask(mask);

	if (stat(path, &st) == 0) {
		if (no_clobber)
			return -EEXIST;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return write_in_place(path, data, len);
		if (!realpath(path, target))
			return -errno;
		path = target;
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 from the start: a secret is never readable by others */
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode & ~mask) != 0 || (ret = write_all(fd, data, len)) != 0 || fsync(fd) != 0) {
		ret = ret ? ret : -errno;
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		ret = -errno;
		goto fail;
	}
	fd = -1;
	if ((ret = install(tmp, path, no_clobber)) != 0)
		goto fail;
	sync_dir_of(path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

int zt_tcp_listen_loopback(uint16_t port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(fd, 64) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int zt_sys_random_check(void)
{
	uint8_t b[16];
	for (;;) {
		ssize_t n = getrandom(b, sizeof(b), 0);
		if (n == (ssize_t)sizeof(b))
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

void zt_sys_random(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	(void)arg;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort(); /* zt_sys_random_check passed, so the kernel broke its promise */
		p += n;
		len -= (size_t)n;
	}
}

int zt_file_copy(const char *from, const char *to)
{
	uint8_t *data;
	size_t len;
	int e = zt_file_read(from, 65536, &data, &len);
	if (e < 0)
		return e;
	e = zt_file_write_atomic(to, data, len, 0644, false);
	free(data);
	return e;
}
