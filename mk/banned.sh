#!/bin/sh
# Fails when a source file calls a function that is banned for being unsafe
# (unbounded copies, silent integer parsing, hidden global state).
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|gets|atoi|atol|atoll|atof|tmpnam|mktemp)[[:space:]]*\('
if grep -nE "$banned" "$@"; then
	echo "lint: banned functions above (use snprintf, memcpy with lengths, strtol)" >&2
	exit 1
fi
