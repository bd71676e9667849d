#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vectors.h"
#include "vl2/dict.h"
#include "vl2/netcred.h"

const char fx_stock_md[] = "v=0000000000000007\nvend=0000000000000001\npv=000000000000000c\n"
                           "majv=0000000000000001\nminv=000000000000000e\nrevv=0000000000000001\n"
                           "mr=0000000000000400\nmc=0000000000000080\nmcr=0000000000000040\n"
                           "mt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\no=linux/x86_64";

static int fx_send(void *arg, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now)
{
	struct fx *f = arg;
	(void)now;
	if (f->npkts == FX_MAX_PKTS)
		return -ENOBUFS;
	struct fx_pkt *p = &f->pkts[f->npkts++];
	p->dest = dest;
	p->verb = verb;
	p->p = malloc(len ? len : 1);
	memcpy(p->p, payload, len);
	p->len = len;
	return 0;
}

static void fx_random(void *arg, void *buf, size_t len)
{
	struct fx *f = arg;
	if (f->nscript && len == 8) {
		uint64_t v = f->script[0];
		memmove(f->script, f->script + 1, (--f->nscript) * sizeof(f->script[0]));
		for (int i = 0; i < 8; i++)
			((uint8_t *)buf)[i] = (uint8_t)(v >> (56 - 8 * i));
		return;
	}
	zt_test_random(&f->seed, buf, len);
}

static struct fx_file *find_file(struct fx *f, const char *name)
{
	for (size_t i = 0; i < f->nfiles; i++)
		if (!strcmp(f->files[i].name, name))
			return &f->files[i];
	return NULL;
}

static int fx_put(void *arg, const char *name, const void *data, size_t len)
{
	struct fx *f = arg;
	struct fx_file *e;
	if (f->store_error)
		return f->store_error;
	f->puts++;
	if (!(e = find_file(f, name))) {
		if (f->nfiles == FX_MAX_FILES)
			return -ENOSPC;
		e = &f->files[f->nfiles++];
		e->name = strdup(name);
		e->data = NULL;
	}
	free(e->data);
	e->data = malloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = 0;
	e->len = len;
	return 0;
}

/* A file, or a directory "network/<nwid>" and everything below it. */
static int fx_delete(void *arg, const char *name)
{
	struct fx *f = arg;
	size_t n = strlen(name), out = 0;
	if (f->store_error)
		return f->store_error;
	f->deletes++;
	for (size_t i = 0; i < f->nfiles; i++) {
		const char *fn = f->files[i].name;
		if (!strcmp(fn, name) || (!strncmp(fn, name, n) && fn[n] == '/')) {
			free(f->files[i].name);
			free(f->files[i].data);
		} else {
			f->files[out++] = f->files[i];
		}
	}
	f->nfiles = out;
	return 0;
}

static void fx_local_config(void *arg, uint64_t nwid, const struct zt_netconf *nc, int64_t now)
{
	struct fx *f = arg;
	(void)nwid, (void)now;
	f->local_configs++;
	if (!f->last_local)
		f->last_local = calloc(1, sizeof(*f->last_local));
	zt_netconf_free(f->last_local);
	*f->last_local = *nc;
	/* Only the inline parts are kept: the heap arrays belong to the controller. */
	f->last_local->rules = NULL;
	f->last_local->rule_count = 0;
	f->last_local->capabilities = NULL;
	f->last_local->capability_count = 0;
	f->last_local->tags = NULL;
	f->last_local->tag_count = 0;
}

static void fx_local_revocation(void *arg, const struct zt_revocation *rev, int64_t now)
{
	struct fx *f = arg;
	(void)rev, (void)now;
	f->local_revocations++;
}

void fx_init(struct fx *f, int64_t min_window)
{
	fx_init_pending(f, min_window, 0);
}

void fx_init_pending(struct fx *f, int64_t min_window, size_t max_pending)
{
	static const struct zt_controller_callbacks cb = {
	    .version = ZT_CONTROLLER_CALLBACKS_VERSION,
	    .send = fx_send,
	    .random = fx_random,
	    .store_put = fx_put,
	    .store_delete = fx_delete,
	    .local_config = fx_local_config,
	    .local_revocation = fx_local_revocation,
	};
	struct zt_controller_config cfg;
	memset(f, 0, sizeof(*f));
	f->seed = 42;
	vec_identity(&f->id, vec_controller_identity);
	zt_controller_config_init(&cfg);
	cfg.identity = &f->id;
	if (min_window)
		cfg.credential_window_min = min_window;
	if (max_pending)
		cfg.max_pending_members = max_pending;
	if (zt_controller_new(&f->c, &cb, f, &cfg, 0) != 0)
		abort();
}

