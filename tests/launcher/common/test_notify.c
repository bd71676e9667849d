/* zt_notify against sockets this test makes: a path, an abstract name, none; the variable leaves
 * the environment at init, and a datagram arrives whole. */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

/* A datagram socket bound to name (a path, or "@x" for abstract); returns the fd. */
static int listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		perror("listener");
		exit(1);
	}
	return fd;
}

static void expect(int fd, const char *want, const char *what)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_MSG(n == (ssize_t)strlen(want) && strcmp(buf, want) == 0, "%s", what);
}

int main(void)
{
	CHECK_MSG(zt_notify("READY=1") == 0, "no NOTIFY_SOCKET: nothing sent, no error");

	char dir[] = "/tmp/ztrun-notify.XXXXXX", path[128];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	zt_notify_init();
	CHECK_MSG(getenv("NOTIFY_SOCKET") == NULL, "init takes NOTIFY_SOCKET out of the environment");
	CHECK_MSG(zt_notify("READY=1\nSTATUS=up") == 1, "sent to a path socket");
	expect(fd, "READY=1\nSTATUS=up", "the datagram arrives whole");
	close(fd);
	unlink(path);
	int gone = zt_notify("READY=1");
	CHECK_MSG(gone == -ECONNREFUSED || gone == -ENOENT, "a socket gone: an error, no crash");

	char abstract[64];
	snprintf(abstract, sizeof(abstract), "@ztrun-notify-test-%d", (int)getpid());
	fd = listener(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	zt_notify_init();
	CHECK_MSG(zt_notify("STOPPING=1") == 1, "sent to an abstract socket");
	expect(fd, "STOPPING=1", "abstract: the datagram arrives");
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	zt_notify_init();
	CHECK_MSG(getenv("NOTIFY_SOCKET") == NULL, "a bad value is taken out too");
	CHECK_MSG(zt_notify("READY=1") == 0, "a bad value: nothing sent");
	rmdir(dir);
	return zt_check_report();
}
