/* sockcalls across processes and threads: a listener shared over fork, a socket inherited over exec,
 * sockets used from many threads, dup'ed descriptors. */
#include "sockcalls.h"

void test_fork_listener(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t llen;
	int l = make_listener(fam, &la, &llen);
	if (!CHECK_MSG(l >= 0, "%s fork: listener", f))
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			_exit(2);
		/* The child also makes a socket of its own: its own control connection after fork. */
		int extra = socket(fam, SOCK_DGRAM, 0);
		if (extra < 0)
			_exit(3);
		close(extra);
		_exit(write_all(s, "child", 5) ? 0 : 4);
	}
	if (!CHECK_MSG(pid > 0, "%s fork: fork", f)) {
		close(l);
		return;
	}
	int c = connect_to(fam, &la, llen);
	char buf[5];
	CHECK_MSG(c >= 0 && read_full(c, buf, 5) && memcmp(buf, "child", 5) == 0,
	          "%s fork: child accepts and writes", f);
	int st = 0;
	CHECK_MSG(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "%s fork: child exits 0 (status %d)", f, st);
	/* The parent's socket calls still work after the child has gone. */
	int v;
	CHECK_MSG(get_int_opt(l, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 1,
	          "%s fork: parent still talks to its socket", f);
	if (c >= 0)
		close(c);
	close(l);
}

/* The re-executed child: fd is an inherited connected TCP socket. */
int exec_child(int fd, int fam)
{
	int v, bad = 0;
	if (get_int_opt(fd, SOL_SOCKET, SO_TYPE, &v) != 0 || v != SOCK_STREAM)
		bad |= 1;
	if (get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) != 0 || v != fam)
		bad |= 2;
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	if (getpeername(fd, (struct sockaddr *)&pa, &len) != 0 || !is_loopback(&pa, fam))
		bad |= 4;
	char buf[4];
	if (!write_all(fd, "exec", 4) || !read_full(fd, buf, 4) || memcmp(buf, "ping", 4) != 0 ||
	    !write_all(fd, "pong", 4))
		bad |= 8;
	return bad;
}

void test_exec(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s exec: connected pair", f))
		return;
	fcntl(s, F_SETFD, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char fdarg[16], famarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", s);
		snprintf(famarg, sizeof(famarg), "%d", fam);
		char *argv[] = {"sockcalls", "--exec-child", fdarg, famarg, NULL};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(s);
	char buf[4];
	CHECK_MSG(pid > 0 && read_full(c, buf, 4) && memcmp(buf, "exec", 4) == 0,
	          "%s exec: exec'd child writes on the inherited socket", f);
	CHECK_MSG(write_all(c, "ping", 4) && read_full(c, buf, 4) && memcmp(buf, "pong", 4) == 0,
	          "%s exec: and answers", f);
	int st = 0;
	CHECK_MSG(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "%s exec: child's checks pass (status %d)", f, st);
	CHECK_MSG(read_eof(c), "%s exec: EOF once the child exits", f);
	close(c);
}

struct thread_job {
	int fam;
	int ok_rounds;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	static uint8_t chunk[1 << 16];
	for (int round = 0; round < 10; round++) {
		int c, s;
		if (!tcp_pair(job->fam, &c, &s))
			break;
		bool ok = true;
		size_t total = 1 << 20, moved = 0;
		uint8_t in[1 << 16];
		while (ok && moved < total) {
			size_t n = sizeof(chunk) < total - moved ? sizeof(chunk) : total - moved;
			ok = write_all(c, chunk, n) && read_full(s, in, n);
			moved += n;
		}
		int v;
		ok = ok && get_int_opt(c, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM;
		close(c);
		close(s);
		if (!ok)
			break;
		job->ok_rounds++;
	}
	return NULL;
}

void test_threads(void)
{
	pthread_t t[2];
	struct thread_job jobs[2] = {{AF_INET, 0}, {AF_INET6, 0}};
	int started = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0)
			started++;
	CHECK_MSG(started == 2, "threads: two threads started");
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CHECK_MSG(jobs[0].ok_rounds == 10 && jobs[1].ok_rounds == 10,
	          "threads: 10 connects + 1 MiB each in two threads at once (%d, %d)", jobs[0].ok_rounds,
	          jobs[1].ok_rounds);
}

void test_dup(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s dup: connected pair", f))
		return;
	char buf[4];
	int d = dup(c);
	CHECK_MSG(d >= 0 && close(c) == 0, "%s dup: dup, then close the original", f);
	CHECK_MSG(write_all(d, "dup1", 4) && read_full(s, buf, 4) && memcmp(buf, "dup1", 4) == 0,
	          "%s dup: the copy still sends", f);
	int target = 200;
	CHECK_MSG(dup2(d, target) == target, "%s dup: dup2 onto %d", f, target);
	CHECK_MSG(close(d) == 0, "%s dup: close the first copy", f);
	int v;
	CHECK_MSG(get_int_opt(target, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM,
	          "%s dup: SO_TYPE on the dup2 copy", f);
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	CHECK_MSG(getpeername(target, (struct sockaddr *)&pa, &len) == 0 && is_loopback(&pa, fam),
	          "%s dup: getpeername on the dup2 copy", f);
	CHECK_MSG(write_all(target, "dup2", 4) && read_full(s, buf, 4) && memcmp(buf, "dup2", 4) == 0,
	          "%s dup: the dup2 copy sends", f);
	int t3 = fcntl(target, F_DUPFD_CLOEXEC, 300);
	CHECK_MSG(t3 >= 300 && dup3(t3, target, O_CLOEXEC) == target && fd_cloexec(target),
	          "%s dup: dup3 with O_CLOEXEC", f);
	if (t3 >= 0)
		close(t3);
	close(target);
	CHECK_MSG(read_eof(s), "%s dup: EOF once the last copy is closed", f);
	close(s);
}
