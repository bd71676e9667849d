#include "fuzz_ctl.h"

#include "fuzz_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/wire.h"
#include "vl2/netconf.h"

/* The spec's controller identity (§11.1), secret included. */
static const char controller_text[] =
    "5a198f7032:0:8c8170dce89841bbcaaf214f84b242bbaa55cc57f21c77d718ccd3c499c7067cf6c30247fe167b7802c"
    "3f678a57baea7c1e86ccfad6192edfb595080837bb09c:04aceadfc98ae349b804cee7c93b561cda76db594e0beafe4b"
    "4792240c861b99eb1e725b750c15f99d421b4f97132d49b119eec324376c969d5ccd45f029c573";

const char fuzz_ctl_md[] = "v=0000000000000007\nvend=0000000000000001\npv=000000000000000c\n"
                           "majv=0000000000000001\nminv=000000000000000e\nrevv=0000000000000001\n"
                           "mr=0000000000000400\nmc=0000000000000080\nmcr=0000000000000040\n"
                           "mt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\no=linux/x86_64\n"
                           "a=token:fuzz";

static const char private_net[] =
    "{\"id\":\"5a198f70327c7184\",\"name\":\"fuzz\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
    "\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true,\"zt\":true},\"ipAssignmentPools\":["
    "{\"ipRangeStart\":\"10.147.20.1\",\"ipRangeEnd\":\"10.147.20.6\"},{\"ipRangeStart\":\"fd00::1\","
    "\"ipRangeEnd\":\"fd00::ff\"}],\"routes\":[{\"target\":\"10.147.20.0/24\",\"via\":null},"
    "{\"target\":\"fd00::/112\",\"via\":null}],\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2048,"
    "\"not\":true},{\"type\":\"ACTION_DROP\"},{\"type\":\"ACTION_ACCEPT\"}],\"capabilities\":[{\"id\":1,"
    "\"default\":true,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}],\"tags\":[{\"id\":7,\"default\":3}],"
    "\"dns\":{\"domain\":\"fuzz.example\",\"servers\":[\"10.147.20.1\"]},\"authTokens\":{\"fuzz\":0},"
    "\"revision\":3}";
static const char public_net[] = "{\"id\":\"5a198f7032e84eb2\",\"private\":false,\"revision\":1}";

static struct zt_identity controller, members[FUZZ_CTL_MEMBERS];

static void setup_identities(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	if (zt_identity_from_text(&controller, controller_text, strlen(controller_text)) != 0)
		abort();
	for (unsigned i = 0; i < FUZZ_CTL_MEMBERS; i++) {
		members[i].address = 0x1000000001ULL + i;
		for (size_t k = 0; k < sizeof(members[i].pub); k++)
			members[i].pub[k] = (uint8_t)(i * 31 + k);
	}
	members[FUZZ_CTL_MEMBERS - 1].address = members[0].address; /* another key for member 0's address */
}

const struct zt_identity *fuzz_ctl_member(unsigned i)
{
	setup_identities();
	return &members[i % FUZZ_CTL_MEMBERS];
}

/* Every packet the controller sends must be well formed; configs must verify and parse, for the member
 * they are sent to. */
static void check_config_chunk(uint64_t dest, struct zt_rd *r, const uint8_t *base)
{
	size_t from = r->off;
	uint64_t nwid = zt_rd_u64(r);
	uint16_t len = zt_rd_u16(r);
	const uint8_t *dict = zt_rd_bytes(r, len);
	zt_rd_u8(r);
	FUZZ_ASSERT(zt_rd_u64(r) != 0);
	uint32_t total = zt_rd_u32(r), idx = zt_rd_u32(r);
	size_t signed_len = r->off - from;
	FUZZ_ASSERT(zt_rd_u8(r) == 1 && zt_rd_u16(r) == ZT_SIGNATURE_LEN);
	const uint8_t *sig = zt_rd_bytes(r, ZT_SIGNATURE_LEN);
	FUZZ_ASSERT(zt_rd_done(r) && idx + len <= total);
	FUZZ_ASSERT(zt_identity_verify(&controller, base + from, signed_len, sig));
	if (idx == 0 && len == total) {
		static struct zt_netconf nc;
		FUZZ_ASSERT(zt_netconf_parse(&nc, dict, len) == 0);
		FUZZ_ASSERT(nc.nwid == nwid && nc.issued_to == dest && nc.com.count == 7);
		FUZZ_ASSERT(zt_com_verify(&nc.com, &controller) == 0);
		zt_netconf_free(&nc);
	}
}

