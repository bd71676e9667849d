#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char notify_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];

void zt_notify_init(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	notify_path[0] = '\0';
	if (!e)
		return;
	if ((e[0] == '/' || e[0] == '@') && strlen(e) < sizeof(notify_path) - 1)
		strcpy(notify_path, e);
	unsetenv("NOTIFY_SOCKET");
}

int zt_notify(const char *state)
{
	if (!notify_path[0])
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(notify_path);
	if (n > sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, notify_path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name is the bytes after the NUL, not terminated */
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	int ret = w < 0 ? -errno : 1;
	close(fd);
	return ret;
}
