/* The server half of httpd.h: a listening socket and its connections on the loop. Each connection reads one
 * request at a time into a buffer that grows to at most head + body limits (the body's room only once the
 * head carried the token), answers it, and reads the next only once the answer is out (so a client that does
 * not read cannot make us buffer without bound). Every state has one deadline. A connection that ends with
 * "Connection: close" or an error half-closes and drains what the client still sends for a moment, so the
 * client sees our answer rather than a reset. Closed connections are freed from the before-sleep hook, after
 * the round in which their watch may still have had events.
 *
 * Fairness: the APIs listen on loopback, where every local user has the same address, so a per-address cap
 * would be one cap for all. Instead a slot goes to whoever is sending a request: when all are taken, the
 * connection that has waited longest without a whole head gives its place to the newcomer. A client that
 * dribbles or idles (slowloris) thus holds nothing once others need the room. */
#include "httpd.h"

#include "auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ZT_HTTP_READ_CHUNK   65536
#define ZT_HTTP_ACCEPT_BURST 64
#define ZT_HTTP_EMFILE_PAUSE 1000 /* out of fds: stop accepting for this long instead of spinning */

enum conn_state { READING, WRITING, LINGERING, CLOSED };

struct conn {
	struct zt_httpd *srv;
	struct conn *next;
	int fd;
	struct zt_watch watch;
	enum conn_state state;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	bool close_after; /* once out is sent */
	bool peer_eof;    /* the client shut its side down */
	bool continued;   /* "100 Continue" sent for the request being read */
	bool head_done;   /* the head of the request being read is whole and authorized: its body is due */
	uint64_t since;   /* when it began waiting for its current request, as a count: smaller is older */
	int64_t deadline; /* of the current state: head, body, idle, answer going out, or lingering */
	uint64_t spared;  /* the eviction round that found it busy */
};

struct zt_httpd {
	struct zt_loop *loop;
	int fd;
	struct zt_watch watch;
	bool listening;
	int64_t resume_at; /* accepting paused until then (EMFILE), 0 if not paused */
	zt_http_handler *fn;
	void *arg;
	char *token;        /* NULL: no token asked */
	struct conn *conns; /* open and closed; closed ones freed by the hook */
	unsigned active;    /* READING or WRITING */
	unsigned closing;   /* LINGERING */
	uint64_t rounds;    /* eviction rounds, for conn.spared */
	uint64_t clock;     /* for conn.since */
	struct zt_httpd_counters counters;
};

static void conn_close(struct conn *c)
{
	if (c->state == CLOSED)
		return;
	zt_loop_unwatch(c->srv->loop, &c->watch);
	close(c->fd);
	c->fd = -1;
	if (c->state == LINGERING)
		c->srv->closing--;
	else
		c->srv->active--;
	c->state = CLOSED;
	c->srv->counters.open--;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->in_cap = c->out_len = c->out_off = 0;
}

static void conn_set_events(struct conn *c, uint32_t events)
{
	if (c->watch.events != events && zt_loop_modify(c->srv->loop, &c->watch, events) != 0)
		conn_close(c);
}

/* Half-closes and drains what the client still sends, so our last answer is not lost to a reset. */
static void conn_linger(struct conn *c, int64_t now)
{
	if (c->peer_eof || c->srv->closing >= ZT_HTTP_MAX_CLOSING) {
		conn_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->srv->active--;
	c->srv->closing++;
	c->state = LINGERING;
	c->deadline = now + ZT_HTTP_LINGER_MS;
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	conn_set_events(c, EPOLLIN);
}

/* Sends what is queued; then goes back to READING (the caller looks at what is buffered), lingers, or
 * waits for EPOLLOUT. */
static void conn_flush(struct conn *c, int64_t now);

static int queue_out(struct conn *c, const char *head, size_t hlen, const char *body, size_t blen)
{
	char *p = malloc(hlen + blen);
	if (!p)
		return -ENOMEM;
	memcpy(p, head, hlen);
	if (blen)
		memcpy(p + hlen, body, blen);
	free(c->out);
	c->out = p;
	c->out_len = hlen + blen;
	c->out_off = 0;
	return 0;
}

static void respond(struct conn *c, int status, const char *type, const char *body, size_t len,
                    bool head_only, bool close_after, int64_t now)
{
	char head[256];
	int n = snprintf(
	    head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Connection: %s\r\n\r\n",
	    status, zt_http_reason(status), type ? type : "application/json", len,
	    close_after ? "close" : "keep-alive");
	c->close_after = close_after;
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    queue_out(c, head, (size_t)n, body, head_only ? 0 : len) != 0) {
		conn_close(c);
		return;
	}
	c->state = WRITING;
	c->deadline = now + ZT_HTTP_IDLE_MS;
	conn_flush(c, now);
}

