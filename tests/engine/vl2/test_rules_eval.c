/* Suite for vl2/rules_eval: spec §5.4's evaluation (no rules = drop, [ACCEPT], NOT/OR sets, the common
 * matches on IPv4/IPv6/ARP frames, characteristics, TEE/WATCH/REDIRECT/BREAK, capabilities after the table,
 * tags, unsupported matches) in both directions, and stock's quirks kept on purpose. Reads past a frame's end
 * are test_rules_eval_bounds.c's. */
#include "harness.h"
#include "vl2/netconf.h"
#include "vl2/rules_eval.h"

#include <string.h>

#include "rules_frames.h"

static struct zt_rule ethertype(uint8_t flags, uint16_t et)
{
	struct zt_rule r = R(ZT_RULE_MATCH_ETHERTYPE | flags);
	r.v.ethertype = et;
	return r;
}

static struct zt_rule fwd(uint8_t type, uint64_t to, uint16_t len)
{
	struct zt_rule r = R(type);
	r.v.fwd.address = to;
	r.v.fwd.length = len;
	return r;
}

static enum zt_rules_verdict eval(const struct zt_rule *rules, size_t n, const struct frame *fr)
{
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	return zt_rules_eval(rules, n, &fr->f, &e, &res);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void no_rules_drop_everything(void)
{
	struct frame fr;
	struct zt_rules_env e = env_default();
	struct zt_rules_decision d;
	ipv4(&fr, TCP, "\x0a\0\0\1", "\x0a\0\0\2", 1000, 80, 0x02, false);
	CHECK(!zt_rules_filter(NULL, 0, NULL, 0, &fr.f, &e, &d));
	CHECK(!d.accept);
	fr.f.inbound = true;
	CHECK(!zt_rules_filter(NULL, 0, NULL, 0, &fr.f, &e, &d));
	/* the stock default table [ACCEPT] takes everything, both ways */
	struct zt_rule accept[] = {R(ZT_RULE_ACTION_ACCEPT)};
	CHECK(zt_rules_filter(accept, 1, NULL, 0, &fr.f, &e, &d));
	CHECK(d.accept && !d.super_accept && !d.redirect_to && d.copy_count == 0);
	arp_request(&fr, "\x0a\0\0\1", "\x0a\0\0\2");
	CHECK(zt_rules_filter(accept, 1, NULL, 0, &fr.f, &e, &d));
	struct zt_rule drop[] = {R(ZT_RULE_ACTION_DROP), R(ZT_RULE_ACTION_ACCEPT)};
	CHECK(!zt_rules_filter(drop, 2, NULL, 0, &fr.f, &e, &d));
}

static void not_and_or_sets(void)
{
	/* "drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6; accept" */
	struct zt_rule t[] = {
	    ethertype(ZT_RULE_NOT, ZT_ETHERTYPE_IPV4), ethertype(ZT_RULE_NOT, ZT_ETHERTYPE_ARP),
	    ethertype(ZT_RULE_NOT, ZT_ETHERTYPE_IPV6), R(ZT_RULE_ACTION_DROP), R(ZT_RULE_ACTION_ACCEPT)};
	struct frame fr;
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_ACCEPT);
	arp_request(&fr, "\x0a\0\0\1", "\x0a\0\0\2");
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_ACCEPT);
	fr.f.ethertype = 0x88cc; /* LLDP */
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_DROP);
	/* OR: "accept ethertype arp or ethertype ipv4; drop" */
	struct zt_rule o[] = {ethertype(0, ZT_ETHERTYPE_ARP), ethertype(ZT_RULE_OR, ZT_ETHERTYPE_IPV4),
	                      R(ZT_RULE_ACTION_ACCEPT), R(ZT_RULE_ACTION_DROP)};
	CHECK_EQ_INT(eval(o, N(o), &fr), ZT_RULES_DROP);
	fr.f.ethertype = ZT_ETHERTYPE_IPV4;
	CHECK_EQ_INT(eval(o, N(o), &fr), ZT_RULES_ACCEPT);
	fr.f.ethertype = ZT_ETHERTYPE_ARP;
	CHECK_EQ_INT(eval(o, N(o), &fr), ZT_RULES_ACCEPT);
	/* running off the end is no match; BREAK ends evaluation without a match */
	struct zt_rule b[] = {ethertype(0, ZT_ETHERTYPE_IPV6), R(ZT_RULE_ACTION_DROP)};
	CHECK_EQ_INT(eval(b, N(b), &fr), ZT_RULES_NO_MATCH);
	struct zt_rule br[] = {R(ZT_RULE_ACTION_BREAK), R(ZT_RULE_ACTION_ACCEPT)};
	CHECK_EQ_INT(eval(br, N(br), &fr), ZT_RULES_NO_MATCH);
	/* unknown action types are skipped; PRIORITY accepts */
	struct zt_rule u[] = {R(9), R(ZT_RULE_ACTION_PRIORITY), R(ZT_RULE_ACTION_DROP)};
	CHECK_EQ_INT(eval(u, N(u), &fr), ZT_RULES_ACCEPT);
}

