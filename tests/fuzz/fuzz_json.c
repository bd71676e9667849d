/* Fuzz target: strict JSON reading (src/engine/json/json.c). Any bytes are input. What is accepted must be
 * something cJSON prints back into text that is accepted again and prints the same (so nothing refused
 * can hide in what was accepted: no NUL cut, no lone surrogate, no duplicate key); what is refused must
 * say why. */
#include "fuzz_common.h"

#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	cJSON *j = zt_json_parse((const char *)data, size, err, sizeof(err));
	if (!j) {
		FUZZ_ASSERT(err[0] != 0 && memchr(err, 0, sizeof(err)) != NULL);
		return 0;
	}
	char *text = cJSON_PrintUnformatted(j);
	if (text) { /* NULL only when out of memory */
		cJSON *k = zt_json_parse(text, strlen(text), err, sizeof(err));
		if (!k)
			fprintf(stderr, "printed text refused: %s\n", err);
		FUZZ_ASSERT(k != NULL);
		char *again = cJSON_PrintUnformatted(k);
		FUZZ_ASSERT(again && strcmp(text, again) == 0);
		cJSON_free(again);
		cJSON_Delete(k);
		cJSON_free(text);
	}
	cJSON_Delete(j);
	return 0;
}
