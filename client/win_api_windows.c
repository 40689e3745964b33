/*
 * win_api_windows.c: the real Win32 calls behind win_api.h: the registry for
 * adapters, IP Helper (netioapi) for interfaces, routes and addresses, and
 * the Network List Manager (COM) for firewall categories. Exercised on real
 * Windows only: wine 8 lacks the IP Helper writes and SetCategory.
 */
#define COBJMACROS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <netlistmgr.h>
#include <objbase.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "win_api.h"
#include "winerr_windows.h"

/* The network adapter device class: every NIC's driver settings live under it. */
#define NET_CLASS   L"{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define CLASS_KEY   L"SYSTEM\\CurrentControlSet\\Control\\Class\\" NET_CLASS
#define NETWORK_KEY L"SYSTEM\\CurrentControlSet\\Control\\Network\\" NET_CLASS

static int reg_string(HKEY key, const wchar_t *sub, const wchar_t *value, char *out, size_t len)
{
	wchar_t w[LP_WIN_NAME_MAX];
	DWORD size = sizeof(w) - sizeof(wchar_t);
	LSTATUS r = RegGetValueW(key, sub, value, RRF_RT_REG_SZ, NULL, w, &size);

	out[0] = '\0';
	if (r != ERROR_SUCCESS)
		return lp_win_errno((unsigned long)r);
	w[LP_WIN_NAME_MAX - 1] = L'\0';
	return lp_win_narrow(w, out, len);
}

static int real_list_adapters(void *ctx, struct lp_win_adapter *out, size_t max, size_t *n)
{
	HKEY cls;
	LSTATUS r = RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY, 0, KEY_READ, &cls);

	(void)ctx;
	*n = 0;
	/* No network adapter class at all (wine): no adapters. */
	if (r == ERROR_FILE_NOT_FOUND)
		return 0;
	if (r != ERROR_SUCCESS)
		return lp_win_errno((unsigned long)r);
	for (DWORD i = 0; *n < max; i++) {
		wchar_t sub[256];
		DWORD sublen = 256;

		r = RegEnumKeyExW(cls, i, sub, &sublen, NULL, NULL, NULL, NULL);
		if (r == ERROR_NO_MORE_ITEMS)
			break;
		if (r != ERROR_SUCCESS)
			continue;
		struct lp_win_adapter *a = &out[*n];

		memset(a, 0, sizeof(*a));
		/* "Properties" and adapters being installed have no instance id: skipped. */
		if (reg_string(cls, sub, L"NetCfgInstanceId", a->guid, sizeof(a->guid)) < 0 ||
		    reg_string(cls, sub, L"ComponentId", a->component, sizeof(a->component)) < 0)
			continue;
		wchar_t conn[400], wguid[LP_WIN_GUID_MAX];

		if (lp_win_widen(a->guid, wguid, LP_WIN_GUID_MAX) == 0 &&
		    swprintf(conn, 400, L"%ls\\%ls\\Connection", NETWORK_KEY, wguid) > 0)
			(void)reg_string(HKEY_LOCAL_MACHINE, conn, L"Name", a->name,
					 sizeof(a->name));
		(*n)++;
	}
	RegCloseKey(cls);
	return 0;
}

static int guid_parse(const char *s, GUID *g)
{
	wchar_t w[LP_WIN_GUID_MAX];

	if (lp_win_widen(s, w, LP_WIN_GUID_MAX) < 0 || CLSIDFromString(w, g) != NOERROR)
		return LP_ERR_INVALID;
	return 0;
}

static int real_adapter_ifindex(void *ctx, const char *guid, uint32_t *ifindex)
{
	GUID g;
	NET_LUID luid;
	NET_IFINDEX idx;

	(void)ctx;
	if (guid_parse(guid, &g) < 0)
		return LP_ERR_INVALID;
	DWORD r = ConvertInterfaceGuidToLuid(&g, &luid);

	if (r == NO_ERROR)
		r = ConvertInterfaceLuidToIndex(&luid, &idx);
	if (r != NO_ERROR)
		return lp_win_errno(r);
	*ifindex = idx;
	return 0;
}

