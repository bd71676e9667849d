/* Suite for TCP through lwIP as ztrun runs it (stack/netif.c on the fake wire, netif_fixture.h, and
 * stack.c's hook): pure ACKs held per batch of frames and beyond it until they acknowledge 16 KB (or a
 * millisecond passed), data held beyond a hole kept while the peer is silent, and TCP checksums of frames in not checked again (the ZeroTier packet's MAC was:
 * test_packet.c) while the IP header's still are. Each test must give back every pool entry and heap
 * byte it took. */
#include <stdint.h>
#include <time.h>

#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "netif_fixture.h"
#include "loop.h"

/* An IPv4 TCP segment with no data and no flag but ACK. */
static bool is_pure_ack4(const struct wire_frame *f, void *arg)
{
	(void)arg;
	if (f->type != 0x0800 || f->len < 40 || f->data[9] != IP_PROTO_TCP)
		return false;
	size_t ihl = (size_t)(f->data[0] & 15) * 4, tot = be16(f->data + 2);
	const uint8_t *tcp = f->data + ihl;
	return tcp[13] == 0x10 && tot == ihl + (size_t)(tcp[12] >> 4) * 4;
}

static bool is_data4(const struct wire_frame *f, void *arg)
{
	(void)arg;
	if (f->type != 0x0800 || f->len < 40 || f->data[9] != IP_PROTO_TCP)
		return false;
	size_t ihl = (size_t)(f->data[0] & 15) * 4;
	return be16(f->data + 2) > ihl + (size_t)(f->data[ihl + 12] >> 4) * 4;
}

static size_t nth_dropped, data_seen;
static bool drop_nth_data(const struct wire_frame *f, void *arg)
{
	(void)arg;
	return f->from == 0 && is_data4(f, NULL) && ++data_seen == nth_dropped;
}

/* Frames in batches (as netjoin hands them to lwIP): within a batch, the pure ACKs of a connection are
 * held and only the newest leaves, at the batch's end. Without batches lwIP sends one per two segments. */
static void test_tcp_acks_batched(void)
{
	for (int batch = 0; batch < 2; batch++) {
		wire_basic(2800);
		W.batch = batch;
		struct tcp_pair t = {0};
		CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7001));
		size_t since = W.nlog, batches = W.batches;
		CHECK(tcp_exchange(&t, 1024 * 1024, 0));
		size_t data = wire_count(&W, 0, since, is_data4, NULL);
		size_t acks = wire_count(&W, 1, since, is_pure_ack4, NULL);
		CHECK(data > 1024 * 1024 / 2800);
		if (batch)
			CHECK_MSG(acks <= W.batches - batches && acks < data / 4,
			          "%zu ACKs for %zu segments in %zu batches", acks, data,
			          W.batches - batches);
		else
			CHECK_MSG(acks >= data / 3, "%zu ACKs for %zu segments", acks, data);
		tcp_finish(&t);
		wire_free(&W);
	}
	/* A lost segment: the duplicate ACKs that tell of it all leave, and the data arrives whole. */
	wire_basic(2800);
	W.batch = true;
	struct tcp_pair t = {0};
	CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7002));
	nth_dropped = 20;
	data_seen = 0;
	W.drop = drop_nth_data;
	CHECK(tcp_exchange(&t, 512 * 1024, 0));
	W.drop = NULL;
	tcp_finish(&t);
	wire_free(&W);
}

/* Data B holds beyond a hole (lwIP's ooseq queue, told to A in SACK blocks) is kept while A is silent
 * for many of B's retransmission timeouts, as Linux keeps it: a Linux sender retransmits only the
 * holes, and through heavy loss its timeouts grow to tens of seconds while a receiver's stays small
 * (lwIP drops the queue after 6 of them; stack.c keeps it). The wire loses the 5th data segment and
 * every retransmission of it for 1.5 s, B's timeout set to 100 ms: when the hole finally passes, B
 * must still hold what came after it. */
#define OOSEQ_SILENCE_MS 1500
struct hole {
	struct tcp_pair *t;
	size_t data;            /* data segments from A seen */
	uint32_t seq;           /* the lost segment's sequence number */
	int64_t first_lost, last_passed; /* ms: when it was first lost; when data from A last passed */
	int64_t silence;        /* ms of nothing from A before the hole passed (-1: not yet) */
	bool held;              /* B held data beyond the hole then */
};

static bool lose_hole(const struct wire_frame *f, void *arg)
{
	struct hole *h = arg;
	if (f->from != 0 || !is_data4(f, NULL))
		return false;
	const uint8_t *tcp = f->data + (size_t)(f->data[0] & 15) * 4;
	uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	int64_t now = zt_now_ms();
	if (++h->data == 5) {
		h->seq = seq;
		h->first_lost = now;
		return true;
	}
	if (h->first_lost && seq == h->seq && h->silence < 0) {
		if (now - h->first_lost < OOSEQ_SILENCE_MS)
			return true;
		h->silence = now - h->last_passed;
		h->held = h->t->s.pcb && h->t->s.pcb->ooseq != NULL;
		return false;
	}
	h->last_passed = now;
	return false;
}

