/*
 * zip - walking a zip archive's directory (APPNOTE.TXT 4.3): the end of
 * central directory record within the last 64 KiB, then each central file
 * header; every length is checked against the data, so a damaged or
 * hostile archive yields fewer names, never a read out of bounds.
 */
#include "zip.h"

#include <stdint.h>
#include <string.h>

#define LOCAL_SIG   0x04034b50u
#define CENTRAL_SIG 0x02014b50u
#define EOCD_SIG    0x06054b50u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

bool spam_zip_is(const unsigned char *data, size_t len)
{
	return len >= 30 && le32(data) == LOCAL_SIG;
}

/* The central directory from the end record; false if there is none. */
static bool find_central(const unsigned char *d, size_t len, size_t *off_r, size_t *n_r)
{
	size_t i, lowest;

	if (len < 22)
		return false;
	lowest = len > 65557 ? len - 65557 : 0;
	for (i = len - 22 + 1; i-- > lowest;) {
		if (le32(d + i) != EOCD_SIG)
			continue;
		*n_r = le16(d + i + 10);
		*off_r = le32(d + i + 16);
		return *off_r < len;
	}
	return false;
}

long spam_zip_names(const unsigned char *d, size_t len,
                    bool (*fn)(void *arg, const char *name, size_t len), void *arg)
{
	size_t off, n, i, count = 0;

	if (find_central(d, len, &off, &n)) {
		for (i = 0; i < n && count < SPAM_ZIP_MAX_NAMES; i++) {
			size_t nl, el, cl;

			if (off + 46 > len || le32(d + off) != CENTRAL_SIG)
				break;
			nl = le16(d + off + 28);
			el = le16(d + off + 30);
			cl = le16(d + off + 32);
			if (off + 46 + nl > len)
				break;
			count++;
			if (!fn(arg, (const char *)d + off + 46, nl))
				return (long)count;
			off += 46 + nl + el + cl;
		}
		if (count > 0)
			return (long)count;
	}
	/* No directory (a cut archive): the local headers, while sizes are known. */
	if (!spam_zip_is(d, len))
		return -1;
	off = 0;
	while (off + 30 <= len && le32(d + off) == LOCAL_SIG && count < SPAM_ZIP_MAX_NAMES) {
		size_t nl = le16(d + off + 26), el = le16(d + off + 28);
		size_t csize = le32(d + off + 18);
		uint16_t flags = le16(d + off + 6);

		if (off + 30 + nl > len)
			break;
		count++;
		if (!fn(arg, (const char *)d + off + 30, nl))
			break;
		if (flags & 0x08)
			break; /* sizes follow the data: the next header can't be found */
		if (csize > len || off + 30 + nl + el + csize > len)
			break;
		off += 30 + nl + el + csize;
	}
	return (long)count;
}
