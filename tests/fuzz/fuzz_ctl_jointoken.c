/* Fuzz target: join token records, the parser of our own (controller.h, JOIN TOKENS), from both of its
 * sources. An input is [u8 sel][text]: sel bit 0 clear, the text is a stored record
 * (network/<nwid>/jointoken/fz.json) loaded into a controller with records; bit 0 set, it is the body of
 * an API create (POST /ztrun/controller/network/<nwid>/token). Bit 1 makes the store fail. Properties: a
 * record loads or is refused, never crashes; a loaded one is served by the API and, stored again (revoked),
 * loads back as the same token; a create answers 200, 400, 409 or 500 and, if refused, changes nothing;
 * what it stored loads back into a fresh controller as the token it answered with, and its text is a join
 * token for the network that a member's request can carry (it is then let in, once). */
#include "fuzz_common.h"
#include "fuzz_ctl.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/wire.h"
#include "vl2/jointoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NW   "5a198f70327c7184"
#define BASE "/ztrun/controller/network/" NW "/token"

static const char net[] = "{\"id\":\"" NW "\",\"private\":true,\"v4AssignMode\":{\"zt\":true},\"routes\":["
                          "{\"target\":\"10.147.20.0/24\",\"via\":null}]}";

static char *api(struct fuzz_ctl *f, const char *method, const char *path, const void *body, size_t len,
                 int *status)
{
	char *out = NULL;
	FUZZ_ASSERT(zt_controller_api(f->c, method, path, body, len, status, &out, 5000) == 0);
	cJSON *j = out ? cJSON_Parse(out) : NULL;
	FUZZ_ASSERT(j != NULL);
	cJSON_Delete(j);
	return out;
}

/* The token `name` as the API shows it, from a fresh controller that loads only the network and `record`. */
static char *reloaded(const char *name, const char *record, size_t len)
{
	struct fuzz_ctl g;
	char path[160], err[200];
	int status;
	fuzz_ctl_new(&g, false);
	FUZZ_ASSERT(zt_controller_load(g.c, "network/" NW ".json", net, strlen(net), err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "network/" NW "/jointoken/%s.json", name);
	if (zt_controller_load(g.c, path, record, len, err, sizeof(err)) != 0) {
		fprintf(stderr, "a stored join token does not load: %s\n", err);
		abort();
	}
	snprintf(path, sizeof(path), BASE "/%s", name);
	char *out = api(&g, "GET", path, NULL, 0, &status);
	FUZZ_ASSERT(status == 200);
	fuzz_ctl_free(&g);
	return out;
}

static void from_file(const uint8_t *text, size_t len, bool store_fails)
{
	struct fuzz_ctl f;
	char err[200];
	int status;
	fuzz_ctl_new(&f, true);
	if (zt_controller_load(f.c, "network/" NW "/jointoken/fz.json", text, len, err, sizeof(err)) != 0) {
		fuzz_ctl_free(&f);
		return;
	}
	free(api(&f, "GET", BASE, NULL, 0, &status));
	FUZZ_ASSERT(status == 200);
	f.store_fails = store_fails;
	char *shown = api(&f, "DELETE", BASE "/fz", NULL, 0, &status);
	f.store_fails = false;
	FUZZ_ASSERT(status == 200 || (store_fails && status == 500));
	if (status == 200 && f.last) {
		char *again = reloaded("fz", f.last, f.last_len);
		FUZZ_ASSERT(strcmp(again, shown) == 0);
		free(again);
	}
	free(shown);
	fuzz_ctl_free(&f);
}

static void created(const uint8_t *body, size_t len, bool store_fails)
{
	struct fuzz_ctl f;
	int status;
	fuzz_ctl_new(&f, true);
	char *before = api(&f, "GET", BASE, NULL, 0, &status);
	f.store_fails = store_fails;
	char *out = api(&f, "POST", BASE, body, len, &status);
	f.store_fails = false;
	FUZZ_ASSERT(status == 200 || status == 400 || status == 409 || (store_fails && status == 500));
	char *after = api(&f, "GET", BASE, NULL, 0, &status);
	cJSON *j = cJSON_Parse(out);
	const cJSON *tok = cJSON_GetObjectItem(j, "token"), *name = cJSON_GetObjectItem(j, "name");
	if (!tok) {
		FUZZ_ASSERT(strcmp(before, after) == 0);
	} else {
		uint64_t nwid = 0;
		FUZZ_ASSERT(cJSON_IsString(tok) && cJSON_IsString(name) && f.last);
		FUZZ_ASSERT(zt_join_token_parse(tok->valuestring, strlen(tok->valuestring), &nwid) &&
		            nwid == 0x5a198f70327c7184ULL);
		FUZZ_ASSERT(strstr(f.last, tok->valuestring + 23) == NULL); /* only the hash is stored */
		char *again = reloaded(name->valuestring, f.last, f.last_len);
		cJSON_DeleteItemFromObject(j, "token");
		char *shown = cJSON_PrintUnformatted(j);
		cJSON *a = cJSON_Parse(again);
		char *b = cJSON_PrintUnformatted(a);
		FUZZ_ASSERT(shown && b && strcmp(shown, b) == 0);
		free(shown);
		free(b);
		cJSON_Delete(a);
		free(again);
	}
	cJSON_Delete(j);
	free(before);
	free(after);
	free(out);
	fuzz_ctl_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		created(data + 1, size - 1, data[0] & 2);
	else
		from_file(data + 1, size - 1, data[0] & 2);
	return 0;
}
