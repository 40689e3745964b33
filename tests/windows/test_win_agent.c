/*
 * The agent core's unit tests (tests/unit/test_agent.c: backoff, reject and
 * disconnect texts, config checks, the status file) built for Windows as
 * they are. One is skipped: test_status_round_trip ends by checking the
 * status file's POSIX mode (0644), and Windows files have ACLs instead
 * (sys_windows.c: readable by every user through %ProgramData%'s ACL).
 */
#define main test_agent_main
int test_agent_main(void);
#include "../unit/test_agent.c"
#undef main

int main(void);

int main(void)
{
	cmocka_set_skip_filter("test_status_round_trip");
	return test_agent_main();
}
