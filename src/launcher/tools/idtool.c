/* ztrun idtool: zerotier-idtool's identity commands with its arguments, standard output and exit status,
 * so scripts written for one work with the other and their files and signatures are interchangeable.
 * Errors are ztrun's one line on stderr; a few checks are stricter than stock's (see docs/ztrun.1). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keyfile.h"
#include "log.h"
#include "subcommands.h"
#include "sysio.h"
#include "vl1/identity.h"

#define SIGNED_FILE_MAX (1UL << 30) /* the file is signed in memory, in one piece */
#define SIG_TEXT_LEN    (2 * ZT_SIGNATURE_LEN)

struct idtool_cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command's name */
	int min_args, max_args;
	const char *args, *summary;
};

static int generate(int argc, char **argv);
static int validate(int argc, char **argv);
static int getpublic(int argc, char **argv);
static int sign(int argc, char **argv);
static int verify(int argc, char **argv);

static const struct idtool_cmd cmds[] = {
    {"generate", generate, 0, 3, "[SECRET_FILE [PUBLIC_FILE [VANITY]]]",
     "make a new identity; print it, or write SECRET_FILE (mode 0600) and PUBLIC_FILE"},
    {"validate", validate, 1, 1, "IDENTITY", "check that IDENTITY's address is proven by its key"},
    {"getpublic", getpublic, 1, 1, "IDENTITY", "print the public half of IDENTITY"},
    {"sign", sign, 2, 2, "SECRET_IDENTITY FILE", "print a signature of FILE, in hex"},
    {"verify", verify, 3, 3, "IDENTITY FILE SIGNATURE",
     "check SIGNATURE (hex, or a file holding it) of FILE"},
};

static void print_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: ztrun idtool COMMAND [ARG...]\n"
	    "\n"
	    "Makes, checks and uses ZeroTier identities as zerotier-idtool does, with the same arguments,\n"
	    "output and files. IDENTITY is an identity file (identity.secret or identity.public) or the\n"
	    "identity text itself.\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s %s\n      %s\n", cmds[i].name, cmds[i].args, cmds[i].summary);
	fprintf(f, "\n"
	           "Before COMMAND: -v, --verbose says more, -q, --quiet only errors (over ZTRUN_LOG).\n"
	           "Exit status: 0 on success, 1 on any failure (an invalid identity, a bad signature).\n");
}

static void print_cmd_help(const struct idtool_cmd *c)
{
	printf("Usage: ztrun idtool %s %s\n\n%c%s.\n", c->name, c->args,
	       toupper((unsigned char)c->summary[0]), c->summary + 1);
	if (c->fn == generate)
		printf("Without files the secret identity is printed, with no newline after it. VANITY, 1 to "
		       "10\n"
		       "hex digits, asks for an address that starts with them (each digit costs 16 times "
		       "more).\n");
	else if (c->fn == verify)
		printf("Prints \"FILE signature valid\" and exits 0, or exits 1.\n");
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int load_identity(const char *arg, struct zt_identity *id)
{
	int ret = zt_keyfile_load_identity(arg, id);
	if (ret == -EBADMSG)
		zt_log(ZT_LOG_ERROR,
		       "cannot read identity %s: not an identity (expected ADDRESS:0:PUBLIC[:SECRET])",
		       zt_keyfile_arg_name(arg));
	else if (ret == -EFBIG)
		zt_log(ZT_LOG_ERROR,
		       "cannot read identity %s: file too long (an identity is one line of 141 or 270 "
		       "characters)",
		       arg);
	else if (ret)
		zt_log(ZT_LOG_ERROR,
		       "cannot read identity %s: %s (give an identity file or the identity text)", arg,
		       strerror(-ret));
	return ret;
}

/* stdout carries the results scripts read: a failed write is a failure. */
static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		zt_log(ZT_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
		return ZT_EXIT_FAILURE;
	}
	return 0;
}

static int crypto_ready(void)
{
	if (zt_crypto_init() != 0) {
		zt_log(ZT_LOG_ERROR, "cannot initialise libsodium");
		return -1;
	}
	return 0;
}

/* 0 and the prefix's value and length in digits, or -EINVAL. */
static int parse_vanity(const char *s, uint64_t *prefix, unsigned *digits)
{
	size_t n = strlen(s);
	*prefix = 0;
	if (n > ZT_ADDRESS_TEXT_LEN || (n && !zt_hex_parse(s, n, prefix)))
		return -EINVAL;
	*digits = (unsigned)n;
	return 0;
}

