/* Socket options of virtual sockets. Options lwIP implements are applied to the PCB; options that
 * are the kernel's business on the app's own end (timeouts, low-water marks) are applied to that
 * end; a short list of hints with no effect here is remembered and read back; the rest is
 * ENOPROTOOPT, as Linux says for an option it does not know. */
#include "appopt.h"
#include "sock_int.h"
#include "service_int.h"

#include <errno.h>
#include <netinet/tcp.h>

#include "lwip/priv/tcp_priv.h"
#include <string.h>

/* Linux's UDP-Lite checksum coverage options (linux/udp.h; glibc has no header for them). */
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif

/* Hints accepted and remembered, so programs that set them keep working; none changes behaviour. */
static const struct {
	int level, name;
} remembered[] = {
    {SOL_SOCKET, SO_REUSEPORT},    {SOL_SOCKET, SO_LINGER},           {SOL_SOCKET, SO_PRIORITY},
    {SOL_SOCKET, SO_OOBINLINE},    {SOL_SOCKET, SO_DONTROUTE},        {SOL_SOCKET, SO_RCVBUF},
    {SOL_SOCKET, SO_SNDBUF},       {SOL_SOCKET, SO_RCVBUFFORCE},      {SOL_SOCKET, SO_SNDBUFFORCE},
    {SOL_SOCKET, SO_TIMESTAMP},    {SOL_SOCKET, SO_ZEROCOPY},         {IPPROTO_TCP, TCP_MAXSEG},
    {IPPROTO_TCP, TCP_CORK},       {IPPROTO_TCP, TCP_QUICKACK},       {IPPROTO_TCP, TCP_DEFER_ACCEPT},
    {IPPROTO_TCP, TCP_FASTOPEN},   {IPPROTO_TCP, TCP_USER_TIMEOUT},   {IPPROTO_TCP, TCP_NOTSENT_LOWAT},
    {IPPROTO_TCP, TCP_SYNCNT},     {IPPROTO_TCP, TCP_LINGER2},        {IPPROTO_TCP, TCP_WINDOW_CLAMP},
    {IPPROTO_TCP, TCP_CONGESTION}, {IPPROTO_IP, IP_RECVERR},          {IPPROTO_IP, IP_PKTINFO},
    {IPPROTO_IP, IP_MTU_DISCOVER}, {IPPROTO_IP, IP_FREEBIND},         {IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT},
    {IPPROTO_IP, IP_RETOPTS},      /* ping sets it; lwIP sends no IP options anyway */
    {IPPROTO_IP, IP_RECVTOS},      {IPPROTO_IP, IP_RECVTTL},          {IPPROTO_IPV6, IPV6_RECVPKTINFO},
    {IPPROTO_IPV6, IPV6_RECVERR},  {IPPROTO_IPV6, IPV6_MTU_DISCOVER}, {IPPROTO_IPV6, IPV6_RECVTCLASS},
    {IPPROTO_IPV6, IPV6_RECVHOPLIMIT},
};

/* The datagram info (rpc.h) a receive option asks for, 0 for other options. */
static uint32_t rx_info_bit(int level, int name)
{
	if (level == IPPROTO_IP)
		return name == IP_PKTINFO ? ZT_NC_INFO_IP_PKTINFO
		       : name == IP_RECVTTL ? ZT_NC_INFO_IP_TTL
		       : name == IP_RECVTOS ? ZT_NC_INFO_IP_TOS
		                            : 0;
	if (level == IPPROTO_IPV6)
		return name == IPV6_RECVPKTINFO    ? ZT_NC_INFO_IPV6_PKTINFO
		       : name == IPV6_RECVHOPLIMIT ? ZT_NC_INFO_IPV6_HOPLIMIT
		       : name == IPV6_RECVTCLASS   ? ZT_NC_INFO_IPV6_TCLASS
		                                   : 0;
	return 0;
}

static bool is_remembered(int level, int name)
{
	for (size_t i = 0; i < sizeof(remembered) / sizeof(remembered[0]); i++)
		if (remembered[i].level == level && remembered[i].name == name)
			return true;
	return false;
}

static struct zt_sockopt_val *find_opt(struct zt_sock *s, int level, int name)
{
	for (int i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name)
			return &s->opts[i];
	return NULL;
}

