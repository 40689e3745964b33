/*
 * tap_ioctl_windows.h: the device interface of tap-windows6 (component id
 * tap0901), the TAP driver OpenVPN ships. mingw-w64 has no header for it;
 * these are the driver's documented control codes.
 */
#ifndef LP_TAP_IOCTL_WINDOWS_H
#define LP_TAP_IOCTL_WINDOWS_H

#include <windows.h>
#include <winioctl.h>

#define LP_TAP_CTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, (n), METHOD_BUFFERED, FILE_ANY_ACCESS)

#define LP_TAP_IOCTL_GET_MAC	      LP_TAP_CTL(1)
#define LP_TAP_IOCTL_GET_VERSION      LP_TAP_CTL(2)
#define LP_TAP_IOCTL_GET_MTU	      LP_TAP_CTL(3)
#define LP_TAP_IOCTL_SET_MEDIA_STATUS LP_TAP_CTL(6)

/* The device file of the adapter with NetCfgInstanceId GUID: prefix, GUID, suffix. */
#define LP_TAP_PATH_PREFIX L"\\\\.\\Global\\"
#define LP_TAP_PATH_SUFFIX L".tap"

#endif
