/* -functionalize-inplace
 *
 * Matches: an in-place aten op, at any depth, that has a pure form taking the
 * same arguments (aten::relu_, add_, mul_, sigmoid_, clamp_, hardtanh_,
 * masked_fill_, dropout_, copy_, __iand__, ...: the T2N_OP_PURE rows of
 * include/t2n/ops_prim.def), whose first operand x nothing else observes
 * being written.
 *
 * Rewrites: first, uses of x after the op (in its block, or nested in a later
 * node of it; the block's return too) take the op's output instead, which is
 * the same tensor (`h.relu_(); outs.append(h)` appends the relu's result).
 * Then the node's kind becomes its pure form (relu_ -> relu, copy_ ->
 * aten::copy, __iand__ -> __and__), with the same inputs and output. Its
 * output, which was x itself, is now a new tensor holding the values the
 * in-place op wrote. One rewrite per node turned pure.
 *
 * A write through slices and selects of a fresh tensor y (`y[:, :n] = x`,
 * copy_ of a slice) whose result is unused, when the pure form keeps the
 * view's dtype and sizes (copy, fill, zero, masked_fill, index_put) and no
 * alias of y but y itself is read after it, becomes instead: the pure op on
 * the view, then aten::slice_scatter / aten::select_scatter back up the view
 * chain to a new y', which later uses of y take; the in-place node goes.
 *
 * Restrictions: the rewrite is exact only when no alias of x is read after
 * the op. Here x's base (the tensor x is a view or in-place result of, back
 * through views such as slice/select/view/transpose) must be made in the same
 * block by an op that returns a new tensor (not a graph input, a constant or
 * attribute, a loop-carried or If-returned value, or an element taken out of
 * a list); and no value that may share its storage, other than those derived
 * from the op's own output, may escape (into a call, a loop, a block return,
 * a python op) or be used after the op, the graph's return included. The
 * pure form must also give the tensor the in-place op gave: under the shape
 * facts of the example inputs its dtype and every size must be those of x
 * (type promotion or broadcasting that the in-place op would have refused or
 * cast away keeps the node). Everything else stays, with a remark naming the
 * reason.
 *
 * Why: NNEF has no mutation; scripted torch.nn modules use in-place ops
 * (nn.ReLU(inplace=True) is aten::relu_, `out += identity` is aten::add_). */
#include <stdlib.h>
#include <string.h>

#include "alias_util.h"
#include "t2n/alloc.h"
#include "t2n/eval.h"
#include "t2n/ops.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

typedef struct cand {
  t2n_node *n;
  const char *inplace, *pure;
  int done;
} cand;

typedef struct cands {
  cand *v;
  int n, cap;
  t2n_module *m;
} cands;

static int collect(t2n_node *n, void *p) {
  cands *c = p;
  if (n->ninputs < 1 || n->noutputs != 1) return 0;
  if (t2n_au_classify(n, 0) != T2N_AU_MUTATE) return 0;
  T2N_GROW(c->v, c->cap, c->n + 1);
  c->v[c->n++] = (cand){n, n->kind, t2n_au_pure_form(c->m, n), 0};
  return 0;
}

/* A use of an alias of n's operand that n's rewrite must not move past:
 * outside n's block, or after n in it. */
static int read_after(const t2n_node *n, const t2n_node *u) {
  return u != n && (!t2n_block_holder(n->parent, u) || t2n_node_runs_after(n, u));
}

