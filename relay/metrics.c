/*
 * metrics.c: the relay's metrics in the Prometheus text exposition format
 * (version 0.0.4), named after Prometheus conventions: a lanparty_ prefix,
 * _total for counters, base units (seconds, bytes). Rooms are labelled by
 * id; lanparty_room_info carries each room's name.
 */
#include "relay.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* A label value with \, " and newline escaped. */
static const char *label(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 2 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void head(struct lp_text *t, const char *name, const char *type, const char *help)
{
	lp_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void relay_metrics(struct lp_relay *r, struct lp_text *t)
{
	const struct lp_relay_stats *s = &r->stats;
	head(t, "lanparty_relay_info", "gauge", "Relay version.");
	lp_text_printf(t, "lanparty_relay_info{version=\"%s\"} 1\n", LP_VERSION);
	head(t, "lanparty_relay_start_time_seconds", "gauge", "Unix time the relay started.");
	lp_text_printf(t, "lanparty_relay_start_time_seconds %lld\n", (long long)r->started_at);
	head(t, "lanparty_relay_connections", "gauge", "Open QUIC connections, admitted or not.");
	lp_text_printf(t, "lanparty_relay_connections %zu\n", r->n_sessions);
	head(t, "lanparty_relay_rooms", "gauge", "Rooms configured.");
	lp_text_printf(t, "lanparty_relay_rooms %zu\n", r->n_rooms);
	unsigned long long clients = 0, gateways = 0;
	for (size_t i = 0; i < r->n_rooms; i++) {
		clients += r->rooms[i].room->n_clients;
		gateways += r->rooms[i].room->gateway ? 1 : 0;
	}
	head(t, "lanparty_relay_members", "gauge", "Members online in every room, by role.");
	lp_text_printf(t, "lanparty_relay_members{role=\"client\"} %llu\n", clients);
	lp_text_printf(t, "lanparty_relay_members{role=\"gateway\"} %llu\n", gateways);
	head(t, "lanparty_relay_handshakes_total", "counter", "QUIC handshakes completed.");
	lp_text_printf(t, "lanparty_relay_handshakes_total %llu\n",
		       (unsigned long long)s->handshakes);
	head(t, "lanparty_relay_handshake_failures_total", "counter",
	     "QUIC connections that ended before their handshake completed.");
	lp_text_printf(t, "lanparty_relay_handshake_failures_total %llu\n",
		       (unsigned long long)s->handshake_failures);
	head(t, "lanparty_relay_retries_total", "counter", "QUIC Retry packets sent.");
	lp_text_printf(t, "lanparty_relay_retries_total %llu\n",
		       (unsigned long long)s->retries_sent);
	head(t, "lanparty_relay_stateless_resets_total", "counter",
	     "Stateless resets sent for unknown connections.");
	lp_text_printf(t, "lanparty_relay_stateless_resets_total %llu\n",
		       (unsigned long long)s->stateless_resets);
	head(t, "lanparty_relay_version_negotiations_total", "counter",
	     "Version negotiation packets sent.");
	lp_text_printf(t, "lanparty_relay_version_negotiations_total %llu\n",
		       (unsigned long long)s->version_negotiations);
	head(t, "lanparty_relay_admissions_total", "counter", "Members admitted, by role.");
	lp_text_printf(t, "lanparty_relay_admissions_total{role=\"client\"} %llu\n",
		       (unsigned long long)s->admitted[0]);
	lp_text_printf(t, "lanparty_relay_admissions_total{role=\"gateway\"} %llu\n",
		       (unsigned long long)s->admitted[1]);
	head(t, "lanparty_relay_rejects_total", "counter", "Hellos refused, by reason.");
	for (int i = 1; i < LP_REJECT__COUNT; i++)
		lp_text_printf(t, "lanparty_relay_rejects_total{reason=\"%s\"} %llu\n",
			       lp_reject_reason_name((enum lp_reject_reason)i),
			       (unsigned long long)s->rejects[i]);
	head(t, "lanparty_relay_udp_packets_total", "counter", "UDP packets, by direction.");
	lp_text_printf(t, "lanparty_relay_udp_packets_total{direction=\"rx\"} %llu\n",
		       (unsigned long long)s->rx_packets);
	lp_text_printf(t, "lanparty_relay_udp_packets_total{direction=\"tx\"} %llu\n",
		       (unsigned long long)s->tx_packets);
	head(t, "lanparty_relay_udp_bytes_total", "counter", "UDP payload bytes, by direction.");
	lp_text_printf(t, "lanparty_relay_udp_bytes_total{direction=\"rx\"} %llu\n",
		       (unsigned long long)s->rx_bytes);
	lp_text_printf(t, "lanparty_relay_udp_bytes_total{direction=\"tx\"} %llu\n",
		       (unsigned long long)s->tx_bytes);
	head(t, "lanparty_relay_udp_dropped_total", "counter",
	     "Received UDP packets dropped: malformed, or for no connection.");
	lp_text_printf(t, "lanparty_relay_udp_dropped_total %llu\n",
		       (unsigned long long)s->rx_dropped);
	head(t, "lanparty_relay_store_errors_total", "counter", "Failed database writes.");
	lp_text_printf(t, "lanparty_relay_store_errors_total %llu\n",
		       (unsigned long long)s->store_errors);
}

static void room_metrics(struct lp_relay *r, struct lp_text *t)
{
	char name[2 * LP_ROOM_NAME_MAX + 1];
	head(t, "lanparty_room_info", "gauge", "Room names and settings.");
	for (size_t i = 0; i < r->n_rooms; i++) {
		const struct lp_room *room = r->rooms[i].room;
		lp_text_printf(t,
			       "lanparty_room_info{room=\"%lld\",name=\"%s\",mtu=\"%u\","
			       "enabled=\"%s\"} 1\n",
			       (long long)room->id, label(room->set.name, name, sizeof(name)),
			       room->set.mtu, room->set.enabled ? "true" : "false");
	}
	head(t, "lanparty_room_members", "gauge", "Members online, by role.");
	for (size_t i = 0; i < r->n_rooms; i++) {
		const struct lp_room *room = r->rooms[i].room;
		lp_text_printf(t, "lanparty_room_members{room=\"%lld\",role=\"client\"} %u\n",
			       (long long)room->id, room->n_clients);
		lp_text_printf(t, "lanparty_room_members{room=\"%lld\",role=\"gateway\"} %d\n",
			       (long long)room->id, room->gateway ? 1 : 0);
	}
	static const char *const what[2] = { "frames", "bytes" };
	for (int w = 0; w < 2; w++) {
		char metric[64];
		snprintf(metric, sizeof(metric), "lanparty_room_%s_total", what[w]);
		head(t, metric, "counter",
		     w ? "Ethernet bytes through the relay, by direction and cast."
		       : "Ethernet frames through the relay, by direction and cast.");
		for (size_t i = 0; i < r->n_rooms; i++) {
			struct lp_counters c;
			lp_room_counters(r->rooms[i].room, &c);
			for (int d = 0; d < LP_DIR__COUNT; d++)
				for (int k = 0; k < LP_CAST__COUNT; k++)
					lp_text_printf(t,
						       "%s{room=\"%lld\",direction=\"%s\",cast=\"%"
						       "s\"} %llu\n",
						       metric, (long long)r->rooms[i].room->id,
						       lp_dir_name((enum lp_dir)d),
						       lp_counters_cast_name((enum lp_cast)k),
						       (unsigned long long)(w ? c.bytes[d][k]
									      : c.frames[d][k]));
		}
	}
	head(t, "lanparty_room_drops_total", "counter", "Frames dropped, by reason.");
	for (size_t i = 0; i < r->n_rooms; i++) {
		struct lp_counters c;
		lp_room_counters(r->rooms[i].room, &c);
		for (int k = 0; k < LP_DROP__COUNT; k++)
			lp_text_printf(
				t, "lanparty_room_drops_total{room=\"%lld\",reason=\"%s\"} %llu\n",
				(long long)r->rooms[i].room->id, lp_drop_name((enum lp_drop)k),
				(unsigned long long)c.drops[k]);
	}
	head(t, "lanparty_member_rtt_seconds", "gauge",
	     "Smoothed QUIC round-trip time per member.");
	for (size_t i = 0; i < r->n_rooms; i++) {
		const struct lp_room *room = r->rooms[i].room;
		for (size_t j = 0; j < room->n_members; j++) {
			const struct lp_member *m = room->members[j];
			const struct lp_session *s = m->conn;
			struct lp_quic_info qi;
			lp_quic_conn_get_info(s->q, &qi);
			lp_text_printf(t,
				       "lanparty_member_rtt_seconds{room=\"%lld\",member=\"%u\","
				       "role=\"%s\"} %.6f\n",
				       (long long)room->id, m->id,
				       m->gateway ? "gateway" : "client",
				       (double)qi.smoothed_rtt / 1e9);
		}
	}
}

int lp_metrics_render(struct lp_relay *r, struct lp_text *out)
{
	relay_metrics(r, out);
	room_metrics(r, out);
	return 0;
}
