/* The service's state, shared by the files of the stack module only. */
#ifndef ZTRUN_SERVICE_INT_H
#define ZTRUN_SERVICE_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "service.h"
#include "sock.h"

#define ZT_SVC_BUCKETS 1024

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
	uint8_t iobuf[65536 + ZT_NC_ADDR_LEN];
};

#endif
