/* The local APIs' check of a request's token (the node's and the controller's): X-ZT1-Auth, ?auth= or
 * Authorization: Bearer, as stock. */
#ifndef ZTRUN_HTTP_AUTH_H
#define ZTRUN_HTTP_AUTH_H

#include <stdbool.h>

#include "httpd.h"

/* Does req carry token? Compared in time that does not depend on how much of it matched. */
bool zt_http_authorized(const struct zt_http_request *req, const char *token);

#endif
