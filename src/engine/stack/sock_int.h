/* One app socket on the service side: the service end of its socketpair, its lwIP PCB, and the
 * bytes in flight between them. Private to the stack module. */
#ifndef ZTRUN_SOCK_INT_H
#define ZTRUN_SOCK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/raw.h"
#include "loop.h"
#include "fdpass.h"
#include "rpc.h"

struct zt_service;
struct zt_rpc_conn;

enum zt_sock_state { ZT_SOCK_NEW, ZT_SOCK_CONNECTING, ZT_SOCK_CONNECTED, ZT_SOCK_LISTENING, ZT_SOCK_DONE };

/* A reply owed to an rpc connection once an operation completes (blocking connect, SO_ERROR). */
struct zt_pending {
	struct zt_rpc_conn *conn;
	uint32_t id;
	enum zt_nc_op op;
	bool again; /* a connect() repeated while the first was in progress: EISCONN when it succeeds */
};

#define ZT_SOCK_MAX_WAITERS 4
#define ZT_SOCK_MAX_OPTS    32

struct zt_sockopt_val {
	int level, name, len;
	uint8_t val[16];
};

struct zt_sock {
	uint64_t id;
	uint64_t tag; /* random, in the app end's name: no one can guess the name and take it first */
	char kind; /* 's', 'l', 'd', 'c' as in rpc.h */
	int domain, type;
	int fd; /* service end, non-blocking */
	struct zt_watch watch;
	struct zt_service *svc;
	struct zt_sock *next_in_bucket, *next_dead;
	enum zt_sock_state state;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw; /* ICMP echo sockets (protocol IPPROTO_ICMP/ICMPV6) */
	} pcb;
	int protocol;     /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6 */
	uint16_t icmp_id; /* an ICMP socket's echo identifier (its "port") */
	/* Bytes we wrote into the app's end at a non-blocking connect, so that it stays unwritable (no
	 * POLLOUT) until the handshake ends, as a kernel socket does; discarded then. */
	size_t filler;
	bool bound, v6only, app_eof, app_gone, remote_eof, shut_sent, need_fin_to_app, dead;
	/* TCP: a connect failed (the socket may connect again, as on Linux), whether a connect() call has
	 * been told so (only the connect after that one starts anew), and the address the app bound,
	 * which a new attempt keeps (a port the failed attempt picked itself is let go). */
	bool connect_failed, connect_failure_told, app_bound;
	/* SOCKET said ZT_NC_SOCKET_SHARED (rpc.h): its connections go through lwIP, never joined. */
	bool no_join;
	/* A non-blocking connect began (EINPROGRESS) and no connect() has said 0 since: the next one
	 * that finds the connection made says 0, as Linux does once, and only later ones EISCONN. */
	bool connect_untold;
	/* Datagram sockets: the ZT_NC_INFO_* bits the app's receive options ask for (rpc.h, kind 'D'). */
	uint32_t rx_info;
	ip_addr_t bound_ip;
	uint16_t bound_port;
	/* TCP: its name once connected, which getsockname() still says after a reset took the pcb. */
	ip_addr_t name_ip;
	uint16_t name_port;
	int app_fd_pending; /* accepted, not yet handed to the listener's queue */
	int join_lfd;       /* listener: its kernel listener for joined connections (joined.c), or -1 */
	int so_error;
	/* TCP receive path: data lwIP gave us that the socketpair has not taken yet, as single pbufs
	 * linked by ->next (a pbuf chain's u16 tot_len could not count a whole window). */
	struct pbuf *rxq, *rxtail;
	size_t rxbytes;
	/* Inside a batch of frames (zt_netif_rx_batch_begin) rxq is written at the batch's end: the
	 * sockets waiting for that, linked. */
	struct zt_sock *next_rx_pending;
	bool rx_pending;
	/* TCP send path: bytes read from the socketpair that lwIP could not queue yet. */
	uint8_t *txbuf;
	size_t txlen;
	/* Listener: accepted connections the app's accept queue could not take yet. */
	struct zt_sock *acceptq_head, *acceptq_tail, *next_in_acceptq;
	/* A connection in its listener's app's queue that the app has not said it took (rpc.h,
	 * ZT_NC_ADDR_ACK_ACCEPT): on the list of that listener (ack_l, unacked) while it lives. */
	bool ack_wanted;
	/* TCP: a reset shut the service end both ways (tcp.c), so its hang-up no longer says the app
	 * closed; parked: unwatched until the app's end is gone (zt_sock_park). */
	bool self_shut, parked;
	struct zt_sock *ack_l, *next_unacked, *unacked;
	int backlog, nacceptq;
	struct zt_nc_addr peer_for_accept;
	struct zt_pending waiters[ZT_SOCK_MAX_WAITERS];
	int nwaiters;
	struct zt_sockopt_val opts[ZT_SOCK_MAX_OPTS];
	int nopts;
};

/* sock.c: the table, socketpairs and the TCP data path */
struct zt_sock *zt_sock_new(struct zt_service *svc, int domain, int type, char kind, int *app_fd);
struct zt_sock *zt_sock_lookup(struct zt_service *svc, int app_fd);
/* The abstract name fd's socket is bound to, without its leading NUL, as a string; false if none. */
#define ZT_SOCK_NAME_MAX 108 /* sizeof(sun_path) */
bool zt_sock_name_of(int fd, char name[ZT_SOCK_NAME_MAX]);
/* Names s's service end (rpc.h, ZT_NC_KIND_PEER) and has it take urgent data in line: the stream
 * is connected or connecting through lwIP. */
