/* netinet/in.h for the mingw-w64 build: Winsock declares it. */
#ifndef LP_COMPAT_NETINET_IN_H
#define LP_COMPAT_NETINET_IN_H

#include <sys/socket.h>

#endif