static int real_list_ifaces(void *ctx, struct lp_win_iface *out, size_t max, size_t *n)
{
	PMIB_IPINTERFACE_TABLE t = NULL;
	DWORD r = GetIpInterfaceTable(AF_INET, &t);

	(void)ctx;
	*n = 0;
	if (r != NO_ERROR)
		return lp_win_errno(r);
	for (ULONG i = 0; i < t->NumEntries && *n < max; i++) {
		const MIB_IPINTERFACE_ROW *row = &t->Table[i];
		struct lp_win_iface *f = &out[(*n)++];
		MIB_IF_ROW2 ifr = { .InterfaceIndex = row->InterfaceIndex };

		memset(f, 0, sizeof(*f));
		f->ifindex = row->InterfaceIndex;
		f->metric = row->Metric;
		f->auto_metric = row->UseAutomaticMetric;
		f->connected = row->Connected;
		if (GetIfEntry2(&ifr) == NO_ERROR) {
			f->loopback = ifr.Type == IF_TYPE_SOFTWARE_LOOPBACK;
			f->connected = f->connected && ifr.OperStatus == IfOperStatusUp;
			(void)lp_win_narrow(ifr.Alias, f->name, sizeof(f->name));
		}
	}
	FreeMibTable(t);
	return 0;
}

/* One address family's IP interface row, read for a change. */
static int iface_row(uint32_t ifindex, ADDRESS_FAMILY family, MIB_IPINTERFACE_ROW *row)
{
	InitializeIpInterfaceEntry(row);
	row->Family = family;
	row->InterfaceIndex = ifindex;
	DWORD r = GetIpInterfaceEntry(row);

	/* SetIpInterfaceEntry refuses IPv4 rows that carry a site prefix length. */
	row->SitePrefixLength = 0;
	return r == NO_ERROR ? 0 : lp_win_errno(r);
}

static int real_set_metric(void *ctx, uint32_t ifindex, bool automatic, uint32_t metric)
{
	MIB_IPINTERFACE_ROW row;
	int ret = iface_row(ifindex, AF_INET, &row);

	(void)ctx;
	if (ret < 0)
		return ret;
	row.UseAutomaticMetric = automatic;
	row.Metric = metric;
	DWORD r = SetIpInterfaceEntry(&row);

	return r == NO_ERROR ? 0 : lp_win_errno(r);
}

static int real_set_mtu(void *ctx, uint32_t ifindex, uint32_t mtu)
{
	static const ADDRESS_FAMILY fam[2] = { AF_INET, AF_INET6 };
	int first = 0;

	(void)ctx;
	for (size_t i = 0; i < 2; i++) {
		MIB_IPINTERFACE_ROW row;
		int ret = iface_row(ifindex, fam[i], &row);

		if (ret == 0) {
			row.NlMtu = mtu;
			DWORD r = SetIpInterfaceEntry(&row);

			ret = r == NO_ERROR ? 0 : lp_win_errno(r);
		}
		/* IPv6 may be off on the adapter: only IPv4 must work. */
		if (ret < 0 && i == 0)
			first = ret;
	}
	return first;
}

static void to_sockaddr(const struct lp_cidr *c, const uint8_t *addr, SOCKADDR_INET *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (c->family == LP_IP_V6) {
		sa->Ipv6.sin6_family = AF_INET6;
		memcpy(&sa->Ipv6.sin6_addr, addr, 16);
	} else {
		sa->Ipv4.sin_family = AF_INET;
		memcpy(&sa->Ipv4.sin_addr, addr, 4);
	}
}

/* addr from sa; false for another family. */
static bool from_sockaddr(const SOCKADDR_INET *sa, enum lp_ip_family *f, uint8_t *addr)
{
	if (sa->si_family == AF_INET) {
		*f = LP_IP_V4;
		memcpy(addr, &sa->Ipv4.sin_addr, 4);
		return true;
	}
	if (sa->si_family == AF_INET6) {
		*f = LP_IP_V6;
		memcpy(addr, &sa->Ipv6.sin6_addr, 16);
		return true;
	}
	return false;
}

static bool route_from_row(const MIB_IPFORWARD_ROW2 *row, struct lp_win_route *r)
{
	enum lp_ip_family f, gf;

	memset(r, 0, sizeof(*r));
	if (!from_sockaddr(&row->DestinationPrefix.Prefix, &f, r->dst.addr))
		return false;
	r->dst.family = f;
	r->dst.prefix = row->DestinationPrefix.PrefixLength;
	r->ifindex = row->InterfaceIndex;
	r->metric = row->Metric;
	if (from_sockaddr(&row->NextHop, &gf, r->gw)) {
		static const uint8_t zero[16];

		r->has_gw = memcmp(r->gw, zero, gf == LP_IP_V6 ? 16 : 4) != 0;
	}
	return true;
}