static int store_opt(struct zt_sock *s, int level, int name, const void *val, uint32_t len)
{
	struct zt_sockopt_val *o = find_opt(s, level, name);
	if (!o) {
		if (s->nopts == ZT_SOCK_MAX_OPTS)
			return -ENOBUFS;
		o = &s->opts[s->nopts++];
	}
	o->level = level;
	o->name = name;
	o->len = (int)(len > sizeof(o->val) ? sizeof(o->val) : len);
	memcpy(o->val, val, (size_t)o->len);
	return 0;
}

static int stored_int(struct zt_sock *s, int level, int name, int dflt)
{
	struct zt_sockopt_val *o = find_opt(s, level, name);
	int v = dflt;
	if (o && o->len >= 4)
		memcpy(&v, o->val, 4);
	return v;
}

/* The common IP fields of either PCB type, NULL for none. */
static struct ip_pcb *ip_pcb_of(struct zt_sock *s)
{
	if (zt_sock_is_icmp(s))
		return (struct ip_pcb *)s->pcb.raw;
	return s->type == SOCK_STREAM ? (struct ip_pcb *)s->pcb.tcp : (struct ip_pcb *)s->pcb.udp;
}

static struct tcp_pcb *conn_pcb(struct zt_sock *s)
{
	return s->type == SOCK_STREAM && s->state != ZT_SOCK_LISTENING ? s->pcb.tcp : NULL;
}

/* Applies what lwIP implements; called on set, and on accepted sockets for what they inherit. */
static void apply_to_pcb(struct zt_sock *s, int level, int name, int v)
{
	struct ip_pcb *ip = ip_pcb_of(s);
	struct tcp_pcb *tcp = conn_pcb(s);
	if (!ip)
		return;
	if (level == SOL_SOCKET) {
		u8_t flag = name == SO_REUSEADDR   ? SOF_REUSEADDR
		            : name == SO_KEEPALIVE ? SOF_KEEPALIVE
		                                   : SOF_BROADCAST;
		if (v)
			ip_set_option(ip, flag);
		else
			ip_reset_option(ip, flag);
	} else if (level == IPPROTO_TCP && tcp) {
		if (name == TCP_NODELAY) {
			if (v)
				tcp_nagle_disable(tcp);
			else
				tcp_nagle_enable(tcp);
		} else if (name == TCP_KEEPIDLE) {
			tcp->keep_idle = (u32_t)v * 1000;
		} else if (name == TCP_KEEPINTVL) {
			tcp->keep_intvl = (u32_t)v * 1000;
		} else if (name == TCP_KEEPCNT) {
			tcp->keep_cnt = (u32_t)v;
		}
	} else if ((level == IPPROTO_IP && name == IP_TOS) ||
	           (level == IPPROTO_IPV6 && name == IPV6_TCLASS)) {
		ip->tos = (u8_t)v;
	} else if ((level == IPPROTO_IP && name == IP_TTL) ||
	           (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)) {
		ip->ttl = (u8_t)(v < 0 ? 64 : v);
	}
}

static bool is_applied(int level, int name, int type)
{
	switch (level) {
	case SOL_SOCKET:
		return name == SO_REUSEADDR || name == SO_KEEPALIVE || name == SO_BROADCAST;
	case IPPROTO_TCP:
		return type == SOCK_STREAM && (name == TCP_NODELAY || name == TCP_KEEPIDLE ||
		                               name == TCP_KEEPINTVL || name == TCP_KEEPCNT);
	case IPPROTO_IP:
		return name == IP_TOS || name == IP_TTL;
	case IPPROTO_IPV6:
		return name == IPV6_TCLASS || name == IPV6_UNICAST_HOPS;
	}
	return false;
}

void zt_sockopt_reapply(struct zt_sock *s)
{
	for (int i = 0; i < s->nopts; i++) {
		const struct zt_sockopt_val *o = &s->opts[i];
		int v = 0;
		if (o->len >= 4)
			memcpy(&v, o->val, 4);
		if (is_applied(o->level, o->name, s->type))
			apply_to_pcb(s, o->level, o->name, v);
	}
}

