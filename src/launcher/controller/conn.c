/* How `ztrun controller network|member ...` reach a controller: HOME's lock says whether a daemon runs on it.
 * If so, the command is an HTTP request to its API on 127.0.0.1 (port and token from HOME); if not, the
 * command takes the lock and runs the same API function in this process on HOME/controller.d, so both ways
 * give the same answers and write the same files. */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "json.h"
#include "localapi.h"
#include "log.h"
#include "loop.h"
#include "sysio.h"
#include "vl1/crypto.h"

#define CONN_WAIT_MS      5000 /* a daemon starting, or another command holding HOME briefly */

static int http_call(struct zt_ctlconn *cc, const char *method, const char *path, const char *body,
                     int *status, char **response)
{
	struct zt_api_client c = {.port = cc->port, .owner = cc->home.holder, .token = cc->token};
	return zt_api_call(&c, method, path, body, status, response);
}

/* ---- In this process --------------------------------------------------------------------------------- */

static int local_send(void *arg, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now)
{
	(void)arg, (void)dest, (void)verb, (void)payload, (void)len, (void)now;
	return -ENETDOWN; /* no node: members hear of changes when they next ask (within a minute) */
}

static int local_put(void *arg, const char *name, const void *data, size_t len)
{
	return zt_ctlstore_put(&((struct zt_ctlconn *)arg)->store, name, data, len);
}

static int local_delete(void *arg, const char *name)
{
	return zt_ctlstore_delete(&((struct zt_ctlconn *)arg)->store, name);
}

static void local_log(void *arg, const char *line)
{
	(void)arg;
	zt_log(ZT_LOG_WARN, "controller: %s", line);
}

static void local_report(void *arg, const char *path, const char *why)
{
	struct zt_ctlconn *cc = arg;
	cc->bad_records++;
	zt_log(ZT_LOG_WARN, "skipping %s: %s", path, why);
}

static int open_local(struct zt_ctlconn *cc, const char *dir)
{
	int err = zt_crypto_init() != 0 ? -ENOSYS : zt_sys_random_check();
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot initialise cryptography: %s", strerror(-err));
		return -1;
	}
	if ((err = zt_home_identity(&cc->home, &cc->id)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot load the controller's identity in %s: %s", dir, strerror(-err));
		return -1;
	}
	struct zt_controller_config cfg;
	zt_controller_config_init(&cfg);
	cfg.identity = &cc->id;
	static const struct zt_controller_callbacks cb = {
	    .version = ZT_CONTROLLER_CALLBACKS_VERSION,
	    .send = local_send,
	    .random = zt_ctl_random,
	    .store_put = local_put,
	    .store_delete = local_delete,
	    .log = local_log,
	};
	if ((err = zt_ctlstore_init(&cc->store, dir)) != 0 ||
	    (err = zt_controller_new(&cc->ctl, &cb, cc, &cfg, zt_ctl_wall_ms())) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot start the controller: %s", strerror(-err));
		return -1;
	}
	int loaded = zt_ctlstore_load(&cc->store, cc->ctl, local_report, cc);
	if (loaded < 0) {
		zt_log(ZT_LOG_ERROR, "cannot read %s: %s", cc->store.dir, strerror(-loaded));
		return -1;
	}
	return 0;
}

int zt_ctlconn_open(struct zt_ctlconn *cc, const char *dir)
{
	char path[4096];
	struct stat st;
	memset(cc, 0, sizeof(*cc));
	cc->home.lock_fd = -1;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		zt_log(ZT_LOG_ERROR, "cannot use controller home %s: %s (ztrun controller %s makes one)", dir,
		       stat(dir, &st) != 0 ? strerror(errno) : "not a directory", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/identity.secret", dir);
	if (access(path, F_OK) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "cannot use controller home %s: it has no identity.secret (start the controller "
		       "once: ztrun controller %s)",
		       dir, dir);
		return -1;
	}
	int64_t deadline = zt_now_ms() + CONN_WAIT_MS;
	char why[128] = "";
	for (;;) {
		int err = zt_home_open(&cc->home, dir);
		if (err == 0)
			return open_local(cc, dir);
		if (err != -EBUSY) {
			zt_log(ZT_LOG_ERROR, "cannot use controller home %s: %s", dir, strerror(-err));
			return -1;
		}
		/* held: by a running controller (talk to it), or by another command for a moment (wait) */
		if ((err = zt_home_read_port(dir, &cc->port)) != 0) {
			snprintf(why, sizeof(why), "no zerotier-one.port");
		} else if ((err = zt_api_token(dir, false, cc->token, sizeof(cc->token))) != 0) {
			if (err == -EACCES) {
				zt_log(ZT_LOG_ERROR,
				       "cannot read %s/" ZT_API_TOKEN_FILE
				       ": %s (run this as the controller's user)",
				       dir, strerror(-err));
				return -1;
			}
			snprintf(why, sizeof(why), ZT_API_TOKEN_FILE ": %s",
			         err == -EBADMSG ? "not a token" : strerror(-err));
		} else {
			/* the token goes only to the lock holder's own listener: a TCP port is anyone's */
			struct zt_api_client c = {.port = cc->port, .owner = cc->home.holder, .token = cc->token};
			int fd = cc->home.holder > 0 ? zt_api_connect(&c) : -ESRCH;
			if (fd >= 0) {
				close(fd);
				cc->remote = true;
				return 0;
			}
			if (fd == -EPERM || fd == -EACCES) {
				zt_log(ZT_LOG_ERROR,
				       "refusing to talk to 127.0.0.1:%u: %s (the token was not sent)", cc->port,
				       fd == -EPERM ? "the process listening there is not the one holding "
				                      "the controller's home"
				                    : "cannot see who listens there (run this as the controller's "
				                      "user)");
				return -1;
			}
			snprintf(why, sizeof(why), "127.0.0.1:%u: %s", cc->port, strerror(-fd));
		}
		if (zt_now_ms() >= deadline)
			break;
		struct timespec ts = {0, 100 * 1000000};
		nanosleep(&ts, NULL);
	}
	zt_log(
	    ZT_LOG_ERROR,
	    "cannot reach the controller of %s: process %d holds it but does not serve the API (%s; a ztrun "
	    "service or another command? stop it to edit offline)",
	    dir, (int)cc->home.holder, why);
	return -1;
}

