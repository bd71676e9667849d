/* fetch: the client this example project tests. It GETs http://HOST:PORT/PATH and succeeds when the
 * answer is 200 and its body contains TEXT. A server that is still starting (connection refused,
 * no route yet) is tried again for up to 20 seconds.
 *
 *   fetch HOST PORT PATH TEXT */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "fetch: %s: %s\n", host, gai_strerror(rc));
		return -2;
	}
	int fd = -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: fetch HOST PORT PATH TEXT\n");
		return 2;
	}
	int fd = -1;
	for (int i = 0; i < 200 && fd == -1; i++) {
		fd = connect_to(argv[1], argv[2]);
		if (fd == -1) {
			struct timespec t = {0, 100 * 1000 * 1000};
			nanosleep(&t, NULL);
		}
	}
	if (fd < 0) {
		fprintf(stderr, "fetch: cannot connect to %s port %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	char buf[65536];
	int n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
	if (send(fd, buf, (size_t)n, 0) != n) {
		perror("fetch: send");
		return 1;
	}
	size_t got = 0;
	ssize_t r;
	while (got < sizeof(buf) - 1 && (r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(fd);
	fputs(buf, stdout);
	if (strncmp(buf, "HTTP/1.0 200", 12) && strncmp(buf, "HTTP/1.1 200", 12)) {
		fprintf(stderr, "fetch: not a 200 answer\n");
		return 1;
	}
	if (!strstr(buf, argv[4])) {
		fprintf(stderr, "fetch: the answer lacks '%s'\n", argv[4]);
		return 1;
	}
	return 0;
}
