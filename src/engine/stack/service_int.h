/* The service's state, shared by the files of the stack module only. */
#ifndef ZTRUN_SERVICE_INT_H
#define ZTRUN_SERVICE_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "service.h"
#include "sock_int.h"

#define ZT_SVC_BUCKETS 4096

/* One rpc connection (one thread of one app process). */
struct zt_rpc_conn {
	int fd;
	struct zt_watch watch;
	struct zt_service *svc;
	struct zt_rpc_conn *next;
	bool dead;
};

struct zt_service {
	struct zt_loop *loop;
	pid_t pid;
	bool owner_only; /* control connections only from our own uid (zt_service_config) */
	bool fallthrough; /* zt_service_config */
	int lfd;
	struct zt_watch lwatch;
	char *path;
	dev_t path_dev; /* the socket file we made: unlinked at free only if path still names it */
	ino_t path_ino;
	size_t nsocks;
	struct zt_sock *buckets[ZT_SVC_BUCKETS];
	struct zt_sock *dead;
	struct zt_rpc_conn *conns;
	struct tcp_pcb *aborted_pcb; /* see tcp.c: cb_result() */
	/* Reset connections whose app still holds its end (sock.c: zt_sock_park), and when next to
	 * look whether it still does. */
	size_t nparked;
	int64_t parked_check_at;
	uint8_t iobuf[65536 + ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN];
};

/* The requests on one socket (sock_ops.c) and ZT_NC_IFADDRS (ifaddrs.c): 0 or -errno, the reply's
 * body in out (*outlen bytes) and an fd to hand over in *reply_fd where the request has them. */
int zt_op_socket(struct zt_service *svc, struct zt_nc_buf *req, int *reply_fd);
int zt_op_bind(struct zt_sock *s, struct zt_nc_buf *req);
int zt_op_listen(struct zt_sock *s, struct zt_nc_buf *req, int *reply_fd);
/* A blocking connect still in progress is answered later (*deferred set, a waiter on s for conn/id). */
int zt_op_connect(struct zt_service *svc, struct zt_rpc_conn *conn, uint32_t id, struct zt_sock *s,
                  int app_fd, struct zt_nc_buf *req, int *reply_fd, bool *deferred);
/* CONNECT_NEW (rpc.h): a joined connection's socket, or ZT_NC_CONNECT_AGAIN with a new 's' app end. */
int zt_op_connect_new(struct zt_service *svc, struct zt_nc_buf *req, int *reply_fd);
int zt_op_name(struct zt_sock *s, bool peer, uint8_t *out, size_t *outlen);
int zt_op_setsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req, int *reply_fd);
int zt_op_getsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req, uint8_t *out, size_t *outlen);
int zt_op_ifaddrs(struct zt_nc_buf *req, uint8_t *out, size_t cap, size_t *outlen);

#endif
