/* -dce
 *
 * Matches: a node, at any depth, none of whose outputs has a use and that
 * has no effect (t2n_op_has_effects of include/t2n/ops.h, read from the op
 * table include/t2n/ops.def). Effects are: attribute writes
 * (prim::SetAttr), raises, prints and warnings, calls (prim::CallMethod /
 * CallFunction: the callee may do any of these), any write of an input in
 * place (list and dict mutations such as aten::append, aten::Delete,
 * aten::reverse; in-place tensor ops such as add_, copy_; out= variants),
 * ops the table does not know and Python ops, and a prim::If or prim::Loop
 * with any of these in a block (an unused Loop without them goes). Random
 * ops (rand*, dropout, bernoulli) count as pure: these are inference
 * graphs.
 *
 * Rewrites: the node is erased. Each block is swept from its last node
 * backwards, nested blocks before their owner, so the definitions feeding an
 * erased node go in the same sweep; sweeps repeat until nothing changes. One
 * rewrite per erased node.
 *
 * Restrictions: unused block outputs of a prim::If / prim::Loop are not
 * removed, since that changes the interface of the If or Loop (the folding
 * passes remove whole Ifs instead); graph inputs and outputs stay.
 *
 * Why: the folding passes replace uses and leave the operands behind (a
 * folded If's condition, a TupleConstruct read through, a size query turned
 * constant); -harden runs -dce after freezing and again at the end. */
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
