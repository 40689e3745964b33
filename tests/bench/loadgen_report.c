/*
 * loadgen_report.c: the load generator's report: one JSON object for the
 * bench harness (its fields are described at the top of loadgen.c) and a
 * few lines for people. Nothing is made up: a figure that was not measured
 * (no --relay-pid, no API) is null in JSON and left out of the text.
 */
#include "loadgen.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

void lg_report_latency(struct lg *lg, struct lg_report *r)
{
	qsort(lg->lat_us, lg->n_lat, sizeof(*lg->lat_us), cmp_u32);
	r->lat_p50 = pct(lg->lat_us, lg->n_lat, 0.50);
	r->lat_p99 = pct(lg->lat_us, lg->n_lat, 0.99);
	r->lat_max = pct(lg->lat_us, lg->n_lat, 1.0);
}

static void json_num_or_null(FILE *f, const char *key, double v, bool ok, int decimals)
{
	fprintf(f, "\"%s\":", key);
	if (ok)
		fprintf(f, "%.*f", decimals, v);
	else
		fputs("null", f);
}

void lg_report_json(const struct lg *lg, const struct lg_report *r, FILE *f)
{
	const struct lg_opts *o = &lg->o;
	const struct lg_count *c = &lg->c, *a = &r->at_start, *e = &r->at_end;
	uint64_t sent = e->tx_frames - a->tx_frames, recv = e->rx_frames - a->rx_frames;
	uint64_t expected = e->tx_expected - a->tx_expected;
	bool pid = o->relay_pid > 0 && r->rss_before >= 0;
	double dur = r->traffic_s > 0 ? r->traffic_s : 1;

	fprintf(f, "{\"tool\":\"lanparty-loadgen\",\"version\":\"%s\",", LP_VERSION);
	fprintf(f,
		"\"config\":{\"rooms\":%zu,\"members\":%zu,\"gateways\":%s,\"rate\":%.0f,"
		"\"frame_size\":%u,\"broadcast_pct\":%g,\"duration\":%g,\"handshake_rate\":%g,"
		"\"inflight\":%u,\"sockets\":%zu},",
		lg->n_rooms, lg->n_members, o->gateways ? "true" : "false", o->rate, o->frame_size,
		o->broadcast_pct, o->duration, o->handshake_rate, o->inflight, lg->n_socks);
	fprintf(f,
		"\"handshakes\":{\"started\":%llu,\"not_started\":%llu,\"welcomed\":%llu,"
		"\"failed\":%llu,"
		"\"seconds\":%.3f,\"per_s\":%.1f,\"latency_ms\":{\"p50\":%.2f,\"p99\":%.2f,"
		"\"max\":%.2f},\"rejects\":{",
		(unsigned long long)c->hs_started,
		(unsigned long long)(lg->n_members - c->hs_started),
		(unsigned long long)c->hs_welcomed, (unsigned long long)c->hs_failed, r->hs_seconds,
		r->hs_per_s, r->lat_p50, r->lat_p99, r->lat_max);
	for (int i = 0; i < LP_REJECT__COUNT; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "",
			lp_reject_reason_name((enum lp_reject_reason)i),
			(unsigned long long)c->rejects[i]);
	fprintf(f,
		"}},\"members\":{\"target\":%zu,\"held_after_join\":%zu,\"held_end\":%zu,"
		"\"lost\":%llu,",
		lg->n_members, r->held_join, r->held_end, (unsigned long long)c->lost);
	json_num_or_null(f, "relay_online_after_join", (double)r->online_join, r->online_join >= 0,
			 0);
	fputc(',', f);
	json_num_or_null(f, "relay_online_end", (double)r->online_end, r->online_end >= 0, 0);
	fprintf(f,
		"},\"frames\":{\"sent\":%llu,\"sent_per_s\":%.1f,\"broadcast_sent\":%llu,"
		"\"expected\":%llu,\"received\":%llu,\"received_per_s\":%.1f,",
		(unsigned long long)sent, (double)sent / dur,
		(unsigned long long)(e->tx_bcast - a->tx_bcast), (unsigned long long)expected,
		(unsigned long long)recv, (double)recv / dur);
	json_num_or_null(f, "delivery", expected ? (double)recv / (double)expected : 0,
			 expected > 0, 4);
	fprintf(f, ",\"dropped_local\":%llu,\"skipped\":%llu,\"misdelivered\":%llu,\"bad\":%llu},",
		(unsigned long long)(e->tx_drop_queue - a->tx_drop_queue),
		(unsigned long long)(e->tx_skip - a->tx_skip),
		(unsigned long long)c->rx_misdelivered, (unsigned long long)c->rx_bad);
	fprintf(f,
		"\"control\":{\"messages\":%llu,\"peer_joined\":%llu,\"peer_left\":%llu,"
		"\"stats\":%llu,\"disconnects\":%llu,\"errors\":%llu},",
		(unsigned long long)c->ctrl_msgs, (unsigned long long)c->peer_joined,
		(unsigned long long)c->peer_left, (unsigned long long)c->stats_msgs,
		(unsigned long long)c->disconnects, (unsigned long long)c->ctrl_errors);
	fputs("\"relay\":{", f);
	json_num_or_null(f, "pid", (double)o->relay_pid, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_before", (double)r->rss_before, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_joined", (double)r->rss_joined, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_end", (double)r->rss_end, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "kb_per_member_joined",
			 (double)(r->rss_joined - r->rss_before) / (double)lg->n_members, pid, 2);
	fputc(',', f);
	json_num_or_null(f, "kb_per_member_end",
			 (double)(r->rss_end - r->rss_before) / (double)lg->n_members, pid, 2);
	fputc(',', f);
	json_num_or_null(f, "cpu_s_join", r->relay_cpu_join, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_ms_per_join",
			 c->hs_welcomed ? r->relay_cpu_join * 1e3 / (double)c->hs_welcomed : 0,
			 pid && c->hs_welcomed, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_s_traffic", r->relay_cpu_traffic, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "wait_s_join", r->relay_wait_join, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "wait_s_traffic", r->relay_wait_traffic, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_us_per_frame",
			 recv ? r->relay_cpu_traffic * 1e6 / (double)recv : 0, pid && recv, 3);
	fprintf(f, ",\"udp_drops_join\":%lld,\"udp_drops_traffic\":%lld", r->relay_drops_join,
		r->relay_drops_traffic);
	fprintf(f,
		"},\"loadgen\":{\"cpu_s_join\":%.3f,\"cpu_s_traffic\":%.3f,\"wait_s_join\":%.3f,"
		"\"wait_s_traffic\":%.3f,\"udp_drops_join\":%lld,"
		"\"udp_drops_traffic\":%lld,\"udp_rx_traffic\":%llu,\"udp_tx_traffic\":%llu,"
		"\"udp_rx\":%llu,\"udp_tx\":%llu,\"udp_tx_errors\":%llu,\"udp_rx_unknown\":%llu}}"
		"\n",
		r->lg_cpu_join, r->lg_cpu_traffic, r->lg_wait_join, r->lg_wait_traffic,
		r->lg_drops_join, r->lg_drops_traffic, (unsigned long long)(e->udp_rx - a->udp_rx),
		(unsigned long long)(e->udp_tx - a->udp_tx), (unsigned long long)c->udp_rx,
		(unsigned long long)c->udp_tx, (unsigned long long)c->udp_tx_err,
		(unsigned long long)c->udp_rx_unknown);
}