void fx_clear(struct fx *f)
{
	for (size_t i = 0; i < f->npkts; i++)
		free(f->pkts[i].p);
	f->npkts = 0;
}

void fx_free(struct fx *f)
{
	fx_clear(f);
	for (size_t i = 0; i < f->nfiles; i++) {
		free(f->files[i].name);
		free(f->files[i].data);
	}
	f->nfiles = 0;
	free(f->last_local);
	zt_controller_free(f->c);
	zt_identity_wipe(&f->id);
}

int fx_api(struct fx *f, const char *method, const char *path, const char *body, cJSON **out, int64_t now)
{
	int status = 0;
	char *resp = NULL;
	if (out)
		*out = NULL;
	if (zt_controller_api(f->c, method, path, body, body ? strlen(body) : 0, &status, &resp, now) != 0)
		return -1;
	if (!resp) {
		zt_test_fail(__FILE__, __LINE__, "an answer without a body");
		return status;
	}
	cJSON *j = cJSON_Parse(resp);
	if (!j)
		zt_test_fail(__FILE__, __LINE__, "the answer is not JSON");
	if (status != 200 && (!cJSON_IsString(cJSON_GetObjectItem(j, "error")) ||
	                      !cJSON_GetObjectItem(j, "error")->valuestring[0]))
		zt_test_fail(__FILE__, __LINE__, "an error answer without {\"error\":\"...\"}");
	free(resp);
	if (out)
		*out = j;
	else
		cJSON_Delete(j);
	return status;
}

