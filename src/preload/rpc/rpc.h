/* The contract between the preload shim (in the app) and ztrun's socket service: message layouts,
 * their encoding, and what each side promises. Included by both; depends on libc only. */
#ifndef ZTRUN_RPC_H
#define ZTRUN_RPC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * Channels
 * --------
 * Control: a SOCK_SEQPACKET connection to the service's socket, whose full path is the value of
 * ZT_NC_NETWORK. The shim opens one per thread (lazily; a child after fork opens its own, detected by
 * getpid()). One request, one reply, matched by `id`; a reply with an unexpected id is stale (its
 * caller gave up on EINTR) and is discarded. Every request that concerns an existing socket carries
 * the app's fd for it as SCM_RIGHTS: the service identifies the socket by that kernel object, never by
 * the fd number. Replies carry at most one fd (ZT_NC_REPLY_HAS_FD in flags).
 *
 * Data: every virtual socket is one end of an AF_UNIX socketpair made by the service (the "app end").
 * The service binds each app end to an abstract name
 *     "\0" ZT_NC_NAME_PREFIX "<service pid>/<socket id>/<tag>/<kind>"
 * (tag: 16 random hex digits, so that no other user of the network namespace can guess a name and
 * bind it first; the shim reads only the prefix and the kind)
 * so that any process can tell whether an fd is virtual, and of which kind, with one getsockname();
 * no table keyed by fd number exists on either side. Kinds:
 *   's' stream (TCP, before listen; connected or not)   SOCK_STREAM pair, carries only app bytes
 *   'l' listener (TCP after listen)                      SOCK_SEQPACKET pair, one accept record/msg
 *   'd' datagram, unconnected (UDP)                      SOCK_SEQPACKET pair, each datagram framed
 *   'c' datagram, connected (UDP after connect)          SOCK_SEQPACKET pair, raw datagrams to/from peer
 *   'D' datagram, unconnected, with info                 as 'd', each datagram from the service has an
 *       info block (below). A 'd' socket becomes 'D' when the app turns a receive option on
 *       (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS): the
 *       SETSOCKOPT reply carries the new app end to install (datagrams queued in the old one are lost,
 *       as apps set these before traffic). connect() makes it 'c' (which carries no info).
 * The service end of an 's' pair is unnamed until the socket connects (connect() began, or it was
 * accepted); then it is bound to the same name with kind ZT_NC_KIND_PEER. So one getpeername() on the
 * app end tells a stream that never connected, where recv() gives ENOTCONN as TCP does, from one
 * whose data has not come yet (EAGAIN, or wait).
 * (Datagram kinds use SOCK_SEQPACKET, not SOCK_DGRAM: it keeps datagram boundaries and, unlike
 * SOCK_DGRAM, tells the service when the app closed its end. The shim reports SOCK_DGRAM to the app.)
 * listen() and connect() on a datagram socket hand back a new app end that the shim installs over the
 * app's fd with dup3(), keeping its number, O_NONBLOCK and FD_CLOEXEC.
 *
 * Framed datagram ('d'): struct zt_nc_addr encoded (ZT_NC_ADDR_LEN bytes) + payload; from app to
 * service the address is the destination, from service to app it is the source. When the family
 * word of that address has ZT_NC_ADDR_HAS_INFO set, an info block (struct zt_nc_info, ZT_NC_INFO_LEN
 * bytes) follows it before the payload: from the service, always on 'D' and never on 'd'; from the
 * app, on either kind, when sendmsg() carried IP_TTL, IP_TOS, IP_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS
 * or IPV6_PKTINFO. zt_nc_put_frame()/zt_nc_get_frame() write and read both forms.
 * Accept record ('l'): ZT_NC_ADDR_LEN bytes (peer address) + SCM_RIGHTS with one fd, the connected
 * stream app end ('s') of the new connection, or a joined connection's kernel TCP socket. When the
 * family word has ZT_NC_ADDR_RESET_UNACCEPTED set (only a joined connection's socket, which comes
 * O_NONBLOCK), that socket has SO_LINGER {1, 0}, so that closed
 * unaccepted (its listener closed with the record still queued) it resets its connection, as a
 * kernel's listener does; the accepter turns it off, then gives it its listener's SO_LINGER, which
 * the service keeps on the listener's app end for that (appopt.h). When the family word has
 * ZT_NC_ADDR_ACK_ACCEPT set (the app end of a connection through lwIP), the accepter sends the
 * record back as it came (ZT_NC_ADDR_LEN bytes, no fd) on the listener's app end once it holds the
 * connection, waiting for room if there is none (the service reads them at once): when the app
 * closes its listener, the service resets the connections whose app ends it dropped unaccepted, as
 * a kernel's listener resets what it queued, and ends the others as the app closes them.
 * zt_nc_get_addr_flags() reads both flags.
 *
 * Lazy streams: socket() of a TCP socket in the shim asks the service nothing. It makes a Unix
 * stream socket of its own (the "placeholder") bound to an abstract name
 *     "\0" ZT_NC_NAME_PREFIX "new/<pid>/<n>/<kind>"      kind 'u' (AF_INET) or 'U' (AF_INET6)
 * with the app's SOCK_NONBLOCK and SOCK_CLOEXEC. connect() on it is CONNECT_NEW. The common options
 * of a client (TCP_NODELAY, SO_KEEPALIVE and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, SO_REUSEADDR,
 * SO_RCVBUF/SO_SNDBUF) set on it are kept by the shim and travel in the request that makes the
 * socket (CONNECT_NEW or SOCKET); anything else the
 * app does with it first (another option, bind, listen, a name, I/O, dup, fcntl(F_DUPFD), passing it
 * over SCM_RIGHTS, a fork, a posix_spawn) asks for the socket with SOCKET and installs the 's' app
 * end over it, as if socket() had asked. A placeholder closed unused costs the service nothing. The
 * seccomp supervisor makes no placeholders; a call on one a program inherited across exec asks for
 * its socket as the shim does (SOCKET, ZT_NC_SOCKET_SHARED) and installs it over the program's fd.
 *
 * Close and shutdown are native: the service sees EOF/HUP on its end, flushes, and closes the PCB.
 *
 * Names: the shim resolves them itself (its DNS client uses virtual sockets) with the nameservers,
 * search list and options of the file named as the control socket plus ".resolv.conf"
 * (HOME/nc_<nwid>.resolv.conf), which the launcher writes from the network's DNS config; no file,
 * or no nameserver in it, means names beyond /etc/hosts do not resolve, unless ztrun runs with
 * --fallthrough: then it also writes the host's /etc/resolv.conf beside it as that name plus
 * ZT_NC_RESOLV_HOST_SUFFIX, which readers use when the first names no nameserver. ZTRUN_RESOLV_CONF, when set, names another file (for tests).
 * Integers are little-endian; ports and IPv4/IPv6 addresses keep network byte order.
 */

