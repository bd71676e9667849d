/* Writes the starting corpus of the controller's fuzz targets into <dir>/{ctl_request,ctl_api,ctl_jointoken}/
 * (input formats in fuzz_ctl_request.c, fuzz_ctl_api.c, fuzz_ctl_jointoken.c): fuzz_ctl_seeds <dir>. */
#include "fuzz_ctl.h"
#include "fuzz_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* One packet record: [sel][u16 len][payload]. */
static size_t record(uint8_t *out, uint8_t sel, const void *p, size_t len)
{
	out[0] = sel;
	out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)len;
	memcpy(out + 3, p, len);
	return 3 + len;
}

/* A request after the network ID (which sel bit 5 puts in front): [u16 len][metadata][r][ts]. */
static size_t request_body(uint8_t *out, const char *md)
{
	size_t n = strlen(md);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	memcpy(out + 2, md, n);
	memset(out + 2 + n, 0, 16);
	return 18 + n;
}

int main(int argc, char **argv)
{
	static uint8_t buf[8192], body[2048];
	static const uint8_t group[] = {0x5a, 0x19, 0x8f, 0x70, 0x32, 0x7c, 0x71, 0x84, 0xff,
	                                0xff, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x93, 0x14, 0x03};
	static const uint8_t gather[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a,
	                                 0x93, 0x14, 0x03, 0x00, 0x00, 0x00, 0x10};
	int bad = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_ctl_seeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return 1;
	size_t bl = request_body(body, fuzz_ctl_md), n = 0;
	/* member 0 (authorized), member 2 (token), member 5 (another key for member 0's address) */
	n = record(buf, 0x20, body, bl);
	bad |= fuzz_put_seed(dir, "ctl_request", "request-member0", buf, n);
	n = record(buf, 0x22, body, bl);
	n += record(buf + n, 0x65, body, bl);
	bad |= fuzz_put_seed(dir, "ctl_request", "request-token-and-collision", buf, n);
	/* request, LIKE, request by another member, GATHER, tick */
	n = record(buf, 0x20, body, bl);
	n += record(buf + n, 0x08, group, sizeof(group));
	n += record(buf + n, 0x61, body, bl);
	n += record(buf + n, 0x31, gather, sizeof(gather));
	n += record(buf + n, 0xc0, body, 0);
	bad |= fuzz_put_seed(dir, "ctl_request", "like-gather", buf, n);

	static const struct {
		const char *name, *text;
	} api[] = {
	    {"post-network",
	     "\x05\n{\"name\":\"x\",\"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":[{\"ipRangeStart\":"
	     "\"10.0.0.1\","
	     "\"ipRangeEnd\":\"10.0.0.9\"}],\"routes\":[{\"target\":\"10.0.0.0/"
	     "24\",\"via\":null}],\"rules\":[{\"type\":"
	     "\"MATCH_IP_DEST_PORT_RANGE\",\"start\":1,\"end\":2,\"not\":true},{\"type\":\"ACTION_ACCEPT\"}],"
	     "\"dns\":{\"domain\":\"a\",\"servers\":[\"10.0.0.1\"]},\"tags\":[{\"id\":1,\"default\":2}],"
	     "\"capabilities\":[{\"id\":3,\"rules\":[]}],\"authTokens\":{\"t\":0}}"},
	    {"post-member",
	     "\x0d\n{\"authorized\":false,\"ipAssignments\":[\"10.147.20.9\"],\"tags\":[[1,2]],"
	     "\"capabilities\":[1],\"activeBridge\":true}"},
	    {"new-member", "\x15\n{\"authorized\":true,\"name\":\"n\"}"},
	    {"create", "\x25\n{\"private\":false}"},
	    {"delete-member", "\x0e\n"},
	    {"get-path", "\x00/controller/network/5a198f70327c7184/member/1000000001\n"},
	    {"bad-json", "\x05\n{\"mtu\":"},
	};
	for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++)
		bad |= fuzz_put_seed(dir, "ctl_api", api[i].name, api[i].text, strlen(api[i].text));

	static const struct {
		const char *name, *text;
	} jt[] = {
	    {"record",
	     "\x00{\"creationTime\":1,\"expires\":0,\"hash\":\"df90a1c149e2d39d19e4ddb191e9fa9b705e7aa45654e0c19ce8"
	     "00540789f10b\",\"ipPool\":\"10.147.20.0/28\",\"maxUses\":3,\"name\":\"fz\",\"refusedCount\":1,"
	     "\"revokedTime\":0,\"useCount\":1,\"usedBy\":[{\"address\":\"1000000003\",\"time\":2}]}"},
	    {"create", "\x01{\"name\":\"ci\",\"maxUses\":10,\"expiresIn\":60000,\"ipPool\":\"10.147.20.64/26\"}"},
	    {"create-default", "\x01"},
	    {"create-bad", "\x01{\"uses\":1}"},
	    {"create-store-fails", "\x03{\"maxUses\":0}"},
	};
	for (size_t i = 0; i < sizeof(jt) / sizeof(jt[0]); i++)
		bad |= fuzz_put_seed(dir, "ctl_jointoken", jt[i].name, jt[i].text, strlen(jt[i].text + 1) + 1);
	return bad ? 1 : 0;
}
