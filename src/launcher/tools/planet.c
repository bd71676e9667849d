/* ztrun planet: makes and updates private planets - the signed lists of roots (worlds, spec §6) that tell
 * stock zerotier-one nodes and ztrun nodes where their roots are - from the command line, as upstream's
 * mkworld does from edited source. The format and its rules are vl1/world's; this file turns options into
 * edits, keeps the signing key in a file, and checks its output the way a node will before writing it. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "keyfile.h"
#include "log.h"
#include "planet.h"
#include "subcommands.h"
#include "sysio.h"

enum {
	HAS_ID = 1 << 0,
	HAS_TS = 1 << 1,
	MOON = 1 << 2,
	FORCE = 1 << 3,
};

struct planet_opts {
	const char *output, *key, *new_key, *file;
	uint64_t id, ts;
	unsigned flags;
	struct zt_planet_edit *edits;
	size_t n_edits;
	char key_default[4096];
};

static const struct option new_options[] = {
    ZT_CLI_LOG_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"key", required_argument, NULL, 'k'},
    {"signing-key", required_argument, NULL, 'k'},
    {"root", required_argument, NULL, 'r'},
    {"endpoint", required_argument, NULL, 'e'},
    {"id", required_argument, NULL, 'I'},
    {"timestamp", required_argument, NULL, 'T'},
    {"moon", no_argument, NULL, 'M'},
    {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static const struct option update_options[] = {
    ZT_CLI_LOG_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"key", required_argument, NULL, 'k'},
    {"signing-key", required_argument, NULL, 'k'},
    {"new-key", required_argument, NULL, 'N'},
    {"timestamp", required_argument, NULL, 'T'},
    {"root", required_argument, NULL, 'r'},
    {"endpoint", required_argument, NULL, 'e'},
    {"remove-root", required_argument, NULL, 'R'},
    {"remove-endpoint", required_argument, NULL, 'E'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static void print_new_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: ztrun planet new -o PLANET [-k KEY] [--id ID] [--timestamp MS] [--moon] [--force]\n"
	    "                        --root IDENTITY --endpoint IP/PORT [--endpoint IP/PORT]...\n"
	    "                        [--root IDENTITY --endpoint IP/PORT...]...\n"
	    "\n"
	    "Makes a signed planet naming 1 to 4 roots, each with 1 to 32 stable endpoints. Give it to\n"
	    "stock nodes as the file \"planet\" in their home directory, read when they start.\n"
	    "\n"
	    "  -o, --output PLANET     the file to write (mode 0644)\n"
	    "  -k, --key KEY           the key that signs this and later revisions: read if KEY exists,\n"
	    "                          else made (mode 0600; keep it secret and safe); default PLANET.key\n"
	    "                          (--signing-key KEY is the same)\n"
	    "  -r, --root IDENTITY     a root: its identity.public or identity.secret file, or the\n"
	    "                          identity text (only the public half is used)\n"
	    "  -e, --endpoint IP/PORT  a stable address of the --root before it: 203.0.113.1/9993,\n"
	    "                          2001:db8::1/9993, 203.0.113.1:9993 or [2001:db8::1]:9993\n"
	    "      --id ID             the world ID, decimal or 0x hex (default: random; a moon's\n"
	    "                          default is its first root's address)\n"
	    "      --timestamp MS      the revision, in ms since 1970 (default: now)\n"
	    "      --moon              make a moon (joined with zerotier-cli orbit) instead of a planet\n"
	    "  -f, --force             replace an existing PLANET (nodes holding it will not accept the\n"
	    "                          new one unless it has the same ID and key: use update for that)\n"
	    "  -h, --help              print this help\n");
}

static void print_update_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: ztrun planet update [-k KEY] [-o OUTPUT] [--new-key NEWKEY] [--timestamp MS] PLANET\n"
	    "                           [CHANGE]...\n"
	    "\n"
	    "Makes the next revision of PLANET, signed with the key that nodes holding it will check, and\n"
	    "writes it over PLANET (atomically) or to OUTPUT. Same ID, newer timestamp; with no CHANGE\n"
	    "it only re-signs. Nodes take the update from their roots in OK(HELLO) replies.\n"
	    "\n"
	    "  -k, --key KEY           PLANET's signing key (default PLANET.key; --signing-key KEY is\n"
	    "                          the same)\n"
	    "  -o, --output OUTPUT     write there instead of replacing PLANET\n"
	    "      --new-key NEWKEY    hand later updates over to NEWKEY (made if it does not exist):\n"
	    "                          this revision is still signed with KEY, the next needs NEWKEY\n"
	    "      --timestamp MS      the revision (default: now, or one more than PLANET's if later)\n"
	    "  -h, --help              print this help\n"
	    "\n"
	    "Changes, applied in order:\n"
	    "  -r, --root ROOT           select a root by ADDRESS or IDENTITY; an identity that is not\n"
	    "                            a root yet is added\n"
	    "  -e, --endpoint IP/PORT    add a stable endpoint to the selected root\n"
	    "      --remove-endpoint IP/PORT\n"
	    "                            remove one from the selected root\n"
	    "      --remove-root ROOT    remove a root (ADDRESS or IDENTITY)\n");
}

static void print_help(FILE *f)
{
	fprintf(f,
	        "Usage: ztrun planet COMMAND [ARG...]\n"
	        "\n"
	        "Makes and maintains a private planet: the signed list of root servers that ZeroTier nodes\n"
	        "(stock zerotier-one and ztrun) start from instead of ZeroTier's public roots.\n"
	        "\n"
	        "Commands:\n"
	        "  new       make and sign a planet (and its signing key)\n"
	        "  show      print a planet, or its JSON with -j\n"
	        "  update    make the next revision: add or remove roots and endpoints, re-sign\n"
	        "  verify    check a planet's signature, or that it is a valid update of another\n"
	        "\n"
	        "\"ztrun planet COMMAND --help\" describes each. Before or after COMMAND: -v, --verbose says\n"
	        "more, -q, --quiet only errors (over ZTRUN_LOG). Exit status: 0 on success, 1 on failure.\n");
}

const char *zt_planet_type_name(uint8_t type)
{
	return type == ZT_WORLD_TYPE_PLANET ? "planet" : type == ZT_WORLD_TYPE_MOON ? "moon" : "null";
}

void zt_planet_print_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

int zt_planet_load(const char *path, struct zt_world *w, size_t *file_len)
{
	uint8_t *data;
	size_t len;
	int ret = zt_file_read(path, ZT_WORLD_MAX_LEN, &data, &len);
	if (ret == -EFBIG) {
		zt_log(ZT_LOG_ERROR, "cannot read planet %s: longer than %d bytes (not a planet file)", path,
		       ZT_WORLD_MAX_LEN);
		return -1;
	}
	if (ret) {
		zt_log(ZT_LOG_ERROR, "cannot read planet %s: %s", path, strerror(-ret));
		return -1;
	}
	ret = zt_world_parse(w, data, len);
	free(data);
	if (file_len)
		*file_len = len;
	if (ret) {
		zt_log(ZT_LOG_ERROR,
		       "cannot read planet %s: not a planet or moon file (damaged, or another "
		       "kind of file)",
		       path);
		return -1;
	}
	return 0;
}

/* Decimal, or hex after 0x; all of s, no sign. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	if (!*s || strchr(s, '-') || strchr(s, '+') || strchr(s, ' '))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno || *end || end == s ? -EINVAL : 0;
}

static int add_edit(struct planet_opts *o, enum zt_planet_edit_op op, const char *arg)
{
	o->edits[o->n_edits++] = (struct zt_planet_edit){op, arg};
	return 0;
}

/* Parses new's or update's options into o, edits in order. 0, 1 after printing --help, -1 after printing an
 * error. At most one positional argument, the planet file update works on. */