static int generate(int argc, char **argv)
{
	struct zt_identity id;
	uint64_t prefix = 0;
	unsigned digits = 0;
	void *scratch = NULL;
	int ret, status = ZT_EXIT_FAILURE;

	if (argc > 3 && parse_vanity(argv[3], &prefix, &digits) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "bad VANITY '%s': not 1 to 10 hex digits (it is the start of the address wanted)",
		       argv[3]);
		return ZT_EXIT_FAILURE;
	}
	if (crypto_ready() != 0)
		return ZT_EXIT_FAILURE;
	if ((ret = zt_sys_random_check()) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot get random bytes: getrandom: %s", strerror(-ret));
		return ZT_EXIT_FAILURE;
	}
	if (!(scratch = malloc(ZT_IDENTITY_HASH_SCRATCH))) {
		zt_log(ZT_LOG_ERROR, "cannot generate an identity: out of memory");
		return ZT_EXIT_FAILURE;
	}
	do {
		ret = zt_identity_generate(&id, zt_sys_random, NULL, scratch);
		if (ret) {
			zt_log(ZT_LOG_ERROR, "cannot generate an identity: %s", strerror(-ret));
			goto out;
		}
	} while (digits && (id.address >> (4 * (ZT_ADDRESS_TEXT_LEN - digits))) != prefix);

	if (argc < 2) {
		char text[ZT_IDENTITY_TEXT_MAX];
		zt_identity_to_text(&id, true, text, sizeof(text));
		fputs(text, stdout);
		zt_wipe(text, sizeof(text));
		status = finish_stdout();
		goto out;
	}
	for (int i = 1; i < argc && i <= 2; i++) {
		bool secret = i == 1;
		if ((ret = zt_keyfile_save_identity(argv[i], &id, secret)) != 0) {
			zt_log(ZT_LOG_ERROR,
			       "cannot write %s identity to %s: %s (check that its directory exists and is "
			       "writable)",
			       secret ? "the secret" : "the public", argv[i], strerror(-ret));
			goto out;
		}
		printf("%s written\n", argv[i]);
	}
	status = finish_stdout();
out:
	zt_identity_wipe(&id);
	free(scratch);
	return status;
}

/* Runs the memory-hard check, and for a secret identity also that the secret belongs to the public key
 * (stock does not check that; a mismatched secret would sign what nobody can verify). */
static int check_identity(const char *arg, const struct zt_identity *id)
{
	int ret = zt_identity_validate(id, NULL);
	if (ret == -ENOMEM) {
		zt_log(ZT_LOG_ERROR, "cannot validate %s: out of memory (the check needs 2 MiB)",
		       zt_keyfile_arg_name(arg));
		return ret;
	}
	if (ret) {
		zt_log(ZT_LOG_ERROR,
		       "%s FAILED validation: its address is not the one its public key proves "
		       "(the file is damaged or forged)",
		       zt_keyfile_arg_name(arg));
		return ret;
	}
	if (id->has_priv && zt_identity_check_secret(id) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "%s FAILED validation: its secret key does not belong to its public key "
		       "(the file is damaged)",
		       zt_keyfile_arg_name(arg));
		return -EINVAL;
	}
	return 0;
}

static int validate(int argc, char **argv)
{
	struct zt_identity id;
	(void)argc;
	if (crypto_ready() != 0 || load_identity(argv[1], &id) != 0)
		return ZT_EXIT_FAILURE;
	int ret = check_identity(argv[1], &id);
	zt_identity_wipe(&id);
	if (ret)
		return ZT_EXIT_FAILURE;
	printf("%s is a valid identity\n", argv[1]);
	return finish_stdout();
}

static int getpublic(int argc, char **argv)
{
	struct zt_identity id;
	char text[ZT_IDENTITY_TEXT_MAX];
	(void)argc;
	if (load_identity(argv[1], &id) != 0)
		return ZT_EXIT_FAILURE;
	zt_identity_to_text(&id, false, text, sizeof(text));
	zt_identity_wipe(&id);
	fputs(text, stdout);
	return finish_stdout();
}

static int read_signed_file(const char *path, uint8_t **data, size_t *len)
{
	int ret = zt_file_read(path, SIGNED_FILE_MAX, data, len);
	if (ret == -EFBIG)
		zt_log(ZT_LOG_ERROR, "cannot read %s: larger than 1 GiB (sign a digest of it instead)", path);
	else if (ret)
		zt_log(ZT_LOG_ERROR, "cannot read %s: %s", path, strerror(-ret));
	return ret;
}

/* What sign and verify start from: the identity IDENTITY (argv[1]; for sign with its secret key, checked)
 * and the contents of FILE (argv[2]). 0, or -1 after saying what is wrong. */
