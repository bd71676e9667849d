/* Options a virtual socket keeps on the app's end itself rather than in the service: the timeouts of
 * recv, send and accept and the receive low-water mark, which the kernel enforces where the app
 * blocks. The shim's and the supervisor's setsockopt and getsockopt leave them to the kernel; what
 * hands an app a new end (accept, a joined connect) carries them over. libc only. */
#ifndef ZTRUN_RPC_APPOPT_H
#define ZTRUN_RPC_APPOPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Whether level/name is one of them. */
bool zt_appopt_is_local(int level, int name);

/* Sets them on `to` as they are on `from`, as a kernel's accepted socket inherits them from its
 * listener, and SO_LINGER too, which the service keeps but also sets on the app's end (sockopt.c), so
 * that a joined connection's accepted socket gets its listener's from there. `to` is a fresh socket,
 * which has the defaults (no timeouts, a low-water mark of 1, no SO_LINGER): only the values that
 * differ are set. get and set are the caller's getsockopt and setsockopt (the shim's carry its
 * cookie). */
void zt_appopt_copy(int from, int to, int (*get)(int, int, int, void *, socklen_t *),
                    int (*set)(int, int, int, const void *, socklen_t));

/* zt_appopt_copy in two steps: the values of `from` that differ from a fresh socket's, then those set
 * on `to` (the shim keeps a listener's, rather than reading them at every accept). */
struct zt_appopt_set {
	int n;
	struct {
		int name;
		socklen_t len;
		uint8_t v[32];
	} o[4];
};
void zt_appopt_read(int from, int (*get)(int, int, int, void *, socklen_t *), struct zt_appopt_set *out);
void zt_appopt_apply(int to, int (*set)(int, int, int, const void *, socklen_t), const struct zt_appopt_set *in);

/* Whether level/name is one zt_appopt_copy copies (the local ones and SO_LINGER). */
bool zt_appopt_is_copied(int level, int name);

#endif