static int parse_options(struct zt_cli *cli, int argc, char **argv, bool is_new, struct planet_opts *o)
{
	int opt;
	zt_cli_next(cli, argv[0]);
	if (!(o->edits = calloc((size_t)argc, sizeof(*o->edits)))) {
		zt_log(ZT_LOG_ERROR, "cannot parse the command line: out of memory");
		return -1;
	}
	while ((opt = zt_cli_getopt(cli, argc, argv, is_new ? "o:k:r:e:fvqh" : "o:k:r:e:vqh",
	                            is_new ? new_options : update_options)) != -1) {
		switch (opt) {
		case 'o':
			o->output = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'N':
			o->new_key = optarg;
			break;
		case 'r':
			add_edit(o, ZT_EDIT_ROOT, optarg);
			break;
		case 'e':
			add_edit(o, ZT_EDIT_ENDPOINT, optarg);
			break;
		case 'E':
			add_edit(o, ZT_EDIT_REMOVE_ENDPOINT, optarg);
			break;
		case 'R':
			add_edit(o, ZT_EDIT_REMOVE_ROOT, optarg);
			break;
		case 'I':
			if (parse_u64(optarg, &o->id) != 0 || o->id == 0) {
				zt_log(ZT_LOG_ERROR,
				       "bad --id '%s': not a nonzero number (decimal, or hex after 0x)",
				       optarg);
				return -1;
			}
			o->flags |= HAS_ID;
			break;
		case 'T':
			if (parse_u64(optarg, &o->ts) != 0 || o->ts == 0) {
				zt_log(
				    ZT_LOG_ERROR,
				    "bad --timestamp '%s': not a nonzero number of milliseconds since 1970",
				    optarg);
				return -1;
			}
			o->flags |= HAS_TS;
			break;
		case 'M':
			o->flags |= MOON;
			break;
		case 'f':
			o->flags |= FORCE;
			break;
		case 'h':
			if (is_new)
				print_new_help(stdout);
			else
				print_update_help(stdout);
			return 1;
		default: /* '?': said */
			return -1;
		}
	}
	if (optind < argc && (is_new || optind + 1 < argc)) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (see ztrun planet %s --help)",
		       argv[is_new ? optind : optind + 1], argv[0]);
		return -1;
	}
	o->file = optind < argc ? argv[optind] : NULL;
	zt_cli_set_log_level(cli);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int prepare_crypto(void)
{
	int ret;
	if (zt_crypto_init() != 0) {
		zt_log(ZT_LOG_ERROR, "cannot initialise libsodium");
		return -1;
	}
	if ((ret = zt_sys_random_check()) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot get random bytes: getrandom: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* Loads the key at path, or makes one in memory if there is none (*made: the caller saves it once
 * everything else has worked, so a failed command leaves no key behind). */
static int load_or_make_key(const char *path, uint8_t pub[ZT_IDENTITY_PUB_LEN],
                            uint8_t secret[ZT_IDENTITY_PRIV_LEN], bool may_make, bool *made)
{
	int ret = zt_keyfile_load_world_key(path, pub, secret);
	*made = false;
	if (ret == -ENOENT && may_make) {
		zt_world_key_generate(pub, secret, zt_sys_random, NULL);
		*made = true;
		return 0;
	}
	if (ret == -ENOENT)
		zt_log(ZT_LOG_ERROR,
		       "cannot read signing key %s: no such file (give the key the planet was made "
		       "with: -k KEY)",
		       path);
	else if (ret == -EBADMSG)
		zt_log(ZT_LOG_ERROR,
		       "cannot read signing key %s: not %d bytes (a key file holds a public and a "
		       "secret key, as mkworld's current.c25519)",
		       path, ZT_KEYFILE_WORLD_KEY_LEN);
	else if (ret == -EKEYREJECTED)
		zt_log(ZT_LOG_ERROR,
		       "cannot read signing key %s: its public and secret halves do not match (the "
		       "file is damaged)",
		       path);
	else if (ret)
		zt_log(ZT_LOG_ERROR, "cannot read signing key %s: %s", path, strerror(-ret));
	return ret ? -1 : 0;
}

static int save_key(const char *path, const uint8_t pub[ZT_IDENTITY_PUB_LEN],
                    const uint8_t secret[ZT_IDENTITY_PRIV_LEN])
{
	int ret = zt_keyfile_save_world_key(path, pub, secret);
	if (ret) {
		zt_log(ZT_LOG_ERROR,
		       "cannot write signing key %s: %s (check that its directory exists and is "
		       "writable)",
		       path, strerror(-ret));
		return -1;
	}
	zt_log(ZT_LOG_WARN,
	       "created signing key %s (mode 0600): keep it secret and safe, every later update "
	       "must be signed with it",
	       path);
	return 0;
}

/* Encodes w and reads the bytes back as a node will; the file is written only if that works. */
static int encode_checked(const struct zt_world *w, const uint8_t key[ZT_IDENTITY_PUB_LEN], uint8_t *buf,
                          size_t cap)
{
	static struct zt_world back;
	int n = zt_world_encode(w, buf, cap);
	if (n < 0 || zt_world_parse(&back, buf, (size_t)n) != 0 || !zt_world_verify(&back, key)) {
		zt_log(ZT_LOG_ERROR, "cannot encode the planet: %s (a bug: please report it)",
		       n < 0 ? strerror(-n) : "it does not read back");
		return -1;
	}
	return n;
}

static int write_planet(const char *path, const uint8_t *buf, size_t len, bool no_clobber)
{
	int ret = zt_file_write_atomic(path, buf, len, 0644, no_clobber);
	if (ret == -EEXIST)
		zt_log(ZT_LOG_ERROR,
		       "cannot write planet %s: it exists (use ztrun planet update to change it, or "
		       "--force to replace it)",
		       path);
	else if (ret)
		zt_log(ZT_LOG_ERROR,
		       "cannot write planet %s: %s (check that its directory exists and is writable)", path,
		       strerror(-ret));
	return ret ? -1 : 0;
}

static uint64_t random_world_id(void)
{
	uint64_t id;
	/* Never 0 (a node replaces a world of ID 0 with anything) nor Earth's; 63 bits suit signed readers.
	 */
	do {
		zt_sys_random(NULL, &id, sizeof(id));
		id &= INT64_MAX;
	} while (id == 0 || id == ZT_EARTH_ID);
	return id;
}

static const char *default_key(struct planet_opts *o, const char *planet)
{
	if (o->key)
		return o->key;
	snprintf(o->key_default, sizeof(o->key_default), "%s.key", planet);
	return o->key_default;
}

static int planet_new(struct zt_cli *cli, int argc, char **argv)
{
	static struct zt_world w;
	struct planet_opts o = {0};
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN] = {0}, buf[ZT_WORLD_MAX_LEN];
	struct stat st;
	bool made_key = false;
	int n, status = ZT_EXIT_FAILURE, ret = parse_options(cli, argc, argv, true, &o);
	const char *key;

	if (ret) {
		status = ret > 0 ? 0 : ZT_EXIT_FAILURE;
		goto out;
	}
	if (!o.output) {
		zt_log(ZT_LOG_ERROR, "missing -o PLANET, the file to write (see ztrun planet new --help)");
		goto out;
	}
	if (o.n_edits == 0) {
		zt_log(ZT_LOG_ERROR,
		       "missing --root IDENTITY --endpoint IP/PORT (a planet names 1 to %d roots)",
		       ZT_WORLD_MAX_ROOTS);
		goto out;
	}
	if (!(o.flags & FORCE) && stat(o.output, &st) == 0) {
		zt_log(ZT_LOG_ERROR,
		       "cannot write planet %s: it exists (use ztrun planet update to change it, or "
		       "--force to replace it)",
		       o.output);
		goto out;
	}
	if (prepare_crypto() != 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.type = o.flags & MOON ? ZT_WORLD_TYPE_MOON : ZT_WORLD_TYPE_PLANET;
	if (zt_planet_apply_edits(&w, o.edits, o.n_edits, true) != 0)
		goto out;
	key = default_key(&o, o.output);
	if (load_or_make_key(key, pub, secret, true, &made_key) != 0)
		goto out;
	w.id = o.flags & HAS_ID ? o.id : o.flags & MOON ? w.roots[0].id.address : random_world_id();
	w.ts = o.flags & HAS_TS ? o.ts : now_ms();
	memcpy(w.updates_key, pub, sizeof(pub));
	if (zt_world_sign(&w, secret) != 0 || (n = encode_checked(&w, pub, buf, sizeof(buf))) < 0)
		goto out;
	if ((made_key && save_key(key, pub, secret) != 0) ||
	    write_planet(o.output, buf, (size_t)n, !(o.flags & FORCE)) != 0)
		goto out;
	printf("wrote %s (%s %016llx, timestamp %llu, %u root%s, %d bytes)\n", o.output,
	       zt_planet_type_name(w.type), (unsigned long long)w.id, (unsigned long long)w.ts,
	       (unsigned)w.n_roots, w.n_roots == 1 ? "" : "s", n);
	status = 0;
out:
	zt_wipe(secret, sizeof(secret));
	free(o.edits);
	return status;
}

static int planet_update(struct zt_cli *cli, int argc, char **argv)
{
	static struct zt_world held, next, back;
	struct planet_opts o = {0};
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN] = {0};
	uint8_t new_pub[ZT_IDENTITY_PUB_LEN], new_secret[ZT_IDENTITY_PRIV_LEN] = {0}, buf[ZT_WORLD_MAX_LEN];
	bool made_key = false, made_new_key = false;
	int n, status = ZT_EXIT_FAILURE, ret = parse_options(cli, argc, argv, false, &o);
	const char *key, *out_path;
	uint64_t ts;

	if (ret) {
		status = ret > 0 ? 0 : ZT_EXIT_FAILURE;
		goto out;
	}
	if (!o.file) {
		zt_log(ZT_LOG_ERROR,
		       "missing PLANET, the planet file to update (see ztrun planet update --help)");
		goto out;
	}
	if (prepare_crypto() != 0 || zt_planet_load(o.file, &held, NULL) != 0)
		goto out;
	key = default_key(&o, o.file);
	if (load_or_make_key(key, pub, secret, false, &made_key) != 0)
		goto out;
	if (o.new_key && load_or_make_key(o.new_key, new_pub, new_secret, true, &made_new_key) != 0)
		goto out;
	next = held;
	if (zt_planet_apply_edits(&next, o.edits, o.n_edits, true) != 0)
		goto out;
	ts = o.flags & HAS_TS ? o.ts : now_ms() > held.ts ? now_ms() : held.ts + 1;
	ret = zt_world_next_revision(&next, ts, o.new_key ? new_pub : NULL, secret);
	if (ret == -ESTALE) {
		zt_log(ZT_LOG_ERROR,
		       "bad --timestamp %llu: not newer than %s's %llu (nodes would ignore the update)",
		       (unsigned long long)ts, o.file, (unsigned long long)held.ts);
		goto out;
	}
	if (ret) {
		zt_log(ZT_LOG_ERROR,
		       "cannot sign the update with %s: it is not the key %s names for updates (use "
		       "the key it was made with, or last handed over to with --new-key)",
		       key, o.file);
		goto out;
	}
	if ((n = encode_checked(&next, pub, buf, sizeof(buf))) < 0)
		goto out;
	if (zt_world_parse(&back, buf, (size_t)n) != 0 || zt_world_check_update(&held, &back) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "cannot update %s: the new revision would not be accepted (a bug: please "
		       "report it)",
		       o.file);
		goto out;
	}
	out_path = o.output ? o.output : o.file;
	if ((made_new_key && save_key(o.new_key, new_pub, new_secret) != 0) ||
	    write_planet(out_path, buf, (size_t)n, false) != 0)
		goto out;
	printf("wrote %s (%s %016llx, timestamp %llu, was %llu, %u root%s, %d bytes)\n", out_path,
	       zt_planet_type_name(next.type), (unsigned long long)next.id, (unsigned long long)next.ts,
	       (unsigned long long)held.ts, (unsigned)next.n_roots, next.n_roots == 1 ? "" : "s", n);
	if (o.new_key)
		printf("later updates must be signed with %s\n", o.new_key);
	status = 0;
out:
	zt_wipe(secret, sizeof(secret));
	zt_wipe(new_secret, sizeof(new_secret));
	free(o.edits);
	return status;
}