static int real_list_routes(void *ctx, struct lp_win_route *out, size_t max, size_t *n)
{
	PMIB_IPFORWARD_TABLE2 t = NULL;
	DWORD r = GetIpForwardTable2(AF_UNSPEC, &t);

	(void)ctx;
	*n = 0;
	if (r != NO_ERROR)
		return lp_win_errno(r);
	for (ULONG i = 0; i < t->NumEntries && *n < max; i++) {
		if (route_from_row(&t->Table[i], &out[*n]))
			(*n)++;
	}
	FreeMibTable(t);
	return 0;
}

static bool is_local(const struct lp_cidr *dst)
{
	PMIB_UNICASTIPADDRESS_TABLE t = NULL;
	bool local = false;

	if (GetUnicastIpAddressTable(dst->family == LP_IP_V6 ? AF_INET6 : AF_INET, &t) != NO_ERROR)
		return false;
	for (ULONG i = 0; i < t->NumEntries && !local; i++) {
		enum lp_ip_family f;
		uint8_t a[16];

		local = from_sockaddr(&t->Table[i].Address, &f, a) && f == dst->family &&
			memcmp(a, dst->addr, f == LP_IP_V6 ? 16 : 4) == 0;
	}
	FreeMibTable(t);
	return local;
}

static int real_best_route(void *ctx, const struct lp_cidr *dst, struct lp_win_route *out,
			   bool *local)
{
	SOCKADDR_INET d, src;
	MIB_IPFORWARD_ROW2 row;

	(void)ctx;
	*local = is_local(dst);
	if (*local)
		return 0;
	to_sockaddr(dst, dst->addr, &d);
	DWORD r = GetBestRoute2(NULL, 0, NULL, &d, 0, &row, &src);

	if (r != NO_ERROR)
		return r == ERROR_NETWORK_UNREACHABLE || r == ERROR_HOST_UNREACHABLE ||
				       r == ERROR_NOT_FOUND
			       ? -ENETUNREACH
			       : lp_win_errno(r);
	return route_from_row(&row, out) ? 0 : -ENETUNREACH;
}

static void route_row(const struct lp_win_route *r, MIB_IPFORWARD_ROW2 *row)
{
	static const uint8_t zero[16];

	InitializeIpForwardEntry(row);
	row->InterfaceIndex = r->ifindex;
	to_sockaddr(&r->dst, r->dst.addr, &row->DestinationPrefix.Prefix);
	row->DestinationPrefix.PrefixLength = r->dst.prefix;
	to_sockaddr(&r->dst, r->has_gw ? r->gw : zero, &row->NextHop);
	row->Metric = r->metric;
	row->Protocol = MIB_IPPROTO_NETMGMT;
}

static int real_add_route(void *ctx, const struct lp_win_route *r)
{
	MIB_IPFORWARD_ROW2 row;

	(void)ctx;
	route_row(r, &row);
	DWORD e = CreateIpForwardEntry2(&row);

	return e == NO_ERROR ? 0 : lp_win_errno(e);
}

static int real_del_route(void *ctx, const struct lp_win_route *r)
{
	MIB_IPFORWARD_ROW2 row;

	(void)ctx;
	route_row(r, &row);
	DWORD e = DeleteIpForwardEntry2(&row);

	return e == NO_ERROR ? 0 : lp_win_errno(e);
}

static void address_row(uint32_t ifindex, const struct lp_cidr *a, MIB_UNICASTIPADDRESS_ROW *row)
{
	InitializeUnicastIpAddressEntry(row);
	row->InterfaceIndex = ifindex;
	to_sockaddr(a, a->addr, &row->Address);
	row->OnLinkPrefixLength = a->prefix;
	row->DadState = IpDadStatePreferred;
}

static int real_add_address(void *ctx, uint32_t ifindex, const struct lp_cidr *a)
{
	MIB_UNICASTIPADDRESS_ROW row;

	(void)ctx;
	address_row(ifindex, a, &row);
	DWORD e = CreateUnicastIpAddressEntry(&row);

	return e == NO_ERROR ? 0 : lp_win_errno(e);
}