/* An answer to a request we could not or would not read: the connection is then out of step, so it closes. */
static void respond_error(struct conn *c, int status, const char *why, int64_t now)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", why);
	if (status == 401)
		c->srv->counters.unauthorized++;
	else if (status != 503)
		c->srv->counters.bad_requests++;
	respond(c, status, NULL, body, (size_t)n, false, true, now);
}

static const char *parse_error_text(int status)
{
	switch (status) {
	case 413:
		return "request body too large (at most 1 MiB)";
	case 414:
		return "request line too long (at most 16 KiB)";
	case 431:
		return "request head too large (at most 16 KiB and 64 header fields)";
	case 501:
		return "Transfer-Encoding is not supported: send a Content-Length";
	case 505:
		return "only HTTP/1.0 and HTTP/1.1 are supported";
	default:
		return "malformed HTTP request";
	}
}

static bool ensure_in(struct conn *c, size_t need)
{
	if (c->in_cap >= need)
		return true;
	size_t cap = c->in_cap ? c->in_cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY)
		cap = ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY;
	if (cap < need)
		return false;
	char *p = realloc(c->in, cap);
	if (!p)
		return false;
	c->in = p;
	c->in_cap = cap;
	return true;
}

/* Answers the requests that are whole in the input buffer, one at a time. */
static void conn_process(struct conn *c, int64_t now)
{
	while (c->state == READING) {
		struct zt_http_request req;
		int r = zt_http_parse(&req, c->in, c->in_len);
		if (r < 0) {
			respond_error(c, -r, req.error ? req.error : parse_error_text(-r), now);
			return;
		}
		if (r > 0 && !c->head_done) {
			if (c->srv->token && !zt_http_authorized(&req, c->srv->token)) {
				respond_error(c, 401,
				              "missing or wrong auth token: send the contents of "
				              "HOME/authtoken.secret as header X-ZT1-Auth",
				              now);
				return;
			}
			c->head_done = true;
			c->deadline = now + ZT_HTTP_BODY_MS;
		}
		if (r == 0 || c->in_len < (size_t)r + req.content_length) {
			/* the head's clock starts with its first byte (or at accept, whichever is earlier) */
			if (r == 0 && c->in_len && c->deadline > now + ZT_HTTP_HEAD_MS)
				c->deadline = now + ZT_HTTP_HEAD_MS;
			if (c->peer_eof) {
				conn_close(c); /* the client gave up halfway, or is done */
				return;
			}
			if (r > 0 && req.expect_continue && req.minor == 1 && !c->continued) {
				static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
				/* fits a fresh socket's buffer; if it does not go out whole, the stream is
				 * broken */
				if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) !=
				    (ssize_t)(sizeof(cont) - 1)) {
					conn_close(c);
					return;
				}
				c->continued = true;
			}
			if (r > 0 && !ensure_in(c, (size_t)r + req.content_length)) {
				conn_close(c);
				return;
			}
			conn_set_events(c, EPOLLIN);
			return;
		}
		size_t used = (size_t)r + req.content_length;
		struct zt_http_response res = {0};
		c->srv->counters.requests++;
		c->srv->fn(c->srv->arg, &req, c->in + r, req.content_length, &res);
		bool head_only = zt_http_slice_is(req.method, "HEAD");
		bool close_after = !req.keep_alive || c->peer_eof;
		/* the request's bytes are answered: drop them before respond() can close the connection */
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		c->continued = c->head_done = false;
		respond(c, res.status ? res.status : 500, res.content_type, res.body ? res.body : "",
		        res.body ? res.len : 0, head_only, close_after, now);
		free(res.body);
	}
}

