/*
 * loadgen_proc.c: what the load generator reads from /proc (the relay's
 * resident memory and CPU time) and the file-descriptor limit it raises.
 */
#include "loadgen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

long lg_proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

double lg_proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid ? (long)pid : (long)getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return -1;
	/* After ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)hz;
}

int lg_proc_raise_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want; /* needs CAP_SYS_RESOURCE; tried, then settled below */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

/* Drops of the sockets bound to port in one /proc/net/udp* table, added to *sum. */
static bool udp_table_drops(const char *path, uint16_t port, unsigned long long *sum)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *end, *last;
		unsigned long lport;

		/* "  sl: ADDR:PORT ...": the local address is the first field after "sl:". */
		colon = colon ? strchr(colon + 1, ':') : NULL;
		if (!colon)
			continue;
		lport = strtoul(colon + 1, &end, 16);
		if (end == colon + 1 || lport != port)
			continue;
		/* drops is the last field of the line */
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\n'))
			*--end = '\0';
		last = strrchr(line, ' ');
		if (last) {
			*sum += strtoull(last + 1, NULL, 10);
			found = true;
		}
	}
	fclose(f);
	return found;
}

long long lg_proc_udp_drops(uint16_t port)
{
	unsigned long long sum = 0;
	bool v4 = udp_table_drops("/proc/net/udp", port, &sum);
	bool v6 = udp_table_drops("/proc/net/udp6", port, &sum);

	return v4 || v6 ? (long long)sum : -1;
}

double lg_proc_wait_s(pid_t pid)
{
	char path[64];
	unsigned long long run, wait;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", pid ? (long)pid : (long)getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? (double)wait / 1e9 : -1;
}
