/* Rewriting helpers the passes share: growing a node's outputs, asking
 * whether a use runs after a node, and redirecting the uses that do. They
 * sit beside the graph mutation of ir.c so that no pass grows an output
 * array or walks a block's order by hand. */
#include "internal.h"

t2n_value *t2n_node_add_output(t2n_node *n, const char *name, const t2n_type *ty) {
  t2n_graph *g = n->parent->graph;
  n->outputs = t2n_arena_grow(g->mod->arena, n->outputs, sizeof *n->outputs * (size_t)n->noutputs,
                              sizeof *n->outputs * (size_t)(n->noutputs + 1));
  t2n_value *v = t2n_node_set_output(n, n->noutputs, t2n_graph_fresh_name(g, name), ty);
  n->noutputs++;
  return v;
}

const t2n_node *t2n_block_holder(const t2n_block *b, const t2n_node *u) {
  while (u && u->parent != b) u = u->parent && u->parent->owner ? u->parent->owner : NULL;
  return u;
}

int t2n_node_runs_after(const t2n_node *n, const t2n_node *u) {
  const t2n_node *a = t2n_block_holder(n->parent, u);
  if (!a) return 0;
  if (a == n->parent->ret) return 1;
  for (const t2n_node *t = n->next; t; t = t->next)
    if (t == a) return 1;
  return 0;
}

int t2n_value_replace_uses_after(t2n_value *from, t2n_value *to, const t2n_node *n) {
  int moved = 0;
  for (int k = from->nuses - 1; k >= 0; k--) {
    t2n_node *u = from->uses[k].user;
    if (t2n_node_runs_after(n, u)) {
      t2n_node_set_input(u, from->uses[k].index, to);
      moved++;
    }
  }
  return moved;
}
