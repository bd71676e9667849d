/* Runs ztrun on a pseudo-terminal. ^C and a window size change signal the whole foreground process
 * group, COMMAND included, so COMMAND must get each once, from the kernel, never a second copy
 * forwarded by ztrun; a SIGUSR1 that a process sends to ztrun must still be forwarded.
 * Usage: tty_signals ZTRUN SIGRECORD WORKDIR */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum { INTS = 5, WINCHES = 3 };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what ztrun's terminal prints (echoed ^C, ztrun's -vv lines) for ms milliseconds, so nothing
 * blocks on a full pty; with ZTRUN_TEST_VERBOSE set it is copied to stderr. */
static void drain(int master, int ms)
{
	const char *verbose = getenv("ZTRUN_TEST_VERBOSE");
	long end = now_ms() + ms;
	char buf[4096];

	for (long left = ms; left > 0; left = end - now_ms()) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		ssize_t n = 0;

		if (poll(&p, 1, (int)left) > 0)
			n = read(master, buf, sizeof(buf));
		if (n > 0 && verbose)
			fwrite(buf, 1, (size_t)n, stderr);
		else if (n <= 0)
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
}

/* Waits (draining the terminal) until COMMAND has recorded n signals: each ^C or resize is sent only
 * once the one before arrived, as standard signals sent while one is pending merge into one. */
static bool wait_progress(int master, const char *progress, long n)
{
	struct stat st;
	for (long end = now_ms() + 10000; now_ms() <= end; drain(master, 10))
		if (stat(progress, &st) == 0 && st.st_size >= n)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	int master, status = -1, ints = 0, winches = 0, usr1s = 0;
	char record[4096], ready[4096], progress[4096];
	int sig, code, from;
	sigset_t empty;
	pid_t pid;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: tty_signals ZTRUN SIGRECORD WORKDIR\n");
		return 2;
	}
	snprintf(record, sizeof(record), "%s/record", argv[3]);
	snprintf(ready, sizeof(ready), "%s/record.ready", argv[3]);
	snprintf(progress, sizeof(progress), "%s/record.progress", argv[3]);
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 1;
	}
	if (pid == 0) {
		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execl(argv[1], "ztrun", "-vv", "none", "--", argv[2], record, (char *)NULL);
		_exit(127);
	}
	fcntl(master, F_SETFL, O_NONBLOCK);
	long end = now_ms() + 10000;
	while (access(ready, F_OK) != 0 && now_ms() <= end)
		drain(master, 10);
	if (!CHECK_MSG(access(ready, F_OK) == 0, "COMMAND started under ztrun on the terminal")) {
		kill(pid, SIGKILL);
		return zt_check_report();
	}
	long sent = 0;
	for (int i = 0; i < INTS; i++) {
		if (write(master, "\003", 1) != 1)
			perror("write ^C");
		if (!CHECK_MSG(wait_progress(master, progress, ++sent), "COMMAND got ^C number %d", i + 1))
			break;
		drain(master, 50); /* room for a forwarded copy, which the count below would show */
	}
	for (int i = 0; i < WINCHES; i++) {
		ws.ws_col = (unsigned short)(81 + i);
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			perror("TIOCSWINSZ");
		if (!CHECK_MSG(wait_progress(master, progress, ++sent), "COMMAND got resize number %d", i + 1))
			break;
		drain(master, 50);
	}
	kill(pid, SIGUSR1);
	pid_t done = 0;
	for (end = now_ms() + 10000; (done = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() <= end;)
		drain(master, 10);
	if (!CHECK_MSG(done == pid, "ztrun exited after SIGUSR1")) {
		kill(pid, SIGKILL);
		return zt_check_report();
	}
	if (!CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	               "ztrun ended with status 0 (wait status %#x)", status))
		return zt_check_report();
	f = fopen(record, "r");
	if (!CHECK_MSG(f != NULL, "COMMAND wrote its record"))
		return zt_check_report();
	while (fscanf(f, "%d %d %d", &sig, &code, &from) == 3) {
		if (sig == SIGINT || sig == SIGWINCH) {
			sig == SIGINT ? ints++ : winches++;
			CHECK_MSG(code == SI_KERNEL,
			          "COMMAND got %s from the kernel (si_code %d, pid %d), not a copy forwarded "
			          "by ztrun",
			          strsignal(sig), code, from);
		} else if (sig == SIGUSR1) {
			usr1s++;
			CHECK_MSG(code == SI_USER && from == pid,
			          "SIGUSR1 came from ztrun %d (si_code %d, pid %d)", (int)pid, code, from);
		}
	}
	fclose(f);
	CHECK_MSG(ints == INTS && winches == WINCHES && usr1s == 1,
	          "COMMAND got %d SIGINT (want %d), %d SIGWINCH (want %d), %d SIGUSR1 (want 1)", ints, INTS,
	          winches, WINCHES, usr1s);
	return zt_check_report();
}
