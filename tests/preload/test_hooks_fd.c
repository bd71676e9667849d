/* The descriptor hooks (hooks_fd.c) against a fake service (fake_service.h): per-thread and
 * per-process control connections across threads and fork, and the app unable to close or overwrite
 * them (close, dup2, dup3, close_range, closefrom).
 * Usage: test_hooks_fd /path/to/libztrun-preload.so */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fake_service.h"

static void *thread_socket(void *arg)
{
	int *ok = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	*ok = fd >= 0 && find_ctl_fd() >= 0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void test_threads_and_fork(void)
{
	/* The main thread holds its connection first (in a whole app, its first socket did it), and with
	 * it the process's factory. */
	int own = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(own >= 0 && find_ctl_fd() >= 0, "the main thread holds its control connection");
	close(own);
	int accepted = F.accepted, closed = F.closed, ok = 0;
	pthread_t t;
	pthread_create(&t, NULL, thread_socket, &ok);
	pthread_join(t, NULL);
	usleep(50000);
	CHECK_MSG(ok && F.accepted == accepted + 1, "a thread opens its own control connection");
	CHECK_MSG(F.closed == closed + 1, "and closes it when it exits");

	/* fork: the service clones a connection beforehand, the child's factory. A child that can still
	 * reach the socket connects by itself; one that changed uid (nginx's and apache's workers) no
	 * longer can, and gets its connection from the factory. */
	for (int c = 0; c < 3; c++) {
		bool drop = c == 1, refuse = c == 2;
		if (drop && geteuid() != 0) {
			printf("skip a forked child that changed uid gets its connection from its factory (needs root)\n");
			continue;
		}
		pthread_mutex_lock(&F.mu);
		F.refuse_clone = refuse;
		pthread_mutex_unlock(&F.mu);
		accepted = F.accepted;
		int clones = F.clones;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			/* (The fake's table here is a copy from before the fork: ask nothing of it.) */
			if (drop && setresuid(65534, 65534, 65534) < 0)
				_exit(2);
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			_exit(fd >= 0 ? 0 : 1);
		}
		int st = -1;
		waitpid(pid, &st, 0);
		bool exited = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (c == 0)
			CHECK_MSG(exited && F.clones == clones + 1 && F.accepted == accepted + 1,
			          "a forked child connects by itself, its clone kept as its factory");
		else if (drop)
			CHECK_MSG(exited && F.clones == clones + 2 && F.accepted == accepted,
			          "a forked child that changed uid gets its connection from its factory");
		else
			CHECK_MSG(exited && F.clones == clones && F.accepted == accepted + 2,
			          "without a clone, a forked child connects by itself, and opens its factory");
	}
	F.refuse_clone = false;
	accepted = F.accepted;
	int fd = socket(AF_INET, SOCK_DGRAM, 0); /* a stream's socket() asks nothing (placeholder) */
	CHECK_MSG(fd >= 0 && F.accepted == accepted && kind_of(fd) == 'd', "the parent keeps using its own");
	close(fd);
}

static void test_protection(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	close(fd);
	int ctl = find_ctl_fd();
	int accepted = F.accepted;
	errno = 0;
	CHECK_MSG(ctl >= 0 && close(ctl) < 0 && errno == EBADF, "close of the control connection: EBADF");
	int nul = open("/dev/null", O_RDONLY);
	CHECK_MSG(dup2(nul, ctl) == ctl, "dup2 onto the control connection's number succeeds");
	int moved = find_ctl_fd();
	CHECK_MSG(moved >= 0 && moved != ctl && fcntl(ctl, F_GETFD) >= 0,
	          "the control connection moved out of the way");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && F.accepted == accepted, "and still serves, without reconnecting");
	close(fd);
	close(ctl);
	CHECK_MSG(dup3(nul, moved, 0) == moved && find_ctl_fd() != moved, "dup3 too");
	close(moved);
	ctl = find_ctl_fd();
	CHECK_MSG(dup2(nul, ctl - 1) == ctl - 1 && dup2(nul, ctl + 1) == ctl + 1, "fds placed around it");
	CHECK_MSG(close_range((unsigned)ctl - 1, (unsigned)ctl + 1, 0) == 0 && fcntl(ctl - 1, F_GETFD) < 0 &&
	              fcntl(ctl + 1, F_GETFD) < 0 && find_ctl_fd() == ctl,
	          "close_range closes around the control connection");
	CHECK_MSG(dup2(nul, ctl + 2) == ctl + 2, "an fd above it");
	closefrom(ctl);
	CHECK_MSG(fcntl(ctl + 2, F_GETFD) < 0 && find_ctl_fd() == ctl, "closefrom spares it");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && F.accepted == accepted, "all the while on one connection");
	close(fd);
	close(nul);
}

int main(int argc, char **argv)
{
	static void (*const tests[])(void) = {
	    test_threads_and_fork,
	    test_protection,
	    NULL,
	};
	return fake_service_main(argc, argv, tests);
}
