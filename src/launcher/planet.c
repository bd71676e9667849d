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

#include <arpa/inet.h>

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

/* Root and endpoint changes, kept in command-line order: --endpoint belongs to the --root before it. */
enum edit_op { EDIT_ROOT, EDIT_ENDPOINT, EDIT_REMOVE_ENDPOINT, EDIT_REMOVE_ROOT };
struct edit {
	enum edit_op op;
	const char *arg;
};

struct planet_opts {
	const char *output, *key, *new_key, *file;
	uint64_t id, ts;
	unsigned flags;
	struct edit *edits;
	size_t n_edits;
	char key_default[4096];
};

static const struct option new_options[] = {
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
	    "  -k, --key KEY           PLANET's signing key (default PLANET.key)\n"
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
	        "\"ztrun planet COMMAND --help\" describes each. Exit status: 0 on success, 1 on failure.\n");
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

int zt_planet_load(const char *path, struct zt_world *w)
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

static bool is_address(const char *s, uint64_t *address)
{
	if (strlen(s) != ZT_ADDRESS_TEXT_LEN || strspn(s, "0123456789abcdefABCDEF") != ZT_ADDRESS_TEXT_LEN)
		return false;
	*address = strtoull(s, NULL, 16);
	return true;
}

/* IP/PORT (ZeroTier's form), IPv4:PORT or [IPv6]:PORT. 0 or -EINVAL. */
static int parse_endpoint(const char *s, struct zt_inetaddr *a)
{
	char ip[64];
	const char *port;
	size_t iplen;
	const char *slash = strrchr(s, '/');
	memset(a, 0, sizeof(*a));
	if (slash) {
		iplen = (size_t)(slash - s);
		port = slash + 1;
	} else if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		s++;
		iplen = (size_t)(close - s);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		iplen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (iplen == 0 || iplen >= sizeof(ip) || !*port || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) < 1 || atoi(port) > 65535)
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = 0;
	if (inet_pton(AF_INET, ip, a->ip) == 1)
		a->family = ZT_INET_V4;
	else if (inet_pton(AF_INET6, ip, a->ip) == 1)
		a->family = ZT_INET_V6;
	else
		return -EINVAL;
	a->port = (uint16_t)atoi(port);
	return 0;
}

/* Addresses nodes cannot use are refused; those only local tests use are allowed with a warning. */
static int check_endpoint(const char *text, const struct zt_inetaddr *a)
{
	static const uint8_t zero[16];
	const uint8_t *ip = a->ip;
	bool v4 = a->family == ZT_INET_V4;
	if (memcmp(ip, zero, v4 ? 4 : 16) == 0 || (v4 && (ip[0] >= 224 || ip[0] == 0)) ||
	    (!v4 && ip[0] == 0xff)) {
		zt_log(ZT_LOG_ERROR,
		       "bad endpoint %s: unspecified, multicast or broadcast (give the root's unicast "
		       "address)",
		       text);
		return -EINVAL;
	}
	static const uint8_t v6_loopback[16] = {[15] = 1};
	if ((v4 && (ip[0] == 127 || (ip[0] == 169 && ip[1] == 254))) ||
	    (!v4 && (memcmp(ip, v6_loopback, 16) == 0 || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80))))
		zt_log(ZT_LOG_WARN,
		       "warning: endpoint %s is loopback or link-local: stock nodes will not use it "
		       "(fine for ztrun nodes on one host)",
		       text);
	return 0;
}

/* Loads a root's identity and runs the check every node will run on it. */
static int load_root(const char *arg, struct zt_identity *id)
{
	const char *name = zt_keyfile_is_literal(arg) ? "(text on the command line)" : arg;
	int ret = zt_keyfile_load_identity(arg, id);
	if (ret == -EBADMSG) {
		zt_log(ZT_LOG_ERROR,
		       "cannot read root identity %s: not an identity (give the root's "
		       "identity.public)",
		       name);
		return -1;
	}
	if (ret) {
		zt_log(ZT_LOG_ERROR, "cannot read root identity %s: %s (give the root's identity.public)",
		       name, ret == -EFBIG ? "file too long" : strerror(-ret));
		return -1;
	}
	if (zt_identity_validate(id, NULL) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "root identity %s FAILED validation (nodes would refuse it; check with ztrun "
		       "idtool validate)",
		       name);
		return -1;
	}
	return 0;
}

