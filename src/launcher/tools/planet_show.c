/* ztrun planet show and verify: print a world as wg show prints an interface (or as JSON in the shape
 * zerotier-one's moon API uses), and check a signature or an update the way a node will (spec §6.3). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "log.h"
#include "planet.h"

static void format_time(uint64_t ms, char *out, size_t cap)
{
	struct tm tm;
	time_t secs = (time_t)(ms / 1000);
	char day[32];
	if ((uint64_t)secs != ms / 1000 || !gmtime_r(&secs, &tm) ||
	    !strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, cap, "not a date");
	else
		snprintf(out, cap, "%s.%03u UTC", day, (unsigned)(ms % 1000));
}

static void print_root_endpoints(const struct zt_world_root *r, bool json)
{
	for (unsigned k = 0; k < r->n_endpoints; k++) {
		char text[ZT_INETADDR_TEXT_MAX];
		if (zt_inetaddr_format(&r->endpoints[k], text, sizeof(text)) < 0)
			snprintf(text, sizeof(text),
			         "(none)"); /* a reserved address type, skipped by nodes */
		if (json)
			printf("%s\"%s\"", k ? ", " : "", text);
		else
			printf("  endpoint: %s\n", text);
	}
}

static void show_text(const struct zt_world *w, size_t len, bool self_signed)
{
	char when[64];
	format_time(w->ts, when, sizeof(when));
	printf("%s: %016llx (%llu)\n", zt_planet_type_name(w->type), (unsigned long long)w->id,
	       (unsigned long long)w->id);
	printf("  timestamp: %llu (%s)\n", (unsigned long long)w->ts, when);
	printf("  updates key: ");
	zt_planet_print_hex(stdout, w->updates_key, sizeof(w->updates_key));
	printf("\n  signature: ");
	zt_planet_print_hex(stdout, w->sig, sizeof(w->sig));
	printf("\n  signed by its updates key: %s\n", self_signed
	                                                  ? "yes"
	                                                  : "no (it may hand over to a new key: check "
	                                                    "it with ztrun planet verify --previous)");
	printf("  size: %zu bytes\n", len);
	for (unsigned i = 0; i < w->n_roots; i++) {
		char addr[ZT_ADDRESS_TEXT_LEN + 1], id[ZT_IDENTITY_TEXT_MAX];
		zt_address_format(w->roots[i].id.address, addr);
		zt_identity_to_text(&w->roots[i].id, false, id, sizeof(id));
		printf("\nroot: %s\n  identity: %s\n", addr, id);
		print_root_endpoints(&w->roots[i], false);
	}
}

/* Keys as zerotier-one's /moon API and idtool initmoon name them; the ID is hex in a string, as there. */
static void show_json(const struct zt_world *w, bool self_signed)
{
	printf("{\n  \"objtype\": \"world\",\n  \"worldType\": \"%s\",\n  \"id\": \"%016llx\",\n",
	       zt_planet_type_name(w->type), (unsigned long long)w->id);
	printf("  \"timestamp\": %llu,\n  \"updatesMustBeSignedBy\": \"", (unsigned long long)w->ts);
	zt_planet_print_hex(stdout, w->updates_key, sizeof(w->updates_key));
	printf("\",\n  \"signature\": \"");
	zt_planet_print_hex(stdout, w->sig, sizeof(w->sig));
	printf("\",\n  \"signedByUpdatesKey\": %s,\n  \"roots\": [", self_signed ? "true" : "false");
	for (unsigned i = 0; i < w->n_roots; i++) {
		char id[ZT_IDENTITY_TEXT_MAX];
		zt_identity_to_text(&w->roots[i].id, false, id, sizeof(id));
		printf("%s\n    {\n      \"identity\": \"%s\",\n      \"stableEndpoints\": [", i ? "," : "",
		       id);
		print_root_endpoints(&w->roots[i], true);
		printf("]\n    }");
	}
	printf("%s]\n}\n", w->n_roots ? "\n  " : "");
}

