/* sockintegrity: every byte a TCP connection between two sockets of one program carries arrives once
 * and in order, however it was written and read. Each round, a writer thread connects one or three
 * sockets to a listener of the main thread (as an FTP client opens its data connection), writes each
 * stream in short "\r\n"-ended lines (send loops that meet partial writes and EAGAIN on non-blocking
 * sockets and small send buffers, writev of several lines, a socket dup'ed before its connect) and
 * closes each right after its last line; the main thread accepts and reads all of them at once in
 * reads of varying sizes, sometimes slowly, to EOF. Each stream is compared byte for byte with what
 * its writer was given, so a byte repeated, lost or moved fails, with the offset where it happened.
 * Under ztrun these connections are joined as kernel TCP (src/engine/stack/joined.c) or, with
 * ZTRUN_JOIN_LOOPBACK=0, carried by lwIP and the socketpairs; the program must pass natively and
 * under both. `sockintegrity [ROUNDS]`; the exit status is nonzero on any failure. */
#include <signal.h>
#include <time.h>

#include "sockcalls.h"

#define MAX_CONNS 3

enum wmode { W_BLOCKING, W_NONBLOCKING, W_WRITEV, W_SMALL_SNDBUF, W_DUPED, W_MODES };

struct stream {
	int fam;
	enum wmode mode;
	uint8_t *data; /* what the writer sends: a 4-byte index, then lines */
	size_t len;
	uint32_t seed; /* the writer's choice of line lengths */
};

struct round {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int n;
	struct stream st[MAX_CONNS];
	int accepted[2]; /* a pipe: the main thread says when it accepted every connection */
};

static unsigned mode_count[W_MODES];
static size_t total_bytes;

static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Stream `idx`: its index, then at least one line of 1 to 120 bytes, each ended by "\r\n". */
static void make_stream(struct stream *st, uint32_t idx, size_t target)
{
	uint32_t r = idx * 2654435761u + 1;
	st->data = malloc(target + 128);
	memcpy(st->data, &idx, 4);
	size_t n = 4;
	do {
		size_t line = 1 + next_rand(&r) % 120;
		for (size_t i = 0; i < line; i++)
			st->data[n++] = (uint8_t)(' ' + next_rand(&r) % 95);
		st->data[n++] = '\r';
		st->data[n++] = '\n';
	} while (n < target);
	st->len = n;
	st->seed = r;
}

/* Sends all of buf (len > 0) as a program's send loop does: on a non-blocking socket, EAGAIN waits
 * for POLLOUT and a partial send continues where it stopped. */
static bool send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT))
				return false;
			continue;
		}
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Up to three pieces of 1 to 122 bytes from off in one writev; what it did not take, with send_all. */
static bool writev_lines(int fd, const uint8_t *data, size_t len, size_t *off, uint32_t *r)
{
	struct iovec iov[3];
	int n = 0;
	size_t total = 0;
	for (size_t at = *off; n < 3 && at < len; n++) {
		size_t piece = 1 + next_rand(r) % 122;
		if (piece > len - at)
			piece = len - at;
		iov[n] = (struct iovec){(void *)(data + at), piece};
		at += piece;
		total += piece;
	}
	ssize_t w;
	do
		w = writev(fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EAGAIN)
		w = 0;
	if (w < 0)
		return false;
	bool ok = send_all(fd, data + *off + w, total - (size_t)w);
	*off += total;
	return ok;
}