/* --root: selects a root by address, or by identity, adding it if it is new. */
static int select_root(struct zt_world *w, const char *arg, uint64_t *selected)
{
	struct zt_identity id;
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	uint64_t address;
	int i;
	if (is_address(arg, &address)) {
		if (zt_world_find_root(w, address) < 0) {
			zt_log(ZT_LOG_ERROR, "no root %s in the planet (give its identity to add it)", arg);
			return -1;
		}
		*selected = address;
		return 0;
	}
	if (load_root(arg, &id) != 0)
		return -1;
	zt_address_format(id.address, addr);
	*selected = id.address;
	i = zt_world_find_root(w, id.address);
	if (i >= 0 && !zt_identity_equal(&w->roots[i].id, &id)) {
		zt_log(ZT_LOG_ERROR,
		       "root %s in the planet has another public key than %s (remove it first to "
		       "replace it)",
		       addr, arg);
		return -1;
	}
	if (i < 0 && zt_world_add_root(w, &id) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "cannot add root %s: a planet has at most %d roots (stock nodes refuse more)", addr,
		       ZT_WORLD_MAX_ROOTS);
		return -1;
	}
	return 0;
}

static int remove_root(struct zt_world *w, const char *arg, uint64_t *selected)
{
	struct zt_identity id;
	uint64_t address;
	if (!is_address(arg, &address)) {
		int ret = zt_keyfile_load_identity(arg, &id);
		if (ret) {
			zt_log(ZT_LOG_ERROR,
			       "bad --remove-root %s: not an address (10 hex digits) nor an identity", arg);
			return -1;
		}
		address = id.address;
	}
	if (zt_world_remove_root(w, address) != 0) {
		char addr[ZT_ADDRESS_TEXT_LEN + 1];
		zt_address_format(address, addr);
		zt_log(ZT_LOG_ERROR, "cannot remove root %s: it is not a root of the planet", addr);
		return -1;
	}
	if (*selected == address)
		*selected = 0;
	return 0;
}

static int edit_endpoint(struct zt_world *w, const struct edit *e, uint64_t selected)
{
	struct zt_inetaddr a;
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	const char *opt = e->op == EDIT_ENDPOINT ? "--endpoint" : "--remove-endpoint";
	int i = selected ? zt_world_find_root(w, selected) : -ENOENT, ret;
	if (i < 0) {
		zt_log(ZT_LOG_ERROR, "%s %s: no --root before it (name the root it belongs to first)", opt,
		       e->arg);
		return -1;
	}
	if (parse_endpoint(e->arg, &a) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "bad endpoint '%s': not IP/PORT (e.g. 203.0.113.1/9993 or 2001:db8::1/9993)", e->arg);
		return -1;
	}
	zt_address_format(selected, addr);
	if (e->op == EDIT_REMOVE_ENDPOINT) {
		if (zt_world_remove_endpoint(&w->roots[i], &a) != 0) {
			zt_log(ZT_LOG_ERROR, "cannot remove endpoint %s: root %s has no such endpoint",
			       e->arg, addr);
			return -1;
		}
		return 0;
	}
	if (check_endpoint(e->arg, &a) != 0)
		return -1;
	ret = zt_world_add_endpoint(&w->roots[i], &a);
	if (ret == -EEXIST)
		zt_log(ZT_LOG_ERROR, "endpoint %s is given twice for root %s", e->arg, addr);
	else if (ret)
		zt_log(ZT_LOG_ERROR,
		       "cannot add endpoint %s: root %s has %d already (stock nodes refuse more)", e->arg,
		       addr, ZT_WORLD_MAX_ENDPOINTS);
	return ret ? -1 : 0;
}

/* Applies the edits in order, then checks that every root can be reached. */
static int apply_edits(struct zt_world *w, const struct planet_opts *o)
{
	uint64_t selected = 0;
	for (size_t k = 0; k < o->n_edits; k++) {
		const struct edit *e = &o->edits[k];
		int ret = 0;
		if (e->op == EDIT_ROOT)
			ret = select_root(w, e->arg, &selected);
		else if (e->op == EDIT_REMOVE_ROOT)
			ret = remove_root(w, e->arg, &selected);
		else
			ret = edit_endpoint(w, e, selected);
		if (ret)
			return -1;
	}
	if (w->n_roots == 0) {
		zt_log(ZT_LOG_ERROR, "no roots left: a planet needs at least one --root with an --endpoint");
		return -1;
	}
	for (unsigned i = 0; i < w->n_roots; i++) {
		if (w->roots[i].n_endpoints == 0) {
			char addr[ZT_ADDRESS_TEXT_LEN + 1];
			zt_address_format(w->roots[i].id.address, addr);
			zt_log(ZT_LOG_ERROR,
			       "root %s has no endpoint (nodes could not reach it: add --endpoint IP/PORT "
			       "after its --root)",
			       addr);
			return -1;
		}
	}
	return 0;
}

static int add_edit(struct planet_opts *o, enum edit_op op, const char *arg)
{
	o->edits[o->n_edits++] = (struct edit){op, arg};
	return 0;
}

