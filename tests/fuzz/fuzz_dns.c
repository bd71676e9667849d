/* The shim's DNS parsers (src/preload/dns_msg.c): replies from the network are untrusted. Byte 0 of an
 * input picks the parser and, for replies, the question type; unless its top bit is set a valid header
 * (the input's own ID, QR) and the question "test.example" are put in front of the rest, so the fuzzer
 * spends its time in the answer section: compression pointers, CNAME chains, lengths. What comes out
 * must be bounded and NUL-terminated whatever went in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "fuzz_assert.h"

static void check_name(const char *n)
{
	FUZZ_ASSERT(memchr(n, 0, ZT_DNS_NAME_MAX) != NULL);
}

static void fuzz_reply(uint8_t mode, const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {ZT_DNS_T_A, ZT_DNS_T_AAAA, ZT_DNS_T_PTR, ZT_DNS_T_CNAME};
	uint16_t qtype = types[mode & 3];
	uint8_t *msg = malloc(size + 64);
	if (!msg)
		return;
	size_t len = 0;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	if (!(mode & 0x80)) {
		uint8_t q[ZT_DNS_QUERY_MAX];
		int qlen = zt_dns_query_build(q, sizeof(q), id, "test.example", qtype, ZT_DNS_C_IN);
		FUZZ_ASSERT(qlen > 12);
		memcpy(msg, q, (size_t)qlen);
		msg[2] |= 0x80;  /* QR */
		if (size >= 4) { /* the rest of the flags and ANCOUNT come from the input */
			msg[3] = data[2];
			msg[7] = data[3];
		}
		len = (size_t)qlen;
		if (size > 4) {
			memcpy(msg + len, data + 4, size - 4);
			len += size - 4;
		}
	} else {
		memcpy(msg, data, size);
		len = size;
	}
	struct zt_dns_reply r;
	if (zt_dns_reply_parse(msg, len, id, "test.example", qtype, &r) == 0) {
		FUZZ_ASSERT(r.naddrs <= ZT_HOST_MAX_ADDRS && r.nnames <= ZT_HOST_MAX_ALIASES);
		check_name(r.canon);
		for (size_t i = 0; i < r.nnames; i++) {
			check_name(r.names[i]);
			FUZZ_ASSERT(zt_dns_name_ok(r.names[i]));
		}
		for (size_t i = 0; i < r.naddrs; i++)
			FUZZ_ASSERT(r.addrs[i].family == (qtype == ZT_DNS_T_A ? AF_INET : AF_INET6));
	}
	int rcode;
	bool tc;
	zt_dns_reply_check(msg, len, id, "test.example.", qtype, ZT_DNS_C_IN, &rcode, &tc);
	char name[ZT_DNS_NAME_MAX];
	uint16_t qid, t, c;
	if (zt_dns_question(msg, len, &qid, name, &t, &c) == 0)
		check_name(name);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if ((mode & 0x70) == 0x70) {
		struct zt_resolv_conf c;
		zt_resolv_conf_parse(&c, (const char *)data, size);
		FUZZ_ASSERT(c.nns <= ZT_DNS_MAX_NS && c.nsearch <= ZT_DNS_MAX_SEARCH);
		FUZZ_ASSERT(c.ndots <= 15 && c.timeout >= 1 && c.timeout <= 30 && c.attempts >= 1 &&
		            c.attempts <= 5);
		for (size_t i = 0; i < c.nsearch; i++)
			FUZZ_ASSERT(zt_dns_name_ok(c.search[i]));
		char cands[ZT_DNS_MAX_CANDIDATES][ZT_DNS_NAME_MAX];
		FUZZ_ASSERT(zt_dns_candidates(&c, "host", cands) <= ZT_DNS_MAX_CANDIDATES);
		return 0;
	}
	fuzz_reply(mode, data, size);
	return 0;
}
