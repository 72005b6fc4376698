/*
 * policy - the antivirus check's decisions that need no scanner: which
 * messages are too large to scan, and what each VirusDestiny means for the
 * message. Kept apart from libclamav so unit tests reach every branch.
 */
#ifndef AVC_POLICY_H
#define AVC_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/msg.h"

enum avc_destiny { AVC_REJECT, AVC_DISCARD, AVC_QUARANTINE, AVC_TAG };
extern const char *const avc_destiny_words[];

/* The hard verdict a destiny asks for (tag: none, the message is delivered). */
enum cm_action avc_destiny_action(int destiny);

/*
 * A message larger than what libclamav would read whole is passed unscanned,
 * never half-scanned: libclamav skips a file over MaxFileSize silently and
 * calls it clean.
 */
bool avc_too_big(size_t len, size_t max_file_size, size_t max_scan_size);

/* The X-Virus-Status value for a finding: "Clean" or "Infected (name)". */
const char *avc_status_value(struct pool *p, const char *virus);

#endif
