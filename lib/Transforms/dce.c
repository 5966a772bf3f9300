/* -dce: removes nodes whose outputs are all unused and that have no side
 * effects (see t2n_node_has_side_effects), innermost first, repeating until
 * nothing changes. Unused block outputs are not removed: that changes the
 * interface of prim::If / prim::Loop and is left to the folding passes. */
#include "t2n/pass.h"

static int dead(const t2n_node *n) {
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i]->nuses) return 0;
  return !t2n_node_has_side_effects(n);
}

static int sweep(t2n_block *b) {
  int removed = 0;
  for (t2n_node *n = b->last, *prev; n; n = prev) {
    prev = n->prev;
    for (int i = 0; i < n->nblocks; i++) removed += sweep(n->blocks[i]);
    if (dead(n)) {
      /* Erasing n may free its inputs' definitions, which come earlier:
       * the backward walk sees them next. */
      t2n_node_erase(n);
      removed++;
    }
  }
  return removed;
}

int t2n_pass_dce(t2n_pass_ctx *ctx) {
  int r;
  while ((r = sweep(ctx->graph->top)) > 0) ctx->rewrites += r;
  return 0;
}
