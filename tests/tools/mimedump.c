/*
 * mimedump - print how lib/mime.c reads message files: each part's type,
 * charset, encoding, file name, sizes and flags, and with -t the decoded
 * text. For debugging the decoder on real mail: tool_mimedump [-t] FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/mime.h"

static int dump(const char *path, bool text)
{
	FILE *fp = fopen(path, "rb");
	struct pool *p;
	struct mime_message *mm;
	struct buf b;
	char chunk[65536];
	size_t n, i;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	p = pool_create();
	mm = mime_parse(b.data != NULL ? b.data : "", b.len, NULL, p);
	if (mm == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		pool_destroy(&p);
		buf_free(&b);
		return -1;
	}
	printf("%s: %zu headers, %zu parts, flags [%s]\n", path, mm->n_headers, mm->n_parts,
	       mime_flag_names(mm->flags, p));
	for (i = 0; i < mm->n_parts; i++) {
		const struct mime_part *pt = &mm->parts[i];

		printf("%*s#%zu %s charset=%s cte=%s%s%s%s raw=%zu len=%zu text=%zu [%s]\n",
		       2 * pt->depth, "", i, pt->type, pt->charset ? pt->charset : "-",
		       pt->encoding, pt->filename ? " name=" : "", pt->filename ? pt->filename : "",
		       pt->attachment ? " attachment" : "", pt->raw_len, pt->len, pt->text_len,
		       mime_flag_names(pt->flags, p));
		if (text && pt->text != NULL)
			printf("%s\n", pt->text);
	}
	pool_destroy(&p);
	buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	bool text = false;
	int i, status = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0)
			text = true;
		else if (dump(argv[i], text) < 0)
			status = 1;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: tool_mimedump [-t] FILE...\n");
		return 2;
	}
	return status;
}
