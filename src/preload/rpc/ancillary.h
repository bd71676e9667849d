/* Ancillary data of virtual datagram sockets, for both sides that speak to a program: the shim
 * (recvmsg/sendmsg hooks) and the sandbox's supervisor (the same calls of a program the shim cannot
 * see). sendmsg's control messages become a framed datagram's info block (rpc.h), and a received
 * info block becomes recvmsg's control messages. libc only. */
#ifndef ZTRUN_RPC_ANCILLARY_H
#define ZTRUN_RPC_ANCILLARY_H

#include <sys/socket.h>

#include "rpc.h"

/* sendmsg's control messages into a datagram's info block (family: the destination's, which is the
 * socket's): 0 or -EINVAL, as the kernel refuses them. */
int zt_anc_parse(const struct msghdr *msg, int family, struct zt_nc_info *info);

/* A received info block into msg's control buffer (msg_control, msg_controllen): msg_controllen and
 * MSG_CTRUNC in msg_flags set as Linux's put_cmsg() sets them. */
void zt_anc_build(struct msghdr *msg, const struct zt_nc_info *info);

#endif
