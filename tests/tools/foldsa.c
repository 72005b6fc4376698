/*
 * foldsa - reads "Name<TAB>value" lines and prints each value folded by
 * hdr_fold_sa(), with newlines and tabs escaped as \n and \t, one per line.
 * tests/house/sa_fold.sh compares this with SpamAssassin's own code.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/hdr.h"

int main(void)
{
	char line[8192];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *tab = strchr(line, '\t'), *p;
		struct buf b;

		line[strcspn(line, "\n")] = '\0';
		if (tab == NULL)
			continue;
		*tab = '\0';
		buf_init(&b);
		hdr_fold_sa(line, tab + 1, &b);
		for (p = b.data; p != NULL && *p != '\0'; p++) {
			if (*p == '\n')
				fputs("\\n", stdout);
			else if (*p == '\t')
				fputs("\\t", stdout);
			else if (*p == '\\')
				fputs("\\\\", stdout);
			else
				putchar(*p);
		}
		putchar('\n');
		buf_free(&b);
	}
	return 0;
}
