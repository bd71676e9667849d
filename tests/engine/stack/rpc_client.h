/* The client side of rpc.h as the shim speaks it, for tests that drive the socket service directly:
 * control connections, requests with an fd attached, replies with one. */
#ifndef ZTRUN_TEST_RPC_CLIENT_H
#define ZTRUN_TEST_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rpc.h"

/* A control connection to the service's socket at path; -1 on failure. */
int rpc_open(const char *path);
/* Sends one message with fd (>= 0) attached. 0 or -errno. */
int rpc_send_fd(int sock, const void *msg, size_t len, int fd);
/* Receives one message; its length or -errno, *fd_out the fd it carried or -1. */
ssize_t rpc_recv_fd(int sock, uint8_t *buf, size_t len, int *fd_out);
/* One request, one reply: the reply's result (-EPROTO for a reply to another request); the payload goes to
 * out (may be NULL), a carried fd to fd_out (closed if NULL). */
int rpc_call(int ctl, enum zt_nc_op op, int fd, const uint8_t *body, size_t blen, int *fd_out, uint8_t *out,
             size_t *outlen);
/* SOCKET: the new app end, or -errno. */
int rpc_socket(int ctl, int domain, int type);
/* An address from text ("10.0.0.1", "fd00::1") and a port. */
struct zt_nc_addr rpc_addr(const char *text, uint16_t port);
/* BIND or CONNECT (with flags) of fd to a. */
int rpc_addr_op(int ctl, enum zt_nc_op op, int fd, struct zt_nc_addr a, uint32_t flags, int *fd_out);
/* GETSOCKNAME or GETPEERNAME into *a. */
int rpc_name(int ctl, enum zt_nc_op op, int fd, struct zt_nc_addr *a);

struct zt_loop;
/* Runs fn, a client's side of a scenario, in a forked process while this one runs the service's loop in
 * slices of slice_ms, until the client exits (it exits 1 when a CHECK failed) or 30 s pass (it is
 * killed). Returns the client's wait status. */
int rpc_client_run(struct zt_loop *loop, void (*fn)(void), int slice_ms);

#endif
