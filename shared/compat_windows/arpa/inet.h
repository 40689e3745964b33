/* arpa/inet.h for the mingw-w64 build: Winsock declares it. */
#ifndef LP_COMPAT_ARPA_INET_H
#define LP_COMPAT_ARPA_INET_H

#include <sys/socket.h>

#endif