/*
 * Seccomp (src/sandbox/): ztrun runs COMMAND under a seccomp filter whose supervisor, in ztrun, makes
 * the socket calls of programs the shim does not see (static, Go, raw syscalls) as the shim would.
 * The filter lets connect, bind, listen, accept, accept4, getsockname, getpeername, setsockopt,
 * getsockopt, sendmsg, recvmsg, sendmmsg and recvmmsg through untouched when their sixth argument,
 * which none of them uses, is ZT_NC_SYSCALL_COOKIE, and sendto/recvfrom when their address argument
 * is NULL. The shim makes its own calls that way (direct.c), so it never waits for the supervisor.
 * The cookie is no secret: it only skips work (those calls reach no network from a socketpair end);
 * socket() of AF_INET/AF_INET6 has no such door.
 */
#define ZT_NC_SYSCALL_COOKIE 0x7a7472756e736363ULL
#define ZT_NC_RESOLV_HOST_SUFFIX ".host" /* see Names */

#define ZT_NC_VERSION        1
#define ZT_NC_NAME_PREFIX    "ztnc/"
#define ZT_NC_MAX_MSG        512 /* no request or reply is longer */
#define ZT_NC_MAX_OPTLEN     256 /* socket option values carried by SETSOCKOPT/GETSOCKOPT */
#define ZT_NC_HDR_LEN        8
#define ZT_NC_REPLY_HDR_LEN  12
#define ZT_NC_ADDR_LEN       24
#define ZT_NC_REPLY_HAS_FD   0x01
#define ZT_NC_KIND_PEER      'p' /* the name of a connected stream's service end (see Data) */
#define ZT_NC_ADDR_HAS_INFO  0x8000 /* in a framed datagram's family word: an info block follows */
#define ZT_NC_ADDR_RESET_UNACCEPTED 0x4000 /* in an accept record's family word (see Data) */
#define ZT_NC_ADDR_ACK_ACCEPT 0x2000       /* in an accept record's family word (see Data) */
#define ZT_NC_INFO_LEN       28