int zt_ctlconn_call(struct zt_ctlconn *cc, const char *method, const char *path, const char *body,
                    int *status, char **response)
{
	*response = NULL;
	if (cc->remote) {
		int err = http_call(cc, method, path, body, status, response);
		if (err)
			zt_log(ZT_LOG_ERROR, "cannot talk to the controller on 127.0.0.1:%u: %s", cc->port,
			       err == -EPROTO ? "not an HTTP answer" : strerror(-err));
		return err ? -1 : 0;
	}
	int err = zt_controller_api(cc->ctl, method, path, body, body ? strlen(body) : 0, status, response,
	                            zt_ctl_wall_ms());
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot run the request: %s", strerror(-err));
		return -1;
	}
	return 0;
}

/* The API's {"error": "..."} text, or the status's meaning. */
static const char *error_text(int status, const char *response, char *buf, size_t cap)
{
	cJSON *j = response ? zt_json_parse_text(response) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e) && e->valuestring[0])
		snprintf(buf, cap, "%s", e->valuestring);
	else if (status == 401)
		snprintf(buf, cap,
		         "the controller refused HOME's " ZT_API_TOKEN_FILE
		         " (replaced while it runs? restart the controller)");
	else
		snprintf(buf, cap, "the controller answered %d", status);
	cJSON_Delete(j);
	return buf;
}

char *zt_ctlconn_ask(struct zt_ctlconn *cc, const char *what, const char *method, const char *path,
                     const char *body, const char *nwid, const char *member)
{
	int status;
	char *res;
	char why[512];
	if (zt_ctlconn_call(cc, method, path, body, &status, &res) != 0)
		return NULL;
	if (status >= 200 && status < 300) {
		if (!res)
			res = strdup("{}");
		return res;
	}
	if (status == 404 && nwid && res && strstr(res, "no such join token")) {
		zt_log(ZT_LOG_ERROR,
		       "cannot %s: network %s has no join token of that name (ztrun controller token list HOME "
		       "%s shows them)",
		       what, nwid, nwid);
	} else if (status == 404 && nwid) {
		bool net_missing = true;
		if (member) {
			char p[64], *r2 = NULL;
			int s2 = 0;
			snprintf(p, sizeof(p), "/controller/network/%s", nwid);
			net_missing = zt_ctlconn_call(cc, "GET", p, NULL, &s2, &r2) == 0 && s2 == 404;
			free(r2);
		}
		if (net_missing)
			zt_log(
			    ZT_LOG_ERROR,
			    "cannot %s: no network %s here (ztrun controller network list HOME shows them)",
			    what, nwid);
		else
			zt_log(ZT_LOG_ERROR,
			       "cannot %s: network %s has no member %s (ztrun controller member list HOME %s "
			       "shows them)",
			       what, nwid, member, nwid);
	} else {
		zt_log(ZT_LOG_ERROR, "cannot %s: %s", what, error_text(status, res, why, sizeof(why)));
	}
	free(res);
	return NULL;
}

void zt_ctlconn_close(struct zt_ctlconn *cc)
{
	zt_controller_free(cc->ctl);
	cc->ctl = NULL;
	zt_ctlstore_fini(&cc->store);
	zt_identity_wipe(&cc->id);
	zt_wipe(cc->token, sizeof(cc->token));
	zt_home_close(&cc->home);
}