static const struct {
	const char *name;
	int (*fn)(struct zt_cli *cli, int argc, char **argv);
} planet_cmds[] = {
    {"new", planet_new},
    {"show", zt_planet_show},
    {"update", planet_update},
    {"verify", zt_planet_verify},
};

int planet_main(int argc, char **argv)
{
	static const struct option longopts[] = {ZT_CLI_LOG_OPTIONS, {"help", no_argument, NULL, 'h'}, {0}};
	struct zt_cli cli;
	int opt, status = ZT_EXIT_FAILURE;
	zt_cli_begin(&cli, "ztrun planet");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "+vqh", longopts)) != -1) {
		if (opt != 'h')
			return ZT_EXIT_FAILURE;
		print_help(stdout);
		status = 0;
		goto flush;
	}
	zt_cli_set_log_level(&cli);
	if (optind >= argc) {
		zt_log(ZT_LOG_ERROR, "missing planet COMMAND (see ztrun planet --help)");
		return ZT_EXIT_FAILURE;
	}
	size_t i;
	for (i = 0; i < sizeof(planet_cmds) / sizeof(planet_cmds[0]); i++)
		if (strcmp(argv[optind], planet_cmds[i].name) == 0)
			break;
	if (i == sizeof(planet_cmds) / sizeof(planet_cmds[0])) {
		zt_log(ZT_LOG_ERROR, "bad planet command '%s' (see ztrun planet --help)", argv[optind]);
		return ZT_EXIT_FAILURE;
	}
	status = planet_cmds[i].fn(&cli, argc - optind, argv + optind);
flush:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		zt_log(ZT_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
		return ZT_EXIT_FAILURE;
	}
	return status;
}
