/*
 * tap_windows.h: what the Windows party device (tap_windows.c) tells
 * besides tap.h: the adapter's GUID, which the firewall profile and the
 * Network List Manager know it by.
 */
#ifndef LP_TAP_WINDOWS_H
#define LP_TAP_WINDOWS_H

#include "tap.h"

/* lp_tap_guid: the adapter's NetCfgInstanceId, "{...}" (owned by t). */
const char *lp_tap_guid(const struct lp_tap *t);

#endif
