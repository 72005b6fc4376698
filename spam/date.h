/*
 * date - RFC 5322 date-time values (Date:, the end of Received:) to a
 * point in time, for the rules that find dates forged or made up.
 */
#ifndef SPAM_DATE_H
#define SPAM_DATE_H

#include <stdbool.h>
#include <time.h>

/*
 * Parse a date-time as RFC 5322 section 3.3 writes it, with the obsolete
 * forms of section 4.3 (two-digit years, zone names, no seconds, comments
 * after it). Returns false when s is not one: wrong field order, values out
 * of range, a time zone beyond -1200..+1400.
 */
bool spam_date_parse(const char *s, time_t *t_r);

#endif
