/*
 * record - the stored records (short ASCII lines, readable with redis-cli)
 * and greylisting's state machine as pure functions of the old record and
 * "now": the same code decides on LMDB and on Redis, inside the store's
 * atomic update, and unit tests drive it with any clock.
 */
#include <stdio.h>
#include <string.h>

#include "grey.h"

const char *const grey_outcome_words[] = {"new", "early", "passed", "passed", "white", "skip"};

/* Up to n decimal numbers after the version "1", separated by one space. */
static int parse_numbers(const void *val, size_t len, long long *out, int n)
{
	const char *p = val, *end = p + len;
	int i;

	if (len < 2 || p[0] != '1' || p[1] != ' ')
		return -1;
	p += 2;
	for (i = 0; i < n; i++) {
		long long v = 0;
		const char *start = p;

		while (p < end && *p >= '0' && *p <= '9') {
			if (v > (9000000000000000000LL - (*p - '0')) / 10)
				return -1;
			v = v * 10 + (*p - '0');
			p++;
		}
		if (p == start)
			return -1;
		out[i] = v;
		if (i + 1 < n) {
			if (p == end || *p != ' ')
				return -1;
			p++;
		}
	}
	return p == end ? 0 : -1;
}

void grey_triplet_format(const struct grey_triplet *t, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "1 %lld %lld %lld", t->first, t->last, t->passed);
}

int grey_triplet_parse(const void *val, size_t len, struct grey_triplet *t)
{
	long long v[3];

	if (parse_numbers(val, len, v, 3) < 0 || v[1] < v[0] || (v[2] != 0 && v[2] < v[0]))
		return -1;
	t->first = v[0];
	t->last = v[1];
	t->passed = v[2];
	return 0;
}

void grey_client_format(const struct grey_client *c, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "1 %lld %lld %lld", c->count, c->counted, c->seen);
}

int grey_client_parse(const void *val, size_t len, struct grey_client *c)
{
	long long v[3];

	if (parse_numbers(val, len, v, 3) < 0)
		return -1;
	c->count = v[0];
	c->counted = v[1];
	c->seen = v[2];
	return 0;
}

void grey_params_of(const struct grey_conf *c, struct grey_params *p)
{
	p->delay = c->delay;
	p->retry_window = c->retry_window;
	p->max_age = c->max_age;
	/* Passed entries live max_age since last seen; rewriting "last seen"
	 * once per 1% of that keeps them within 1% of it and spares the store
	 * a write per message (a durable LMDB commit costs ~0.2 ms). */
	p->refresh = c->max_age / 100;
	if (p->refresh < 1)
		p->refresh = 1;
	if (p->refresh > 86400)
		p->refresh = 86400;
	p->interval = c->awl_interval;
}

static void fresh(long long now, const struct grey_params *p, struct grey_step *st)
{
	st->outcome = GREY_NEW;
	st->write = true;
	st->rec = (struct grey_triplet){now, now, 0};
	st->ttl = p->retry_window;
	st->wait = p->delay;
}

void grey_triplet_step(const struct grey_triplet *old, long long now, const struct grey_params *p,
                       struct grey_step *st)
{
	long long age;

	memset(st, 0, sizeof(*st));
	if (old == NULL) {
		fresh(now, p, st);
		return;
	}
	if (old->passed != 0) {
		st->outcome = GREY_KNOWN;
		/* "last seen" is refreshed now and then, and when a clock went back. */
		if (now - old->last >= p->refresh || old->last > now) {
			st->write = true;
			st->rec = *old;
			st->rec.last = now;
			st->ttl = p->max_age;
		}
		return;
	}
	age = now - old->first;
	if (age > p->retry_window) {
		fresh(now, p, st); /* the retry came too late: start again */
		return;
	}
	if (age < 0) {
		/* First seen in the future (another MX host's clock, or ours went
		 * back): count from now, as postgrey does. */
		fresh(now, p, st);
		st->outcome = GREY_EARLY;
		return;
	}
	if (age < p->delay) {
		st->outcome = GREY_EARLY;
		st->wait = (long)(p->delay - age);
		return;
	}
	st->outcome = GREY_PASS;
	st->write = true;
	st->rec = (struct grey_triplet){old->first, now, now};
	st->ttl = p->max_age;
	st->delayed = (long)age;
}

long grey_client_count(const struct grey_client *old, long long now, const struct grey_params *p,
                       struct grey_client *out)
{
	if (old == NULL) {
		*out = (struct grey_client){1, now, now};
		return p->max_age;
	}
	*out = *old;
	/* At most one pass per interval counts (postgrey: one an hour), so a
	 * list mail retried to many recipients at once is one pass, not many. */
	if (now - old->counted >= p->interval || old->counted > now) {
		out->count++;
		out->counted = now;
	}
	out->seen = now;
	return p->max_age;
}

bool grey_client_touch(const struct grey_client *old, long long now, const struct grey_params *p,
                       struct grey_client *out, long *ttl_r)
{
	if (now - old->seen < p->refresh && old->seen <= now)
		return false;
	*out = *old;
	out->seen = now;
	*ttl_r = p->max_age;
	return true;
}
