#include "code.h"

static bool code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool lp_code_valid(const char *s, size_t len)
{
	if (!s || len < LP_CODE_MIN || len > LP_CODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!code_char(s[i]))
			return false;
	return true;
}