static const struct option show_options[] = {
    ZT_CLI_LOG_OPTIONS,
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static const struct option verify_options[] = {
    ZT_CLI_LOG_OPTIONS,
    {"previous", required_argument, NULL, 'p'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* getopt for show and verify: 0, 1 after --help, -1 after an error; *file is the one positional. */
static int parse(struct zt_cli *cli, int argc, char **argv, const char *shorts, const struct option *longs,
                 const char *usage, bool *json, const char **previous, const char **file)
{
	int opt;
	zt_cli_next(cli, argv[0]);
	while ((opt = zt_cli_getopt(cli, argc, argv, shorts, longs)) != -1) {
		switch (opt) {
		case 'j':
			*json = true;
			break;
		case 'p':
			*previous = optarg;
			break;
		case 'h':
			printf("%s", usage);
			return 1;
		default: /* '?': said */
			return -1;
		}
	}
	if (optind >= argc) {
		zt_log(ZT_LOG_ERROR, "missing PLANET, the file to read (see ztrun planet %s --help)",
		       argv[0]);
		return -1;
	}
	if (optind + 1 < argc) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (see ztrun planet %s --help)",
		       argv[optind + 1], argv[0]);
		return -1;
	}
	*file = argv[optind];
	zt_cli_set_log_level(cli);
	return 0;
}

int zt_planet_show(struct zt_cli *cli, int argc, char **argv)
{
	static struct zt_world w;
	const char *file = NULL, *unused = NULL;
	size_t len;
	bool json = false;
	int ret = parse(
	    cli, argc, argv, "jvqh", show_options,
	    "Usage: ztrun planet show [-j] PLANET\n"
	    "\n"
	    "Prints a planet or moon file: ID, revision, updates key, signature, and each root with its\n"
	    "identity and stable endpoints.\n"
	    "\n"
	    "  -j, --json   print JSON (the keys zerotier-one's moon API uses)\n"
	    "  -h, --help   print this help\n",
	    &json, &unused, &file);
	if (ret)
		return ret > 0 ? 0 : ZT_EXIT_FAILURE;
	if (zt_crypto_init() != 0) {
		zt_log(ZT_LOG_ERROR, "cannot initialise libsodium");
		return ZT_EXIT_FAILURE;
	}
	if (zt_planet_load(file, &w, &len) != 0)
		return ZT_EXIT_FAILURE;
	bool self_signed = zt_world_verify(&w, w.updates_key);
	if (json)
		show_json(&w, self_signed);
	else
		show_text(&w, len, self_signed);
	return 0;
}

/* Every root's identity must pass the check nodes run before they talk to it. */
static int check_roots(const char *file, const struct zt_world *w)
{
	void *scratch = malloc(ZT_IDENTITY_HASH_SCRATCH);
	int status = 0;
	if (!scratch) {
		zt_log(ZT_LOG_ERROR, "cannot check %s's roots: out of memory", file);
		return -1;
	}
	for (unsigned i = 0; i < w->n_roots && status == 0; i++) {
		if (zt_identity_validate(&w->roots[i].id, scratch) != 0) {
			char addr[ZT_ADDRESS_TEXT_LEN + 1];
			zt_address_format(w->roots[i].id.address, addr);
			zt_log(ZT_LOG_ERROR,
			       "%s: root %s FAILED identity validation (nodes will refuse to talk to it)",
			       file, addr);
			status = -1;
		}
	}
	free(scratch);
	return status;
}

int zt_planet_verify(struct zt_cli *cli, int argc, char **argv)
{
	static struct zt_world w, held;
	const char *file = NULL, *previous = NULL;
	bool unused = false;
	int ret =
	    parse(cli, argc, argv, "p:vqh", verify_options,
	          "Usage: ztrun planet verify [--previous HELD] PLANET\n"
	          "\n"
	          "Checks PLANET as a node will. Alone: that it is signed by its own updates key (true of\n"
	          "a first revision and of updates that keep their key) and that its roots' identities\n"
	          "are valid. With --previous: that a node holding HELD accepts PLANET as its update\n"
	          "(same type and ID, newer timestamp, signed by HELD's updates key).\n"
	          "\n"
	          "  -p, --previous HELD   the revision nodes hold now\n"
	          "  -h, --help            print this help\n",
	          &unused, &previous, &file);
	if (ret)
		return ret > 0 ? 0 : ZT_EXIT_FAILURE;
	if (zt_crypto_init() != 0) {
		zt_log(ZT_LOG_ERROR, "cannot initialise libsodium");
		return ZT_EXIT_FAILURE;
	}
	if (zt_planet_load(file, &w, NULL) != 0 || (previous && zt_planet_load(previous, &held, NULL) != 0))
		return ZT_EXIT_FAILURE;
	if (!previous) {
		if (!zt_world_verify(&w, w.updates_key)) {
			zt_log(ZT_LOG_ERROR,
			       "%s signature check FAILED: not signed by its own updates key (a revision "
			       "that hands over to a new key is signed by the old one: use --previous)",
			       file);
			return ZT_EXIT_FAILURE;
		}
		if (check_roots(file, &w) != 0)
			return ZT_EXIT_FAILURE;
		printf("%s: signature valid, %u valid root%s\n", file, (unsigned)w.n_roots,
		       w.n_roots == 1 ? "" : "s");
		return 0;
	}
	ret = zt_world_check_update(&held, &w);
	if (ret == -EINVAL)
		zt_log(ZT_LOG_ERROR,
		       "%s is not an update of %s: it is another world (%s %016llx, not %s %016llx)", file,
		       previous, zt_planet_type_name(w.type), (unsigned long long)w.id,
		       zt_planet_type_name(held.type), (unsigned long long)held.id);
	else if (ret == -ESTALE)
		zt_log(ZT_LOG_ERROR, "%s is not an update of %s: its timestamp %llu is not newer than %llu",
		       file, previous, (unsigned long long)w.ts, (unsigned long long)held.ts);
	else if (ret)
		zt_log(ZT_LOG_ERROR,
		       "%s is not an update of %s: not signed by %s's updates key (nodes holding it "
		       "would refuse it)",
		       file, previous, previous);
	if (ret || check_roots(file, &w) != 0)
		return ZT_EXIT_FAILURE;
	printf("%s: a valid update of %s (timestamp %llu, was %llu)\n", file, previous,
	       (unsigned long long)w.ts, (unsigned long long)held.ts);
	return 0;
}
