/* sockcalls: one client and server over 127.0.0.1 and ::1 that exercises every socket call the
 * preload shim intercepts (see sockcalls.c). The helpers every part (and sockcompat.c) shares, and the
 * parts: options (sockcalls.c), TCP (sockcalls_tcp.c), UDP and dual-stack (sockcalls_udp.c), processes,
 * threads and descriptors (sockcalls_proc.c). Checks are tests/common/harness.h's named checks. */
#ifndef ZTRUN_TESTS_SOCKCALLS_H
#define ZTRUN_TESTS_SOCKCALLS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define IO_TIMEOUT_MS 20000
#define BIG_SIZE      (8u << 20)

/* --- helpers (sockcalls_util.c) --- */
const char *fam_name(int fam);
socklen_t loopback(int fam, uint16_t port, struct sockaddr_storage *ss);
uint16_t port_of(const struct sockaddr_storage *ss);
bool addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
bool is_loopback(const struct sockaddr_storage *ss, int fam);
int fl_nonblock(int fd);
int fd_cloexec(int fd);
int get_int_opt(int fd, int level, int name, int *out);
int set_int_opt(int fd, int level, int name, int v);
bool wait_fd(int fd, short events);
bool read_full(int fd, void *buf, size_t n);
bool write_all(int fd, const void *buf, size_t n);
bool read_eof(int fd);
int bound_socket(int fam, int type, int proto, struct sockaddr_storage *addr, socklen_t *len);
int make_listener(int fam, struct sockaddr_storage *addr, socklen_t *len);
int connect_to(int fam, const struct sockaddr_storage *addr, socklen_t len);
bool tcp_pair(int fam, int *c, int *s);
uint8_t pattern(size_t i);

/* --- the tests, each run for AF_INET and AF_INET6 where it takes a family --- */
void test_socket_flags(int fam);
void test_sockopts(int fam);
void test_tcp_basic(int fam);
void test_connect_nonblocking(int fam);
void test_refused(int fam);
void test_half_close(int fam);
void test_big(int fam, bool use_epoll);
void test_udp(int fam);
void test_dualstack(void);
void test_fork_listener(int fam);
void test_exec(int fam);
void test_threads(void);
void test_dup(int fam);
int exec_child(int fd, int fam);

#endif