/* NULL when rewriting n is exact as far as aliasing goes; else why not. */
static const char *alias_check(t2n_node *n, char *buf, size_t len) {
  t2n_value *x = n->inputs[0];
  t2n_value *base = t2n_au_base(x);
  if (!t2n_au_makes_fresh(base->def)) {
    snprintf(buf, len, "%%%s is (a view of) %s, whose storage may be seen elsewhere", x->name,
             base->def ? base->def->kind : base->param_of && !base->param_of->owner ? "a graph input"
                                                                                    : "a block parameter");
    return buf;
  }
  if (base->def->parent != n->parent) {
    snprintf(buf, len, "%%%s's storage comes from another block (%%%s)", x->name, base->name);
    return buf;
  }
  t2n_value **vals;
  const t2n_node *esc = NULL;
  int nv = t2n_au_closure(base, n, &vals, &esc, NULL);
  const char *why = NULL;
  if (esc) {
    snprintf(buf, len, "an alias of %%%s escapes into %s", x->name, esc->kind);
    why = buf;
  }
  for (int i = 0; !why && i < nv; i++) {
    t2n_value *w = vals[i];
    for (int k = 0; !why && k < w->nuses; k++) {
      const t2n_node *u = w->uses[k].user;
      if (read_after(n, u)) {
        snprintf(buf, len, "%%%s (sharing storage with %%%s) is read after it by %s", w->name, x->name,
                 u == n->parent->ret ? "the block's return" : u->kind);
        why = buf;
      }
    }
  }
  free(vals);
  return why;
}

/* The scatter form of a write through slices and selects of a fresh tensor
 * y (`y[:, :n] = x` is copy_(slice(slice(y)), x)): the pure op on the view,
 * then aten::slice_scatter / select_scatter back up the chain, give y' = y
 * as the write leaves it; later uses of y take y'. Only for pure forms that
 * keep the view's dtype and sizes (copy, fill, masked_fill, ...), when the
 * op's result is unused and no alias of y other than y itself is read after
 * the write. 1 when rewritten. */
static int scatter_form(t2n_pass_ctx *ctx, t2n_node *n, const char *pure) {
  enum { MAXCHAIN = 16 };
  t2n_node *chain[MAXCHAIN];
  int nc = 0;
  if (!pure || !t2n_au_pure_keeps_operand_type(pure) || n->outputs[0]->nuses) return 0;
  t2n_value *y = n->inputs[0];
  while (y->def && nc < MAXCHAIN && y->def->parent == n->parent &&
         ((t2n_node_is(y->def, "aten::slice") && y->def->ninputs == 5) ||
          (t2n_node_is(y->def, "aten::select") && y->def->ninputs == 3)) &&
         t2n_type_is_tensor(y->def->inputs[0]->type)) {
    chain[nc++] = y->def;
    y = y->def->inputs[0];
  }
  if (!nc || !t2n_au_makes_fresh(y->def) || y->def->parent != n->parent) return 0;
  t2n_value **vals;
  const t2n_node *esc = NULL;
  int nv = t2n_au_closure(y, n, &vals, &esc, NULL), ok = !esc;
  for (int i = 0; ok && i < nv; i++) {
    /* y itself is redirected; a view made after the write is made from y
     * (then from y') or from another alias, whose use this loop sees. */
    if (vals[i] == y || (vals[i]->def && t2n_node_runs_after(n, vals[i]->def))) continue;
    for (int k = 0; ok && k < vals[i]->nuses; k++)
      if (read_after(n, vals[i]->uses[k].user)) ok = 0;
  }
  free(vals);
  if (!ok) return 0;
  t2n_graph *g = ctx->graph;
  t2n_node *p = t2n_node_new(g, pure, n->ninputs, n->inputs, 1);
  t2n_node_insert_before(p, n);
  t2n_node_set_output(p, 0, NULL, n->inputs[0]->type);
  p->line = n->line;
  p->source = n->source;
  t2n_value *cur = p->outputs[0];
  for (int i = 0; i < nc; i++) {
    t2n_node *v = chain[i];
    int sl = t2n_node_is(v, "aten::slice");
    t2n_node *sc = t2n_node_new(g, sl ? "aten::slice_scatter" : "aten::select_scatter", 0, NULL, 1);
    t2n_node_add_input(sc, v->inputs[0]);
    t2n_node_add_input(sc, cur);
    for (int k = 1; k < v->ninputs; k++) t2n_node_add_input(sc, v->inputs[k]);
    t2n_node_insert_before(sc, n);
    t2n_node_set_output(sc, 0, NULL, v->inputs[0]->type);
    sc->line = n->line;
    sc->source = n->source;
    cur = sc->outputs[0];
  }
  t2n_value_replace_uses_after(y, cur, n);
  t2n_node_erase(n);
  return 1;
}

