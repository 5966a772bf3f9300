/* -unroll-loops
 *
 * Matches: a prim::Loop, at any depth, that is a `for` loop with a known
 * trip count: its trip count is an int constant, its initial condition and
 * the condition its body returns are the constant True (or the initial
 * condition is the constant False: the body never runs).
 *
 * Rewrites: the loop is replaced by trip-count copies of its body
 * (t2n_clone_block_into), placed where the loop was; copy k gets the int
 * constant k as its iteration number and the values copy k-1 returned as its
 * loop-carried inputs (copy 0 the loop's initial values); the loop's outputs
 * become the values the last copy returned (the initial values when the trip
 * count is 0 or negative). Inner loops are unrolled before the loops that
 * hold them, and sweeps repeat, so an inner loop whose trip count was the
 * outer iteration number unrolls too. One rewrite per loop.
 *
 * A loop of the graph's top block whose trip count is not a constant but
 * that native shape inference knows under the example inputs (t2n_eval: a
 * count of segments computed from an input's length, emformer's) first gets
 * that number as its trip count: the top block runs once, so the count is
 * the one the examples give, as a size-steered prim::If's condition is for
 * -fold-data-dependent-ifs. The sizes themselves stay as they are.
 *
 * Restrictions: `while` loops (a condition computed by the body) and loops
 * with a trip count that is neither a constant nor known under the examples
 * (inside another loop or a branch: run -fold-sizes and
 * -fold-constant-scalar-arithmetic first) stay, with a remark. The unrolled
 * size, trip count times the nodes in the body (nested blocks included), is
 * bounded by T2N_UNROLL_MAX_NODES; a loop over it stays, with a remark.
 * A tensor list the body appends to becomes a prim::ListConstruct followed
 * by appends, which -fold-list-appends turns into one ListConstruct.
 *
 * Why: NNEF has no loops; scripted models loop over a batch or a list of
 * layers with a trip count that the example shapes fix (group_norm and
 * instance_norm of some torch versions, chunked RNN wrappers). */
#include <stdio.h>
#include <stdlib.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "t2n/eval.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

/* The most nodes one loop may unroll into: its trip count times the nodes of
 * its body. Above it the graph would grow out of proportion to the model. */
#define T2N_UNROLL_MAX_NODES 20000

static long count_nodes(const t2n_block *b) {
  long c = 0;
  for (const t2n_node *n = b->first; n; n = n->next) {
    c++;
    for (int k = 0; k < n->nblocks; k++) c += count_nodes(n->blocks[k]);
  }
  return c;
}

static int const_of(t2n_module *m, const t2n_value *v, t2n_ival_kind kind, int64_t *out) {
  t2n_ival iv;
  if (!t2n_constant_value(m, v, &iv) || iv.kind != kind) return 0;
  *out = iv.i;
  return 1;
}

/* The one statement of when a loop unrolls: -unroll-loops' remarks and the
 * NNEF exporter's error on a loop left in the graph both read it. */
int t2n_loop_unroll_blocker(t2n_module *m, const t2n_node *n, int64_t *trip_out, char *why, size_t nwhy) {
  t2n_block *body = n->nblocks == 1 ? n->blocks[0] : NULL;
  int ncarried = n->ninputs - 2;
  if (!body || ncarried < 0 || body->nparams != ncarried + 1 || !body->ret || body->ret->ninputs != ncarried + 1 ||
      n->noutputs != ncarried) {
    snprintf(why, nwhy, "malformed (its inputs, body and outputs do not match)");
    return 1;
  }
  int64_t trip = 0, cond = 0, again = 0;
  if (!const_of(m, n->inputs[0], T2N_IV_INT, &trip)) {
    snprintf(why, nwhy, "its trip count %%%s is not a constant (it depends on tensor data or on an input without "
             "an example)", n->inputs[0]->name);
    return 1;
  }
  if (!const_of(m, n->inputs[1], T2N_IV_BOOL, &cond)) {
    snprintf(why, nwhy, "its initial condition is not a constant (a while loop on tensor data)");
    return 1;
  }
  if (!cond || trip < 0) trip = 0;
  if (trip > 0 && (!const_of(m, body->ret->inputs[0], T2N_IV_BOOL, &again) || !again)) {
    snprintf(why, nwhy, "a while loop (its body computes the condition)");
    return 1;
  }
  long size = count_nodes(body);
  if (trip > 0 && size > 0 && trip > T2N_UNROLL_MAX_NODES / size) {
    snprintf(why, nwhy, "%lld iterations of %ld nodes exceed the unroll limit of %d nodes", (long long)trip, size,
             T2N_UNROLL_MAX_NODES);
    return 1;
  }
  *trip_out = trip;
  return 0;
}