/* Parses new's or update's options into o, edits in order. 0, 1 after printing --help, -1 after printing an
 * error. At most one positional argument, the planet file update works on. */
static int parse_options(int argc, char **argv, bool is_new, struct planet_opts *o)
{
	int opt;
	opterr = 0;
	if (!(o->edits = calloc((size_t)argc, sizeof(*o->edits)))) {
		zt_log(ZT_LOG_ERROR, "cannot parse the command line: out of memory");
		return -1;
	}
	while ((opt = getopt_long(argc, argv, is_new ? ":o:k:r:e:fh" : ":o:k:r:e:h",
	                          is_new ? new_options : update_options, NULL)) != -1) {
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
			add_edit(o, EDIT_ROOT, optarg);
			break;
		case 'e':
			add_edit(o, EDIT_ENDPOINT, optarg);
			break;
		case 'E':
			add_edit(o, EDIT_REMOVE_ENDPOINT, optarg);
			break;
		case 'R':
			add_edit(o, EDIT_REMOVE_ROOT, optarg);
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
		case ':':
			zt_log(ZT_LOG_ERROR, "option '%s' needs a value (see ztrun planet %s --help)",
			       argv[optind - 1], argv[0]);
			return -1;
		default:
			if (optopt)
				zt_log(ZT_LOG_ERROR, "bad option '-%c' (see ztrun planet %s --help)", optopt,
				       argv[0]);
			else
				zt_log(ZT_LOG_ERROR, "bad option '%s' (see ztrun planet %s --help)",
				       argv[optind - 1], argv[0]);
			return -1;
		}
	}
	if (optind < argc && (is_new || optind + 1 < argc)) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (see ztrun planet %s --help)",
		       argv[is_new ? optind : optind + 1], argv[0]);
		return -1;
	}
	o->file = optind < argc ? argv[optind] : NULL;
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

static int planet_new(int argc, char **argv)
{
	static struct zt_world w;
	struct planet_opts o = {0};
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN] = {0}, buf[ZT_WORLD_MAX_LEN];
	struct stat st;
	bool made_key = false;
	int n, status = 1, ret = parse_options(argc, argv, true, &o);
	const char *key;

	if (ret) {
		status = ret > 0 ? 0 : 1;
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
	if (apply_edits(&w, &o) != 0)
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

static int planet_update(int argc, char **argv)
{
	static struct zt_world held, next, back;
	struct planet_opts o = {0};
	uint8_t pub[ZT_IDENTITY_PUB_LEN], secret[ZT_IDENTITY_PRIV_LEN] = {0};
	uint8_t new_pub[ZT_IDENTITY_PUB_LEN], new_secret[ZT_IDENTITY_PRIV_LEN] = {0}, buf[ZT_WORLD_MAX_LEN];
	bool made_key = false, made_new_key = false;
	int n, status = 1, ret = parse_options(argc, argv, false, &o);
	const char *key, *out_path;
	uint64_t ts;

	if (ret) {
		status = ret > 0 ? 0 : 1;
		goto out;
	}
	if (!o.file) {
		zt_log(ZT_LOG_ERROR,
		       "missing PLANET, the planet file to update (see ztrun planet update --help)");
		goto out;
	}
	if (prepare_crypto() != 0 || zt_planet_load(o.file, &held) != 0)
		goto out;
	key = default_key(&o, o.file);
	if (load_or_make_key(key, pub, secret, false, &made_key) != 0)
		goto out;
	if (o.new_key && load_or_make_key(o.new_key, new_pub, new_secret, true, &made_new_key) != 0)
		goto out;
	next = held;
	if (apply_edits(&next, &o) != 0)
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
	int (*fn)(int argc, char **argv);
} planet_cmds[] = {
    {"new", planet_new},
    {"show", zt_planet_show},
    {"update", planet_update},
    {"verify", zt_planet_verify},
};

int planet_main(int argc, char **argv)
{
	int status = 1;
	if (argc < 2) {
		zt_log(ZT_LOG_ERROR, "missing planet COMMAND (see ztrun planet --help)");
		return 1;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		print_help(stdout);
		status = 0;
	} else {
		size_t i;
		for (i = 0; i < sizeof(planet_cmds) / sizeof(planet_cmds[0]); i++)
			if (strcmp(argv[1], planet_cmds[i].name) == 0)
				break;
		if (i == sizeof(planet_cmds) / sizeof(planet_cmds[0])) {
			zt_log(ZT_LOG_ERROR, "bad planet command '%s' (see ztrun planet --help)", argv[1]);
			return 1;
		}
		status = planet_cmds[i].fn(argc - 1, argv + 1);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		zt_log(ZT_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
		return 1;
	}
	return status;
}