static int same_tensor(const t2n_ival *a, const t2n_ival *b) {
  if (!t2n_fact_tensor_complete(a) || !t2n_fact_tensor_complete(b)) return 0;
  if (a->dtype != b->dtype || a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->sizes[i] != b->sizes[i]) return 0;
  return 1;
}

/* The in-place op's result is its operand: a use of the operand after the
 * op (in the op's block, or nested in a later node of it) may read the
 * result instead, which changes nothing; `h.relu_(); f(h)` then reads the
 * relu's result and h is no longer read after the write. */
static int redirect_later_uses(t2n_node *n) {
  return t2n_value_replace_uses_after(n->inputs[0], n->outputs[0], n) > 0;
}

int t2n_pass_functionalize_inplace(t2n_pass_ctx *ctx) {
  cands c = {NULL, 0, 0, ctx->mod};
  t2n_walk(ctx->graph->top, collect, &c);
  for (int i = 0; i < c.n; i++)
    if (!t2n_type_is_primitive(c.v[i].n->outputs[0]->type)) redirect_later_uses(c.v[i].n);
  char buf[512];
  int pending = 0;
  for (int i = 0; i < c.n; i++) {
    cand *k = &c.v[i];
    if (!k->pure) {
      t2n_remark(ctx, k->n, "%s left alone: no pure form with the same arguments is known", k->inplace);
      continue;
    }
    const char *why = alias_check(k->n, buf, sizeof buf);
    if (why && scatter_form(ctx, k->n, k->pure)) {
      ctx->rewrites++;
      continue;
    }
    if (why) {
      t2n_remark(ctx, k->n, "%s left alone: %s", k->inplace, why);
      continue;
    }
    k->done = 1;
    pending++;
  }
  if (pending) {
    /* The operands' facts before any rewrite: what the in-place ops gave. */
    t2n_shape_facts *f = t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts);
    t2n_ival *want = t2n_xcalloc((size_t)c.n, sizeof *want);
    for (int i = 0; i < c.n; i++)
      if (c.v[i].done) want[i] = *t2n_shape_get(f, c.v[i].n->inputs[0]);
    t2n_shape_facts_free(f);
    for (int i = 0; i < c.n; i++)
      if (c.v[i].done) t2n_node_set_kind(c.v[i].n, c.v[i].pure);
    /* A pure form whose result differs from what the in-place op wrote goes
     * back; that changes facts downstream, so check again until stable. */
    for (int changed = 1; changed;) {
      changed = 0;
      f = t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts);
      for (int i = 0; i < c.n; i++) {
        cand *k = &c.v[i];
        if (!k->done || t2n_au_pure_keeps_operand_type(k->pure)) continue;
        const t2n_ival *got = t2n_shape_get(f, k->n->outputs[0]);
        if (same_tensor(&want[i], got)) continue;
        char a[128], b[128];
        t2n_ival_format(&want[i], a, sizeof a);
        t2n_ival_format(got, b, sizeof b);
        t2n_remark(ctx, k->n, "%s left alone: %s would give %s where it writes %s (dtype and sizes must be known and equal)",
                   k->inplace, k->pure, b, a);
        t2n_node_set_kind(k->n, k->inplace);
        k->done = 0;
        changed = 1;
      }
      t2n_shape_facts_free(f);
    }
    for (int i = 0; i < c.n; i++) ctx->rewrites += c.v[i].done;
    free(want);
  }
  free(c.v);
  return 0;
}