/* 1 when the loop was unrolled. */
static int unroll(t2n_pass_ctx *ctx, t2n_node *n, int remarks) {
  char why[256];
  int64_t trip;
  if (t2n_loop_unroll_blocker(ctx->mod, n, &trip, why, sizeof why)) {
    if (remarks) t2n_remark(ctx, n, "prim::Loop left alone: %s", why);
    return 0;
  }
  t2n_block *body = n->blocks[0];
  int ncarried = n->ninputs - 2;
  t2n_value **vals = t2n_xmalloc(sizeof *vals * (size_t)(ncarried + 1) * 2);
  t2n_value **outs = vals + ncarried + 1;
  for (int i = 0; i < ncarried; i++) vals[i + 1] = n->inputs[i + 2];
  for (int64_t k = 0; k < trip; k++) {
    vals[0] = t2n_insert_int(ctx->graph, n, k)->outputs[0];
    t2n_clone_block_into(body, vals, n->parent, n, outs);
    for (int i = 0; i < ncarried; i++) vals[i + 1] = outs[i + 1];
  }
  t2n_replace_node(n, vals + 1);
  free(vals);
  return 1;
}

/* A top-level loop's trip count that is not a constant, replaced by the
 * number shape inference knows for it under the examples. *f is computed on
 * first need and dropped (set NULL) after every rewrite of the graph. */
static void fix_trip_count(t2n_pass_ctx *ctx, t2n_node *n, t2n_shape_facts **f) {
  t2n_ival iv;
  if (n->parent != ctx->graph->top || n->ninputs < 2 || t2n_constant_value(ctx->mod, n->inputs[0], &iv)) return;
  if (!*f) *f = t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts);
  if (!t2n_shape_reached(*f, n->inputs[0]) || !t2n_eval(*f, n->inputs[0], &iv) || iv.kind != T2N_IV_INT) return;
  t2n_value *old = n->inputs[0];
  t2n_node *c = t2n_insert_int(ctx->graph, n, iv.i);
  t2n_node_set_input(n, 0, c->outputs[0]);
  char why[256];
  int64_t trip;
  if (t2n_loop_unroll_blocker(ctx->mod, n, &trip, why, sizeof why)) { /* it stays: as it was */
    t2n_node_set_input(n, 0, old);
    t2n_node_erase(c);
  }
}

static int sweep(t2n_pass_ctx *ctx, t2n_block *b, int remarks) {
  int done = 0;
  t2n_shape_facts *f = NULL;
  for (t2n_node *n = b->first, *next; n; n = next) {
    next = n->next;
    for (int k = 0; k < n->nblocks; k++) done += sweep(ctx, n->blocks[k], remarks);
    if (!t2n_node_is(n, "prim::Loop")) continue;
    if (b == ctx->graph->top && !done) fix_trip_count(ctx, n, &f);
    done += unroll(ctx, n, remarks);
  }
  t2n_shape_facts_free(f);
  ctx->rewrites += done;
  return done;
}

int t2n_pass_unroll_loops(t2n_pass_ctx *ctx) {
  return t2n_fold_to_fixpoint(ctx, sweep);
}