enum zt_nc_op {
	/* req: u32 domain, u32 type (SOCK_STREAM or SOCK_DGRAM, no flags), u32 protocol, and optionally
	 * u32 flags: ZT_NC_SOCKET_SHARED (a stream the shim makes of its placeholder at a dup, a fork or
	 * an epoll_ctl ADD: never joined, since a joined connect installs a new socket over one fd, and
	 * the other copies, or the epoll, keep the old one), then the options the placeholder carried
	 * (ZT_NC_CARRIED_MAX), set on the new socket as by SETSOCKOPT.
	 * reply: fd = app end ('s' or 'd'); the shim applies SOCK_NONBLOCK/SOCK_CLOEXEC itself. */
	ZT_NC_SOCKET = 1,
	/* fd; req: addr. reply: 0 or -errno (EADDRINUSE, EADDRNOTAVAIL, EINVAL if already bound) */
	ZT_NC_BIND = 2,
	/* fd; req: i32 backlog. reply: 0 + fd = new 'l' app end to install (none if already listening) */
	ZT_NC_LISTEN = 3,
	/* fd; req: addr, u32 flags (ZT_NC_CONNECT_NONBLOCK; ZT_NC_CONNECT_SHARED: the app's socket may
	 * have copies (a dup, a fork, an epoll that watches it), so it is not joined, as SOCKET's flag).
	 * stream: reply 0 when connected, -EINPROGRESS at once when non-blocking, else -errno
	 *         (ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EISCONN). Non-blocking: before replying the
	 *         service fills the app end's send buffer from the fd it was handed, so the app sees no
	 *         POLLOUT until the handshake ends (then the filler is dropped), as with a kernel socket.
	 *         A connect repeated meanwhile is answered when the handshake ends: the error, or 0 for
	 *         the first connect to find the connection made (as Linux, once), EISCONN after that.
 *         Joined (unless ztrun has ZTRUN_JOIN_LOOPBACK=0): when the address is a loopback one
 *         where a listener of the service waits, the reply (0, or -EINPROGRESS when non-blocking,
 *         as a kernel says) carries fd = a kernel TCP socket of ztrun's own network namespace,
 *         connected to the one the listener's app accepts (an accept record as for any other
 *         connection); the shim installs it over the app's fd. Being no virtual socket, it is
 *         the kernel's from then on: the shim and the sandbox let every call on it through.
	 * datagram: reply 0 + fd = new 'c' app end (or 'd' when addr family is AF_UNSPEC) to install.
	 * Fall-through (only when ztrun runs with --fallthrough): when no joined network reaches the
	 *         address and it is not loopback, the reply is ZT_NC_CONNECT_HOST + fd = an unconnected
	 *         socket of the host's stack, of the socket's domain, type and protocol. The shim
	 *         installs it over the app's fd and connects it itself (a blocking connect blocks in
	 *         the kernel); the seccomp supervisor installs it and lets the program's connect run.
	 *         From then on the fd is no virtual socket: every call on it is the kernel's. */
	ZT_NC_CONNECT = 4,
	/* fd. reply: 0 + addr, or -errno (ENOTCONN for getpeername) */
	ZT_NC_GETSOCKNAME = 5,
	ZT_NC_GETPEERNAME = 6,
	/* fd; req: i32 level, i32 name, u32 len, len bytes. reply: 0 or -errno (ENOPROTOOPT, EINVAL) */
	ZT_NC_SETSOCKOPT = 7,
	/* fd; req: i32 level, i32 name, u32 maxlen. reply: 0 + u32 len + len bytes, or -errno.
	 * SO_ERROR is answered at once (0 while a connect is in progress, as on Linux). */
	ZT_NC_GETSOCKOPT = 8,
	/* no fd; empty req. reply: 0 + fd = a new rpc connection, already connected to the service.
	 * The shim asks for one before fork() (pthread_atfork prepare) and gives it to the child, so a
	 * child that changes its uid (nginx and postgres workers do) still reaches the service, whose
	 * socket lies in a 0700 directory. */
	ZT_NC_CLONE = 9,
	/* no fd; req: u32 first (index of the first entry wanted).
	 * reply: 0 + u32 total, u32 count, then count entries of ZT_NC_IFADDR_LEN bytes each: the
	 * virtual interfaces as getifaddrs() reports them, in a stable order: one link entry
	 * (family ZT_NC_IF_LINK) per interface, then every IPv4 address, then every IPv6 address.
	 * Entry: name[ZT_NC_IFNAMSIZ] (NUL-padded, NUL-terminated), u32 index, u32 flags (IFF_*),
	 * u32 mtu, u16 family, u16 prefix, addr[16]. A link entry carries the hardware address in
	 * addr and its length in prefix; an address entry its prefix length. A reply holds as many
	 * whole entries as fit in a message; the shim asks again from first + count until it has
	 * total, and starts over if total changed (the interfaces changed between its requests). */
	ZT_NC_IFADDRS = 10,
	/* no fd; req: u32 domain (AF_INET or AF_INET6), addr, u32 flags (ZT_NC_CONNECT_NONBLOCK), then
	 * the options the placeholder carried (ZT_NC_CARRIED_MAX), the new socket's before it connects.
	 * connect() of a stream socket the service was not asked for yet (a placeholder, see Lazy
	 * streams): the socket and its connection in one request. Reply: when joined (see CONNECT), 0
	 * or -EINPROGRESS + fd = the connected kernel socket, as CONNECT's, which comes O_NONBLOCK;
	 * else ZT_NC_CONNECT_AGAIN +
	 * fd = a new 's' app end, as SOCKET's, which the shim installs and then connects with CONNECT;
	 * or -errno. */
	ZT_NC_CONNECT_NEW = 11,
};
#define ZT_NC_OP_LAST ZT_NC_CONNECT_NEW

