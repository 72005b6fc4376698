/*
 * file - read a whole file into memory (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

char *file_read(const char *path, size_t *len_r, const char **why_r)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL, *t;
	size_t len = 0, cap = 0, n;

	if (fp == NULL) {
		*why_r = strerror(errno);
		return NULL;
	}
	do {
		if (cap - len < CHUNK / 16) {
			t = realloc(text, cap + CHUNK);
			if (t == NULL) {
				*why_r = "out of memory";
				goto fail;
			}
			text = t;
			cap += CHUNK;
		}
		n = fread(text + len, 1, cap - len - 1, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		*why_r = strerror(errno);
		goto fail;
	}
	fclose(fp);
	text[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return text;
fail:
	free(text);
	fclose(fp);
	return NULL;
}