void lg_report_text(const struct lg *lg, const struct lg_report *r, FILE *f)
{
	const struct lg_count *c = &lg->c, *a = &r->at_start, *e = &r->at_end;
	uint64_t sent = e->tx_frames - a->tx_frames, recv = e->rx_frames - a->rx_frames;
	uint64_t expected = e->tx_expected - a->tx_expected;
	double dur = r->traffic_s > 0 ? r->traffic_s : 1;

	fprintf(f, "lanparty-loadgen: %zu members in %zu rooms, %zu sockets\n", lg->n_members,
		lg->n_rooms, lg->n_socks);
	fprintf(f,
		"  handshakes   %llu welcomed, %llu failed in %.2f s: %.0f/s "
		"(latency p50 %.1f ms, p99 %.1f ms, max %.1f ms)\n",
		(unsigned long long)c->hs_welcomed, (unsigned long long)c->hs_failed, r->hs_seconds,
		r->hs_per_s, r->lat_p50, r->lat_p99, r->lat_max);
	if (c->hs_started < lg->n_members)
		fprintf(f, "               not started: %llu (the join phase ended first)\n",
			(unsigned long long)(lg->n_members - c->hs_started));
	for (int i = 0; i < LP_REJECT__COUNT; i++)
		if (c->rejects[i])
			fprintf(f, "               rejected %s: %llu\n",
				lp_reject_reason_name((enum lp_reject_reason)i),
				(unsigned long long)c->rejects[i]);
	fprintf(f, "  members      held %zu of %zu after the joins, %zu at the end", r->held_join,
		lg->n_members, r->held_end);
	if (r->online_end >= 0)
		fprintf(f, " (the relay says %ld online)", r->online_end);
	fputc('\n', f);
	fprintf(f,
		"  frames       sent %llu (%.0f/s, %u bytes, %llu broadcast), received %llu "
		"(%.0f/s) of %llu expected",
		(unsigned long long)sent, (double)sent / dur, lg->o.frame_size,
		(unsigned long long)(e->tx_bcast - a->tx_bcast), (unsigned long long)recv,
		(double)recv / dur, (unsigned long long)expected);
	if (expected)
		fprintf(f, " (%.1f%%)", 100.0 * (double)recv / (double)expected);
	fputc('\n', f);
	if (e->tx_drop_queue - a->tx_drop_queue || e->tx_behind - a->tx_behind ||
	    c->rx_misdelivered || c->rx_bad)
		fprintf(f,
			"               dropped locally %llu, not sent (loop behind) %llu, "
			"misdelivered %llu, bad %llu\n",
			(unsigned long long)(e->tx_drop_queue - a->tx_drop_queue),
			(unsigned long long)(e->tx_behind - a->tx_behind),
			(unsigned long long)c->rx_misdelivered, (unsigned long long)c->rx_bad);
	if (lg->o.relay_pid > 0 && r->rss_before >= 0) {
		fprintf(f,
			"  relay memory %ld KiB before, %ld KiB joined (%.1f KiB/member), %ld KiB "
			"at the end (%.1f KiB/member)\n",
			r->rss_before, r->rss_joined,
			(double)(r->rss_joined - r->rss_before) / (double)lg->n_members, r->rss_end,
			(double)(r->rss_end - r->rss_before) / (double)lg->n_members);
		fprintf(f,
			"  relay CPU    %.2f s joining (%.2f ms per join), %.2f s during the "
			"traffic",
			r->relay_cpu_join,
			c->hs_welcomed ? r->relay_cpu_join * 1e3 / (double)c->hs_welcomed : 0,
			r->relay_cpu_traffic);
		if (recv)
			fprintf(f, ": %.2f us per frame received",
				r->relay_cpu_traffic * 1e6 / (double)recv);
		fputc('\n', f);
		fprintf(f,
			"               kept off the CPU (runnable) %.2f s joining, %.2f s "
			"traffic\n",
			r->relay_wait_join, r->relay_wait_traffic);
	}
	if (sent && recv)
		fprintf(f,
			"  packets      %.2f to the relay per frame sent, %.2f from it per frame "
			"received (data, ACKs, control)\n",
			(double)(e->udp_tx - a->udp_tx) / (double)sent,
			(double)(e->udp_rx - a->udp_rx) / (double)recv);
	fprintf(f, "  UDP drops    relay socket %lld joining, %lld traffic; loadgen %lld, %lld\n",
		r->relay_drops_join, r->relay_drops_traffic, r->lg_drops_join, r->lg_drops_traffic);
	fprintf(f,
		"  loadgen CPU  %.2f s joining, %.2f s during the traffic (kept off %.2f s, %.2f "
		"s)\n",
		r->lg_cpu_join, r->lg_cpu_traffic, r->lg_wait_join, r->lg_wait_traffic);
}
