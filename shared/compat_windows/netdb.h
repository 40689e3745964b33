/* netdb.h for the mingw-w64 build: Winsock declares it. */
#ifndef LP_COMPAT_NETDB_H
#define LP_COMPAT_NETDB_H

#include <sys/socket.h>

#endif
