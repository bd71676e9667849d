/* How a management command reaches the controller of HOME (conn.c). */
#ifndef ZTRUN_CTL_CONN_H
#define ZTRUN_CTL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/controller.h"
#include "home.h"
#include "localapi.h"
#include "store.h"

/* How a management command reaches the controller of HOME: over its HTTP API when a daemon holds HOME,
 * else in this process on the stored files, with HOME locked meanwhile. */
struct zt_ctlconn {
	bool remote;
	uint16_t port;                /* remote: the API's TCP port on 127.0.0.1 */
	char token[ZT_API_TOKEN_MAX]; /* remote */
	struct zt_home home;          /* local: locked */
	struct zt_identity id;
	struct zt_ctlstore store;
	struct zt_controller *ctl;
	unsigned bad_records;
};

/* Finds the way to HOME's controller; says in one line why there is none. 0 or -1. */
int zt_ctlconn_open(struct zt_ctlconn *cc, const char *home_dir);
/* One API call (controller.h's paths); *response malloc'd (NULL if the answer had no body). 0, or -1 after
 * saying why the call could not be made at all; an answer with an error status is 0. */
int zt_ctlconn_call(struct zt_ctlconn *cc, const char *method, const char *path, const char *body,
                    int *status, char **response);
/* zt_ctlconn_call for a management command: an answer other than 2xx becomes the one error line, naming
 * what failed (`what`) and, for 404, whether the network nwid or its member is missing (either may be
 * NULL). Returns the JSON body (caller frees; "{}" for none) or NULL. */
char *zt_ctlconn_ask(struct zt_ctlconn *cc, const char *what, const char *method, const char *path,
                     const char *body, const char *nwid, const char *member);
void zt_ctlconn_close(struct zt_ctlconn *cc);

#endif
