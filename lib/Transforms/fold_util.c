/* Helpers shared by the folding passes: inlining one block of a prim::If,
 * replacing a node by values, and the list-mutation check that folds of list
 * contents rely on (the mutation analysis of include/t2n/ops.h). See
 * fold_util.h. */
#include "fold_util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/examples.h"
#include "t2n/limits.h"
#include "t2n/ops.h"

int t2n_fold_if(t2n_node *if_node, int block_index) {
  if (!if_node || !if_node->parent || if_node->op != T2N_OP_prim_If || if_node->nblocks != 2 ||
      block_index < 0 || block_index > 1)
    return -1;
  for (int k = 0; k < 2; k++)
    if (if_node->blocks[k]->ret->ninputs != if_node->noutputs || if_node->blocks[k]->nparams) return -1;
  t2n_block *b = if_node->blocks[block_index];
  /* The block's nodes (and so the definitions of the values it returns, when
   * they are its own) now come right before the If, which dominates every
   * use of the If's outputs. */
  t2n_splice_block_before(b, if_node);
  for (int i = 0; i < if_node->noutputs; i++)
    t2n_value_replace_all_uses(if_node->outputs[i], b->ret->inputs[i]);
  /* Drops the returns' uses and the other block with its nodes and names. */
  t2n_node_erase(if_node);
  return 0;
}

void t2n_replace_node(t2n_node *n, t2n_value *const *repl) {
  for (int i = 0; i < n->noutputs; i++)
    if (repl[i]) t2n_value_replace_all_uses(n->outputs[i], repl[i]);
  t2n_node_erase(n);
}

int t2n_list_is_unmutated(const t2n_value *v, const char **why) {
  /* Writes that change what the list holds (appends, stores, deletes,
   * sorts, calls that may do these), to it or to any alias of it: the
   * values its blocks return as If/Loop outputs, casts, other containers it
   * is stored in. Writes to the tensors it holds do not change which
   * tensors they are. */
  const t2n_node *w = t2n_value_writer(v, T2N_ALIAS_SHAPE);
  if (w && why) *why = w->kind;
  return !w;
}

t2n_value *t2n_skip_casts(t2n_value *v) {
  while (v->def && v->def->op == T2N_OP_prim_unchecked_cast && v->def->ninputs == 1) v = v->def->inputs[0];
  return v;
}

void t2n_fold_sweep(t2n_pass_ctx *ctx, t2n_block *b, void (*fold)(t2n_pass_ctx *ctx, t2n_node *n)) {
  for (t2n_node *n = b->first, *next; n; n = next) {
    next = n->next;
    for (int k = 0; k < n->nblocks; k++) t2n_fold_sweep(ctx, n->blocks[k], fold);
    fold(ctx, n);
  }
}

int t2n_fold_to_fixpoint(t2n_pass_ctx *ctx, int (*sweep)(t2n_pass_ctx *ctx, t2n_block *b, int remarks)) {
  int rounds = 0;
  while (sweep(ctx, ctx->graph->top, 0) > 0) {
    if (++rounds == T2N_MAX_PASS_ROUNDS) { /* a rewrite that undoes another, or grows without end */
      t2n_report(ctx->diag, T2N_ERROR, NULL, "-%s: still changing the graph after %d sweeps (the limit T2N_MAX_PASS_ROUNDS)",
                 ctx->pass_name ? ctx->pass_name : "?", rounds);
      return 1;
    }
  }
  sweep(ctx, ctx->graph->top, 1);
  return 0;
}

#ifdef T2N_HAVE_TORCH
int t2n_fold_torch_eval(t2n_pass_ctx *ctx, t2n_torch_values **inputs, int *failed, const t2n_value *v,
                        t2n_torch_scalar *s, const char *verb, char *why, size_t whylen) {
  t2n_torch *t = t2n_pass_torch(ctx); /* loads libtorch on first use */
  if (!t) {
    snprintf(why, whylen, "the libtorch backend is not available");
    return 0;
  }
  char *msg = NULL;
  size_t msglen = 0;
  FILE *mf = t2n_xopen_memstream(&msg, &msglen);
  t2n_diag d;
  t2n_diag_init(&d);
  if (mf) d.out = mf;
  if (!*inputs && !*failed) {
    *inputs = t2n_torch_make_inputs(t, ctx->graph, ctx->opts->examples, ctx->opts->nexamples, T2N_EXAMPLE_SEED, &d);
    if (!*inputs) *failed = 1;
  }
  int ok = *inputs && t2n_torch_eval_value(t, ctx->mod, ctx->graph, v, *inputs, s, &d) == 0;
  if (mf) fclose(mf);
  if (!ok) {
    const char *text = msg ? msg : "";
    size_t l = strcspn(text, "\n");
    /* The backend's message came as a whole diagnostic ("t2n: error: ...");
     * the remark quotes only its text, not a second "error:" prefix. */
    const char *e = strstr(text, "error: ");
    if (e && (size_t)(e - text) < l) {
      l -= (size_t)(e + 7 - text);
      text = e + 7;
    }
    snprintf(why, whylen, "torch could not %s it: %.*s", verb, (int)l, text);
  }
  free(msg);
  return ok;
}
#endif
