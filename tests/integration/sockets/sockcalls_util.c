/* sockcalls' helpers: addresses, options, waiting, reading and writing exactly, connected pairs. */
#include "sockcalls.h"

const char *fam_name(int fam)
{
	return fam == AF_INET ? "v4" : "v6";
}

socklen_t loopback(int fam, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	in6->sin6_addr = in6addr_loopback;
	return sizeof(*in6);
}

uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

bool addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || port_of(a) != port_of(b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

bool is_loopback(const struct sockaddr_storage *ss, int fam)
{
	struct sockaddr_storage lo;
	loopback(fam, port_of(ss), &lo);
	return addr_eq(ss, &lo);
}

int fl_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

int fd_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

int get_int_opt(int fd, int level, int name, int *out)
{
	socklen_t len = sizeof(*out);
	*out = -1;
	return getsockopt(fd, level, name, out, &len);
}

int set_int_opt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

bool wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

/* Reads exactly n bytes (EOF or timeout: false). Works on blocking and non-blocking fds. */
bool read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (!wait_fd(fd, POLLIN))
			return false;
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

bool write_all(int fd, const void *buf, size_t n)
{
	size_t put = 0;
	while (put < n) {
		if (!wait_fd(fd, POLLOUT))
			return false;
		ssize_t r = write(fd, (const char *)buf + put, n - put);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		put += (size_t)r;
	}
	return true;
}

/* True when the peer has closed: a read returns 0 in time. */
bool read_eof(int fd)
{
	char c;
	if (!wait_fd(fd, POLLIN))
		return false;
	return read(fd, &c, 1) == 0;
}

/* A socket of the type bound to the loopback address, port chosen by the kernel (or the stack); *addr
 * its name. */
int bound_socket(int fam, int type, int proto, struct sockaddr_storage *addr, socklen_t *len)
{
	int fd = socket(fam, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	*len = loopback(fam, 0, addr);
	if (bind(fd, (struct sockaddr *)addr, *len) < 0) {
		close(fd);
		return -1;
	}
	*len = sizeof(*addr);
	if (getsockname(fd, (struct sockaddr *)addr, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listening TCP socket on the loopback address, port chosen by the kernel (or the stack). */
int make_listener(int fam, struct sockaddr_storage *addr, socklen_t *len)
{
	int fd = bound_socket(fam, SOCK_STREAM, 0, addr, len);
	if (fd >= 0 && listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int connect_to(int fam, const struct sockaddr_storage *addr, socklen_t len)
{
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A connected pair: *c the client, *s the accepted end. */
bool tcp_pair(int fam, int *c, int *s)
{
	struct sockaddr_storage a;
	socklen_t len;
	int l = make_listener(fam, &a, &len);
	if (l < 0)
		return false;
	*c = connect_to(fam, &a, len);
	*s = *c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	close(l);
	if (*c < 0 || *s < 0) {
		if (*c >= 0)
			close(*c);
		return false;
	}
	return true;
}

uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 13) + (i >> 21));
}
