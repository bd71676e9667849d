/* Private to the sandbox supervisor: one stopped call, the helpers that reach into the program that
 * made it, and the RPC client it shares with ops.c and ops_io.c. */
#ifndef ZTRUN_SANDBOX_INT_H
#define ZTRUN_SANDBOX_INT_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdpass.h"
#include "loop.h"
#include "rpc.h"
#include "sandbox.h"

struct sb_call;

/* A reply of the service to one call's request: result, the fd it carried (-1; the handler owns
 * it), the body after the header. */
typedef void sb_reply_fn(struct sb_call *c, int32_t result, int fd, struct zt_nc_buf *body);
/* The call's fd became ready (or the wait should be retried). */
typedef void sb_ready_fn(struct sb_call *c);

struct sb_call {
	struct zt_sandbox *sb;
	struct sb_call *next;    /* in sb->calls, or sb->dead once done */
	uint64_t id;             /* the notification's */
	pid_t pid;               /* the thread that made the call */
	int nr;                  /* syscall number */
	uint64_t args[6];
	int fd;                  /* our copy of the program's fd args[0] (-1 for socket()) */
	int kind;                /* rpc.h kind letter of fd, or 0 */
	bool nonblock;           /* the program's fd is O_NONBLOCK */
	bool done;
	uint32_t rpc_id;         /* != 0 while a request waits for its reply */
	sb_reply_fn *on_reply;
	struct zt_watch w;       /* while waiting for fd to become ready */
	int64_t deadline;        /* of that wait, from SO_RCVTIMEO/SO_SNDTIMEO (zt_now_ms; 0: none) */
	sb_ready_fn *on_ready;
	uint8_t *buf;            /* a datagram or the bytes to send, kept between steps (malloc'd) */
	size_t len;
	size_t hdr;              /* of a framed datagram in buf: the address (and info block) */
	int msgflags;            /* MSG_* of a send or receive */
	struct zt_nc_addr peer;  /* a connected datagram socket's peer, for a receive that wants it */
};

#define SB_MAX_NS 3 /* nameservers read from a resolv.conf, as libc */
#define SB_PIDFDS 32 /* threads whose pidfd is kept (supervisor.c, caller_pidfd) */

struct sb_pidfd {
	pid_t tid; /* 0: a free slot */
	int fd;
};

struct zt_sandbox {
	struct zt_loop *loop;
	int notify_fd;
	struct zt_watch nw;
	char socket_path[108];
	int ctl_fd;
	struct zt_watch cw;
	uint32_t next_id;
	struct sb_call *calls, *dead;
	unsigned long served, native;
	int64_t last_sweep;
	struct zt_nc_addr host_ns[SB_MAX_NS]; /* the host's /etc/resolv.conf, read at start */
	int host_ns_count;
	char resolv_conf[4200];               /* the network's (rpc.h, "Names"), or "" */
	struct sb_pidfd pidfds[SB_PIDFDS];
	unsigned pidfd_next;                  /* the slot to reuse when none is free */
	bool hook;
};

/* ---- answering (supervisor.c); each finishes the call ---- */
void sb_answer(struct sb_call *c, int64_t val);    /* the call returns val (>= 0) */
void sb_fail(struct sb_call *c, int err);          /* the call fails with errno err (> 0) */
void sb_continue(struct sb_call *c);               /* the kernel runs the call as made */
/* Puts fd into the program (close-on-exec if cloexec) as the call's result; closes fd. */
void sb_answer_fd(struct sb_call *c, int fd, bool cloexec);
/* Installs fd over the program's fd number args[0], keeping its O_NONBLOCK and close-on-exec;
 * closes fd. 0 or -errno (the call is not answered). */
int sb_install_over(struct sb_call *c, int fd);
/* Whether the program is still waiting for this call. */
bool sb_valid(struct sb_call *c);

/* ---- the program's memory (supervisor.c): 0 or -EFAULT ---- */
int sb_read(struct sb_call *c, uint64_t addr, void *buf, size_t len);
int sb_write(struct sb_call *c, uint64_t addr, const void *buf, size_t len);

/* ---- the service (supervisor.c) ---- */
extern const struct zt_fdpass_ops sb_fdpass_ops; /* libc's calls */
/* Sends op with body and fd (none if < 0); on_reply runs when the reply comes. 0 or -errno. */
int sb_request(struct sb_call *c, enum zt_nc_op op, int fd, const void *body, size_t len, sb_reply_fn *on_reply);
/* Calls c->on_ready = fn once c->fd is ready for events (EPOLLIN/EPOLLOUT). 0 or -errno. */
int sb_wait(struct sb_call *c, uint32_t events, sb_ready_fn *fn);

/* ---- names (dns.c) ---- */
void sb_dns_init(struct zt_sandbox *sb);
/* A destination that is port 53 of a host nameserver becomes the network's nameserver. 0, or
 * -ENETUNREACH when the network has none. */
int sb_dns_redirect(struct zt_sandbox *sb, struct zt_nc_addr *a);

/* ---- the calls (ops.c) ---- */
void sb_op_socket(struct sb_call *c);
/* A call on a virtual socket (c->fd, c->kind set). */
void sb_op_fd(struct sb_call *c);
/* The same on a placeholder of the shim's (c->kind 'u' or 'U'): made a socket of the service first. */
void sb_realize(struct sb_call *c);
/* Sends op with body about c->fd; when the service cannot be asked, the call fails with the errno
 * the shim gives. */
void sb_ask(struct sb_call *c, enum zt_nc_op op, const void *body, size_t len, sb_reply_fn *fn);
int sb_set_nonblock(int fd, bool on); /* 0 or -errno */
/* An address argument (pointer, length) of the program, as the kernel takes it. 0 or -errno. */
int sb_read_addr(struct sb_call *c, uint64_t p, uint64_t len, struct zt_nc_addr *a);
/* Writes a to the program's (p, *lenp) as getsockname() does: truncated, full length reported. */
int sb_write_addr(struct sb_call *c, const struct zt_nc_addr *a, uint64_t p, uint64_t lenp);
/* An int argument of a syscall. */
static inline int sb_low(uint64_t v)
{
	return (int)(uint32_t)v;
}

/* ---- the data calls (ops_io.c) ---- */
void sb_op_accept(struct sb_call *c); /* accept(), accept4() */
void sb_op_send(struct sb_call *c);   /* sendto(), sendmsg(), sendmmsg() */
void sb_op_recv(struct sb_call *c);   /* recvfrom(), recvmsg(), recvmmsg() */
/* What fd is: 0 for anything but a virtual socket or a placeholder, else its rpc.h kind letter. */
int zt_sandbox_fd_kind(int fd);
/* Whether nr is one of the fd calls ops.c and ops_io.c serve. */
bool sb_is_fd_call(int nr);

#endif