void zt_sock_name_service_end(struct zt_sock *s);
/* Replaces s's socketpair with a new one of `kind`; returns the new app end or -errno. */
int zt_sock_repair(struct zt_sock *s, char kind);
void zt_sock_update_watch(struct zt_sock *s);
void zt_sock_io(struct zt_sock *s, uint32_t events);
bool zt_sock_settle_port(struct zt_service *svc, int type, uint16_t port);
void zt_sock_kill(struct zt_sock *s);
/* s's service end hung up though the app still holds its end (self_shut): s stays, unwatched, so
 * the app may still ask it (SO_ERROR), until a look every second finds the app's end gone.
 * Returns false when it is gone already. */
bool zt_sock_park(struct zt_sock *s);
/* Looks at the parked sockets when due; the next time to look (zt_now_ms), or -1 for none. */
int64_t zt_sock_parked_due(struct zt_service *svc, int64_t now);
void zt_sock_reap(struct zt_service *svc);
/* Drops the first n bytes of s->rxq (all of it for SIZE_MAX); returns how many it dropped. */
size_t zt_sock_rx_consume(struct zt_sock *s, size_t n);
void zt_sock_free_all(struct zt_service *svc);
/* Answers the requests waiting on s for op; returns how many were answered. */
int zt_sock_reply_waiters(struct zt_sock *s, enum zt_nc_op op, int result);
int zt_sock_add_waiter(struct zt_sock *s, struct zt_rpc_conn *conn, uint32_t id, enum zt_nc_op op,
                       bool again);

int zt_tcp_bind(struct zt_sock *s, const ip_addr_t *ip, uint16_t port);
int zt_tcp_listen(struct zt_sock *s, int backlog);
int zt_tcp_connect(struct zt_sock *s, const ip_addr_t *ip, uint16_t port);
/* Fills the app's end (app_fd: its copy from the request) until it is not writable; see filler. */
void zt_tcp_block_writes(struct zt_sock *s, int app_fd);
void zt_tcp_attach(struct zt_sock *s, struct tcp_pcb *pcb);
/* A connection of s was made on pcb: keeps its name (name_ip, name_port). */
void zt_tcp_keep_name(struct zt_sock *s, const struct tcp_pcb *pcb);
/* Installs tcp.c's hooks into lwIP (the MSS a SYN advertises): once lwIP runs for a service. */
void zt_tcp_hooks_install(void);
void zt_tcp_io(struct zt_sock *s, uint32_t events);
/* s is going away: no batch may write for it any more. */
void zt_tcp_rx_forget(struct zt_sock *s);
/* Frees s once the app closed every copy of its end and nothing is owed to lwIP or the app. */
void zt_tcp_maybe_finish(struct zt_sock *s);
/* A connection just made: small segments where asked, the first retransmission timeout of 1 s. */
void zt_tcp_tune(struct tcp_pcb *pcb);

/* tcp_accept.c */
err_t zt_tcp_on_accept(void *arg, struct tcp_pcb *newpcb, err_t err);
/* Events on a listener's app end: the app's accept acknowledgements, room for more, its close. */
void zt_tcp_listener_io(struct zt_sock *l, uint32_t events);
/* c's app end just closed before it said it accepted c: whether its listener's close dropped it. */
bool zt_tcp_dropped_unaccepted(struct zt_sock *c);
/* s is going away: a listener reads what its app said it accepted and leaves the rest to be reset
 * as their app ends close; a connection leaves its listener's list. */
void zt_tcp_accept_forget(struct zt_sock *s);

/* udp.c */
/* The header of a framed datagram to the app ('d' or 'D') for one arriving now: its source and, on
 * 'D', what the IP header said. buf holds ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN; returns the length. */
size_t zt_dgram_frame_in(struct zt_sock *s, uint8_t *buf, const ip_addr_t *from, uint16_t port);
int zt_udp_bind(struct zt_sock *s, const ip_addr_t *ip, uint16_t port);
int zt_udp_connect(struct zt_sock *s, const struct zt_nc_addr *to);
void zt_udp_attach(struct zt_sock *s, struct udp_pcb *pcb);
void zt_udp_io(struct zt_sock *s, uint32_t events);

/* icmp.c */
int zt_icmp_attach(struct zt_sock *s);
void zt_icmp_io(struct zt_sock *s, uint32_t events);
static inline bool zt_sock_is_icmp(const struct zt_sock *s)
{
	return s->protocol == IPPROTO_ICMP || s->protocol == IPPROTO_ICMPV6;
}

/* sockopt.c */
int zt_sockopt_set(struct zt_sock *s, int app_fd, int level, int name, const void *val, uint32_t len);
int zt_sockopt_get(struct zt_sock *s, int app_fd, int level, int name, void *val, uint32_t *len);
/* Accepted sockets start with the listener's options, as on Linux. */
void zt_sockopt_inherit(struct zt_sock *to, const struct zt_sock *from);
/* Applies the options s holds to its PCB again (a new PCB, after a failed connect). */
void zt_sockopt_reapply(struct zt_sock *s);
/* Whether the app set SO_LINGER {1, 0}: its close resets the connection. */
bool zt_sockopt_linger_abort(struct zt_sock *s);

/* libc's socket calls for fdpass.h. */
extern const struct zt_fdpass_ops zt_sock_fdpass;

/* Sends one message, with fd (>= 0) attached as SCM_RIGHTS, without blocking. 0 or -errno. */
int zt_send_with_fd(int sock, const void *msg, size_t len, int fd);

/* service.c */
void zt_service_reply(struct zt_rpc_conn *conn, enum zt_nc_op op, uint32_t id, int result,
                      const void *payload, size_t plen, int fd);

#endif