static void ip_addresses(void)
{
	struct zt_rule src = R(ZT_RULE_MATCH_IPV4_SOURCE), dst = R(ZT_RULE_MATCH_IPV4_DEST);
	memcpy(src.v.ipv4.ip, "\x0a\x93\x14\x00", 4);
	src.v.ipv4.mask = 24;
	memcpy(dst.v.ipv4.ip, "\xc0\xa8\x00\x00", 4);
	dst.v.ipv4.mask = 16;
	struct zt_rule t1[] = {src, R(ZT_RULE_ACTION_ACCEPT)}, t2[] = {dst, R(ZT_RULE_ACTION_ACCEPT)};
	struct frame fr;
	ipv4(&fr, UDP, "\x0a\x93\x14\xeb", "\xc0\xa8\x05\x06", 1, 2, 0, true);
	CHECK_EQ_INT(eval(t1, 2, &fr), ZT_RULES_ACCEPT);
	CHECK_EQ_INT(eval(t2, 2, &fr), ZT_RULES_ACCEPT);
	ipv4(&fr, UDP, "\x0a\x93\x15\xeb", "\xc0\xa9\x05\x06", 1, 2, 0, true);
	CHECK_EQ_INT(eval(t1, 2, &fr), ZT_RULES_NO_MATCH);
	CHECK_EQ_INT(eval(t2, 2, &fr), ZT_RULES_NO_MATCH);
	/* /0 matches everything; an IPv4 match on ARP is false even under NOT */
	src.v.ipv4.mask = 0;
	struct zt_rule t3[] = {src, R(ZT_RULE_ACTION_ACCEPT)};
	CHECK_EQ_INT(eval(t3, 2, &fr), ZT_RULES_ACCEPT);
	arp_request(&fr, "\x0a\x93\x14\xeb", "\x0a\x93\x14\x01");
	CHECK_EQ_INT(eval(t3, 2, &fr), ZT_RULES_NO_MATCH);
	t3[0].t |= ZT_RULE_NOT;
	CHECK_EQ_INT(eval(t3, 2, &fr), ZT_RULES_NO_MATCH);
	/* IPv6, /88 (the RFC4193 prefix) */
	struct zt_rule s6 = R(ZT_RULE_MATCH_IPV6_SOURCE);
	memcpy(s6.v.ipv6.ip, "\xfd\x5a\x19\x8f\x70\x32\x7c\x71\x84\x99\x93\0\0\0\0\0", 16);
	s6.v.ipv6.mask = 88;
	struct zt_rule t6[] = {s6, R(ZT_RULE_ACTION_ACCEPT)};
	ipv6(&fr, UDP, "\xfd\x5a\x19\x8f\x70\x32\x7c\x71\x84\x99\x93\x96\x20\xb8\x9c\x1d",
	     "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 1, 2, true);
	CHECK_EQ_INT(eval(t6, 2, &fr), ZT_RULES_ACCEPT);
	fr.buf[8 + 10] ^= 1;
	CHECK_EQ_INT(eval(t6, 2, &fr), ZT_RULES_NO_MATCH);
	/* stock compares against the rule address unmasked: host bits set in the rule never match */
	fr.buf[8 + 10] ^= 1;
	t6[0].v.ipv6.ip[15] = 1;
	CHECK_EQ_INT(eval(t6, 2, &fr), ZT_RULES_NO_MATCH);
}

static void protocol_ports_and_tos(void)
{
	struct zt_rule proto = R(ZT_RULE_MATCH_IP_PROTOCOL), dport = R(ZT_RULE_MATCH_IP_DEST_PORT_RANGE),
	               sport = R(ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE), tos = R(ZT_RULE_MATCH_IP_TOS);
	proto.v.ip_protocol = TCP;
	dport.v.port[0] = 80;
	dport.v.port[1] = 443;
	sport.v.port[0] = sport.v.port[1] = 5353;
	tos.v.ip_tos.mask = 0xfc;
	tos.v.ip_tos.start = 0xb8;
	tos.v.ip_tos.end = 0xb8;
	struct zt_rule t[] = {proto, dport, R(ZT_RULE_ACTION_ACCEPT)};
	struct zt_rule s[] = {sport, R(ZT_RULE_ACTION_ACCEPT)}, q[] = {tos, R(ZT_RULE_ACTION_ACCEPT)};
	struct frame fr;
	ipv4(&fr, TCP, "\x0a\0\0\1", "\x0a\0\0\2", 40000, 443, 0x02, true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_ACCEPT);
	CHECK_EQ_INT(eval(q, N(q), &fr), ZT_RULES_ACCEPT);
	ipv4(&fr, TCP, "\x0a\0\0\1", "\x0a\0\0\2", 40000, 444, 0x02, true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_NO_MATCH);
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 5353, 5353, 0, true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_NO_MATCH);
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_ACCEPT);
	/* an IP packet without ports is plain false for a port range, so NOT inverts it */
	ipv4(&fr, ICMP, "\x0a\0\0\1", "\x0a\0\0\2", 0x0800, 0, 0, true);
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_NO_MATCH);
	s[0].t |= ZT_RULE_NOT;
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_ACCEPT);
	/* but a non-IP frame fails it whatever NOT says */
	arp_request(&fr, "\x0a\0\0\1", "\x0a\0\0\2");
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_NO_MATCH);
	/* IPv6: protocol found behind the hop-by-hop header, ports behind it too, TOS = traffic class */
	ipv6(&fr, TCP, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\2", 40000, 80,
	     true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_ACCEPT);
	CHECK_EQ_INT(eval(q, N(q), &fr), ZT_RULES_ACCEPT);
	/* stock treats IPv6 port 0 as "no port" */
	s[0].t &= (uint8_t)~ZT_RULE_NOT;
	s[0].v.port[0] = 0;
	s[0].v.port[1] = 10;
	ipv6(&fr, UDP, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\2", 0, 80,
	     true);
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_NO_MATCH);
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 0, 80, 0, true);
	CHECK_EQ_INT(eval(s, N(s), &fr), ZT_RULES_ACCEPT);
}