static void *writer(void *arg)
{
	struct round *rd = arg;
	int fds[MAX_CONNS], dups[MAX_CONNS];
	size_t off[MAX_CONNS];
	for (int i = 0; i < rd->n; i++) {
		struct stream *st = &rd->st[i];
		fds[i] = socket(st->fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		dups[i] = st->mode == W_DUPED ? dup(fds[i]) : -1;
		if (st->mode == W_SMALL_SNDBUF)
			set_int_opt(fds[i], SOL_SOCKET, SO_SNDBUF, 4096);
		if (st->mode == W_NONBLOCKING)
			fl_nonblock(fds[i]);
		int c = connect(fds[i], (struct sockaddr *)&rd->addr, rd->addrlen);
		if (c < 0 && errno == EINPROGRESS) {
			int err = -1;
			c = wait_fd(fds[i], POLLOUT) &&
			            get_int_opt(fds[i], SOL_SOCKET, SO_ERROR, &err) == 0 && err == 0
			        ? 0
			        : -1;
		}
		if (c != 0) {
			CHECK_MSG(false, "stream %u: connect", *(uint32_t *)st->data);
			for (int j = 0; j <= i; j++) {
				close(fds[j]);
				if (dups[j] >= 0)
					close(dups[j]);
			}
			return NULL;
		}
		off[i] = 0;
	}
	/* line by line, round robin over the streams; each closed right after its last line */
	for (int left = rd->n; left;) {
		for (int i = 0; i < rd->n; i++) {
			struct stream *st = &rd->st[i];
			if (fds[i] < 0)
				continue;
			bool ok;
			if (st->mode == W_WRITEV) {
				ok = writev_lines(fds[i], st->data, st->len, &off[i], &st->seed);
			} else {
				const uint8_t *nl = memchr(st->data + off[i] + (off[i] == 0 ? 4 : 0), '\n',
				                           st->len - off[i] - (off[i] == 0 ? 4 : 0));
				size_t end = (size_t)(nl - st->data) + 1;
				ok = send_all(fds[i], st->data + off[i], end - off[i]);
				off[i] = end;
			}
			if (!ok)
				CHECK_MSG(false, "stream %u: send at %zu of %zu", *(uint32_t *)st->data,
				          off[i], st->len);
			if (!ok || off[i] >= st->len) {
				close(fds[i]);
				fds[i] = -1;
				left--;
			}
		}
	}
	/* The copy of a socket dup'ed before its connect lives until its connection was accepted: under
	 * ztrun the listener's app then gets the joined connection from the handover's timer, with the
	 * bytes written so far waiting. */
	char c;
	while (read(rd->accepted[0], &c, 1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < rd->n; i++)
		if (dups[i] >= 0)
			close(dups[i]);
	return NULL;
}

struct rx {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	bool eof;
};

/* Reads every accepted stream to EOF at once, in reads of 1 to 4096 bytes, now and then pausing
 * (`slow`: often, so that every buffer on the way fills and writes into them come out partial). */
static bool read_all(struct rx *rx, int n, uint32_t *r, bool slow)
{
	if (slow)
		usleep(50000); /* the writer fills every buffer on the way first */
	for (int open = n; open;) {
		struct pollfd p[MAX_CONNS];
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = rx[i].eof ? -1 : rx[i].fd, .events = POLLIN};
		int k = poll(p, (nfds_t)n, IO_TIMEOUT_MS);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return CHECK_MSG(false, "reader: data or EOF within %d ms", IO_TIMEOUT_MS);
		if (next_rand(r) % (slow ? 8 : 64) == 0)
			usleep(2000);
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			size_t want = 1 + next_rand(r) % 4096;
			if (rx[i].len + want > rx[i].cap) {
				rx[i].cap = (rx[i].len + want) * 2;
				rx[i].buf = realloc(rx[i].buf, rx[i].cap);
			}
			ssize_t got = recv(rx[i].fd, rx[i].buf + rx[i].len, want, MSG_DONTWAIT);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got < 0) {
				CHECK_MSG(false, "reader: recv");
				return false;
			}
			rx[i].len += (size_t)got;
			if (got == 0) {
				rx[i].eof = true;
				open--;
			}
		}
	}
	return true;
}

