/*
 * iptree.c — PATRICIA prefix tree over 128-bit addresses (see iptree.h).
 *
 * Each node holds a prefix (key, len) and the values stored exactly on it;
 * children extend the prefix by at least one bit, branching on the first
 * bit after it. Insertion splits an edge where a new prefix diverges, so
 * the tree has at most 2n nodes for n prefixes. Keys are kept as unsigned
 * 128-bit integers (a GCC/Clang extension) for cheap masking.
 */
#include "iptree.h"

#include <errno.h>
#include <stdlib.h>

__extension__ typedef unsigned __int128 u128;

struct iptree_node {
	u128 key; /* bits beyond len are zero */
	uint8_t len;
	struct iptree_node *child[2];
	uint32_t *vals;
	uint32_t n_vals, cap_vals;
};

struct iptree {
	struct iptree_node *root; /* the /0 node, always present */
	uint32_t n_nodes;
};

static u128 to_u128(const struct addr128 *a)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void from_u128(u128 v, struct addr128 *a)
{
	for (int i = 15; i >= 0; i--) {
		a->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

static u128 mask_of(unsigned len)
{
	return len == 0 ? 0 : ~(u128)0 << (128 - len);
}

static unsigned bit_at(u128 key, unsigned pos)
{
	return (unsigned)(key >> (127 - pos)) & 1;
}

/* Length of the common prefix of a and b, at most max. */
static unsigned common_len(u128 a, u128 b, unsigned max)
{
	u128 x = a ^ b;
	unsigned n = 0;

	if (x == 0)
		return max;
	while (n < max && !(x >> (127 - n) & 1))
		n++;
	return n;
}

static struct iptree_node *node_new(struct iptree *t, u128 key, unsigned len)
{
	struct iptree_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->key = key & mask_of(len);
	n->len = (uint8_t)len;
	t->n_nodes++;
	return n;
}

struct iptree *iptree_new(void)
{
	struct iptree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->root = node_new(t, 0, 0);
	if (!t->root) {
		free(t);
		return NULL;
	}
	return t;
}

static void node_free(struct iptree_node *n)
{
	if (!n)
		return;
	node_free(n->child[0]);
	node_free(n->child[1]);
	free(n->vals);
	free(n);
}

void iptree_free(struct iptree *t)
{
	if (!t)
		return;
	node_free(t->root);
	free(t);
}

static int node_add_value(struct iptree_node *n, uint32_t value)
{
	if (n->n_vals == n->cap_vals) {
		uint32_t cap = n->cap_vals ? n->cap_vals * 2 : 2;
		uint32_t *v = realloc(n->vals, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		n->vals = v;
		n->cap_vals = cap;
	}
	n->vals[n->n_vals++] = value;
	return 0;
}

int iptree_insert(struct iptree *t, const struct addr128 *pfx, unsigned len, uint32_t value)
{
	u128 key;
	struct iptree_node *n = t->root;

	if (len > 128)
		return -EINVAL;
	key = to_u128(pfx) & mask_of(len);
	for (;;) {
		unsigned b;
		struct iptree_node *c, *mid, *leaf;
		unsigned cl;

		if (n->len == len)
			return node_add_value(n, value);
		/* n is a proper prefix of key/len: descend on the next bit */
		b = bit_at(key, n->len);
		c = n->child[b];
		if (!c) {
			leaf = node_new(t, key, len);
			if (!leaf)
				return -ENOMEM;
			n->child[b] = leaf;
			return node_add_value(leaf, value);
		}
		cl = common_len(c->key, key, c->len < len ? c->len : len);
		if (cl == c->len) { /* c is a prefix of key/len */
			n = c;
			continue;
		}
		/* The new prefix diverges from c, or is a prefix of it: split. */
		mid = node_new(t, key, cl);
		if (!mid)
			return -ENOMEM;
		mid->child[bit_at(c->key, cl)] = c;
		n->child[b] = mid;
		if (cl == len)
			return node_add_value(mid, value);
		leaf = node_new(t, key, len);
		if (!leaf)
			return -ENOMEM;
		mid->child[bit_at(key, cl)] = leaf;
		return node_add_value(leaf, value);
	}
}

/* All-ones in the low 128 - len bits: the host part of a /len prefix. */
static u128 host_mask(unsigned len)
{
	return len == 0 ? ~(u128)0 : ((u128)1 << (128 - len)) - 1;
}

int iptree_range_to_prefixes(const struct addr_range *r, iptree_prefix_fn fn, void *ud)
{
	u128 lo = to_u128(&r->lo), hi = to_u128(&r->hi);

	if (lo > hi)
		return -EINVAL;
	for (;;) {
		unsigned len = 128;
		struct addr128 a;
		int rc;

		/* The largest block aligned at lo that stays within [lo, hi]. */
		while (len > 0 && (lo & host_mask(len - 1)) == 0 && hi - lo >= host_mask(len - 1))
			len--;
		from_u128(lo, &a);
		rc = fn(ud, &a, len);
		if (rc)
			return rc;
		if (hi - lo == host_mask(len))
			return 0;
		lo += host_mask(len) + 1;
	}
}

struct insert_ctx {
	struct iptree *t;
	uint32_t value;
};

static int insert_prefix(void *ud, const struct addr128 *pfx, unsigned len)
{
	struct insert_ctx *c = ud;

	return iptree_insert(c->t, pfx, len, c->value);
}

int iptree_insert_range(struct iptree *t, const struct addr_range *r, uint32_t value)
{
	struct insert_ctx c = {t, value};

	return iptree_range_to_prefixes(r, insert_prefix, &c);
}

void iptree_lookup(const struct iptree *t, const struct addr128 *a, iptree_visit_fn fn, void *ud)
{
	u128 key = to_u128(a);
	const struct iptree_node *n = t->root;

	while (n) {
		if ((key & mask_of(n->len)) != n->key)
			return;
		for (uint32_t i = 0; i < n->n_vals; i++)
			if (fn(ud, n->vals[i]))
				return;
		if (n->len == 128)
			return;
		n = n->child[bit_at(key, n->len)];
	}
}

uint32_t iptree_nodes(const struct iptree *t)
{
	return t->n_nodes;
}
