/* Fuzz target: what the two CLIs print of an API's answer (src/launcher/service/cli_fmt.c for `ztrun cli`,
 * src/launcher/controller/fmt.c for `ztrun controller network|member ...`). An input is an answer's
 * bytes, read as the CLIs read it (strict JSON); whatever JSON it is, every printer runs to the end
 * (output to /dev/null) without a crash or undefined behaviour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_fmt.h"
#include "fmt.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null) {
		null = fopen("/dev/null", "w");
		if (!null || !freopen("/dev/null", "w", stdout))
			abort();
	}
	cJSON *j = zt_json_parse((const char *)data, size, NULL, 0);
	if (!j)
		return 0;
	zt_cli_print_info(null, j);
	zt_cli_print_peers(null, j, true, 1700000000000LL);
	zt_cli_print_peers(null, j, false, 1700000000000LL);
	zt_cli_print_networks(null, j);
	static const char *const props[] = {"ip", "ip4", "ip6", "name", "allowDNS", "mtu", "status"};
	const cJSON *first = cJSON_GetArrayItem(j, 0);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
	const char *nwid = cJSON_IsString(id) ? id->valuestring : "8056c2e21c000001";
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		(void)zt_cli_print_get(null, null, j, nwid, props[i]);
	zt_ctl_print_network(j);
	zt_ctl_print_member(j, "8056c2e21c000001");
	const cJSON *e;
	cJSON_ArrayForEach(e, j)
	{
		zt_ctl_print_network(e);
		zt_ctl_print_member(e, "8056c2e21c000001");
	}
	cJSON_Delete(j);
	return 0;
}
