/* An intrusive doubly linked list (owners embed struct list_node; nodes never move). */
#pragma once

#include <stdbool.h>

#include "common/macro.h"

struct list_node {
        struct list_node *prev, *next;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *head)
{
        head->prev = head->next = head;
}

static inline bool list_empty(const struct list_node *head)
{
        return head->next == head;
}

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
        n->prev = head->prev;
        n->next = head;
        head->prev->next = n;
        head->prev = n;
}

static inline void list_del(struct list_node *n)
{
        n->prev->next = n->next;
        n->next->prev = n->prev;
        n->prev = n->next = n;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)

#define list_for_each(pos, head) for (struct list_node *pos = (head)->next; pos != (head); pos = pos->next)

/* Safe against removal of pos. */
#define list_for_each_safe(pos, tmp, head) \
        for (struct list_node *pos = (head)->next, *tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)