static void test_tcp_ooseq_kept(void)
{
	wire_basic(2800);
	W.timers = netif_fixture_run_hooks; /* stack.c's hook runs the timers, as in ztrun */
	struct tcp_pair t = {0};
	CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7003));
	CHECK(t.s.pcb != NULL);
	if (!t.s.pcb)
		return;
	t.s.pcb->rto = 100 / TCP_SLOW_INTERVAL;
	struct hole h = {.t = &t, .silence = -1};
	W.drop = lose_hole;
	W.drop_arg = &h;
	CHECK(tcp_exchange(&t, 40 * 2760, 0));
	W.drop = NULL;
	CHECK_MSG(h.silence >= 6 * 100, "B heard nothing from A for %lld ms before the hole passed",
	          (long long)h.silence);
	CHECK_MSG(h.held, "B held the data beyond the hole through %lld ms of silence",
	          (long long)h.silence);
	tcp_finish(&t);
	wire_free(&W);
}

/* The acknowledgement number of a TCP segment over IPv4. */
static uint32_t ack_of(const struct wire_frame *f)
{
	const uint8_t *tcp = f->data + (size_t)(f->data[0] & 15) * 4;
	return (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 | (uint32_t)tcp[10] << 8 | tcp[11];
}

/* The last pure ACK from end 1 since `since`, or NULL. */
static const struct wire_frame *last_ack(size_t since)
{
	const struct wire_frame *last = NULL;
	for (size_t i = since; i < W.nlog; i++)
		if (W.log[i].from == 1 && is_pure_ack4(&W.log[i], NULL))
			last = &W.log[i];
	return last;
}

/* Stretch ACKs: after a batch that brought a few KB, the ACK waits (nothing goes back at the batch's
 * end) and leaves within a few milliseconds, acknowledging everything; after a batch that brought more
 * than 16 KB, it leaves at the batch's end. */
static void test_acks_stretched(void)
{
	wire_basic(2800);
	W.batch = true;
	struct tcp_pair t = {0};
	CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7003));
	CHECK(tcp_exchange(&t, 256 * 1024, 0)); /* the client's congestion window grows */
	tcp_nagle_disable(t.c.pcb);             /* a short write leaves whole, not a segment per ACK */
	wire_settle(&W, 20);
	uint32_t start = t.c.pcb->lastack;

	size_t since = W.nlog;
	t.c.tx_total += 4000;
	tcp_end_push(&t.c);
	wire_pump(&W);
	CHECK(t.s.rx == t.c.tx_total && !t.s.rx_bad);
	CHECK_MSG(last_ack(since) == NULL, "no ACK for 4000 bytes at the batch's end");
	wire_settle(&W, 5);
	const struct wire_frame *a = last_ack(since);
	CHECK_MSG(a && ack_of(a) == start + 4000, "the held ACK left within the hold time");

	since = W.nlog;
	t.c.tx_total += 24000;
	tcp_end_push(&t.c);
	wire_pump(&W);
	CHECK(t.s.rx == t.c.tx_total && !t.s.rx_bad);
	a = last_ack(since);
	/* lwIP itself delays the ACK of a last odd segment (its fast timer): at least 16 KB more */
	CHECK_MSG(a && ack_of(a) - start >= 4000 + 16384, "the ACK for 24000 bytes left at the batch's end");
	tcp_finish(&t);
	wire_free(&W);
}

/* Flips a byte of the first data segment from end 0 (drop_arg: in its payload or its IP header). */
enum corrupt { CORRUPT_PAYLOAD, CORRUPT_IP_HEADER };
static size_t corrupted;
static bool corrupt_first_data(const struct wire_frame *f, void *arg)
{
	if (corrupted || f->from != 0 || !is_data4(f, NULL))
		return false;
	corrupted++;
	if (*(enum corrupt *)arg == CORRUPT_PAYLOAD)
		f->data[f->len - 1] ^= 0x40;
	else
		f->data[8] ^= 0x01; /* the TTL: the header's checksum no longer fits */
	return false;
}

/* A TCP segment whose payload changed on the way (its checksum no longer fits) is taken as it came:
 * every frame in comes from a packet whose MAC was verified, so a ZeroTier netif does not check it. A
 * broken IP header checksum is still refused: the segment is lost, sent again and arrives whole. */
static void test_checksums_in(void)
{
	enum corrupt how[] = {CORRUPT_PAYLOAD, CORRUPT_IP_HEADER};
	for (int i = 0; i < 2; i++) {
		wire_basic(2800);
		struct tcp_pair t = {0};
		CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7004));
		CHECK(tcp_exchange(&t, 64 * 1024, 0)); /* round trips measured: a loss is repaired soon */
		corrupted = 0;
		W.drop = corrupt_first_data;
		W.drop_arg = &how[i];
		size_t before = t.s.rx;
		t.c.tx_total += 2000;
		tcp_end_push(&t.c);
		for (int k = 0; k < 300 && t.s.rx < t.c.tx_total; k++)
			wire_settle(&W, 10);
		W.drop = NULL;
		CHECK(corrupted == 1);
		CHECK(t.s.rx == before + 2000);
		if (how[i] == CORRUPT_PAYLOAD)
			CHECK_MSG(t.s.rx_bad,
			          "the changed segment was taken: TCP's checksum was not checked");
		else
			CHECK_MSG(!t.s.rx_bad, "the segment with a broken IP header was refused, sent again");
		tcp_finish(&t);
		wire_free(&W);
	}
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(test_tcp_acks_batched),
	    ZT_TEST(test_acks_stretched),
	    ZT_TEST(test_tcp_ooseq_kept),
	    ZT_TEST(test_checksums_in),
	};
	return netif_suite_main("stack_netif_tcp", tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
