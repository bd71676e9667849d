/* How `ztrun controller network|member ...` reach a controller: HOME's lock says whether a daemon runs on it.
 * If so, the command is an HTTP request to its API on 127.0.0.1 (port and token from HOME); if not, the
 * command takes the lock and runs the same API function in this process on HOME/controller.d, so both ways
 * give the same answers and write the same files. */
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "loop.h"
#include "sysio.h"
#include "vl1/crypto.h"

#define CONN_WAIT_MS      5000 /* a daemon starting, or another command holding HOME briefly */
#define CONN_TIMEOUT_S    30   /* one API call */
#define CONN_RESPONSE_MAX (64u << 20)

static int read_port(const char *dir, uint16_t *port)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	snprintf(path, sizeof(path), "%s/zerotier-one.port", dir);
	int err = zt_file_read(path, 64, &data, &len);
	if (err)
		return err;
	char *end;
	long p = strtol((char *)data, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	err = *end || end == (char *)data || p < 1 || p > 65535 ? -EBADMSG : 0;
	free(data);
	if (!err)
		*port = (uint16_t)p;
	return err;
}

static int connect_api(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = CONN_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the whole answer (we asked for Connection: close) and splits status and body. */
static int read_response(int fd, int *status, char **response)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int err = 0;
	for (;;) {
		if (cap - len < 4097) {
			size_t nc = cap ? 2 * cap : 16384;
			char *p = nc <= CONN_RESPONSE_MAX ? realloc(buf, nc) : NULL;
			if (!p) {
				err = nc > CONN_RESPONSE_MAX ? -EFBIG : -ENOMEM;
				goto out;
			}
			buf = p;
			cap = nc;
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	char *head_end = strstr(buf, "\r\n\r\n");
	int code;
	if (!head_end || sscanf(buf, "HTTP/1.%*[01] %3d", &code) != 1 || code < 100 || code > 599) {
		err = -EPROTO;
		goto out;
	}
	char *body = head_end + 4;
	size_t blen = len - (size_t)(body - buf);
	*head_end = 0;
	for (char *h = strstr(buf, "\r\n"); h; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, "content-length:", 15) == 0) {
			unsigned long cl = strtoul(h + 17, NULL, 10);
			if (cl < blen)
				blen = cl;
		}
	}
	*status = code;
	*response = NULL;
	if (blen) {
		if (!(*response = malloc(blen + 1))) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(*response, body, blen);
		(*response)[blen] = 0;
	}
out:
	free(buf);
	return err;
}

static int http_call(struct zt_ctlconn *cc, const char *method, const char *path, const char *body,
                     int *status, char **response)
{
	size_t blen = body ? strlen(body) : 0;
	char *req = NULL;
	int n = asprintf(
	    &req,
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nX-ZT1-Auth: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    method, path, cc->port, cc->token, blen, body ? body : "");
	if (n < 0)
		return -ENOMEM;
	int fd = connect_api(cc->port);
	int err = fd < 0 ? fd : send_all(fd, req, (size_t)n);
	if (!err)
		err = read_response(fd, status, response);
	if (fd >= 0)
		close(fd);
	free(req);
	return err;
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
	    .random = zt_sys_random,
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
		if ((err = read_port(dir, &cc->port)) != 0) {
			snprintf(why, sizeof(why), "no zerotier-one.port");
		} else if ((err = zt_ctl_token(dir, false, cc->token, sizeof(cc->token))) != 0) {
			if (err == -EACCES) {
				zt_log(ZT_LOG_ERROR,
				       "cannot read %s/" ZT_CTL_TOKEN_FILE
				       ": %s (run this as the controller's user)",
				       dir, strerror(-err));
				return -1;
			}
			snprintf(why, sizeof(why), ZT_CTL_TOKEN_FILE ": %s",
			         err == -EBADMSG ? "not a token" : strerror(-err));
		} else {
			int fd = connect_api(cc->port);
			if (fd >= 0) {
				close(fd);
				cc->remote = true;
				return 0;
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
	cJSON *j = response ? cJSON_Parse(response) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e) && e->valuestring[0])
		snprintf(buf, cap, "%s", e->valuestring);
	else if (status == 401)
		snprintf(buf, cap,
		         "the controller refused HOME's " ZT_CTL_TOKEN_FILE
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
	if (status == 404 && nwid) {
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
