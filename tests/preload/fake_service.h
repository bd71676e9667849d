/* A fake socket service for the shim's tests: a thread in the test process that speaks rpc.h with the
 * same helpers, hands out socketpair ends bound to ztnc names, and records what it was sent, so a test
 * can check the shim's side of the contract (test_hooks_*.c). */
#ifndef ZTRUN_TESTS_PRELOAD_FAKE_SERVICE_H
#define ZTRUN_TESTS_PRELOAD_FAKE_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "rpc.h"

#define MAX_CONNS 16
#define MAX_SOCKS 64

struct fake_sock {
	int kind;
	uint32_t domain, type, protocol;
	int svc;   /* the service's end of the current data pair */
	int svc_l; /* the service's end of the listener pair */
	struct zt_nc_addr local, peer;
	bool connected;
	int reuseaddr;
};

struct fake {
	pthread_mutex_t mu;
	int lfd, wake[2];
	int conns[MAX_CONNS];
	int nconns, accepted, closed, clones;
	struct fake_sock socks[MAX_SOCKS];
	int nsocks;
	/* The last request, as received. */
	int last_op, last_had_fd, requests;
	uint8_t last_body[ZT_NC_MAX_MSG];
	size_t last_body_len;
	/* Misbehaviour asked for by the test, each for the next reply. */
	bool stale_next, bad_version_next, refuse_clone;
	int connect_delay_ms;
};
extern struct fake F;
extern char ctl_path[108]; /* the fake's socket, as ZT_NC_NETWORK names it */

int fake_new_stream(void);
struct fake_sock *sock_of(int fd);
int kind_of(int fd);
int find_ctl_fd(void);

int fake_pair(int id, int kind, int type, int *svc);
void fake_send(int conn, const uint8_t *msg, size_t len, int fd);

/* Re-runs the program with the shim (argv[1]) preloaded and pointed at a fake service it starts, runs
 * the tests (a NULL-terminated list) and returns the exit status of zt_check_report. */
int fake_service_main(int argc, char **argv, void (*const tests[])(void));

#endif