static void conn_flush(struct conn *c, int64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_set_events(c, EPOLLOUT);
			return;
		}
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
		c->deadline = now + ZT_HTTP_IDLE_MS;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->close_after) {
		conn_linger(c, now);
		return;
	}
	c->state = READING;
	c->since = ++c->srv->clock;
	c->deadline = now + (c->in_len ? ZT_HTTP_HEAD_MS : ZT_HTTP_IDLE_MS);
	conn_set_events(c, EPOLLIN);
}

/* Reads what is there; 1 if bytes arrived, 0 if not, -1 if the connection closed. */
static int conn_read(struct conn *c)
{
	bool got = false;
	for (;;) {
		size_t room = ZT_HTTP_READ_CHUNK;
		if (c->in_len + room > ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY)
			room = ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY - c->in_len;
		if (room == 0)
			return got ? 1
			           : 0; /* full: the parser will answer 413/431, or the request is whole */
		if (!ensure_in(c, c->in_len + room)) {
			/* the buffer holds a request, or soon will: read only what it has room for */
			room = c->in_cap - c->in_len;
			if (room == 0)
				return got ? 1 : 0;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return got ? 1 : 0;
		if (n < 0) {
			conn_close(c);
			return -1;
		}
		if (n == 0) {
			c->peer_eof = true;
			return 1;
		}
		c->in_len += (size_t)n;
		got = true;
		if ((size_t)n < room)
			return 1;
	}
}

static void drain(struct conn *c)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
	}
}

static void conn_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	struct conn *c = arg;
	int64_t now = zt_now_ms();
	if (c->state == LINGERING) {
		drain(c);
		return;
	}
	if ((events & (EPOLLERR)) != 0) {
		conn_close(c);
		return;
	}
	if (c->state == WRITING) {
		if (events & (EPOLLOUT | EPOLLHUP))
			conn_flush(c, now);
		if (c->state == READING)
			conn_process(c, now); /* a pipelined request may be waiting */
		return;
	}
	int r = conn_read(c);
	if (r < 0)
		return;
	if (r > 0 || (events & EPOLLHUP)) {
		if (events & EPOLLHUP)
			c->peer_eof = true;
		conn_process(c, now);
	}
}

/* Frees a slot for a newcomer: the connection that has waited longest for a whole request head is answered
 * 408 and closed. What it already sent is read first, so one that was merely not read yet is
 * served, not dropped. False if every connection is busy with a request. */
static bool evict_one(struct zt_httpd *s, int64_t now)
{
	uint64_t round = ++s->rounds;
	for (int tries = 0; tries < 8; tries++) {
		struct conn *old = NULL;
		for (struct conn *c = s->conns; c; c = c->next)
			if (c->state == READING && !c->head_done && c->spared != round &&
			    (!old || c->since < old->since))
				old = c;
		if (!old)
			return false;
		if (conn_read(old) >= 0)
			conn_process(old, now);
		if (old->state == CLOSED || old->state == LINGERING)
			return true;
		if (old->state == READING && !old->head_done) {
			/* told, not just closed: a client that sends its request now reads why it was not
			 * served (and may retry) rather than a bare EOF */
			s->counters.evicted++;
			respond_error(old, 408, "no whole request in time while others wait: send it at once", now);
			return true;
		}
		old->spared = round;
	}
	return false;
}