/* Where what arrived first differs from what was sent, and how. */
static void compare(const struct rx *rx, const struct round *rd)
{
	uint32_t idx = 0;
	if (rx->len >= 4)
		memcpy(&idx, rx->buf, 4);
	const struct stream *st = NULL;
	for (int i = 0; i < rd->n; i++)
		if (memcmp(rd->st[i].data, &idx, 4) == 0)
			st = &rd->st[i];
	if (!CHECK_MSG(st != NULL, "a stream of %zu bytes starts with the index of a stream of its round",
	               rx->len))
		return;
	size_t at = 0;
	while (at < rx->len && at < st->len && rx->buf[at] == st->data[at])
		at++;
	static const char *modes[] = {"blocking", "non-blocking", "writev", "small SO_SNDBUF", "dup'ed"};
	if (at == st->len && rx->len == st->len) {
		mode_count[st->mode]++;
		total_bytes += st->len;
		zt_test_pass();
		return;
	}
	fprintf(stderr,
	        "FAIL stream %u (%s, %s): %zu bytes arrived of %zu sent; first difference at byte %zu", idx,
	        fam_name(st->fam), modes[st->mode], rx->len, st->len, at);
	if (at < rx->len && at < st->len)
		fprintf(stderr, " (got 0x%02x, sent 0x%02x)", rx->buf[at], st->data[at]);
	fprintf(stderr, "\n");
	zt_test_fail(__FILE__, __LINE__, "a stream arrived whole and once");
}

static void run_round(uint32_t round)
{
	struct round rd = {.n = round % 4 == 3 ? 3 : 1};
	bool slow = round % 16 == 2;
	int fam = round % 2 ? AF_INET6 : AF_INET;
	uint32_t r = round * 40503u + 7;
	for (int i = 0; i < rd.n; i++) {
		struct stream *st = &rd.st[i];
		st->fam = fam;
		/* a dup'ed socket waits for joining's handover timer: a few of them */
		st->mode = (enum wmode)(next_rand(&r) % (round % 8 == 5 ? W_MODES : W_MODES - 1));
		/* mostly small streams, one in eight of 256 KiB (and those a slow reader gets) to fill every
		 * buffer on the way */
		bool big = next_rand(&r) % 8 == 0 || slow;
		make_stream(st, round * MAX_CONNS + (uint32_t)i, big ? 256 << 10 : 1 + next_rand(&r) % 16384);
	}
	int l = make_listener(fam, &rd.addr, &rd.addrlen);
	pthread_t t;
	if (!CHECK_MSG(l >= 0 && pipe2(rd.accepted, O_CLOEXEC) == 0 &&
	                   pthread_create(&t, NULL, writer, &rd) == 0,
	               "round %u: listener and writer", round))
		return;
	struct rx rx[MAX_CONNS] = {0};
	int accepted = 0;
	for (; accepted < rd.n; accepted++) {
		if (!wait_fd(l, POLLIN))
			break;
		rx[accepted].fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (rx[accepted].fd < 0)
			break;
	}
	close(l);
	close(rd.accepted[1]);
	if (accepted < rd.n)
		CHECK_MSG(false, "round %u: %d connection(s) accepted", round, rd.n);
	else if (read_all(rx, rd.n, &r, slow))
		for (int i = 0; i < rd.n; i++)
			compare(&rx[i], &rd);
	for (int i = 0; i < accepted; i++)
		close(rx[i].fd);
	pthread_join(t, NULL);
	close(rd.accepted[0]);
	for (int i = 0; i < rd.n; i++) {
		free(rx[i].buf);
		free(rd.st[i].data);
	}
}

int main(int argc, char **argv)
{
	alarm(240); /* a hang must fail the test, not block it */
	signal(SIGPIPE, SIG_IGN);
	uint32_t rounds = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint32_t done = 0;
	while (done < rounds && zt_test_failures() == 0)
		run_round(done++);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf(
	    "%u rounds in %.1f s: %zu bytes arrived whole in streams written blocking %u, non-blocking %u, "
	    "by writev %u, with a small SO_SNDBUF %u, dup'ed %u\n",
	    done, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, total_bytes,
	    mode_count[W_BLOCKING], mode_count[W_NONBLOCKING], mode_count[W_WRITEV],
	    mode_count[W_SMALL_SNDBUF], mode_count[W_DUPED]);
	return zt_check_report();
}