static void icmp_and_frame_size(void)
{
	struct zt_rule icmp = R(ZT_RULE_MATCH_ICMP), size = R(ZT_RULE_MATCH_FRAME_SIZE_RANGE);
	icmp.v.icmp.type = 8;
	size.v.frame_size[0] = 40;
	size.v.frame_size[1] = 40;
	struct zt_rule t[] = {icmp, R(ZT_RULE_ACTION_ACCEPT)}, z[] = {size, R(ZT_RULE_ACTION_ACCEPT)};
	struct frame fr;
	ipv4(&fr, ICMP, "\x0a\0\0\1", "\x0a\0\0\2", 0x0800, 0, 0, true); /* echo request, code 0 */
	CHECK_EQ_INT(eval(t, 2, &fr), ZT_RULES_ACCEPT);
	CHECK_EQ_INT(eval(z, 2, &fr), ZT_RULES_ACCEPT);
	fr.f.len = 41;
	CHECK_EQ_INT(eval(z, 2, &fr), ZT_RULES_NO_MATCH);
	/* with the code flag the code must match too */
	t[0].v.icmp.flags = 1;
	t[0].v.icmp.code = 1;
	CHECK_EQ_INT(eval(t, 2, &fr), ZT_RULES_NO_MATCH);
	/* stock quirk: a type-only ICMP match that hits is true even under NOT */
	t[0].v.icmp.flags = 0;
	t[0].t |= ZT_RULE_NOT;
	CHECK_EQ_INT(eval(t, 2, &fr), ZT_RULES_ACCEPT);
	/* ICMPv6 behind an extension header */
	struct zt_rule t6[] = {icmp, R(ZT_RULE_ACTION_ACCEPT)};
	t6[0].v.icmp.type = 135;
	ipv6(&fr, ICMPV6, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "\xff\x02\0\0\0\0\0\0\0\0\0\1\xff\0\0\2",
	     135 << 8, 0, true);
	CHECK_EQ_INT(eval(t6, 2, &fr), ZT_RULES_ACCEPT);
}

