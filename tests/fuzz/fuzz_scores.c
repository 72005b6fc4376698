/* fuzz_scores - the scores file parser and Score lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/scores.h"

static void ignore(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct cm_scores *s = scores_create();
	double v;

	memcpy(text, data, size);
	text[size] = '\0';
	scores_parse(s, text, "fuzz", ignore, NULL);
	scores_set_line(s, text);
	scores_lookup(s, text, &v);
	scores_free(&s);
	free(text);
	return 0;
}
