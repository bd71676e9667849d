/* The local API seen from the home: its token, port and lock holder, and a client that checks who
 * listens before it sends anything. */
#include "localapi.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sysio.h"
#include "vl1/crypto.h"

#define ZT_API_RESPONSE_MAX (64u << 20)
#define ZT_API_MAX_LISTENERS 8

/* The inodes of the listening TCP sockets that accept connections to 127.0.0.1:port: bound to it, or
 * to the any-address (IPv4, or IPv6 that takes IPv4 too). Returns how many (up to cap), or -errno. */
static int listeners(uint16_t port, unsigned long *inodes, int cap)
{
	static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	int n = 0;
	for (int t = 0; t < 2; t++) {
		FILE *f = fopen(tables[t], "re");
		if (!f) {
			if (t == 1 && errno == ENOENT)
				continue; /* no IPv6 */
			return -errno;
		}
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			char local[64];
			unsigned lport, state;
			unsigned long inode;
			if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu", local, &lport,
			           &state, &inode) != 4 ||
			    state != 0x0A || lport != port)
				continue;
			/* the kernel prints the address's bytes as 32-bit words in host order */
			bool ok = strspn(local, "0") == strlen(local); /* any-address */
			if (t == 0 && !ok) {
				unsigned v;
				struct in_addr a;
				ok = sscanf(local, "%8x", &v) == 1 && (a.s_addr = v, ntohl(a.s_addr) == INADDR_LOOPBACK);
			}
			if (ok && n < cap)
				inodes[n++] = inode;
		}
		fclose(f);
	}
	return n;
}

/* Does pid hold socket inode among its file descriptors? 1, 0, or -errno (EACCES: another user's). */
static int pid_holds(pid_t pid, unsigned long inode)
{
	char path[64], want[64], link[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char fdpath[400];
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		ssize_t len = readlink(fdpath, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

int zt_api_connect(const struct zt_api_client *c)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = ZT_API_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(c->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int err = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		err = -errno;
	/* Checked once connected: had the listener changed hands in between, this connection would have
	 * gone to the old one, now closed, and the request fails instead of reaching the new one. */
	unsigned long inodes[ZT_API_MAX_LISTENERS];
	int n = err ? 0 : listeners(c->port, inodes, ZT_API_MAX_LISTENERS);
	if (!err && n < 0)
		err = n;
	else if (!err && n == 0)
		err = -EPERM; /* it vanished, or listens where we cannot see: do not trust it */
	for (int i = 0; !err && i < n; i++) {
		/* EACCES: another user's process, we cannot tell; gone or not holding it: not ours */
		int r = pid_holds(c->owner, inodes[i]);
		err = r == -EACCES ? -EACCES : r <= 0 ? -EPERM : 0;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the whole answer (we asked for Connection: close) and splits status and body. */
static int read_response(int fd, int *status, char **response)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int err = 0;
	for (;;) {
		if (cap - len < 4097) {
			size_t nc = cap ? 2 * cap : 16384;
			char *p = nc <= ZT_API_RESPONSE_MAX ? realloc(buf, nc) : NULL;
			if (!p) {
				err = nc > ZT_API_RESPONSE_MAX ? -EFBIG : -ENOMEM;
				goto out;
			}
			buf = p;
			cap = nc;
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	char *head_end = strstr(buf, "\r\n\r\n");
	int code;
	if (!head_end || sscanf(buf, "HTTP/1.%*[01] %3d", &code) != 1 || code < 100 || code > 599) {
		err = -EPROTO;
		goto out;
	}
	char *body = head_end + 4;
	size_t blen = len - (size_t)(body - buf);
	*head_end = 0;
	for (char *h = strstr(buf, "\r\n"); h; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, "content-length:", 15) == 0) {
			unsigned long cl = strtoul(h + 17, NULL, 10);
			if (cl < blen)
				blen = cl;
		}
	}
	*status = code;
	*response = NULL;
	if (blen) {
		if (!(*response = malloc(blen + 1))) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(*response, body, blen);
		(*response)[blen] = 0;
	}
out:
	free(buf);
	return err;
}

int zt_api_call(const struct zt_api_client *c, const char *method, const char *path, const char *body,
                int *status, char **response)
{
	*response = NULL;
	int fd = zt_api_connect(c);
	if (fd < 0)
		return fd;
	size_t blen = body ? strlen(body) : 0;
	char *req = NULL;
	int n = asprintf(&req,
	                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nX-ZT1-Auth: %s\r\nContent-Type: "
	                 "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	                 method, path, c->port, c->token, blen, body ? body : "");
	int err = n < 0 ? -ENOMEM : send_all(fd, req, (size_t)n);
	if (!err)
		err = read_response(fd, status, response);
	close(fd);
	if (n >= 0) {
		zt_wipe(req, (size_t)n);
		free(req);
	}
	return err;
}

static bool token_char_ok(char c)
{
	return (unsigned char)c > 0x20 && c != 0x7f;
}

static bool is_trim(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0;
}

int zt_api_token(const char *home_dir, bool create, char *token, size_t cap)
{
	char path[4096];
	uint8_t *data = NULL;
	size_t len;
	if (snprintf(path, sizeof(path), "%s/" ZT_API_TOKEN_FILE, home_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int err = zt_file_read(path, ZT_API_TOKEN_MAX, &data, &len);
	if (err == -ENOENT && create) {
		static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
		char fresh[ZT_API_TOKEN_LEN];
		for (size_t i = 0; i < sizeof(fresh);) {
			uint8_t b;
			zt_sys_random(NULL, &b, 1);
			if (b < 252) /* 7 x 36: no bias towards the first letters */
				fresh[i++] = alphabet[b % 36];
		}
		err = zt_file_write_atomic(path, fresh, sizeof(fresh), 0600, true);
		if (err && err != -EEXIST)
			return err;
		err = zt_file_read(path, ZT_API_TOKEN_MAX, &data, &len);
	}
	if (err)
		return err == -EFBIG ? -EBADMSG : err;
	/* stock trims spaces, tabs, CR, LF and NULs at both ends */
	size_t a = 0, b = len;
	while (b > a && is_trim(data[b - 1]))
		b--;
	while (a < b && is_trim(data[a]))
		a++;
	err = 0;
	if (a == b || b - a >= cap)
		err = -EBADMSG;
	for (size_t i = a; !err && i < b; i++)
		if (!token_char_ok((char)data[i]))
			err = -EBADMSG;
	if (!err) {
		memcpy(token, data + a, b - a);
		token[b - a] = 0;
	}
	zt_wipe(data, len);
	free(data);
	return err;
}

int zt_home_lock_holder(const char *dir, pid_t *pid)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ztrun.lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int err = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		err = -ESRCH;
	} else if (errno != EWOULDBLOCK) {
		err = -errno;
	} else {
		char buf[32] = {0};
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long v = n > 0 ? strtol(buf, NULL, 10) : 0;
		if (v > 0 && v < (1L << 22))
			*pid = (pid_t)v;
		else
			err = -EBADMSG;
	}
	close(fd);
	return err;
}

int zt_home_read_port(const char *dir, uint16_t *port)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	snprintf(path, sizeof(path), "%s/zerotier-one.port", dir);
	int err = zt_file_read(path, 64, &data, &len);
	if (err)
		return err;
	char *end;
	long p = strtol((char *)data, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	err = *end || end == (char *)data || p < 1 || p > 65535 ? -EBADMSG : 0;
	free(data);
	if (!err)
		*port = (uint16_t)p;
	return err;
}