static void characteristics(void)
{
	/* "drop chr tcp_syn and not chr tcp_ack and dport 22": no new SSH connections, inbound or out */
	struct zt_rule syn = R(ZT_RULE_MATCH_CHARACTERISTICS),
	               ack = R(ZT_RULE_MATCH_CHARACTERISTICS | ZT_RULE_NOT),
	               port = R(ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
	syn.v.characteristics = 0x002;
	ack.v.characteristics = 0x010;
	port.v.port[0] = port.v.port[1] = 22;
	struct zt_rule t[] = {syn, ack, port, R(ZT_RULE_ACTION_DROP), R(ZT_RULE_ACTION_ACCEPT)};
	struct frame fr;
	ipv4(&fr, TCP, "\x0a\0\0\1", "\x0a\0\0\2", 40000, 22, 0x02, true);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_DROP);
	ipv4(&fr, TCP, "\x0a\0\0\1", "\x0a\0\0\2", 40000, 22, 0x12, false);
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_ACCEPT);
	ipv6(&fr, TCP, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\2", 40000, 22,
	     false);
	fr.buf[48 + 13] = 0x02;
	CHECK_EQ_INT(eval(t, N(t), &fr), ZT_RULES_DROP);
	/* direction and destination kind */
	struct zt_rule c = R(ZT_RULE_MATCH_CHARACTERISTICS);
	struct zt_rule only[] = {c, R(ZT_RULE_ACTION_ACCEPT)};
	only[0].v.characteristics = ZT_RULE_CHAR_INBOUND;
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_NO_MATCH);
	fr.f.inbound = true;
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_ACCEPT);
	only[0].v.characteristics = ZT_RULE_CHAR_MULTICAST | ZT_RULE_CHAR_BROADCAST;
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_NO_MATCH);
	arp_request(&fr, "\x0a\0\0\1", "\x0a\0\0\2");
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_ACCEPT);
	/* sender IP authenticated: by a COO for the source, and always for a neighbor solicitation */
	only[0].v.characteristics = ZT_RULE_CHAR_SENDER_IP_AUTH;
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_NO_MATCH);
	struct zt_coo coo;
	memset(&coo, 0, sizeof(coo));
	coo.thing_count = 2;
	coo.thing_type[0] = ZT_COO_THING_IPV4;
	memcpy(coo.thing_value[0], "\x0a\0\0\1", 4);
	coo.thing_type[1] = ZT_COO_THING_MAC;
	memcpy(coo.thing_value[1], fr.f.mac_source, 6);
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	e.coos = &coo;
	e.coo_count = 1;
	CHECK_EQ_INT(zt_rules_eval(only, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	only[0].v.characteristics = ZT_RULE_CHAR_SENDER_MAC_AUTH;
	CHECK_EQ_INT(zt_rules_eval(only, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	only[0].v.characteristics = ZT_RULE_CHAR_SENDER_IP_AUTH;
	ipv6(&fr, ICMPV6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "\xff\x02\0\0\0\0\0\0\0\0\0\1\xff\0\0\2", 0, 0,
	     true);
	fr.buf[6] = ICMPV6; /* no extension header: the solicitation right after the IPv6 header */
	fr.buf[40] = 135;
	CHECK_EQ_INT(eval(only, 2, &fr), ZT_RULES_ACCEPT);
}

static void addresses_macs_vlan_and_unsupported(void)
{
	struct frame fr;
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, true);
	struct zt_rule zs = R(ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS),
	               zd = R(ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS), ms = R(ZT_RULE_MATCH_MAC_SOURCE),
	               md = R(ZT_RULE_MATCH_MAC_DEST);
	zs.v.zt = PEER;
	zd.v.zt = ME;
	memcpy(ms.v.mac, fr.f.mac_source, 6);
	memcpy(md.v.mac, fr.f.mac_dest, 6);
	struct zt_rule all[] = {zs,
	                        zd,
	                        ms,
	                        md,
	                        R(ZT_RULE_MATCH_VLAN_ID),
	                        R(ZT_RULE_MATCH_VLAN_PCP),
	                        R(ZT_RULE_MATCH_VLAN_DEI),
	                        R(ZT_RULE_ACTION_ACCEPT)};
	CHECK_EQ_INT(eval(all, N(all), &fr), ZT_RULES_ACCEPT);
	all[0].v.zt = OTHER;
	CHECK_EQ_INT(eval(all, N(all), &fr), ZT_RULES_NO_MATCH);
	/* unknown match types follow config flag 0x08 */
	struct zt_rule u[] = {R(60), R(ZT_RULE_ACTION_ACCEPT)};
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	CHECK_EQ_INT(zt_rules_eval(u, 2, &fr.f, &e, &res), ZT_RULES_NO_MATCH);
	e.netconf_flags = ZT_NETCONF_FLAG_UNSUPPORTED_MATCH;
	CHECK_EQ_INT(zt_rules_eval(u, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
}

static void random_and_integer_range(void)
{
	struct frame fr;
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 0x1234, 0xabcd, 0, true);
	struct zt_rule rnd[] = {R(ZT_RULE_MATCH_RANDOM), R(ZT_RULE_ACTION_ACCEPT)};
	rnd[0].v.random_probability = 0x80000000u;
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	uint64_t seed = 1;
	int hits = 0;
	e.random = zt_test_random;
	e.random_arg = &seed;
	for (int i = 0; i < 1000; i++)
		hits += zt_rules_eval(rnd, 2, &fr.f, &e, &res) == ZT_RULES_ACCEPT;
	CHECK(hits > 400 && hits < 600);
	/* 16-bit big-endian integer: stock reads at idx + (8 - 2), so idx 14 reads the destination port */
	struct zt_rule ir[] = {R(ZT_RULE_MATCH_INTEGER_RANGE), R(ZT_RULE_ACTION_ACCEPT)};
	ir[0].v.int_range.start = 0xabcd;
	ir[0].v.int_range.end = 0xabcd;
	ir[0].v.int_range.idx = 16;
	ir[0].v.int_range.format = 15;
	CHECK_EQ_INT(eval(ir, 2, &fr), ZT_RULES_ACCEPT);
	ir[0].v.int_range.idx = 14;
	CHECK_EQ_INT(eval(ir, 2, &fr), ZT_RULES_NO_MATCH);
	/* little-endian at the exact index */
	ir[0].v.int_range.idx = 22;
	ir[0].v.int_range.format = 0x80 | 15;
	ir[0].v.int_range.start = 0xcdab;
	ir[0].v.int_range.end = 0xcdac;
	CHECK_EQ_INT(eval(ir, 2, &fr), ZT_RULES_ACCEPT);
	/* past the end of the frame the integer reads as 0 */
	ir[0].v.int_range.idx = 1000;
	ir[0].v.int_range.start = 0;
	ir[0].v.int_range.end = 0;
	CHECK_EQ_INT(eval(ir, 2, &fr), ZT_RULES_ACCEPT);
}

static void tee_watch_redirect(void)
{
	struct frame fr;
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	struct zt_rules_decision d;
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, false);
	/* TEE copies (the first 16 bytes) and goes on; the last TEE/WATCH taken is the one recorded */
	struct zt_rule t[] = {fwd(ZT_RULE_ACTION_TEE, OTHER, 16), R(ZT_RULE_ACTION_ACCEPT)};
	CHECK_EQ_INT(zt_rules_eval(t, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	CHECK(res.copy.to == OTHER && res.copy.len == 16 && !res.copy.watch);
	CHECK(zt_rules_filter(t, 2, NULL, 0, &fr.f, &e, &d));
	CHECK(d.copy_count == 1 && d.copies[0].to == OTHER);
	t[0] = fwd(ZT_RULE_ACTION_WATCH, OTHER, 0);
	CHECK_EQ_INT(zt_rules_eval(t, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	CHECK(res.copy.watch && res.copy.len == fr.f.len);
	/* a TEE to the source or the destination itself does nothing */
	t[0] = fwd(ZT_RULE_ACTION_TEE, PEER, 0);
	CHECK_EQ_INT(zt_rules_eval(t, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	CHECK_EQ_INT(res.copy.to, 0);
	/* REDIRECT: send it there instead, and not normally */
	struct zt_rule r[] = {fwd(ZT_RULE_ACTION_REDIRECT, OTHER | 0xff0000000000ULL, 0),
	                      R(ZT_RULE_ACTION_DROP)};
	CHECK_EQ_INT(zt_rules_eval(r, 2, &fr.f, &e, &res), ZT_RULES_REDIRECT);
	CHECK(!zt_rules_filter(r, 2, NULL, 0, &fr.f, &e, &d));
	CHECK(d.accept && d.redirect_to == OTHER);
	/* inbound, we are the target: super-accept, even from a rule set that did not match */
	fr.f.inbound = true;
	fr.f.zt_source = OTHER;
	fr.f.zt_dest = PEER;
	struct zt_rule s[] = {fwd(ZT_RULE_ACTION_TEE, ME, 0), R(ZT_RULE_ACTION_DROP)};
	CHECK_EQ_INT(zt_rules_eval(s, 2, &fr.f, &e, &res), ZT_RULES_SUPER_ACCEPT);
	struct zt_rule s2[] = {ethertype(0, ZT_ETHERTYPE_IPV6), fwd(ZT_RULE_ACTION_REDIRECT, ME, 0),
	                       R(ZT_RULE_ACTION_ACCEPT)};
	CHECK_EQ_INT(zt_rules_eval(s2, 3, &fr.f, &e, &res), ZT_RULES_SUPER_ACCEPT);
	CHECK(zt_rules_filter(s2, 3, NULL, 0, &fr.f, &e, &d));
	CHECK(d.super_accept);
	/* outbound a TEE to ourselves is a no-op */
	fr.f.inbound = false;
	CHECK_EQ_INT(zt_rules_eval(s, 2, &fr.f, &e, &res), ZT_RULES_DROP);
}

static void capabilities_after_the_table(void)
{
	static struct zt_capability caps[2];
	struct frame fr;
	struct zt_rules_env e = env_default();
	struct zt_rules_decision d;
	memset(caps, 0, sizeof(caps));
	/* capability 0 only drops; capability 1 TEEs IPv4, then accepts it (each action ends a rule) */
	caps[0].rule_count = 1;
	caps[0].rules[0] = R(ZT_RULE_ACTION_DROP);
	caps[1].rule_count = 4;
	caps[1].rules[0] = ethertype(0, ZT_ETHERTYPE_IPV4);
	caps[1].rules[1] = fwd(ZT_RULE_ACTION_TEE, OTHER, 0);
	caps[1].rules[2] = ethertype(0, ZT_ETHERTYPE_IPV4);
	caps[1].rules[3] = R(ZT_RULE_ACTION_ACCEPT);
	struct zt_rule table[] = {fwd(ZT_RULE_ACTION_WATCH, 0x4444444444ULL, 8), R(ZT_RULE_ACTION_BREAK)};
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, false);
	CHECK(zt_rules_filter(table, 2, caps, 2, &fr.f, &e, &d));
	CHECK_EQ_INT(d.capability, 1);
	REQUIRE(d.copy_count == 2);
	CHECK(d.copies[0].to == OTHER && d.copies[1].to == 0x4444444444ULL && d.copies[1].watch);
	arp_request(&fr, "\x0a\0\0\1", "\x0a\0\0\2");
	CHECK(!zt_rules_filter(table, 2, caps, 2, &fr.f, &e, &d));
	CHECK_EQ_INT(d.capability, -1);
	/* the table's DROP is final: capabilities are not asked */
	struct zt_rule drop[] = {R(ZT_RULE_ACTION_DROP)};
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, false);
	CHECK(!zt_rules_filter(drop, 1, caps, 2, &fr.f, &e, &d));
}

static void tags(void)
{
	struct zt_tag mine[] = {{.id = 1, .value = 10}, {.id = 2, .value = 20}},
	              theirs[] = {{.id = 1, .value = 10}};
	struct frame fr;
	struct zt_rules_env e = env_default();
	struct zt_rules_result res;
	ipv4(&fr, UDP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0, true);
	e.local_tags = mine;
	e.local_tag_count = 2;
	struct zt_rule eq[] = {R(ZT_RULE_MATCH_TAGS_EQUAL), R(ZT_RULE_ACTION_ACCEPT)};
	eq[0].v.tag.id = 1;
	eq[0].v.tag.value = 10;
	CHECK_EQ_INT(zt_rules_eval(eq, 2, &fr.f, &e, &res),
	             ZT_RULES_NO_MATCH); /* inbound, their tag unknown */
	e.remote_tags = theirs;
	e.remote_tag_count = 1;
	CHECK_EQ_INT(zt_rules_eval(eq, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	struct zt_rule diff[] = {R(ZT_RULE_MATCH_TAGS_DIFFERENCE), R(ZT_RULE_ACTION_ACCEPT)};
	diff[0].v.tag.id = 1;
	CHECK_EQ_INT(zt_rules_eval(diff, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	/* outbound without the receiver's tag: lenient, and the DROP right after is skipped */
	fr.f.inbound = false;
	e.remote_tags = NULL;
	e.remote_tag_count = 0;
	struct zt_rule len[] = {R(ZT_RULE_MATCH_TAGS_EQUAL | ZT_RULE_NOT), R(ZT_RULE_ACTION_DROP),
	                        R(ZT_RULE_ACTION_ACCEPT)};
	len[0].v.tag.id = 1;
	len[0].v.tag.value = 10;
	CHECK_EQ_INT(zt_rules_eval(len, 3, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	/* TAG_SENDER outbound is our own tag; TAG_RECEIVER outbound unknown is lenient */
	struct zt_rule snd[] = {R(ZT_RULE_MATCH_TAG_SENDER), R(ZT_RULE_ACTION_ACCEPT)};
	snd[0].v.tag.id = 2;
	snd[0].v.tag.value = 20;
	CHECK_EQ_INT(zt_rules_eval(snd, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	snd[0].v.tag.value = 21;
	CHECK_EQ_INT(zt_rules_eval(snd, 2, &fr.f, &e, &res), ZT_RULES_NO_MATCH);
	snd[0].t = ZT_RULE_MATCH_TAG_RECEIVER;
	CHECK_EQ_INT(zt_rules_eval(snd, 2, &fr.f, &e, &res), ZT_RULES_ACCEPT);
	/* no local tag of that id: no match */
	eq[0].v.tag.id = 9;
	CHECK_EQ_INT(zt_rules_eval(eq, 2, &fr.f, &e, &res), ZT_RULES_NO_MATCH);
}

static const struct zt_test tests[] = {
    ZT_TEST(no_rules_drop_everything),
    ZT_TEST(not_and_or_sets),
    ZT_TEST(ip_addresses),
    ZT_TEST(protocol_ports_and_tos),
    ZT_TEST(icmp_and_frame_size),
    ZT_TEST(characteristics),
    ZT_TEST(addresses_macs_vlan_and_unsupported),
    ZT_TEST(random_and_integer_range),
    ZT_TEST(tee_watch_redirect),
    ZT_TEST(capabilities_after_the_table),
    ZT_TEST(tags),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_rules_eval", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}
