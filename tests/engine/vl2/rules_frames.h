/* Frames and rule helpers the rules_eval suites share (test_rules_eval.c, test_rules_eval_bounds.c):
 * IPv4, IPv6 and ARP frames built by hand, our address and a peer's, an empty environment. */
#ifndef ZTRUN_TESTS_VL2_RULES_FRAMES_H
#define ZTRUN_TESTS_VL2_RULES_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vl2/rules_eval.h"

#define ME     0x1111111111ULL
#define PEER   0x2222222222ULL
#define OTHER  0x3333333333ULL
#define TCP    6
#define UDP    17
#define ICMP   1
#define ICMPV6 58

struct frame {
	struct zt_rules_frame f;
	uint8_t buf[256];
};

static inline void frame_init(struct frame *fr, uint16_t ethertype, size_t len, bool inbound)
{
	memset(fr, 0, sizeof(*fr));
	fr->f.inbound = inbound;
	fr->f.zt_source = inbound ? PEER : ME;
	fr->f.zt_dest = inbound ? ME : PEER;
	memcpy(fr->f.mac_source, "\x02\x11\x11\x11\x11\x11", 6);
	memcpy(fr->f.mac_dest, "\x02\x22\x22\x22\x22\x22", 6);
	fr->f.ethertype = ethertype;
	fr->f.payload = fr->buf;
	fr->f.len = len;
}

/* IPv4 with a 20-byte header, then a transport header whose first 4 bytes are ports (or ICMP type/code). */
static inline void ipv4(struct frame *fr, uint8_t proto, const char *src, const char *dst, uint16_t sport,
                        uint16_t dport, uint8_t tcp_flags, bool inbound)
{
	frame_init(fr, ZT_ETHERTYPE_IPV4, 20 + 20, inbound);
	fr->buf[0] = 0x45;
	fr->buf[1] = 0xb8; /* TOS */
	fr->buf[9] = proto;
	memcpy(fr->buf + 12, src, 4);
	memcpy(fr->buf + 16, dst, 4);
	fr->buf[20] = (uint8_t)(sport >> 8);
	fr->buf[21] = (uint8_t)sport;
	fr->buf[22] = (uint8_t)(dport >> 8);
	fr->buf[23] = (uint8_t)dport;
	fr->buf[20 + 12] = 0x50;
	fr->buf[20 + 13] = tcp_flags;
}

/* IPv6 with one hop-by-hop extension header (8 bytes) before the transport header. */
static inline void ipv6(struct frame *fr, uint8_t proto, const char *src, const char *dst, uint16_t sport,
                        uint16_t dport, bool inbound)
{
	frame_init(fr, ZT_ETHERTYPE_IPV6, 40 + 8 + 24, inbound);
	fr->buf[0] = 0x6b; /* traffic class 0xb8 */
	fr->buf[1] = 0x80;
	fr->buf[6] = 0; /* hop-by-hop */
	memcpy(fr->buf + 8, src, 16);
	memcpy(fr->buf + 24, dst, 16);
	fr->buf[40] = proto;
	fr->buf[41] = 0;
	fr->buf[48] = (uint8_t)(sport >> 8);
	fr->buf[49] = (uint8_t)sport;
	fr->buf[50] = (uint8_t)(dport >> 8);
	fr->buf[51] = (uint8_t)dport;
}

static inline void arp_request(struct frame *fr, const char *sender_ip, const char *target_ip)
{
	frame_init(fr, ZT_ETHERTYPE_ARP, 28, true);
	memcpy(fr->f.mac_dest, "\xff\xff\xff\xff\xff\xff", 6);
	memcpy(fr->buf, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memcpy(fr->buf + 14, sender_ip, 4);
	memcpy(fr->buf + 24, target_ip, 4);
}

static inline struct zt_rules_env env_default(void)
{
	struct zt_rules_env e;
	memset(&e, 0, sizeof(e));
	e.self = ME;
	return e;
}

static inline struct zt_rule R(uint8_t t) {
	struct zt_rule r;
	memset(&r, 0, sizeof(r));
	r.t = t;
	return r;
}

#endif
