/* A small DNS client whose sockets are the shim's own virtual ones: it calls the hooked socket(),
 * connect(), send() and recv(), so every query travels over lwIP to a nameserver on the virtual
 * network and none reaches the host's. UDP with retries across servers and attempts, TCP when a
 * reply is truncated (or with options use-vc), A and AAAA in parallel, search list and ndots as
 * glibc's res_search applies them. No state is kept between calls: resolv.conf is read each time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "shim.h"

/* One question in flight. Raw mode (res_send) keeps the reply's bytes in `answer`. */
struct query {
	const uint8_t *msg;
	size_t len;
	uint16_t id, qtype, qclass;
	char name[ZT_DNS_NAME_MAX];
	bool done;        /* settled by a NOERROR or NXDOMAIN reply */
	bool failed_here; /* this server answered with an error rcode: ask the next */
	bool servfail;    /* some server said SERVFAIL */
	bool need_tcp;    /* the UDP reply was truncated */
	struct zt_dns_reply rep;
	uint8_t *answer; /* raw mode only */
	size_t anslen, raw_len;
};

static char conf_path[PATH_MAX];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Query IDs from the kernel's CSPRNG: the app's rand() state is not ours to touch. */
static uint16_t random_id(void)
{
	uint16_t v;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint16_t)(now_ms() * 2654435761u >> 7);
	return v;
}

void zt_resolv_conf_path_init(void)
{
	const char *env = getenv("ZTRUN_RESOLV_CONF");
	if (env && *env) {
		if (strlen(env) < sizeof(conf_path))
			strcpy(conf_path, env);
		return;
	}
	/* Named after the control socket: a service serves several networks from one directory. */
	const char *net = getenv("ZT_NC_NETWORK");
	if (net && *net && strlen(net) + sizeof(".resolv.conf") <= sizeof(conf_path)) {
		strcpy(conf_path, net);
		strcat(conf_path, ".resolv.conf");
	}
}

static void load_file(struct zt_resolv_conf *c, const char *path)
{
	char text[8192];
	size_t len = 0;
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		ssize_t n;
		while (len < sizeof(text) && (n = read(fd, text + len, sizeof(text) - len)) > 0)
			len += (size_t)n;
		close(fd);
	}
	zt_resolv_conf_parse(c, text, len);
}

void zt_resolv_conf_load(struct zt_resolv_conf *c)
{
	load_file(c, conf_path);
	char host[sizeof(conf_path) + sizeof(ZT_NC_RESOLV_HOST_SUFFIX)];
	if (c->nns == 0 && conf_path[0]) { /* --fallthrough: the host's, when the network has none */
		snprintf(host, sizeof(host), "%s%s", conf_path, ZT_NC_RESOLV_HOST_SUFFIX);
		load_file(c, host);
	}
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return (p.revents & (events | POLLHUP | POLLERR)) ? 1 : 0;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* A reply that arrived for one of qs: finds its query and records the outcome. */
static void take_reply(struct query *qs, size_t nq, const uint8_t *buf, size_t n, bool cut, bool udp)
{
	for (size_t i = 0; i < nq; i++) {
		struct query *q = &qs[i];
		if (q->done)
			continue;
		int rcode;
		bool tc;
		if (q->answer) {
			if (zt_dns_reply_check(buf, n, q->id, q->name, q->qtype, q->qclass, &rcode, &tc) < 0)
				continue;
		} else {
			if (cut) { /* only the header matters: is it ours? then TCP */
				if (zt_dns_reply_check(buf, n, q->id, q->name, q->qtype, q->qclass, &rcode,
				                       &tc) < 0)
					continue;
				tc = true;
			} else if (zt_dns_reply_parse(buf, n, q->id, q->name, q->qtype, &q->rep) < 0) {
				continue;
			} else {
				rcode = q->rep.rcode;
				tc = q->rep.truncated;
			}
		}
		if ((tc || cut) && udp) {
			q->need_tcp = true;
			return;
		}
		if (q->answer) {
			q->raw_len = n < q->anslen ? n : q->anslen;
			memcpy(q->answer, buf, q->raw_len);
			if (q->raw_len < n && q->raw_len > 2)
				q->answer[2] |= 0x02; /* TC: the caller's buffer holds only part of it */
		}
		if (rcode == ZT_DNS_RCODE_NOERROR || rcode == ZT_DNS_RCODE_NXDOMAIN) {
			q->done = true;
		} else {
			q->failed_here = true;
			q->servfail = q->servfail || rcode == ZT_DNS_RCODE_SERVFAIL;
		}
		return;
	}
}

static bool pending(const struct query *q)
{
	return !q->done && !q->failed_here && !q->need_tcp;
}

/* Sends every pending query to one server over UDP and collects replies until each is answered or
 * the timeout passes. */
static void udp_round(const struct sockaddr *ns, socklen_t nslen, struct query *qs, size_t nq,
                      int64_t deadline)
{
	int fd = socket(ns->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, ns, nslen) < 0)
		goto out;
	for (size_t i = 0; i < nq; i++)
		if (pending(&qs[i]) && send(fd, qs[i].msg, qs[i].len, MSG_NOSIGNAL) < 0)
			goto out;
	for (;;) {
		bool waiting = false;
		for (size_t i = 0; i < nq; i++)
			waiting = waiting || pending(&qs[i]);
		if (!waiting || wait_fd(fd, POLLIN, deadline) <= 0)
			break;
		uint8_t buf[ZT_DNS_UDP_MAX];
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		bool cut = (size_t)n > sizeof(buf);
		take_reply(qs, nq, buf, cut ? sizeof(buf) : (size_t)n, cut, true);
	}
out:
	close(fd);
}

