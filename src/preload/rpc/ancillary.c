/* Ancillary data of virtual datagram sockets: the control messages of sendmsg() become the info block
 * of a framed datagram (rpc.h), and the info block of a received one becomes the control messages
 * recvmsg() gives, laid out and truncated exactly as Linux's put_cmsg() does. */
#include "ancillary.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static bool int_data(const struct cmsghdr *cm, int *v)
{
	if (cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return false;
	memcpy(v, CMSG_DATA(cm), sizeof(int));
	return true;
}

/* One IPv4 control message of sendmsg (ip_cmsg_send): 0 or -EINVAL. */
static int ip_cmsg(const struct cmsghdr *cm, struct zt_nc_info *info)
{
	int v = 0;
	switch (cm->cmsg_type) {
	case IP_TTL:
		if (!int_data(cm, &v) || v < 1 || v > 255)
			return -EINVAL;
		info->ttl = (uint8_t)v;
		info->have |= ZT_NC_INFO_IP_TTL;
		return 0;
	case IP_TOS:
		if (cm->cmsg_len == CMSG_LEN(1))
			v = *(const uint8_t *)CMSG_DATA(cm);
		else if (!int_data(cm, &v))
			return -EINVAL;
		if (v < 0 || v > 255)
			return -EINVAL;
		info->tos = (uint8_t)v;
		info->have |= ZT_NC_INFO_IP_TOS;
		return 0;
	case IP_PKTINFO: {
		struct in_pktinfo pi;
		if (cm->cmsg_len != CMSG_LEN(sizeof(pi)))
			return -EINVAL;
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		info->ifindex = (uint32_t)pi.ipi_ifindex;
		memcpy(info->local, &pi.ipi_spec_dst, 4);
		info->have |= ZT_NC_INFO_IP_PKTINFO;
		return 0;
	}
	default:
		return 0; /* options the kernel has and we do not apply (IP_RETOPTS...) */
	}
}

/* One IPv6 control message of sendmsg (ip6_datagram_send_ctl): 0 or -EINVAL. -1 is the default. */
static int ipv6_cmsg(const struct cmsghdr *cm, struct zt_nc_info *info)
{
	int v = 0;
	switch (cm->cmsg_type) {
	case IPV6_HOPLIMIT:
	case IPV6_TCLASS:
		if (!int_data(cm, &v) || v < -1 || v > 255)
			return -EINVAL;
		if (v < 0)
			return 0;
		if (cm->cmsg_type == IPV6_HOPLIMIT) {
			info->ttl = (uint8_t)v;
			info->have |= ZT_NC_INFO_IPV6_HOPLIMIT;
		} else {
			info->tos = (uint8_t)v;
			info->have |= ZT_NC_INFO_IPV6_TCLASS;
		}
		return 0;
	case IPV6_PKTINFO: {
		struct in6_pktinfo pi;
		if (cm->cmsg_len < CMSG_LEN(sizeof(pi)))
			return -EINVAL;
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		info->ifindex = pi.ipi6_ifindex;
		memcpy(info->local, &pi.ipi6_addr, 16);
		info->have |= ZT_NC_INFO_IPV6_PKTINFO;
		return 0;
	}
	default:
		return 0; /* IPV6_DONTFRAG, extension headers...: not applied */
	}
}

int zt_anc_parse(const struct msghdr *msg, int family, struct zt_nc_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return 0;
	struct msghdr *m = (struct msghdr *)msg;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_len < CMSG_LEN(0))
			return -EINVAL;
		int e = 0;
		if (cm->cmsg_level == SOL_SOCKET &&
		    (cm->cmsg_type == SCM_RIGHTS || cm->cmsg_type == SCM_CREDENTIALS))
			e = -EINVAL; /* the kernel refuses them on a TCP or UDP socket */
		else if (family == AF_INET && cm->cmsg_level == IPPROTO_IP)
			e = ip_cmsg(cm, info);
		else if (family == AF_INET6 && cm->cmsg_level == IPPROTO_IPV6)
			e = ipv6_cmsg(cm, info);
		if (e < 0)
			return e;
	}
	return 0;
}

/* put_cmsg() of Linux: as much of the message as fits, MSG_CTRUNC when not all of it did. */
static void put_cmsg(struct msghdr *msg, size_t *used, int level, int type, const void *data, size_t len)
{
	size_t room = msg->msg_controllen > *used ? msg->msg_controllen - *used : 0;
	if (!msg->msg_control || room < sizeof(struct cmsghdr)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	uint8_t *at = (uint8_t *)msg->msg_control + *used;
	size_t cmlen = CMSG_LEN(len);
	if (room < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = room;
	}
	struct cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = level, .cmsg_type = type};
	memcpy(at, &h, sizeof(h));
	if (cmlen > CMSG_LEN(0))
		memcpy(at + CMSG_LEN(0), data, cmlen - CMSG_LEN(0));
	cmlen = CMSG_SPACE(len);
	*used += room < cmlen ? room : cmlen;
}

static void put_int(struct msghdr *msg, size_t *used, int level, int type, int v)
{
	put_cmsg(msg, used, level, type, &v, sizeof(v));
}

void zt_anc_build(struct msghdr *msg, const struct zt_nc_info *info)
{
	size_t used = 0;
	/* Linux's order: IPV6_PKTINFO; then the IPv4 messages (a datagram that came over IPv4) or the
	 * IPv6 ones */
	if (info->have & ZT_NC_INFO_IPV6_PKTINFO) {
		struct in6_pktinfo pi;
		memcpy(&pi.ipi6_addr, info->local, 16);
		pi.ipi6_ifindex = info->ifindex;
		put_cmsg(msg, &used, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (info->have & ZT_NC_INFO_IP_PKTINFO) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		struct in_pktinfo pi = {.ipi_ifindex = (int)info->ifindex};
		const uint8_t *v4 = memcmp(info->local, mapped, 12) == 0 ? info->local + 12 : info->local;
		memcpy(&pi.ipi_spec_dst, v4, 4);
		memcpy(&pi.ipi_addr, v4, 4);
		put_cmsg(msg, &used, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (info->have & ZT_NC_INFO_IP_TTL)
		put_int(msg, &used, IPPROTO_IP, IP_TTL, info->ttl);
	if (info->have & ZT_NC_INFO_IP_TOS)
		put_cmsg(msg, &used, IPPROTO_IP, IP_TOS, &info->tos, 1);
	if (info->have & ZT_NC_INFO_IPV6_HOPLIMIT)
		put_int(msg, &used, IPPROTO_IPV6, IPV6_HOPLIMIT, info->ttl);
	if (info->have & ZT_NC_INFO_IPV6_TCLASS)
		put_int(msg, &used, IPPROTO_IPV6, IPV6_TCLASS, info->tos);
	msg->msg_controllen = used;
}
