/* The fake DNS server of test_hooks_resolv (fake_dns.h): its zone, and its loop over UDP and TCP. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_dns.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Appends one answer owned by the question's name (pointer 0xc00c) or, with owner_off, another name. */
static size_t add_rr(uint8_t *m, size_t o, uint16_t owner_off, uint16_t type, const void *rdata,
                     uint16_t rdlen)
{
	put16(m + o, (uint16_t)(0xc000 | owner_off));
	put16(m + o + 2, type);
	put16(m + o + 4, 1);
	memset(m + o + 6, 0, 4);
	m[o + 9] = 60;
	put16(m + o + 10, rdlen);
	memcpy(m + o + 12, rdata, rdlen);
	m[7]++; /* ANCOUNT, below 256 here */
	return o + 12 + rdlen;
}

/* The zone. Returns the reply's length, 0 for no reply; *garbage asks for a malformed one first. */
static size_t dns_answer(const uint8_t *q, size_t qlen, uint8_t *m, bool tcp, int *garbage)
{
	*garbage = 0;
	if (qlen < 17)
		return 0;
	char name[256];
	size_t o = 12, n = 0;
	while (o < qlen && q[o] && n < 200) {
		size_t l = q[o++];
		if (o + l > qlen)
			return 0;
		if (n)
			name[n++] = '.';
		memcpy(name + n, q + o, l);
		n += l;
		o += l;
	}
	name[n] = 0;
	o++;
	if (o + 4 > qlen)
		return 0;
	uint16_t qtype = get16(q + o);
	size_t qend = o + 4;
	memcpy(m, q, qend);
	m[2] = 0x81;
	m[3] = 0x80;
	memset(m + 6, 0, 6);
	size_t r = qend;
	uint8_t a4[4], a6[16];
	if (strcmp(name, "test.example") == 0 || strcmp(name, "host.corp.example") == 0) {
		if (qtype == T_A) {
			inet_pton(AF_INET, name[0] == 't' ? "10.9.8.7" : "10.1.1.1", a4);
			r = add_rr(m, r, 12, T_A, a4, 4);
		} else if (qtype == T_AAAA && name[0] == 't') {
			inet_pton(AF_INET6, "fd00::7", a6);
			r = add_rr(m, r, 12, T_AAAA, a6, 16);
		}
	} else if (strcmp(name, "alias.example") == 0) {
		/* CNAME alias.example -> real.example, then real.example's A (owner at its own offset) */
		static const uint8_t target[] = {4,   'r', 'e', 'a', 'l', 7,   'e',
		                                 'x', 'a', 'm', 'p', 'l', 'e', 0};
		size_t tgt_off = r + 12;
		r = add_rr(m, r, 12, T_CNAME, target, sizeof(target));
		if (qtype == T_A) {
			inet_pton(AF_INET, "10.2.2.2", a4);
			r = add_rr(m, r, (uint16_t)tgt_off, T_A, a4, 4);
		}
	} else if (strcmp(name, "big.example") == 0) {
		if (!tcp) {
			m[2] |= 0x02; /* TC, no answers: only TCP has them */
		} else if (qtype == T_A) {
			for (int i = 0; i < FAKE_DNS_NBIG; i++) {
				uint8_t a[4] = {10, 3, 0, (uint8_t)(i + 1)};
				r = add_rr(m, r, 12, T_A, a, 4);
			}
		}
	} else if (strcmp(name, "garbage.example") == 0 || strcmp(name, "garbage-only.example") == 0) {
		*garbage = name[7] == '-' ? 2 : 1;
		if (qtype == T_A) {
			inet_pton(AF_INET, "10.6.6.6", a4);
			r = add_rr(m, r, 12, T_A, a4, 4);
		}
	} else if (strcmp(name, "nodata.example") == 0) {
		/* NOERROR, nothing */
	} else if (strcmp(name, "7.8.9.10.in-addr.arpa") == 0 && qtype == T_PTR) {
		static const uint8_t target[] = {4,   't', 'e', 's', 't', 7,   'e',
		                                 'x', 'a', 'm', 'p', 'l', 'e', 0};
		r = add_rr(m, r, 12, T_PTR, target, sizeof(target));
	} else {
		m[3] |= 3; /* NXDOMAIN */
	}
	return r;
}

static int dns_udp = -1, dns_tcp = -1;
static volatile int dns_stop;
static pthread_t dns_thread;

static void *dns_server(void *unused)
{
	(void)unused;
	while (!dns_stop) {
		struct pollfd p[2] = {{.fd = dns_udp, .events = POLLIN}, {.fd = dns_tcp, .events = POLLIN}};
		if (poll(p, 2, 100) <= 0)
			continue;
		uint8_t q[512], m[2048];
		int garbage;
		if (p[0].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(dns_udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			size_t r = n > 0 ? dns_answer(q, (size_t)n, m, false, &garbage) : 0;
			if (r && garbage) {
				uint8_t bad[64];
				memcpy(bad, m, 12);
				/* a reply to someone else's query, then one whose record runs past its end */
				put16(bad, (uint16_t)(get16(m) ^ 0x5a5a));
				sendto(dns_udp, bad, 12, 0, (struct sockaddr *)&from, fl);
				memcpy(bad, m, r < 40 ? r : 40);
				bad[7] = 1;
				sendto(dns_udp, bad, r < 40 ? r - 2 : 38, 0, (struct sockaddr *)&from, fl);
			}
			if (r && garbage != 2)
				sendto(dns_udp, m, r, 0, (struct sockaddr *)&from, fl);
		}
		if (p[1].revents & POLLIN) {
			int c = accept(dns_tcp, NULL, NULL);
			uint8_t len2[2];
			if (c >= 0 && recv(c, len2, 2, MSG_WAITALL) == 2) {
				size_t ql = get16(len2);
				if (ql <= sizeof(q) && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql) {
					size_t r = dns_answer(q, ql, m, true, &garbage);
					put16(len2, (uint16_t)r);
					send(c, len2, 2, MSG_NOSIGNAL);
					send(c, m, r, MSG_NOSIGNAL);
				}
			}
			if (c >= 0)
				close(c);
		}
	}
	return NULL;
}

int fake_dns_start(void)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	dns_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dns_tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(dns_tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	bool ok = dns_udp >= 0 && dns_tcp >= 0 && bind(dns_udp, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	          bind(dns_tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(dns_tcp, 8) == 0;
	pthread_create(&dns_thread, NULL, dns_server, NULL);
	return ok ? 0 : -1;
}

void fake_dns_stop(void)
{
	dns_stop = 1;
	pthread_join(dns_thread, NULL);
	close(dns_udp);
	close(dns_tcp);
}