#define ZT_NC_IFNAMSIZ   16 /* IFNAMSIZ */
#define ZT_NC_IFADDR_LEN (ZT_NC_IFNAMSIZ + 16 + 16)
#define ZT_NC_IF_LINK    17 /* AF_PACKET: the entry describes the interface itself */

/* Options a placeholder carries (see Lazy streams), at the end of SOCKET's and CONNECT_NEW's body:
 * each u32 level, u32 name, u32 len (4), len bytes; at most 8. */
#define ZT_NC_CARRIED_MAX (8 * 16)
#define ZT_NC_CONNECT_NONBLOCK 0x01
#define ZT_NC_CONNECT_SHARED   0x02 /* CONNECT of a stream that may have copies: never joined */
#define ZT_NC_SOCKET_SHARED    0x01 /* SOCKET's flags */
#define ZT_NC_CONNECT_HOST     1 /* CONNECT's reply: the fd is the host's socket (fall-through) */
#define ZT_NC_CONNECT_AGAIN    2 /* CONNECT_NEW's reply: the fd is a new 's' app end to connect */

/* The errno a call gives when the service cannot be asked or answered nonsense, the same from the
 * shim and the seccomp supervisor: one its caller already handles for "the network is not there". */
static inline int zt_nc_unavailable_errno(enum zt_nc_op op)
{
	switch (op) {
	case ZT_NC_SOCKET:
		return EAFNOSUPPORT;
	case ZT_NC_BIND:
		return EADDRNOTAVAIL;
	case ZT_NC_CONNECT:
		return ENETUNREACH;
	default:
		return ENOBUFS;
	}
}

/* The kind letter that ends an app end's name (see Data), from what getsockname() gave for it; 0
 * when the name is none of ours. Which kinds a caller serves is its own business. */
static inline int zt_nc_name_kind(const struct sockaddr_un *un, socklen_t len)
{
	const size_t prefix = sizeof(ZT_NC_NAME_PREFIX) - 1, off = offsetof(struct sockaddr_un, sun_path);
	/* "\0ztnc/.../<kind>": at least the NUL, the prefix, one character, "/" and the kind. */
	if (len > sizeof(*un) || un->sun_family != AF_UNIX || len < off + 1 + prefix + 3)
		return 0;
	const char *name = un->sun_path;
	size_t n = len - off;
	if (name[0] != '\0' || memcmp(name + 1, ZT_NC_NAME_PREFIX, prefix) != 0 || name[n - 2] != '/')
		return 0;
	return (unsigned char)name[n - 1];
}

