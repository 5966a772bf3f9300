/* -fold-constant-ifs
 *
 * Matches: a prim::If, at any depth (inside other Ifs, Loop bodies, ...),
 * whose condition is a constant bool (a prim::Constant of type bool; see
 * t2n_constant_value).
 *
 * Rewrites: the chosen block's nodes move right before the If, every use of
 * the If's outputs takes the value that block returns, and the If goes with
 * the other block (t2n_fold_if in fold_util.c). The walk resumes at the first
 * moved node, so Ifs nested in the chosen block fold in the same sweep, from
 * the outside in; an If whose condition is the output of an If folded
 * earlier (torch lowers `a and b` that way) folds too. The pass repeats until
 * nothing changes.
 *
 * Restrictions: only bool constants count (torch types an If condition as
 * bool; anything else is left, with a remark). The condition's definition is
 * left for -dce. The dropped block may have had side effects (a
 * prim::RaiseException, a SetAttr): it can never run, so dropping them is
 * exact. */
#include "fold_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"

static int sweep(t2n_pass_ctx *ctx, t2n_block *b, int remarks) {
  int folded = 0;
  for (t2n_node *n = b->first; n;) {
    if (t2n_node_is(n, "prim::If") && n->ninputs == 1) {
      t2n_ival c;
      t2n_value *cond = n->inputs[0];
      if (t2n_constant_value(ctx->mod, cond, &c) && c.kind == T2N_IV_BOOL) {
        t2n_node *prev = n->prev;
        if (t2n_fold_if(n, c.i ? 0 : 1) == 0) {
          ctx->rewrites++;
          folded++;
          /* Continue with the nodes just moved out of the chosen block. */
          n = prev ? prev->next : b->first;
          continue;
        }
        if (remarks) t2n_remark(ctx, n, "prim::If is malformed (block count or return arity); left alone");
      } else if (remarks) {
        t2n_remark(ctx, n, "condition %%%s of prim::If is not a constant bool", cond->name);
      }
    }
    for (int k = 0; k < n->nblocks; k++) folded += sweep(ctx, n->blocks[k], remarks);
    n = n->next;
  }
  return folded;
}

int t2n_pass_fold_constant_ifs(t2n_pass_ctx *ctx) {
  return t2n_fold_to_fixpoint(ctx, sweep);
}