static int real_del_address(void *ctx, uint32_t ifindex, const struct lp_cidr *a)
{
	MIB_UNICASTIPADDRESS_ROW row;

	(void)ctx;
	address_row(ifindex, a, &row);
	DWORD e = DeleteUnicastIpAddressEntry(&row);

	return e == NO_ERROR ? 0 : lp_win_errno(e);
}

/* ---------------------------------------------------------------- firewall */

static int hr_errno(HRESULT hr)
{
	if (hr == E_ACCESSDENIED)
		return -EACCES;
	if (hr == E_NOTIMPL)
		return -ENOSYS;
	if (hr == E_OUTOFMEMORY)
		return -ENOMEM;
	return -EIO;
}

/*
 * The network the adapter is connected to, from the Network List Manager
 * (*net: a reference to release). -ENOENT while there is none.
 */
static int find_network(const char *guid, INetwork **net)
{
	GUID want;
	INetworkListManager *nlm = NULL;
	IEnumNetworkConnections *e = NULL;
	HRESULT hr;
	int ret = -ENOENT;

	*net = NULL;
	if (guid_parse(guid, &want) < 0)
		return LP_ERR_INVALID;
	/* S_FALSE and RPC_E_CHANGED_MODE: COM is already up on this thread. */
	(void)CoInitializeEx(NULL, COINIT_MULTITHREADED);
	hr = CoCreateInstance(&CLSID_NetworkListManager, NULL, CLSCTX_ALL, &IID_INetworkListManager,
			      (void **)&nlm);
	if (FAILED(hr))
		return hr_errno(hr);
	hr = INetworkListManager_GetNetworkConnections(nlm, &e);
	if (FAILED(hr)) {
		ret = hr_errno(hr);
		goto release_nlm;
	}
	for (;;) {
		INetworkConnection *c = NULL;
		ULONG got = 0;
		GUID id;

		if (IEnumNetworkConnections_Next(e, 1, &c, &got) != S_OK || got != 1)
			break;
		if (SUCCEEDED(INetworkConnection_GetAdapterId(c, &id)) && IsEqualGUID(&id, &want) &&
		    SUCCEEDED(INetworkConnection_GetNetwork(c, net))) {
			INetworkConnection_Release(c);
			ret = 0;
			break;
		}
		INetworkConnection_Release(c);
	}
	IEnumNetworkConnections_Release(e);
release_nlm:
	INetworkListManager_Release(nlm);
	return ret;
}

static int real_get_category(void *ctx, const char *guid, enum lp_win_category *out)
{
	INetwork *net;
	NLM_NETWORK_CATEGORY c;

	(void)ctx;
	int ret = find_network(guid, &net);

	if (ret < 0)
		return ret;
	HRESULT hr = INetwork_GetCategory(net, &c);

	INetwork_Release(net);
	if (FAILED(hr))
		return hr_errno(hr);
	*out = c == NLM_NETWORK_CATEGORY_PRIVATE		? LP_WIN_PRIVATE
	       : c == NLM_NETWORK_CATEGORY_DOMAIN_AUTHENTICATED ? LP_WIN_DOMAIN
								: LP_WIN_PUBLIC;
	return 0;
}

static int real_set_category(void *ctx, const char *guid, enum lp_win_category cat)
{
	INetwork *net;

	(void)ctx;
	int ret = find_network(guid, &net);

	if (ret < 0)
		return ret;
	HRESULT hr = INetwork_SetCategory(net, cat == LP_WIN_PRIVATE ? NLM_NETWORK_CATEGORY_PRIVATE
								     : NLM_NETWORK_CATEGORY_PUBLIC);

	INetwork_Release(net);
	return FAILED(hr) ? hr_errno(hr) : 0;
}

static const struct lp_win_api real_api = {
	.list_adapters = real_list_adapters,
	.adapter_ifindex = real_adapter_ifindex,
	.list_ifaces = real_list_ifaces,
	.set_metric = real_set_metric,
	.set_mtu = real_set_mtu,
	.list_routes = real_list_routes,
	.best_route = real_best_route,
	.add_route = real_add_route,
	.del_route = real_del_route,
	.add_address = real_add_address,
	.del_address = real_del_address,
	.get_category = real_get_category,
	.set_category = real_set_category,
};

const struct lp_win_api *lp_win_api_real(void)
{
	return &real_api;
}
