/* sys/socket.h for the mingw-w64 build: Winsock has the BSD socket types. */
#ifndef LP_COMPAT_SYS_SOCKET_H
#define LP_COMPAT_SYS_SOCKET_H

#include <winsock2.h>
#include <ws2tcpip.h>

#endif