static int send_cb(void *arg, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now)
{
	struct fuzz_ctl *f = arg;
	struct zt_rd r;
	(void)now;
	f->sent++;
	FUZZ_ASSERT(len <= ZT_PACKET_MAX_PAYLOAD);
	zt_rd_init(&r, payload, len);
	if (verb == ZT_VERB_NETWORK_CONFIG) {
		check_config_chunk(dest, &r, payload);
	} else if (verb == ZT_VERB_OK) {
		uint8_t in_re = zt_rd_u8(&r);
		zt_rd_u64(&r);
		FUZZ_ASSERT(in_re == ZT_VERB_NETWORK_CONFIG_REQUEST || in_re == ZT_VERB_MULTICAST_GATHER);
		if (in_re == ZT_VERB_NETWORK_CONFIG_REQUEST)
			check_config_chunk(dest, &r, payload);
	} else if (verb == ZT_VERB_ERROR) {
		FUZZ_ASSERT(len == 18 && ((const uint8_t *)payload)[0] == ZT_VERB_NETWORK_CONFIG_REQUEST);
	} else {
		FUZZ_ASSERT(verb == ZT_VERB_NETWORK_CREDENTIALS);
	}
	return 0;
}

static void random_cb(void *arg, void *buf, size_t len)
{
	static uint64_t s = 1;
	(void)arg;
	fuzz_random(&s, buf, len);
}

static int put_cb(void *arg, const char *name, const void *data, size_t len)
{
	struct fuzz_ctl *f = arg;
	f->puts++;
	if (f->store_fails)
		return -EIO;
	free(f->last);
	if (!(f->last = malloc(len + 1)))
		abort();
	memcpy(f->last, data, len);
	f->last[len] = 0;
	f->last_len = len;
	snprintf(f->last_name, sizeof(f->last_name), "%s", name);
	return 0;
}

static int delete_cb(void *arg, const char *name)
{
	struct fuzz_ctl *f = arg;
	(void)name;
	f->deletes++;
	return f->store_fails ? -EIO : 0;
}

static void load(struct zt_controller *c, const char *name, const char *json)
{
	char err[200];
	if (zt_controller_load(c, name, json, strlen(json), err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ctl: %s does not load: %s\n", name, err);
		abort();
	}
}

void fuzz_ctl_new(struct fuzz_ctl *f, bool with_records)
{
	static const struct zt_controller_callbacks cb = {
	    .version = ZT_CONTROLLER_CALLBACKS_VERSION,
	    .send = send_cb,
	    .random = random_cb,
	    .store_put = put_cb,
	    .store_delete = delete_cb,
	};
	struct zt_controller_config cfg;
	char member[512], id[200];
	setup_identities();
	memset(f, 0, sizeof(*f));
	zt_controller_config_init(&cfg);
	cfg.identity = &controller;
	cfg.max_member_status = 64;
	cfg.max_subscriptions = 64;
	if (zt_controller_new(&f->c, &cb, f, &cfg, 0) != 0)
		abort();
	if (!with_records)
		return;
	load(f->c, "network/5a198f70327c7184.json", private_net);
	load(f->c, "network/5a198f7032e84eb2.json", public_net);
	/* Member 0 authorized with its key pinned; 1 authorized before it ever asked; the rest unknown. */
	zt_identity_to_text(&members[0], false, id, sizeof(id));
	snprintf(member, sizeof(member), "{\"id\":\"1000000001\",\"authorized\":true,\"identity\":\"%s\"}",
	         id);
	load(f->c, "network/5a198f70327c7184/member/1000000001.json", member);
	load(f->c, "network/5a198f70327c7184/member/1000000002.json",
	     "{\"id\":\"1000000002\",\"authorized\":true,\"ipAssignments\":[\"10.147.20.2\"]}");
}

void fuzz_ctl_free(struct fuzz_ctl *f)
{
	zt_controller_free(f->c);
	f->c = NULL;
	free(f->last);
	f->last = NULL;
}