static bool send_all(int fd, const uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static bool recv_all(int fd, uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline) <= 0)
				return false;
		} else {
			return false; /* EOF: the server or the connection gave up */
		}
	}
	return true;
}

/* One query over TCP (RFC 1035 4.2.2: each message behind its 16-bit length). The query is written
 * while the connection is still being made: the service holds it until the handshake is done. */
static void tcp_query(const struct sockaddr *ns, socklen_t nslen, struct query *q, int64_t deadline)
{
	int fd = socket(ns->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	uint8_t *buf = NULL;
	if (connect(fd, ns, nslen) < 0 && errno != EINPROGRESS)
		goto out;
	uint8_t len2[2] = {(uint8_t)(q->len >> 8), (uint8_t)q->len};
	if (!send_all(fd, len2, 2, deadline) || !send_all(fd, q->msg, q->len, deadline) ||
	    !recv_all(fd, len2, 2, deadline))
		goto out;
	size_t n = (size_t)len2[0] << 8 | len2[1];
	buf = malloc(n ? n : 1);
	if (buf && recv_all(fd, buf, n, deadline))
		take_reply(q, 1, buf, n, false, false);
out:
	free(buf);
	close(fd);
}

/* Asks the servers in order, `attempts` rounds, until every query is settled. */
static void exchange(const struct zt_resolv_conf *c, struct query *qs, size_t nq)
{
	for (unsigned attempt = 0; attempt < c->attempts; attempt++) {
		for (size_t s = 0; s < c->nns; s++) {
			bool open = false;
			for (size_t i = 0; i < nq; i++) {
				qs[i].failed_here = qs[i].need_tcp = false;
				open = open || !qs[i].done;
			}
			if (!open)
				return;
			const struct sockaddr *ns = (const struct sockaddr *)&c->ns[s];
			int64_t deadline = now_ms() + (int64_t)c->timeout * 1000;
			if (!c->use_vc)
				udp_round(ns, c->nslen[s], qs, nq, deadline);
			for (size_t i = 0; i < nq; i++)
				if (!qs[i].done && (c->use_vc || qs[i].need_tcp))
					tcp_query(ns, c->nslen[s], &qs[i],
					          now_ms() + (int64_t)c->timeout * 1000);
		}
	}
}

static int query_init(struct query *q, uint8_t *buf, const char *name, uint16_t qtype)
{
	memset(q, 0, sizeof(*q));
	q->id = random_id();
	q->qtype = qtype;
	q->qclass = ZT_DNS_C_IN;
	size_t n = strlen(name);
	if (n >= sizeof(q->name))
		return -EINVAL;
	memcpy(q->name, name, n + 1);
	int len = zt_dns_query_build(buf, ZT_DNS_QUERY_MAX, q->id, name, qtype, ZT_DNS_C_IN);
	if (len < 0)
		return len;
	q->msg = buf;
	q->len = (size_t)len;
	return 0;
}

/* One fully qualified name, no search list. *servfail tells the caller whether a failure came from
 * a server's SERVFAIL (worth going on with the search list) rather than silence. */
static enum zt_res_status lookup_one(const struct zt_resolv_conf *c, const char *name, bool want4, bool want6,
                                     struct zt_host *h, bool *servfail)
{
	struct query qs[2];
	uint8_t bufs[2][ZT_DNS_QUERY_MAX];
	size_t nq = 0;
	if (want4 && query_init(&qs[nq], bufs[nq], name, ZT_DNS_T_A) == 0)
		nq++;
	if (want6 && query_init(&qs[nq], bufs[nq], name, ZT_DNS_T_AAAA) == 0)
		nq++;
	if (nq == 0)
		return ZT_RES_NOTFOUND;
	exchange(c, qs, nq);
	bool any_noerror = false, any_nx = false, all_done = true;
	*servfail = false;
	h->naddrs = h->naliases = 0;
	h->name[0] = 0;
	for (size_t i = 0; i < nq; i++) {
		struct query *q = &qs[i];
		*servfail = *servfail || q->servfail;
		if (!q->done) {
			all_done = false;
			continue;
		}
		if (q->rep.rcode == ZT_DNS_RCODE_NXDOMAIN) {
			any_nx = true;
			continue;
		}
		any_noerror = true;
		for (size_t k = 0; k < q->rep.naddrs && h->naddrs < ZT_HOST_MAX_ADDRS; k++)
			h->addrs[h->naddrs++] = q->rep.addrs[k];
		if (!h->name[0] && q->rep.naddrs)
			memcpy(h->name, q->rep.canon, sizeof(h->name));
		/* the question's name, when the chain led elsewhere, is an alias (as gethostbyname shows it)
		 */
		if (q->rep.naddrs && !h->naliases && !zt_dns_name_eq(q->rep.canon, name)) {
			/* a DNS name fits (253 bytes); a longer query name is cut, as in the answer */
			size_t n = strnlen(name, sizeof(h->aliases[0]) - 1);
			memcpy(h->aliases[0], name, n);
			h->aliases[0][n] = '\0';
			h->naliases = 1;
		}
	}
	if (h->naddrs)
		return ZT_RES_OK;
	if (any_noerror)
		return ZT_RES_NODATA;
	if (any_nx && all_done)
		return ZT_RES_NOTFOUND;
	return any_nx ? ZT_RES_NOTFOUND : ZT_RES_AGAIN;
}

enum zt_res_status zt_dns_lookup_host(const struct zt_resolv_conf *c, const char *name, bool want4,
                                      bool want6, struct zt_host *h)
{
	if (!zt_dns_name_ok(name))
		return ZT_RES_NOTFOUND;
	if (c->nns == 0)
		return ZT_RES_AGAIN; /* see resolve.c: as glibc answers with no nameserver reachable */
	char cands[ZT_DNS_MAX_CANDIDATES][ZT_DNS_NAME_MAX];
	size_t n = zt_dns_candidates(c, name, cands);
	bool got_nodata = false, got_servfail = false;
	for (size_t i = 0; i < n; i++) {
		bool servfail;
		enum zt_res_status st = lookup_one(c, cands[i], want4, want6, h, &servfail);
		if (st == ZT_RES_OK)
			return st;
		if (st == ZT_RES_NODATA)
			got_nodata = true;
		else if (st == ZT_RES_AGAIN && servfail)
			got_servfail = true;
		else if (st == ZT_RES_AGAIN)
			return st; /* nobody answered: the next name would wait as long for nothing */
	}
	return got_nodata ? ZT_RES_NODATA : got_servfail ? ZT_RES_AGAIN : ZT_RES_NOTFOUND;
}

enum zt_res_status zt_dns_lookup_addr(const struct zt_resolv_conf *c, int family, const void *addr,
                                      struct zt_host *h)
{
	if (c->nns == 0)
		return ZT_RES_AGAIN;
	const uint8_t *a = addr;
	char name[ZT_DNS_NAME_MAX];
	if (family == AF_INET) {
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	} else {
		char *p = name;
		for (int i = 15; i >= 0; i--) {
			*p++ = "0123456789abcdef"[a[i] & 0xf];
			*p++ = '.';
			*p++ = "0123456789abcdef"[a[i] >> 4];
			*p++ = '.';
		}
		strcpy(p, "ip6.arpa");
	}
	struct query q;
	uint8_t buf[ZT_DNS_QUERY_MAX];
	if (query_init(&q, buf, name, ZT_DNS_T_PTR) < 0)
		return ZT_RES_FAIL;
	exchange(c, &q, 1);
	if (!q.done)
		return ZT_RES_AGAIN;
	if (q.rep.rcode == ZT_DNS_RCODE_NXDOMAIN)
		return ZT_RES_NOTFOUND;
	if (q.rep.nnames == 0)
		return ZT_RES_NODATA;
	memcpy(h->name, q.rep.names[0], sizeof(h->name));
	h->naliases = 0;
	for (size_t i = 1; i < q.rep.nnames; i++)
		memcpy(h->aliases[h->naliases++], q.rep.names[i], sizeof(h->aliases[0]));
	h->naddrs = 1;
	memset(&h->addrs[0], 0, sizeof(h->addrs[0]));
	h->addrs[0].family = family;
	memcpy(h->addrs[0].addr, addr, family == AF_INET ? 4 : 16);
	return ZT_RES_OK;
}

int zt_dns_send_raw(const struct zt_resolv_conf *c, const uint8_t *msg, size_t len, uint8_t *answer,
                    size_t anslen, enum zt_res_status *status)
{
	struct query q;
	memset(&q, 0, sizeof(q));
	if (len > 65535 || zt_dns_question(msg, len, &q.id, q.name, &q.qtype, &q.qclass) < 0) {
		*status = ZT_RES_FAIL;
		return -1;
	}
	if (c->nns == 0) {
		*status = ZT_RES_AGAIN;
		return -1;
	}
	q.msg = msg;
	q.len = len;
	q.answer = answer;
	q.anslen = anslen;
	exchange(c, &q, 1);
	if (q.raw_len == 0) {
		*status = ZT_RES_AGAIN;
		return -1;
	}
	*status = ZT_RES_OK;
	return (int)q.raw_len;
}
