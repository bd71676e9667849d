/* What `ztrun cli` prints of the service API's answers, in zerotier-cli's formats: pure functions of the
 * parsed answer (fuzzed by tests/fuzz/fuzz_cli.c with any JSON). */
#ifndef ZTRUN_SERVICE_CLI_FMT_H
#define ZTRUN_SERVICE_CLI_FMT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* "200 info <address> <version> ONLINE|OFFLINE|TUNNELED" from GET /status. */
void zt_cli_print_info(FILE *f, const cJSON *status);
/* `peers` (pretty) or `listpeers` from GET /peer; now: wall-clock ms, for the last TX/RX ages. */
void zt_cli_print_peers(FILE *f, const cJSON *peers, bool pretty, int64_t now);
/* `listnetworks` from GET /network. */
void zt_cli_print_networks(FILE *f, const cJSON *networks);
/* `get <nwid> <prop>` from GET /network: the property as stock prints it on f, or a message on err.
 * 0, or 1 when the network is not in the list. */
int zt_cli_print_get(FILE *f, FILE *err, const cJSON *networks, const char *nwid, const char *prop);

#endif
