/* COMMAND for the terminal test: records each SIGINT, SIGWINCH and SIGUSR1 with its si_code and
 * si_pid; on SIGUSR1 writes the records to OUTFILE and exits 0 (2 if none comes in 20 s). Each signal
 * also appends a byte to OUTFILE.progress, so the driver can wait for one before it sends the next. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct record {
	int sig, code;
	pid_t pid;
};

static struct record records[64];
static volatile sig_atomic_t nrecords, done;
static int progress = -1;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (nrecords < (sig_atomic_t)(sizeof(records) / sizeof(records[0])))
		records[nrecords++] = (struct record){sig, si->si_code, si->si_pid};
	if (sig == SIGUSR1)
		done = 1;
	if (progress >= 0 && write(progress, "x", 1) < 0) {
		/* the driver then times out waiting, and says so */
	}
	/* Stay a moment with the signal blocked: a forwarded copy arriving now stays pending and is
	 * recorded on its own instead of merging with this one. */
	nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGINT, SIGWINCH, SIGUSR1};
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
	char ready[4096];
	FILE *f;

	if (argc != 2)
		return 64;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	snprintf(ready, sizeof(ready), "%s.progress", argv[1]);
	progress = open(ready, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (int i = 0; !done && i < 2000; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	if (!done)
		return 2;
	f = fopen(argv[1], "w");
	if (!f)
		return 3;
	for (sig_atomic_t i = 0; i < nrecords; i++)
		fprintf(f, "%d %d %d\n", records[i].sig, records[i].code, (int)records[i].pid);
	return fclose(f) ? 3 : 0;
}