bool zt_sockopt_linger_abort(struct zt_sock *s)
{
	struct zt_sockopt_val *o = find_opt(s, SOL_SOCKET, SO_LINGER);
	struct linger lg = {0, 0};
	if (!o || o->len < (int)sizeof(lg))
		return false;
	memcpy(&lg, o->val, sizeof(lg));
	return lg.l_onoff && lg.l_linger == 0;
}

void zt_sockopt_inherit(struct zt_sock *to, const struct zt_sock *from)
{
	memcpy(to->opts, from->opts, sizeof(to->opts));
	to->nopts = from->nopts;
	zt_sockopt_reapply(to);
}

/* UDP-Lite checksum coverage, as Linux takes it: 0 is the whole datagram, 1..7 become 8 (the
 * header is always covered). lwIP checks what arrives against the coverage it names itself. */
static int set_udplite_coverage(struct zt_sock *s, int name, const void *val, uint32_t len)
{
	if (s->protocol != IPPROTO_UDPLITE)
		return -ENOPROTOOPT;
	if (len < sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	if (v != 0 && v < 8)
		v = 8;
	else if (v > 0xffff)
		v = 0xffff;
	if (name == UDPLITE_SEND_CSCOV)
		s->pcb.udp->chksum_len_tx = (u16_t)v;
	else
		s->pcb.udp->chksum_len_rx = (u16_t)v;
	return store_opt(s, IPPROTO_UDPLITE, name, &v, sizeof(v));
}

int zt_sockopt_set(struct zt_sock *s, int app_fd, int level, int name, const void *val, uint32_t len)
{
	if (zt_appopt_is_local(level, name))
		return setsockopt(app_fd, level, name, val, len) < 0 ? -errno : 0;
	if (level == IPPROTO_IPV6 && s->domain != AF_INET6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_TCP && s->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	int v = 0;
	bool has_int = len >= sizeof(int);
	if (has_int)
		memcpy(&v, val, sizeof(int));
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		if (!has_int)
			return -EINVAL;
		if (s->bound)
			return -EINVAL;
		s->v6only = v != 0;
		return 0;
	}
	if (level == IPPROTO_UDPLITE && (name == UDPLITE_SEND_CSCOV || name == UDPLITE_RECV_CSCOV))
		return set_udplite_coverage(s, name, val, len);
	if (is_applied(level, name, s->type)) {
		if (!has_int)
			return -EINVAL;
		apply_to_pcb(s, level, name, v);
		return store_opt(s, level, name, &v, sizeof(v));
	}
	/* SO_LINGER means nothing to lwIP, but the app's end keeps it too: what hands the app a new end
	 * (listen, accept) carries it over from there (appopt.h), as a kernel's accepted socket inherits
	 * it from its listener, and a joined connection's accepted socket gets it only so. */
	if (level == SOL_SOCKET && name == SO_LINGER && setsockopt(app_fd, level, name, val, len) < 0)
		return -errno;
	if (is_remembered(level, name)) {
		uint32_t bit = rx_info_bit(level, name);
		if (bit && has_int)
			s->rx_info = v ? s->rx_info | bit : s->rx_info & ~bit;
		return store_opt(s, level, name, val, len);
	}
	return -ENOPROTOOPT;
}

/* TCP_INFO from the PCB, in Linux's units (microseconds, segments); what lwIP does not track stays 0. */
static int tcp_info_of(struct zt_sock *s, void *out, uint32_t *len)
{
	static const uint8_t linux_state[] = {
	    [CLOSED] = TCP_CLOSE,         [LISTEN] = TCP_LISTEN,           [SYN_SENT] = TCP_SYN_SENT,
	    [SYN_RCVD] = TCP_SYN_RECV,    [ESTABLISHED] = TCP_ESTABLISHED, [FIN_WAIT_1] = TCP_FIN_WAIT1,
	    [FIN_WAIT_2] = TCP_FIN_WAIT2, [CLOSE_WAIT] = TCP_CLOSE_WAIT,   [CLOSING] = TCP_CLOSING,
	    [LAST_ACK] = TCP_LAST_ACK,    [TIME_WAIT] = TCP_TIME_WAIT,
	};
	struct tcp_info ti;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = TCP_CLOSE;
	if (s->state == ZT_SOCK_LISTENING)
		ti.tcpi_state = TCP_LISTEN;
	struct tcp_pcb *pcb = conn_pcb(s);
	if (pcb) {
		ti.tcpi_state = linux_state[pcb->state];
		ti.tcpi_retransmits = pcb->nrtx;
		ti.tcpi_rto = (uint32_t)pcb->rto * TCP_SLOW_INTERVAL * 1000;
		ti.tcpi_snd_mss = ti.tcpi_rcv_mss = pcb->mss;
		ti.tcpi_advmss = TCP_MSS;
		for (struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
			ti.tcpi_unacked++;
		ti.tcpi_rtt = (uint32_t)(pcb->sa >> 3) * TCP_SLOW_INTERVAL * 1000;
		ti.tcpi_rttvar = (uint32_t)(pcb->sv >> 2) * TCP_SLOW_INTERVAL * 1000;
		ti.tcpi_snd_cwnd = pcb->mss ? pcb->cwnd / pcb->mss : 0;
		ti.tcpi_snd_ssthresh = pcb->mss ? pcb->ssthresh / pcb->mss : 0;
		ti.tcpi_rcv_space = pcb->rcv_wnd;
		ti.tcpi_snd_wscale = pcb->snd_scale;
		ti.tcpi_rcv_wscale = pcb->rcv_scale;
		ti.tcpi_options = (pcb->flags & TF_WND_SCALE ? TCPI_OPT_WSCALE : 0) |
		                  (pcb->flags & TF_TIMESTAMP ? TCPI_OPT_TIMESTAMPS : 0);
	}
	*len = *len < sizeof(ti) ? *len : (uint32_t)sizeof(ti);
	memcpy(out, &ti, *len);
	return 0;
}

static int put_int(void *out, uint32_t *len, int v)
{
	*len = *len < sizeof(int) ? *len : (uint32_t)sizeof(int);
	memcpy(out, &v, *len);
	return 0;
}

int zt_sockopt_get(struct zt_sock *s, int app_fd, int level, int name, void *out, uint32_t *len)
{
	if (zt_appopt_is_local(level, name)) {
		socklen_t l = *len;
		if (getsockopt(app_fd, level, name, out, &l) < 0)
			return -errno;
		*len = l;
		return 0;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			return put_int(out, len, s->type);
		case SO_DOMAIN:
			return put_int(out, len, s->domain);
		case SO_PROTOCOL:
			return put_int(out, len, s->protocol);
		case SO_ACCEPTCONN:
			return put_int(out, len, s->state == ZT_SOCK_LISTENING);
		case SO_ERROR: {
			int e = s->so_error;
			s->so_error = 0;
			return put_int(out, len, e);
		}
		case SO_RCVBUF:
			/* Linux reports twice what was set; unset, the window lwIP offers */
			return put_int(out, len, 2 * stored_int(s, level, name, TCP_WND / 2));
		case SO_SNDBUF:
			return put_int(out, len, 2 * stored_int(s, level, name, TCP_SND_BUF / 2));
		}
	}
	if (level == IPPROTO_IPV6 && s->domain != AF_INET6)
		return -ENOPROTOOPT;
	if (level == IPPROTO_TCP && s->type != SOCK_STREAM)
		return -ENOPROTOOPT;
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		return put_int(out, len, s->v6only);
	if (level == IPPROTO_TCP && name == TCP_INFO)
		return tcp_info_of(s, out, len);
	if (level == IPPROTO_TCP && name == TCP_MAXSEG && conn_pcb(s) && s->state == ZT_SOCK_CONNECTED)
		return put_int(out, len, tcp_mss(conn_pcb(s)));
	struct zt_sockopt_val *o = find_opt(s, level, name);
	if (o) {
		*len = *len < (uint32_t)o->len ? *len : (uint32_t)o->len;
		memcpy(out, o->val, *len);
		return 0;
	}
	if (level == IPPROTO_IP && name == IP_TTL)
		return put_int(out, len, 64);
	if (level == IPPROTO_UDPLITE && (name == UDPLITE_SEND_CSCOV || name == UDPLITE_RECV_CSCOV))
		return s->protocol == IPPROTO_UDPLITE ? put_int(out, len, 0) : -ENOPROTOOPT;
	if (is_applied(level, name, s->type) || is_remembered(level, name))
		return put_int(out, len, 0);
	return -ENOPROTOOPT;
}