/* A socket address as it crosses the channels. family is AF_INET, AF_INET6 or AF_UNSPEC. */
struct zt_nc_addr {
	uint16_t family;
	uint16_t port_be;
	uint32_t scope_id; /* IPv6 only */
	uint8_t addr[16];  /* IPv4 in the first 4 bytes */
};

/* Bounds-checked little-endian writer and reader with a sticky error: callers encode or decode a
 * whole message, then check `bad` once. */
struct zt_nc_buf {
	uint8_t *p;
	size_t len, off;
	bool bad;
};

static inline void *zt_nc_take(struct zt_nc_buf *b, size_t n)
{
	if (b->bad || b->len - b->off < n) {
		b->bad = true;
		return NULL;
	}
	void *r = b->p + b->off;
	b->off += n;
	return r;
}

static inline void zt_nc_put_u32(struct zt_nc_buf *b, uint32_t v)
{
	uint8_t *q = (uint8_t *)zt_nc_take(b, 4);
	if (q)
		for (int i = 0; i < 4; i++)
			q[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t zt_nc_get_u32(struct zt_nc_buf *b)
{
	const uint8_t *q = (const uint8_t *)zt_nc_take(b, 4);
	return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24 : 0;
}

static inline void zt_nc_put_bytes(struct zt_nc_buf *b, const void *src, size_t n)
{
	void *q = zt_nc_take(b, n);
	if (q && n)
		memcpy(q, src, n);
}

static inline const void *zt_nc_get_bytes(struct zt_nc_buf *b, size_t n)
{
	return zt_nc_take(b, n);
}

/* Request header: u8 op, u8 version, u16 zero, u32 id. */
static inline void zt_nc_put_req_hdr(struct zt_nc_buf *b, enum zt_nc_op op, uint32_t id)
{
	zt_nc_put_u32(b, (uint32_t)op | (uint32_t)ZT_NC_VERSION << 8);
	zt_nc_put_u32(b, id);
}

/* Reply header: u8 op, u8 version, u8 flags, u8 zero, u32 id, i32 result (>= 0 or -errno). */
static inline void zt_nc_put_reply_hdr(struct zt_nc_buf *b, enum zt_nc_op op, uint32_t id, uint8_t flags,
				       int32_t result)
{
	zt_nc_put_u32(b, (uint32_t)op | (uint32_t)ZT_NC_VERSION << 8 | (uint32_t)flags << 16);
	zt_nc_put_u32(b, id);
	zt_nc_put_u32(b, (uint32_t)result);
}

static inline void zt_nc_put_addr(struct zt_nc_buf *b, const struct zt_nc_addr *a)
{
	zt_nc_put_u32(b, (uint32_t)a->family | (uint32_t)a->port_be << 16);
	zt_nc_put_u32(b, a->scope_id);
	zt_nc_put_bytes(b, a->addr, 16);
}

static inline void zt_nc_get_addr(struct zt_nc_buf *b, struct zt_nc_addr *a)
{
	uint32_t w = zt_nc_get_u32(b);
	a->family = (uint16_t)w;
	a->port_be = (uint16_t)(w >> 16);
	a->scope_id = zt_nc_get_u32(b);
	const void *q = zt_nc_get_bytes(b, 16);
	if (q)
		memcpy(a->addr, q, 16);
	else
		memset(a->addr, 0, 16);
	if (a->family != AF_INET && a->family != AF_INET6 && a->family != AF_UNSPEC)
		b->bad = true;
}

/* What IP says of one datagram (service to app), or asks for it (app to service): the ancillary data
 * of recvmsg()/sendmsg() on a framed datagram socket (see Data). `have` says which fields count,
 * one bit per control message; the service sets the bits of the receive options the socket has on
 * that apply to the datagram, and the shim writes one control message per bit, in Linux's order.
 * Encoded: u32 have, u8 ttl, u8 tos, u16 zero, u32 ifindex, local[16] (IPv4 in the first 4 bytes). */
enum zt_nc_info_bits {
	ZT_NC_INFO_IPV6_PKTINFO = 0x01,  /* local (destination or source) and ifindex */
	ZT_NC_INFO_IP_PKTINFO = 0x02,    /* the same, for IPv4 */
	ZT_NC_INFO_IP_TTL = 0x04,        /* ttl */
	ZT_NC_INFO_IP_TOS = 0x08,        /* tos */
	ZT_NC_INFO_IPV6_HOPLIMIT = 0x10, /* ttl */
	ZT_NC_INFO_IPV6_TCLASS = 0x20,   /* tos */
};

struct zt_nc_info {
	uint32_t have;
	uint8_t ttl, tos;
	uint32_t ifindex;
	uint8_t local[16];
};

/* A framed datagram's header: the address, and the info block when info is not NULL. */
static inline void zt_nc_put_frame(struct zt_nc_buf *b, const struct zt_nc_addr *a, const struct zt_nc_info *info)
{
	struct zt_nc_addr x = *a;
	if (info)
		x.family |= ZT_NC_ADDR_HAS_INFO;
	zt_nc_put_addr(b, &x);
	if (!info)
		return;
	zt_nc_put_u32(b, info->have);
	zt_nc_put_u32(b, (uint32_t)info->ttl | (uint32_t)info->tos << 8);
	zt_nc_put_u32(b, info->ifindex);
	zt_nc_put_bytes(b, info->local, 16);
}

/* Reads an address whose family word may carry the flags of `mask` (bits of the high byte); returns
 * those it carried. */
static inline uint16_t zt_nc_get_addr_flags(struct zt_nc_buf *b, struct zt_nc_addr *a, uint16_t mask)
{
	if (b->bad || b->len - b->off < ZT_NC_ADDR_LEN) {
		b->bad = true;
		return 0;
	}
	uint8_t copy[ZT_NC_ADDR_LEN];
	memcpy(copy, b->p + b->off, sizeof(copy));
	uint16_t set = (uint16_t)((copy[1] & (mask >> 8)) << 8);
	copy[1] &= (uint8_t) ~(mask >> 8); /* the family word is little-endian */
	struct zt_nc_buf ab = {.p = copy, .len = sizeof(copy)};
	zt_nc_get_addr(&ab, a);
	b->off += ZT_NC_ADDR_LEN;
	b->bad = ab.bad;
	return set;
}

/* The same for one flag; *set says whether it came. */
static inline void zt_nc_get_addr_flag(struct zt_nc_buf *b, struct zt_nc_addr *a, uint16_t flag, bool *set)
{
	*set = zt_nc_get_addr_flags(b, a, flag) != 0;
}

/* Reads a framed datagram's header; *has_info says whether an info block came (else info is zero). */
static inline void zt_nc_get_frame(struct zt_nc_buf *b, struct zt_nc_addr *a, struct zt_nc_info *info,
                                   bool *has_info)
{
	memset(info, 0, sizeof(*info));
	zt_nc_get_addr_flag(b, a, ZT_NC_ADDR_HAS_INFO, has_info);
	if (!*has_info || b->bad)
		return;
	info->have = zt_nc_get_u32(b);
	uint32_t w = zt_nc_get_u32(b);
	info->ttl = (uint8_t)w;
	info->tos = (uint8_t)(w >> 8);
	info->ifindex = zt_nc_get_u32(b);
	const void *q = zt_nc_get_bytes(b, 16);
	if (q)
		memcpy(info->local, q, 16);
}

/* sockaddr <-> zt_nc_addr. from_sockaddr returns -EINVAL on a short length, -EAFNOSUPPORT on another
 * family; to_sockaddr returns the full length of the address (callers truncate as libc does). */
static inline int zt_nc_addr_from_sockaddr(struct zt_nc_addr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		if (len < sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		a->family = AF_INET;
		a->port_be = in.sin_port;
		memcpy(a->addr, &in.sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		if (len < sizeof(in6))
			return -EINVAL;
		memcpy(&in6, sa, sizeof(in6));
		a->family = AF_INET6;
		a->port_be = in6.sin6_port;
		a->scope_id = in6.sin6_scope_id;
		memcpy(a->addr, &in6.sin6_addr, 16);
		return 0;
	}
	if (sa->sa_family == AF_UNSPEC) {
		a->family = AF_UNSPEC;
		return 0;
	}
	return -EAFNOSUPPORT;
}

static inline socklen_t zt_nc_addr_to_sockaddr(const struct zt_nc_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = a->port_be;
		memcpy(&in->sin_addr, a->addr, 4);
		return sizeof(*in);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = a->port_be;
		in6->sin6_scope_id = a->scope_id;
		memcpy(&in6->sin6_addr, a->addr, 16);
		return sizeof(*in6);
	}
	ss->ss_family = AF_UNSPEC;
	return sizeof(sa_family_t);
}

#endif