static int load_key_and_file(char **argv, bool secret, struct zt_identity *id, uint8_t **data, size_t *len)
{
	if (crypto_ready() != 0 || load_identity(argv[1], id) != 0)
		return -1;
	if (secret && !id->has_priv) {
		zt_log(ZT_LOG_ERROR,
		       "cannot sign with %s: it has no secret key (use identity.secret, not "
		       "identity.public)",
		       zt_keyfile_arg_name(argv[1]));
		return -1;
	}
	if (secret && zt_identity_check_secret(id) != 0) {
		zt_log(ZT_LOG_ERROR,
		       "cannot sign with %s: its secret key does not belong to its public key "
		       "(the file is damaged)",
		       zt_keyfile_arg_name(argv[1]));
		return -1;
	}
	return read_signed_file(argv[2], data, len) != 0 ? -1 : 0;
}

static int sign(int argc, char **argv)
{
	struct zt_identity id;
	uint8_t *data = NULL, sig[ZT_SIGNATURE_LEN];
	size_t len;
	int status = ZT_EXIT_FAILURE;
	(void)argc;
	if (load_key_and_file(argv, true, &id, &data, &len) == 0) {
		zt_identity_sign(&id, data, len, sig);
		for (size_t i = 0; i < sizeof(sig); i++)
			printf("%02x", sig[i]);
		status = finish_stdout();
	}
	zt_identity_wipe(&id);
	free(data);
	return status;
}

static int unhex_signature(const char *text, size_t len, uint8_t sig[ZT_SIGNATURE_LEN])
{
	return len == SIG_TEXT_LEN && zt_hex_bytes(text, ZT_SIGNATURE_LEN, sig) ? 0 : -EINVAL;
}

/* SIGNATURE is the hex itself or, as stock allows, a file holding it (a trailing newline is fine). */
static int load_signature(const char *arg, uint8_t sig[ZT_SIGNATURE_LEN])
{
	uint8_t *data;
	size_t len;
	if (unhex_signature(arg, strlen(arg), sig) == 0)
		return 0;
	int ret = zt_file_read(arg, 4096, &data, &len);
	if (ret) {
		zt_log(ZT_LOG_ERROR,
		       "cannot read signature %s: %s (give %d hex digits or a file holding them)", arg,
		       ret == -EFBIG ? "file too long" : strerror(-ret), SIG_TEXT_LEN);
		return ret;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
		len--;
	ret = unhex_signature((const char *)data, len, sig);
	free(data);
	if (ret)
		zt_log(ZT_LOG_ERROR, "cannot read signature %s: not %d hex digits (as idtool sign prints)",
		       arg, SIG_TEXT_LEN);
	return ret;
}

static int verify(int argc, char **argv)
{
	struct zt_identity id;
	uint8_t *data = NULL, sig[ZT_SIGNATURE_LEN];
	size_t len;
	int status = ZT_EXIT_FAILURE;
	(void)argc;
	if (load_key_and_file(argv, false, &id, &data, &len) != 0 || load_signature(argv[3], sig) != 0)
		goto out;
	if (!zt_identity_verify(&id, data, len, sig)) {
		zt_log(ZT_LOG_ERROR, "%s signature check FAILED: not a signature of this file by %s", argv[2],
		       zt_keyfile_arg_name(argv[1]));
		goto out;
	}
	printf("%s signature valid\n", argv[2]);
	status = finish_stdout();
out:
	zt_identity_wipe(&id);
	free(data);
	return status;
}

int idtool_main(int argc, char **argv)
{
	static const struct option longopts[] = {ZT_CLI_LOG_OPTIONS, {"help", no_argument, NULL, 'h'}, {0}};
	struct zt_cli cli;
	int opt;
	zt_cli_begin(&cli, "ztrun idtool");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "+vqh", longopts)) != -1) {
		if (opt != 'h')
			return ZT_EXIT_FAILURE;
		print_help(stdout);
		return finish_stdout();
	}
	zt_cli_set_log_level(&cli);
	argc -= optind - 1; /* argv[1] the command, as stock's idtool has it */
	argv += optind - 1;
	if (argc < 2) {
		zt_log(ZT_LOG_ERROR, "missing idtool COMMAND (see ztrun idtool --help)");
		return ZT_EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct idtool_cmd *c = &cmds[i];
		int nargs = argc - 2;
		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (nargs >= 1 && is_help(argv[2])) {
			print_cmd_help(c);
			return finish_stdout();
		}
		if (nargs < c->min_args || nargs > c->max_args) {
			zt_log(ZT_LOG_ERROR, "%s arguments for idtool %s (usage: ztrun idtool %s %s)",
			       nargs < c->min_args ? "too few" : "too many", c->name, c->name, c->args);
			return ZT_EXIT_FAILURE;
		}
		return c->fn(argc - 1, argv + 1);
	}
	zt_log(ZT_LOG_ERROR, "bad idtool command '%s' (see ztrun idtool --help)", argv[1]);
	return ZT_EXIT_FAILURE;
}
