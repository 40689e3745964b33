/* lanparty-client: entry point. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("lanparty-client %s\n", LP_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: lanparty-client [--help] [--version]\n");
			return 0;
		}
		fprintf(stderr, "lanparty-client: unknown option '%s' (see --help)\n", argv[i]);
		return 2;
	}
	fprintf(stderr, "lanparty-client: not implemented yet\n");
	return 1;
}
