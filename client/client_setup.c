/*
 * client_setup.c: the OS-free start-up steps of lanparty-client
 * (client_setup.h).
 */
#include "client_setup.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "code.h"
#include "err.h"
#include "log.h"
#include "net.h"
#include "rand.h"
#include "sys.h"

/* Addresses of the relay pinned outside the tunnel (its API host and its QUIC host). */
#define PINS_MAX 4

void lp_client_save_resume(const char *path, const char *secret)
{
	if (!path[0])
		return;
	int ret = lp_sys_write_file(path, secret, strlen(secret), 0600);
	if (ret < 0)
		log_warnx("resume_save_failed file=%s error=\"%s\"", path, lp_strerror(ret));
}

void lp_client_load_resume(const char *path, struct lp_agent_cfg *cfg)
{
	char buf[LP_CTRL_RESUME_MAX + 2];
	size_t len = 0;
	if (!path[0] || lp_sys_read_file(path, buf, sizeof(buf), &len) < 0)
		return;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len >= LP_CTRL_RESUME_MIN && len <= LP_CTRL_RESUME_MAX && lp_code_valid(buf, len))
		memcpy(cfg->resume, buf, len + 1);
}

/* Before anything is created: the device needs the room's MTU. */
int lp_client_fetch_config(const char *prog, const struct lp_invite *inv, struct lp_join_config *jc,
			   void (*sleep_ns)(uint64_t ns))
{
	char err[LP_CTRL_MESSAGE_MAX + 1];
	for (unsigned n = 0;; n++) {
		log_info("fetching_config relay=%s:%u", inv->host, inv->api_port);
		int ret =
			lp_agent_fetch_config(inv, LP_AGENT_FETCH_TIMEOUT_MS, jc, err, sizeof(err));
		if (ret == 0)
			return 0;
		if (ret != LP_ERR_AGAIN && ret != LP_ERR_LIMIT) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return ret == LP_ERR_NOT_FOUND || ret == LP_ERR_STATE ? LP_AGENT_EXIT_FINAL
									      : LP_AGENT_EXIT_ERROR;
		}
		uint32_t rnd = 0;
		(void)lp_random_bytes(&rnd, sizeof(rnd));
		uint64_t d = lp_agent_backoff(n < 16 ? n : 16, LP_AGENT_BACKOFF_MIN_NS,
					      LP_AGENT_BACKOFF_MAX_NS, rnd);
		if (ret == LP_ERR_LIMIT && d < 10ull * 1000000000ull)
			d = 10ull * 1000000000ull;
		log_warnx("config_fetch_failed error=\"%s\" retry_in_ms=%llu", err,
			  (unsigned long long)(d / 1000000ull));
		sleep_ns(d);
	}
}

/* Keep the relay's own packets out of the tunnel. */
void lp_client_pin_relay(struct lp_routes *routes, const struct lp_invite *inv,
			 const struct lp_join_config *jc)
{
	const char *hosts[2] = { inv->host, jc->quic_host };
	struct lp_cidr pinned[PINS_MAX];
	size_t n_pinned = 0;
	for (size_t h = 0; h < 2; h++) {
		struct lp_net_addr addrs[LP_NET_ADDRS_MAX];
		size_t n = 0;
		char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN];
		if (h == 1 && strcmp(hosts[0], hosts[1]) == 0)
			break;
		if (lp_net_resolve(hosts[h], 443, addrs, LP_NET_ADDRS_MAX, &n, err, sizeof(err)) <
		    0) {
			log_warnx("relay_route_not_pinned host=%s error=\"%s\"", hosts[h], err);
			continue;
		}
		for (size_t i = 0; i < n && n_pinned < PINS_MAX; i++) {
			struct lp_cidr a = { 0 };
			if (addrs[i].ss.ss_family == AF_INET) {
				const struct sockaddr_in *s4 = (const void *)&addrs[i].ss;
				a.family = LP_IP_V4;
				a.prefix = 32;
				memcpy(a.addr, &s4->sin_addr, 4);
			} else if (addrs[i].ss.ss_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)&addrs[i].ss;
				a.family = LP_IP_V6;
				a.prefix = 128;
				memcpy(a.addr, &s6->sin6_addr, 16);
			} else {
				continue;
			}
			bool dup = false;
			for (size_t k = 0; k < n_pinned; k++)
				dup |= pinned[k].family == a.family &&
				       memcmp(pinned[k].addr, a.addr, sizeof(a.addr)) == 0;
			if (dup)
				continue;
			pinned[n_pinned++] = a;
			int ret = lp_routes_pin_host(routes, &a, err, sizeof(err));
			if (ret == 1)
				log_info("relay_route_pinned dst=%s", lp_cidr_format(&a, buf));
			else if (ret < 0)
				log_warnx("relay_route_not_pinned dst=%s error=\"%s\"",
					  lp_cidr_format(&a, buf), err);
		}
	}
}

void lp_client_broadcast_routes(struct lp_routes *routes, const char *dev)
{
	char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN];
	for (size_t i = 0; i < 2; i++) {
		const struct lp_cidr *r = &lp_routes_broadcast[i];
		int ret = lp_routes_add(routes, r, err, sizeof(err));
		if (ret == 0)
			log_info("broadcast_route dst=%s dev=%s", lp_cidr_format(r, buf), dev);
		else
			log_warnx("broadcast_route_failed dst=%s error=\"%s\" hint=\"LAN games "
				  "may not find each other\"",
				  lp_cidr_format(r, buf), err);
	}
}
