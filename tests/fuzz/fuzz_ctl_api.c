/* Fuzz target: the controller's JSON API input. An input is [u8 sel][path up to '\n'][body]:
 * sel bits 0-1 pick the method (GET, POST, DELETE, PUT), bit 2 replaces the path with one of the real
 * ones (bits 3-5), bit 6 makes the store fail. Properties: every answer is JSON with a known status; a
 * refused request or a failed store changes nothing (the records read the same before and after); what a
 * successful POST stores loads back into a fresh controller as the same record. */
#include "fuzz_common.h"
#include "fuzz_ctl.h"

#include <cJSON.h>
#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[8] = {
    "/controller/network/5a198f70327c7184",
    "/controller/network/5a198f70327c7184/member/1000000001",
    "/controller/network/5a198f70327c7184/member/1000000007",
    "/controller/network/5a198f7032e84eb2",
    "/controller/network/5a198f7032______",
    "/controller/network",
    "/controller/network/5a198f70327c7184/member",
    "/unstable/controller/network",
};

static char *get(struct fuzz_ctl *f, const char *path)
{
	int status;
	char *out = NULL;
	FUZZ_ASSERT(zt_controller_api(f->c, "GET", path, NULL, 0, &status, &out, 2) == 0);
	return out;
}

/* Everything the API can show about the loaded records. */
static char *state(struct fuzz_ctl *f)
{
	static const unsigned all[] = {0, 1, 2, 3, 5, 6};
	size_t cap = 1, len = 0;
	char *s = calloc(1, 1);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		char *g = get(f, paths[all[i]]);
		size_t n = strlen(g);
		s = realloc(s, cap += n + 1);
		memcpy(s + len, g, n);
		len += n;
		s[len++] = '\n';
		s[len] = 0;
		free(g);
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[4] = {"GET", "POST", "DELETE", "PUT"};
	struct fuzz_ctl f;
	char path[300];
	int status;
	char *out = NULL;
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	const uint8_t *nl = memchr(data + 1, '\n', size - 1);
	size_t plen = nl ? (size_t)(nl - data - 1) : size - 1;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t blen = (size_t)(data + size - body);
	if (plen >= sizeof(path))
		plen = sizeof(path) - 1;
	memcpy(path, data + 1, plen);
	path[plen] = 0;
	const char *p = (sel & 4) ? paths[(sel >> 3) & 7] : path;

	fuzz_ctl_new(&f, true);
	char *before = state(&f);
	f.store_fails = (sel & 0x40) != 0;
	FUZZ_ASSERT(zt_controller_api(f.c, methods[sel & 3], p, body, blen, &status, &out, 1000) == 0);
	f.store_fails = false;
	FUZZ_ASSERT(out != NULL);
	cJSON *j = cJSON_Parse(out);
	FUZZ_ASSERT(j != NULL);
	FUZZ_ASSERT(status == 200 || status == 400 || status == 404 || status == 405 || status == 409 ||
	            status == 500 || status == 503);
	char *after = state(&f);
	if (status != 200)
		FUZZ_ASSERT(strcmp(before, after) == 0);
	/* A stored record loads back as the same record, into a controller that had none. */
	bool post = !strcmp(methods[sel & 3], "POST") || !strcmp(methods[sel & 3], "PUT");
	if (status == 200 && post && strncmp(p, "/ztrun/", 7) != 0) { /* join tokens: fuzz_ctl_jointoken */
		const cJSON *objtype = cJSON_GetObjectItem(j, "objtype"), *id = cJSON_GetObjectItem(j, "id");
		const cJSON *nwid = cJSON_GetObjectItem(j, "nwid");
		FUZZ_ASSERT(cJSON_IsString(objtype) && cJSON_IsString(id) && cJSON_IsString(nwid));
		struct fuzz_ctl g;
		char name[100], err[200], getpath[120];
		bool network = !strcmp(objtype->valuestring, "network");
		fuzz_ctl_new(&g, false);
		snprintf(getpath, sizeof(getpath), "/controller/network/%s", nwid->valuestring);
		if (!network) { /* its network first */
			char *net = get(&f, getpath);
			snprintf(name, sizeof(name), "network/%s.json", nwid->valuestring);
			FUZZ_ASSERT(zt_controller_load(g.c, name, net, strlen(net), err, sizeof(err)) == 0);
			free(net);
			snprintf(name, sizeof(name), "network/%s/member/%s.json", nwid->valuestring,
			         id->valuestring);
			snprintf(getpath, sizeof(getpath), "/controller/network/%s/member/%s",
			         nwid->valuestring, id->valuestring);
		} else {
			snprintf(name, sizeof(name), "network/%s.json", id->valuestring);
		}
		if (zt_controller_load(g.c, name, out, strlen(out), err, sizeof(err)) != 0) {
			fprintf(stderr, "stored record does not load: %s\n", err);
			abort();
		}
		char *again = get(&g, getpath);
		FUZZ_ASSERT(!strcmp(again, out));
		free(again);
		fuzz_ctl_free(&g);
	}
	/* The input as a stored file: loads or is refused, never crashes. */
	char err[200];
	zt_controller_load(f.c, "network/5a198f7032000001.json", data, size, err, sizeof(err));
	cJSON_Delete(j);
	free(out);
	free(before);
	free(after);
	fuzz_ctl_free(&f);
	return 0;
}
