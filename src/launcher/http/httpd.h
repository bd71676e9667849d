/* A small HTTP/1.1 server on ztrun's event loop, for the local JSON APIs: one listening TCP socket,
 * non-blocking connections with bounded heads and bodies and deadlines for each, keep-alive, the token
 * checked before a body is read, a bounded number of connections. The request parser is
 * a pure function over bytes (fuzzed); requests are answered synchronously by one handler. */
#ifndef ZTRUN_HTTPD_H
#define ZTRUN_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define ZT_HTTP_MAX_HEAD    16384     /* request line + headers + blank line */
#define ZT_HTTP_MAX_BODY    (1 << 20) /* Content-Length beyond this: 413 */
#define ZT_HTTP_MAX_HEADERS 64
#define ZT_HTTP_MAX_METHOD  16
#define ZT_HTTP_HEAD_MS     5000  /* a request head must arrive whole within this (of accept, or its first byte) */
#define ZT_HTTP_BODY_MS     30000 /* and its body within this of the head */
#define ZT_HTTP_IDLE_MS     15000 /* a kept-alive connection without a new request, or a client not reading */
#define ZT_HTTP_LINGER_MS   2000  /* after a closing answer: how long the peer's leftovers are drained */
#define ZT_HTTP_MAX_CONNS   64    /* connections being served; see zt_httpd_new for what happens beyond */
#define ZT_HTTP_MAX_CLOSING 64    /* answered-and-closing connections (503s, errors) kept on top of those */

struct zt_http_slice {
	const char *p; /* into the parsed buffer: not NUL-terminated */
	size_t len;
};

struct zt_http_header {
	struct zt_http_slice name, value; /* value without surrounding whitespace */
};

struct zt_http_request {
	struct zt_http_slice method, target, path, query; /* query: after '?', empty if none */
	int minor;                                        /* HTTP/1.<minor>: 0 or 1 */
	size_t n_headers;
	struct zt_http_header headers[ZT_HTTP_MAX_HEADERS];
	size_t content_length;
	bool keep_alive;      /* the connection stays open after the answer */
	bool expect_continue; /* "Expect: 100-continue" */
	const char *error;    /* after a failure, what was wrong when the status alone does not say it */
};

/* Parses the request head at the start of buf[0..len). Returns the head's length (through the blank line)
 * when it is complete and valid, 0 when more bytes are needed, or a negative HTTP status: -400 (malformed),
 * -414 (request line over ZT_HTTP_MAX_HEAD), -431 (head over ZT_HTTP_MAX_HEAD or too many headers), -413
 * (Content-Length over ZT_HTTP_MAX_BODY), -501 (Transfer-Encoding: bodies need a Content-Length here),
 * -505 (not HTTP/1.x). req points into buf. Any bytes are safe input. */
int zt_http_parse(struct zt_http_request *req, const char *buf, size_t len);

/* The first header called `name` (case-insensitive), or NULL. */
const struct zt_http_header *zt_http_header(const struct zt_http_request *req, const char *name);
/* True if s holds exactly the NUL-terminated text t. */
bool zt_http_slice_is(struct zt_http_slice s, const char *t);
/* The value of query parameter `name`, %XX and '+' decoded, NUL-terminated in out. 0, -ENOENT, -ENOSPC or
 * -EINVAL (bad escape, or a NUL). */
int zt_http_query_param(const struct zt_http_request *req, const char *name, char *out, size_t cap);
/* "Not Found" and the like; "Unknown" for codes it does not know. */
const char *zt_http_reason(int status);

/* The handler's answer: status, and a body it malloc'd (or NULL for none), which the server frees. */
struct zt_http_response {
	int status;
	const char *content_type; /* NULL: application/json */
	char *body;
	size_t len;
};

/* Answers one complete request (body: content_length bytes, not NUL-terminated). Runs on the loop; must
 * not block. */
typedef void zt_http_handler(void *arg, const struct zt_http_request *req, const char *body, size_t len,
                             struct zt_http_response *res);

struct zt_httpd;

/* Serves on loop the connections of fd, a listening TCP socket it now owns (closed on failure too). Requests that do not carry token
 * (auth.h) are answered 401 from their head, before any body is read, and the connection closes; token
 * NULL serves everyone. When ZT_HTTP_MAX_CONNS are being served, a new connection takes the place of the
 * one that has waited longest without a whole request head (answered 408 and closed); only when every one is busy is the newcomer answered 503 (sent whole, then closed). 0,
 * or -errno. */
int zt_httpd_new(struct zt_httpd **out, struct zt_loop *loop, int fd, const char *token,
                 zt_http_handler *fn, void *arg);
/* Closes the listener and every connection; leaves the loop. NULL is fine. */
void zt_httpd_free(struct zt_httpd *s);

struct zt_httpd_counters {
	uint64_t accepted, refused, evicted, requests, bad_requests, unauthorized, timeouts;
	unsigned open; /* connections now */
};
void zt_httpd_counters(const struct zt_httpd *s, struct zt_httpd_counters *out);

#endif
