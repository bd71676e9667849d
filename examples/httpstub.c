/* httpstub: a tiny HTTP/1.0 server for trying and testing ztrun. It answers GET and HEAD with 200 and
 * a two-line text body: the message (-m, default "hello from httpstub") and the request's path. One
 * connection at a time; a client that sends nothing for 10 s is dropped. No files, no config.
 *
 *   httpstub [-b ADDRESS] [-m MESSAGE] PORT
 *
 * PORT 0 takes any free port. It prints "httpstub: listening on ADDRESS port N" to stdout once it
 * accepts, and one line per request ("GET /path 200"). ADDRESS defaults to :: (IPv4 too, dual
 * stack), or 0.0.0.0 where there is no IPv6. SIGTERM and SIGINT stop it with status 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HEAD_MAX 8192

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int usage(void)
{
	fprintf(stderr, "usage: httpstub [-b ADDRESS] [-m MESSAGE] PORT\n");
	return 2;
}

static int listen_on(const char *addr, const char *port)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	                         .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	int rc = getaddrinfo(addr ? addr : "::", port, &hints, &res);
	if (rc == EAI_FAMILY || rc == EAI_ADDRFAMILY || (rc == 0 && !addr && res->ai_family != AF_INET6)) {
		if (rc == 0)
			freeaddrinfo(res);
		rc = getaddrinfo("0.0.0.0", port, &hints, &res);
	}
	if (rc) {
		fprintf(stderr, "httpstub: bad address or port: %s\n", gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && !addr && res->ai_family == AF_INET6) {
		/* no IPv6 here: the wildcard falls back to IPv4 */
		freeaddrinfo(res);
		if (getaddrinfo("0.0.0.0", port, &hints, &res))
			return -1;
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		perror("httpstub: socket");
		freeaddrinfo(res);
		return -1;
	}
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (res->ai_family == AF_INET6 && !addr)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		perror("httpstub: bind/listen");
		freeaddrinfo(res);
		close(fd);
		return -1;
	}
	freeaddrinfo(res);

	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int bound = -1;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			bound = ntohs(s6->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			bound = ntohs(s4->sin_port);
		}
	}
	printf("httpstub: listening on %s port %d\n", host, bound);
	fflush(stdout);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the request head (up to the blank line, HTTP/1.0 or 1.1; HTTP/0.9's one line also ends it). */
static ssize_t read_head(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n < cap - 1) {
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)n;
	}
	return -2;
}

static void answer(int fd, const char *message)
{
	char head[HEAD_MAX], out[HEAD_MAX + 512];
	char method[16] = "", path[HEAD_MAX] = "";
	const char *status = "200 OK";
	int code = 200;
	ssize_t n = read_head(fd, head, sizeof(head));
	if (n == -1)
		return;
	if (n == -2) {
		status = "431 Request Header Fields Too Large";
		code = 431;
	} else if (sscanf(head, "%15s %8191s", method, path) != 2 || path[0] != '/') {
		status = "400 Bad Request";
		code = 400;
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = "501 Not Implemented";
		code = 501;
	}
	char body[HEAD_MAX + 256];
	int blen = code == 200 ? snprintf(body, sizeof(body), "%s\npath: %s\n", message, path)
	                       : snprintf(body, sizeof(body), "%s\n", status);
	int hlen = snprintf(out, sizeof(out),
	                    "HTTP/1.0 %s\r\nServer: httpstub\r\nContent-Type: text/plain\r\n"
	                    "Content-Length: %d\r\nConnection: close\r\n\r\n",
	                    status, blen);
	if (write_all(fd, out, (size_t)hlen) == 0 && !(code == 200 && !strcmp(method, "HEAD")))
		write_all(fd, body, (size_t)blen);
	printf("%s %s %d\n", code == 200 || code == 501 ? method : "-", code == 400 || code == 431 ? "-" : path,
	       code);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *addr = NULL, *message = "hello from httpstub";
	int opt;
	while ((opt = getopt(argc, argv, "b:m:")) != -1) {
		if (opt == 'b')
			addr = optarg;
		else if (opt == 'm')
			message = optarg;
		else
			return usage();
	}
	if (optind != argc - 1)
		return usage();
	if (strlen(message) > 200) {
		fprintf(stderr, "httpstub: message longer than 200 bytes\n");
		return 2;
	}

	/* The stop signals are blocked but while waiting for a client (ppoll), so a request being
	 * answered is finished and a signal arriving just before the wait is not lost. */
	struct sigaction sa = {.sa_handler = on_stop};
	sigset_t stops, waiting;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, &waiting);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	int lfd = listen_on(addr, argv[optind]);
	if (lfd < 0)
		return 1;
	while (!stop_signal) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		if (ppoll(&p, 1, NULL, &waiting) < 0) {
			if (errno == EINTR)
				continue;
			perror("httpstub: poll");
			return 1;
		}
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
				continue;
			perror("httpstub: accept");
			return 1;
		}
		struct timeval tv = {.tv_sec = 10};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		answer(c, message);
		close(c);
	}
	fprintf(stderr, "httpstub: stopped by %s\n", stop_signal == SIGTERM ? "SIGTERM" : "SIGINT");
	close(lfd);
	return 0;
}
