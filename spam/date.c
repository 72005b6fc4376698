/*
 * date - a strict reader of RFC 5322 dates that accepts the obsolete forms
 * mail programs still write. "Tue, 24 Sep 2002 06:09:40 -1900" (a zone
 * that does not exist) and "7 May 2002 9:38:27" (no zone, one-digit hour)
 * are refused, as RFC 5322 refuses them.
 */
#include "date.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                     "aug", "sep", "oct", "nov", "dec", NULL};

static const struct {
	const char *name;
	int hours;
} zones[] = {{"ut", 0},   {"gmt", 0},  {"utc", 0},  {"est", -5}, {"edt", -4}, {"cst", -6},
             {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7}};

static int month_of(const char *s, size_t len)
{
	int i;

	for (i = 0; months[i] != NULL; i++)
		if (len == 3 && strncasecmp(s, months[i], 3) == 0)
			return i + 1;
	return 0;
}

static bool number(const char **s, long lo, long hi, size_t min_digits, size_t max_digits,
                   long *out)
{
	const char *p = *s;
	long n = 0;
	size_t d = 0;

	while (isdigit((unsigned char)*p) && d < max_digits)
		n = n * 10 + (*p++ - '0'), d++;
	if (d < min_digits || isdigit((unsigned char)*p) || n < lo || n > hi)
		return false;
	*s = p;
	*out = n;
	return true;
}

static const char *spaces(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Days since 1970-01-01 of a date in the proleptic Gregorian calendar. */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The zone's offset from UTC in seconds, or false. */
static bool zone(const char **sp, long *off_r)
{
	const char *s = *sp;
	size_t w, i;
	long n;

	if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;

		if (!number(&s, 0, 1400, 4, 4, &n) || n % 100 >= 60 || (sign < 0 && n > 1200))
			return false;
		*off_r = sign * ((n / 100) * 3600 + (n % 100) * 60);
		*sp = s;
		return true;
	}
	for (w = 0; isalpha((unsigned char)s[w]); w++)
		;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == w && strncasecmp(s, zones[i].name, w) == 0) {
			*off_r = zones[i].hours * 3600L;
			*sp = s + w;
			return true;
		}
	/* Military zones: RFC 5322 says to read them as unknown, i.e. UTC. */
	if (w == 1 && tolower((unsigned char)*s) != 'j') {
		*off_r = 0;
		*sp = s + 1;
		return true;
	}
	return false;
}

bool spam_date_parse(const char *s, time_t *t_r)
{
	long day, mon, year, hour, min, sec = 0, off;
	size_t w;

	s = spaces(s);
	if (isalpha((unsigned char)*s)) {
		for (w = 0; isalpha((unsigned char)s[w]); w++)
			;
		if (w != 3)
			return false;
		s = spaces(s + w);
		if (*s++ != ',')
			return false;
		s = spaces(s);
	}
	if (!number(&s, 1, 31, 1, 2, &day) || !isspace((unsigned char)*s))
		return false;
	s = spaces(s);
	for (w = 0; isalpha((unsigned char)s[w]); w++)
		;
	if ((mon = month_of(s, w)) == 0)
		return false;
	s = spaces(s + w);
	if (!number(&s, 0, 9999, 2, 4, &year) || !isspace((unsigned char)*s))
		return false;
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	s = spaces(s);
	if (!number(&s, 0, 23, 2, 2, &hour) || *s++ != ':' || !number(&s, 0, 59, 2, 2, &min))
		return false;
	if (*s == ':' && (s++, !number(&s, 0, 60, 2, 2, &sec)))
		return false;
	s = spaces(s);
	if (!zone(&s, &off))
		return false;
	s = spaces(s);
	if (*s != '\0' && *s != '(')
		return false;
	*t_r = (time_t)(days_from_civil(year, mon, day) * 86400L + hour * 3600L + min * 60L + sec -
	                off);
	return true;
}
