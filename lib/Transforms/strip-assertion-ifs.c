/* -strip-assertion-ifs
 *
 * Matches: a prim::If, at any depth, one of whose blocks only raises: the
 * block is non-empty, its last node is prim::RaiseException, and every node
 * in it only computes or raises (below). That is what TorchScript makes of
 * `if bad: raise ...` and of the dimension checks compiled into torch.nn
 * modules (`if input.dim() not in (1, 2): raise ValueError(...)`).
 *
 * Rewrites: the If is replaced by its other block (t2n_fold_if: that block's
 * nodes move before the If, the If's outputs take the values it returns),
 * i.e. the assertion is assumed to hold. The values the raising block
 * returns (typically prim::Uninitialized) are never kept. The walk resumes
 * at the moved nodes, so assertions nested in the kept block go in the same
 * sweep. The condition's computation is left for -dce.
 *
 * What a raising block may run: what the op table (include/t2n/ops.def)
 * gives no effect but raising and no in-place write (the constants,
 * prim::Uninitialized for the outputs of a raising branch, the size
 * queries, comparisons, scalar arithmetic and string formatting that build
 * messages in real graphs). Dropping such a block drops nothing but the
 * raise.
 *
 * Restrictions: an If both of whose blocks raise (directly, the other one
 * perhaps after more work) always raises and is left; so is one whose
 * raising block runs anything else (an aten::warn, a call, an unknown op, a
 * nested If: those may do more than raise) or where the raise is not the
 * block's last node. Each gets a remark. Ifs with no
 * prim::RaiseException directly in a block are not candidates. Stripping
 * changes behaviour only for inputs on which the model would have raised. */
#include <string.h>

#include "fold_util.h"
#include "t2n/ops.h"
#include "t2n/pass.h"

/* A node a raising block may run and still count as only raising: the op
 * table (include/t2n/ops.def) knows it, gives it no effect but raising, and
 * says it writes none of its inputs; it has no blocks. */
static int is_allowed(const t2n_node *n) {
  if (n->nblocks || n->op == T2N_OP_UNKNOWN || (t2n_op_effects(n) & ~(unsigned)T2N_EFF_RAISE)) return 0;
  for (int i = 0; i < n->ninputs; i++)
    if (t2n_op_mutates_input(n, i)) return 0;
  return 1;
}

static int has_raise(const t2n_block *b) {
  for (const t2n_node *n = b->first; n; n = n->next)
    if (t2n_node_is(n, "prim::RaiseException")) return 1;
  return 0;
}

static const char trailing[] = "nodes after the prim::RaiseException";

/* 1 when b only raises; else 0 with *why set when b raises at all. */
static int only_raises(const t2n_block *b, const char **why) {
  *why = NULL;
  if (!b->last || !has_raise(b)) return 0;
  for (const t2n_node *n = b->first; n; n = n->next)
    if (!is_allowed(n)) {
      *why = n->kind;
      return 0;
    }
  if (!t2n_node_is(b->last, "prim::RaiseException")) {
    *why = trailing;
    return 0;
  }
  return 1;
}

static int sweep(t2n_pass_ctx *ctx, t2n_block *b, int remarks) {
  int folded = 0;
  for (t2n_node *n = b->first; n;) {
    if (t2n_node_is(n, "prim::If") && n->nblocks == 2) {
      const char *why0, *why1;
      int r0 = only_raises(n->blocks[0], &why0), r1 = only_raises(n->blocks[1], &why1);
      int h0 = has_raise(n->blocks[0]), h1 = has_raise(n->blocks[1]);
      if ((r0 && !h1) || (r1 && !h0)) {
        t2n_node *prev = n->prev;
        if (t2n_fold_if(n, r0 ? 1 : 0) == 0) {
          ctx->rewrites++;
          folded++;
          n = prev ? prev->next : b->first;
          continue;
        }
        if (remarks) t2n_remark(ctx, n, "prim::If is malformed (return arity); left alone");
      } else if (remarks) {
        if (h0 && h1)
          t2n_remark(ctx, n, "both blocks of prim::If raise: it always raises");
        else if (why0 || why1) {
          const char *why = why0 ? why0 : why1;
          if (why != trailing)
            t2n_remark(ctx, n, "block%d of prim::If raises but also runs %s, which may do more than raise (op table)",
                       why0 ? 0 : 1, why);
          else
            t2n_remark(ctx, n, "block%d of prim::If raises but has %s", why0 ? 0 : 1, why);
        }
      }
    }
    for (int k = 0; k < n->nblocks; k++) folded += sweep(ctx, n->blocks[k], remarks);
    n = n->next;
  }
  return folded;
}

int t2n_pass_strip_assertion_ifs(t2n_pass_ctx *ctx) {
  /* One sweep strips everything (the walk revisits moved nodes). */
  return t2n_fold_to_fixpoint(ctx, sweep);
}