static void accept_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)events;
	(void)w;
	struct zt_httpd *s = arg;
	int64_t now = zt_now_ms();
	for (int i = 0; i < ZT_HTTP_ACCEPT_BURST; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			/* the socket stays readable: stop watching it for a while instead of spinning */
			zt_loop_unwatch(loop, &s->watch);
			s->listening = false;
			s->resume_at = now + ZT_HTTP_EMFILE_PAUSE;
			return;
		}
		if (fd < 0)
			return;
		bool busy = s->active >= ZT_HTTP_MAX_CONNS && !evict_one(s, now);
		struct conn *c = NULL;
		if ((busy && s->closing >= ZT_HTTP_MAX_CLOSING) || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			s->counters.refused++;
			continue;
		}
		*c = (struct conn){.srv = s,
		                   .fd = fd,
		                   .state = READING,
		                   .since = ++s->clock,
		                   .deadline = now + ZT_HTTP_HEAD_MS};
		if (zt_loop_watch(loop, &c->watch, fd, EPOLLIN, conn_io, c) != 0) {
			close(fd);
			free(c);
			s->counters.refused++;
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->counters.accepted++;
		s->counters.open++;
		s->active++;
		if (busy) {
			/* sent whole, then a lingering close: the client reads it even if it sent a body */
			s->counters.refused++;
			respond_error(c, 503, "too many open connections", now);
		}
	}
}

/* Before every sleep: free closed connections, time out idle ones, resume accepting. */
static int64_t httpd_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	struct zt_httpd *s = arg;
	int64_t next = -1;
	if (!s->listening && s->resume_at) {
		if (now >= s->resume_at) {
			if (zt_loop_watch(loop, &s->watch, s->fd, EPOLLIN, accept_io, s) == 0) {
				s->listening = true;
				s->resume_at = 0;
			} else {
				s->resume_at = now + ZT_HTTP_EMFILE_PAUSE;
			}
		}
		if (s->resume_at)
			next = s->resume_at;
	}
	for (struct conn **pc = &s->conns; *pc;) {
		struct conn *c = *pc;
		if (c->state == LINGERING && now >= c->deadline)
			conn_close(c);
		if ((c->state == READING || c->state == WRITING) && now >= c->deadline) {
			s->counters.timeouts++;
			if (c->state == READING && (c->in_len > 0 || c->head_done))
				respond_error(c, 408, "request not complete in time", now);
			else
				conn_close(c);
		}
		if (c->state == CLOSED) {
			*pc = c->next;
			free(c);
			continue;
		}
		if (next < 0 || c->deadline < next)
			next = c->deadline;
		pc = &c->next;
	}
	return next;
}

int zt_httpd_new(struct zt_httpd **out, struct zt_loop *loop, int fd, const char *token,
                 zt_http_handler *fn, void *arg)
{
	struct zt_httpd *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	*s = (struct zt_httpd){.loop = loop, .fn = fn, .arg = arg, .fd = fd};
	int err = 0;
	if (token && !(s->token = strdup(token))) {
		err = -ENOMEM;
		goto fail;
	}
	if ((err = zt_loop_watch(loop, &s->watch, s->fd, EPOLLIN, accept_io, s)) != 0)
		goto fail;
	s->listening = true;
	if ((err = zt_loop_before_sleep(loop, httpd_hook, s)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	zt_httpd_free(s);
	return err;
}

void zt_httpd_free(struct zt_httpd *s)
{
	if (!s)
		return;
	zt_loop_remove_hook(s->loop, httpd_hook, s);
	if (s->listening)
		zt_loop_unwatch(s->loop, &s->watch);
	if (s->fd >= 0)
		close(s->fd);
	while (s->conns) {
		struct conn *c = s->conns;
		s->conns = c->next;
		conn_close(c);
		free(c);
	}
	if (s->token)
		explicit_bzero(s->token, strlen(s->token));
	free(s->token);
	free(s);
}

void zt_httpd_counters(const struct zt_httpd *s, struct zt_httpd_counters *out)
{
	*out = s->counters;
}
