/*
 * policy - destiny mapping and the size rule of the antivirus check; see
 * policy.h. No libclamav here.
 */
#include "policy.h"

const char *const avc_destiny_words[] = {"reject", "discard", "quarantine", "tag", NULL};

enum cm_action avc_destiny_action(int destiny)
{
	switch (destiny) {
	case AVC_DISCARD:
		return CM_ACT_DISCARD;
	case AVC_QUARANTINE:
		return CM_ACT_QUARANTINE;
	case AVC_TAG:
		return CM_ACT_NONE;
	default:
		return CM_ACT_REJECT; /* unknown values fail safe */
	}
}

bool avc_too_big(size_t len, size_t max_file_size, size_t max_scan_size)
{
	return len > max_file_size || len > max_scan_size;
}

const char *avc_status_value(struct pool *p, const char *virus)
{
	return virus == NULL ? "Clean" : pool_printf(p, "Infected (%s)", virus);
}
