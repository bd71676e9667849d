/* Fuzz target: the controller's records as read from disk (zt_controller_load, what the daemon does with
 * every file of controller.d at start). An input is [u8 sel][record bytes]: sel picks the record's name
 * (a new network, a member of a loaded network, a member of an unknown network, a bad name). A record is
 * loaded or refused with a message, never a crash; one that loads is shown by the API as JSON, and that
 * JSON (what the daemon would store) loads into a fresh controller as the same record. */
#include "fuzz_common.h"
#include "fuzz_ctl.h"

#include <cJSON.h>
#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *name, *get, *network; /* network: the record that must be loaded first, or NULL */
} names[4] = {
    {"network/5a198f7032000001.json", "/controller/network/5a198f7032000001", NULL},
    {"network/5a198f70327c7184/member/10000000aa.json",
     "/controller/network/5a198f70327c7184/member/10000000aa", "5a198f70327c7184"},
    {"network/5a198f7032999999/member/10000000aa.json", NULL, NULL},
    {"network/5a198f70327c7184.json.tmp", NULL, NULL},
};

static char *get(struct fuzz_ctl *f, const char *path, int *status)
{
	char *out = NULL;
	FUZZ_ASSERT(zt_controller_api(f->c, "GET", path, NULL, 0, status, &out, 2) == 0);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ctl f;
	char err[200];
	int status;
	if (size < 1)
		return 0;
	unsigned k = data[0] & 3;
	fuzz_ctl_new(&f, true);
	err[0] = 0;
	int rc = zt_controller_load(f.c, names[k].name, data + 1, size - 1, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EBADMSG || rc == -EINVAL || rc == -EEXIST || rc == -ENOMEM ||
	            rc == -ENOENT);
	if (rc == -EBADMSG)
		FUZZ_ASSERT(err[0] != 0);
	if (rc == 0 && names[k].get) {
		char *out = get(&f, names[k].get, &status);
		FUZZ_ASSERT(status == 200);
		cJSON *j = cJSON_Parse(out);
		FUZZ_ASSERT(j != NULL);
		cJSON_Delete(j);
		struct fuzz_ctl g;
		fuzz_ctl_new(&g, false);
		if (names[k].network) {
			char path[100], name[100];
			snprintf(path, sizeof(path), "/controller/network/%s", names[k].network);
			snprintf(name, sizeof(name), "network/%s.json", names[k].network);
			char *net = get(&f, path, &status);
			FUZZ_ASSERT(zt_controller_load(g.c, name, net, strlen(net), err, sizeof(err)) == 0);
			free(net);
		}
		if (zt_controller_load(g.c, names[k].name, out, strlen(out), err, sizeof(err)) != 0) {
			fprintf(stderr, "a loaded record, shown by the API, does not load again: %s\n", err);
			abort();
		}
		char *again = get(&g, names[k].get, &status);
		FUZZ_ASSERT(status == 200 && strcmp(again, out) == 0);
		free(again);
		free(out);
		fuzz_ctl_free(&g);
	}
	fuzz_ctl_free(&f);
	return 0;
}
