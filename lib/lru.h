/*
 * lru - the least-recently-used order of a cache's entries (DNS answers,
 * SPF outcomes): an intrusive doubly linked list, most recent first. An
 * entry embeds a struct lru_link as its FIRST member, so a link is its
 * entry. The caller holds the cache's lock.
 */
#ifndef CM_LRU_H
#define CM_LRU_H

#include <stddef.h>

struct lru_link {
	struct lru_link *prev, *next;
};

struct lru_list {
	struct lru_link *head, *tail; /* most and least recently used */
};

static inline void lru_unlink(struct lru_list *l, struct lru_link *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

static inline void lru_push_front(struct lru_list *l, struct lru_link *e)
{
	e->prev = NULL;
	e->next = l->head;
	if (l->head != NULL)
		l->head->prev = e;
	l->head = e;
	if (l->tail == NULL)
		l->tail = e;
}

/* A hit: the entry becomes the most recent. */
static inline void lru_touch(struct lru_list *l, struct lru_link *e)
{
	if (l->head == e)
		return;
	lru_unlink(l, e);
	lru_push_front(l, e);
}

#endif