cJSON *fx_ok(struct fx *f, const char *method, const char *path, const char *body, int64_t now)
{
	cJSON *j;
	int status = fx_api(f, method, path, body, &j, now);
	if (status != 200) {
		char *text = j ? cJSON_PrintUnformatted(j) : NULL;
		fprintf(stderr, "  %s %s -> %d %s\n", method, path, status, text ? text : "");
		free(text);
		zt_test_fail(__FILE__, __LINE__, "API call did not answer 200");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

const struct fx_file *fx_file(const struct fx *f, const char *name)
{
	return find_file((struct fx *)f, name);
}

void fx_member(struct zt_identity *id, uint64_t address)
{
	memset(id, 0, sizeof(*id));
	if (address == VEC_MEMBER) {
		vec_identity(id, vec_member_identity);
		return;
	}
	id->address = address;
	uint64_t s = address;
	zt_test_random(&s, id->pub, sizeof(id->pub));
}

bool fx_packet(struct fx *f, const struct zt_identity *member, uint8_t verb, const void *p, size_t len,
               uint64_t packet_id, int64_t now)
{
	struct zt_node_msg m = {
	    .source = member->address,
	    .peer = member,
	    .verb = verb,
	    .packet_id = packet_id,
	    .payload = p,
	    .len = len,
	};
	return zt_controller_packet_in(f->c, &m, now);
}

bool fx_request(struct fx *f, const struct zt_identity *member, uint64_t nwid, const char *md,
                uint64_t packet_id, int64_t now)
{
	size_t mdlen = strlen(md ? md : fx_stock_md);
	uint8_t *buf = malloc(26 + mdlen);
	struct zt_wr w;
	zt_wr_init(&w, buf, 26 + mdlen);
	zt_wr_u64(&w, nwid);
	zt_wr_u16(&w, (uint16_t)mdlen);
	zt_wr_bytes(&w, md ? md : fx_stock_md, mdlen);
	zt_wr_u64(&w, 0);
	zt_wr_u64(&w, 0);
	bool r = fx_packet(f, member, ZT_VERB_NETWORK_CONFIG_REQUEST, buf, w.len, packet_id, now);
	free(buf);
	return r;
}

int fx_config(struct fx *f, size_t from, uint64_t dest, uint64_t in_re, struct zt_netconf *nc, uint8_t *dict,
              size_t cap, size_t *dict_len)
{
	uint8_t *buf = NULL;
	size_t total = 0, have = 0;
	uint64_t update = 0;
	int chunks = 0;
	for (size_t i = from; i < f->npkts; i++) {
		const struct fx_pkt *p = &f->pkts[i];
		struct zt_rd r;
		if (p->dest != dest || p->verb != (in_re ? ZT_VERB_OK : ZT_VERB_NETWORK_CONFIG))
			continue;
		zt_rd_init(&r, p->p, p->len);
		if (in_re && (zt_rd_u8(&r) != ZT_VERB_NETWORK_CONFIG_REQUEST || zt_rd_u64(&r) != in_re))
			continue;
		size_t signed_from = r.off;
		zt_rd_u64(&r); /* nwid, checked by the parser */
		uint16_t len = zt_rd_u16(&r);
		const uint8_t *data = zt_rd_bytes(&r, len);
		uint8_t flags = zt_rd_u8(&r);
		uint64_t uid = zt_rd_u64(&r);
		uint32_t t = zt_rd_u32(&r), idx = zt_rd_u32(&r);
		size_t signed_len = r.off - signed_from;
		uint8_t sig_type = zt_rd_u8(&r);
		uint16_t sig_len = zt_rd_u16(&r);
		const uint8_t *sig = zt_rd_bytes(&r, ZT_SIGNATURE_LEN);
		if (!zt_rd_done(&r) || flags != 0 || sig_type != 1 || sig_len != ZT_SIGNATURE_LEN || !uid ||
		    !zt_identity_verify(&f->id, p->p + signed_from, signed_len, sig) ||
		    (update && uid != update) || (buf && t != total) || idx + len > t ||
		    len > ZT_CONTROLLER_MAX_CHUNK) {
			free(buf);
			return -1;
		}
		if (!buf) {
			update = uid;
			total = t;
			buf = calloc(1, total ? total : 1);
		}
		memcpy(buf + idx, data, len);
		have += len;
		chunks++;
	}
	if (!chunks)
		return 0;
	if (have != total || zt_netconf_parse(nc, buf, total) != 0) {
		free(buf);
		return -1;
	}
	if (dict && total <= cap)
		memcpy(dict, buf, total);
	if (dict_len)
		*dict_len = total;
	free(buf);
	return chunks;
}

int fx_error(struct fx *f, size_t from, uint64_t dest, uint64_t in_re)
{
	for (size_t i = from; i < f->npkts; i++) {
		const struct fx_pkt *p = &f->pkts[i];
		struct zt_rd r;
		if (p->dest != dest || p->verb != ZT_VERB_ERROR)
			continue;
		zt_rd_init(&r, p->p, p->len);
		uint8_t verb = zt_rd_u8(&r);
		uint64_t id = zt_rd_u64(&r);
		uint8_t code = zt_rd_u8(&r);
		zt_rd_u64(&r);
		if (zt_rd_done(&r) && verb == ZT_VERB_NETWORK_CONFIG_REQUEST && id == in_re)
			return code;
	}
	return -1;
}

struct rev_sink {
	const struct zt_identity *ctl;
	struct zt_revocation *out;
	size_t cap, n;
	bool bad;
};

static int on_rev(void *arg, const struct zt_revocation *rev)
{
	struct rev_sink *s = arg;
	if (zt_revocation_verify(rev, s->ctl) != 0)
		s->bad = true;
	else if (s->n < s->cap)
		s->out[s->n++] = *rev;
	return 0;
}

size_t fx_revocations(struct fx *f, size_t from, uint64_t dest, struct zt_revocation *out, size_t cap,
                      size_t *packets)
{
	struct rev_sink s = {.ctl = &f->id, .out = out, .cap = cap};
	struct zt_netcred_visitor v = {.revocation = on_rev};
	size_t np = 0;
	for (size_t i = from; i < f->npkts; i++) {
		const struct fx_pkt *p = &f->pkts[i];
		if (p->dest != dest || p->verb != ZT_VERB_NETWORK_CREDENTIALS)
			continue;
		np++;
		if (zt_netcred_read(p->p, p->len, &v, &s) != 0)
			s.bad = true;
	}
	if (s.bad)
		zt_test_fail(__FILE__, __LINE__, "a revocation did not parse or verify");
	if (packets)
		*packets = np;
	return s.n;
}
