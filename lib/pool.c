/*
 * pool - bump allocation from chained blocks; large requests get a block of
 * their own. Cleanups run in reverse order of registration.
 */
#include "pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 8192
#define ALIGN      16

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *arg;
};

struct pool {
	struct block *blocks;
	struct cleanup *cleanups;
	size_t used;
	bool failed;
};

struct pool *pool_create(void)
{
	return calloc(1, sizeof(struct pool));
}

void pool_destroy(struct pool **pp)
{
	struct pool *p = *pp;

	if (p == NULL)
		return;
	while (p->cleanups != NULL) {
		struct cleanup *c = p->cleanups;

		p->cleanups = c->next;
		c->fn(c->arg);
	}
	while (p->blocks != NULL) {
		struct block *b = p->blocks;

		p->blocks = b->next;
		free(b);
	}
	free(p);
	*pp = NULL;
}

static struct block *new_block(struct pool *p, size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (b == NULL) {
		p->failed = true;
		return NULL;
	}
	b->size = size;
	b->used = 0;
	return b;
}

void *pool_alloc(struct pool *p, size_t size)
{
	struct block *b = p->blocks;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *ptr;

	if (size == 0)
		need = ALIGN;
	if (need < size) {
		p->failed = true;
		return NULL;
	}
	if (need > BLOCK_SIZE / 4) {
		/* A private block, linked behind the current one. */
		b = new_block(p, need);
		if (b == NULL)
			return NULL;
		b->used = need;
		if (p->blocks != NULL) {
			b->next = p->blocks->next;
			p->blocks->next = b;
		} else {
			b->next = NULL;
			p->blocks = b;
		}
		p->used += need;
		memset(b->data, 0, size);
		return b->data;
	}
	if (b == NULL || b->size - b->used < need) {
		b = new_block(p, BLOCK_SIZE);
		if (b == NULL)
			return NULL;
		b->next = p->blocks;
		p->blocks = b;
	}
	ptr = b->data + b->used;
	b->used += need;
	p->used += need;
	memset(ptr, 0, size);
	return ptr;
}

void *pool_memdup(struct pool *p, const void *data, size_t size)
{
	void *ptr = pool_alloc(p, size);

	if (ptr != NULL && size > 0)
		memcpy(ptr, data, size);
	return ptr;
}

char *pool_strndup(struct pool *p, const char *s, size_t n)
{
	char *ptr = pool_alloc(p, n + 1);

	if (ptr != NULL) {
		memcpy(ptr, s, n);
		ptr[n] = '\0';
	}
	return ptr;
}

char *pool_strdup(struct pool *p, const char *s)
{
	return s == NULL ? NULL : pool_strndup(p, s, strlen(s));
}

char *pool_vprintf(struct pool *p, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *ptr;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		p->failed = true;
		return NULL;
	}
	ptr = pool_alloc(p, (size_t)n + 1);
	if (ptr != NULL)
		vsnprintf(ptr, (size_t)n + 1, fmt, ap);
	return ptr;
}

char *pool_printf(struct pool *p, const char *fmt, ...)
{
	va_list ap;
	char *ptr;

	va_start(ap, fmt);
	ptr = pool_vprintf(p, fmt, ap);
	va_end(ap);
	return ptr;
}

int pool_cleanup(struct pool *p, void (*fn)(void *), void *arg)
{
	struct cleanup *c = pool_alloc(p, sizeof(*c));

	if (c == NULL)
		return -1;
	c->fn = fn;
	c->arg = arg;
	c->next = p->cleanups;
	p->cleanups = c;
	return 0;
}

bool pool_failed(const struct pool *p)
{
	return p->failed;
}

size_t pool_used(const struct pool *p)
{
	return p->used;
}
