/* The private network namespace of joined connections (privnet.c). */
#ifndef ZTRUN_PRIVNET_H
#define ZTRUN_PRIVNET_H

#include <sys/types.h>

/* A new TCP socket (domain AF_INET or AF_INET6, non-blocking, close-on-exec) of a network namespace of
 * ztrun's own whose only interface is its loopback; the first call starts the process that makes
 * them. -EAGAIN where no such namespace can be made (no unprivileged user namespaces, seccomp). */
int zt_privnet_socket(int domain);

#endif
