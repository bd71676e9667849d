/* Suite for vl2/rules_eval's bounds: every rule type over every truncation of a few frames, and nothing
 * read past a frame's end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rules_frames.h"

/* Every rule type over every truncation of a few frames: nothing reads past the frame's end. Each frame is
 * evaluated from a copy followed by zeros, by ones, and by nothing: a rule that looked past the end would
 * decide differently (and under ASan, reading past the exact-size copy is reported). */
static bool same_result(const struct zt_rules_result *a, const struct zt_rules_result *b)
{
	return a->verdict == b->verdict && a->redirect_to == b->redirect_to && a->copy.to == b->copy.to &&
	       a->copy.len == b->copy.len && a->copy.watch == b->copy.watch;
}

/* Evaluates fr's first len bytes from a heap copy: exactly len bytes long (pad < 0), or followed by 256
 * bytes of `pad`. */
static enum zt_rules_verdict eval_padded(const struct zt_rule *rules, size_t n, const struct frame *fr,
                                         int pad, struct zt_rules_result *res)
{
	struct zt_rules_env e = env_default();
	struct zt_rules_frame f = fr->f;
	size_t tail = pad < 0 ? 0 : 256;
	uint8_t *copy = malloc(f.len + tail + 1);
	if (!copy)
		abort();
	memcpy(copy, fr->f.payload, f.len);
	memset(copy + f.len, pad < 0 ? 0 : pad, tail);
	f.payload = copy;
	memset(res, 0, sizeof(*res));
	enum zt_rules_verdict v = zt_rules_eval(rules, n, &f, &e, res);
	free(copy);
	return v;
}

static void short_frames_are_safe(void)
{
	static struct zt_rule rules[64];
	struct frame fr, base[3];
	struct zt_rules_result r0, r1, rx;
	uint64_t seed = 3;
	size_t n = 0, evaluated = 0, differing = 0;
	for (uint8_t t = 16; t < 64; t++) {
		rules[n] = R(t);
		zt_test_random(&seed, &rules[n].v, sizeof(rules[n].v));
		rules[n].t |= (uint8_t)(n % 2 ? ZT_RULE_OR : 0);
		n++;
	}
	rules[n++] = R(ZT_RULE_ACTION_ACCEPT);
	ipv4(&base[0], TCP, "\x0a\0\0\1", "\x0a\0\0\2", 1, 2, 0x12, true);
	base[0].buf[0] = 0x4f; /* IHL 60: transport header beyond a short frame */
	ipv6(&base[1], TCP, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\2", 1, 2,
	     true);
	base[1].buf[41] = 200; /* an extension header longer than the frame */
	arp_request(&base[2], "\x0a\0\0\1", "\x0a\0\0\2");
	for (int b = 0; b < 3; b++) {
		for (size_t len = 0; len <= base[b].f.len; len++) {
			fr = base[b];
			fr.f.payload = fr.buf;
			fr.f.len = len;
			for (size_t i = 0; i + 1 < n; i++) {
				struct zt_rule one[2] = {rules[i], R(ZT_RULE_ACTION_ACCEPT)};
				enum zt_rules_verdict v0 = eval_padded(one, 2, &fr, 0x00, &r0);
				enum zt_rules_verdict v1 = eval_padded(one, 2, &fr, 0xff, &r1);
				enum zt_rules_verdict vx = eval_padded(one, 2, &fr, -1, &rx);
				evaluated++;
				if (v0 != v1 || v0 != vx || !same_result(&r0, &r1) ||
				    !same_result(&r0, &rx)) {
					differing++;
					fprintf(stderr,
					        "  rule type %u on frame %d cut to %zu: verdict %d vs %d\n",
					        rules[i].t & 0x3f, b, len, v0, v1);
				}
			}
			enum zt_rules_verdict v0 = eval_padded(rules, n, &fr, 0x00, &r0);
			enum zt_rules_verdict v1 = eval_padded(rules, n, &fr, 0xff, &r1);
			enum zt_rules_verdict vx = eval_padded(rules, n, &fr, -1, &rx);
			evaluated++;
			CHECK(v0 == v1 && v0 == vx && same_result(&r0, &r1) && same_result(&r0, &rx));
		}
	}
	CHECK_EQ_INT(differing, 0);
	CHECK(evaluated > 1000);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(short_frames_are_safe),
	};
	return zt_test_main("vl2_rules_eval_bounds", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc,
	                    argv);
}
