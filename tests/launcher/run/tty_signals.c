/* Runs ztrun on a pseudo-terminal. ^C and a window size change signal the whole foreground process
 * group, COMMAND included, so COMMAND must get each once, from the kernel, never a second copy
 * forwarded by ztrun; a SIGUSR1 that a process sends to ztrun must still be forwarded.
 * Usage: tty_signals ZTRUN SIGRECORD WORKDIR */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	int master, status = -1, ints = 0, winches = 0, usr1s = 0, bad = 0;
	char record[4096], ready[4096];
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
	for (long end = now_ms() + 10000; access(ready, F_OK) != 0;) {
		if (now_ms() > end) {
			fprintf(stderr, "FAIL: COMMAND did not start\n");
			kill(pid, SIGKILL);
			return 1;
		}
		drain(master, 10);
	}
	for (int i = 0; i < INTS; i++) {
		if (write(master, "\003", 1) != 1)
			perror("write ^C");
		drain(master, 150);
	}
	for (int i = 0; i < WINCHES; i++) {
		ws.ws_col = (unsigned short)(81 + i);
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			perror("TIOCSWINSZ");
		drain(master, 150);
	}
	kill(pid, SIGUSR1);
	for (long end = now_ms() + 10000; waitpid(pid, &status, WNOHANG) == 0;) {
		if (now_ms() > end) {
			fprintf(stderr, "FAIL: ztrun did not exit after SIGUSR1\n");
			kill(pid, SIGKILL);
			return 1;
		}
		drain(master, 10);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "FAIL: ztrun ended with wait status %#x\n", status);
		return 1;
	}
	f = fopen(record, "r");
	if (!f) {
		fprintf(stderr, "FAIL: no record: %s\n", strerror(errno));
		return 1;
	}
	while (fscanf(f, "%d %d %d", &sig, &code, &from) == 3) {
		if (sig == SIGINT || sig == SIGWINCH) {
			sig == SIGINT ? ints++ : winches++;
			if (code != SI_KERNEL) {
				fprintf(stderr,
				        "FAIL: COMMAND got %s with si_code %d from pid %d: a forwarded "
				        "copy of a terminal signal\n",
				        strsignal(sig), code, from);
				bad++;
			}
		} else if (sig == SIGUSR1) {
			usr1s++;
			if (code != SI_USER || from != pid) {
				fprintf(stderr,
				        "FAIL: SIGUSR1 came with si_code %d from pid %d, not from ztrun %d\n",
				        code, from, (int)pid);
				bad++;
			}
		}
	}
	fclose(f);
	if (ints != INTS || winches != WINCHES || usr1s != 1) {
		fprintf(stderr,
		        "FAIL: COMMAND got %d SIGINT (want %d), %d SIGWINCH (want %d), %d SIGUSR1 (want 1)\n",
		        ints, INTS, winches, WINCHES, usr1s);
		bad++;
	}
	if (bad)
		return 1;
	printf("ok\n");
	return 0;
}
