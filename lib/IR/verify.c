/* The verifier: definitions dominate uses, use lists match inputs, names
 * are unique and map back to their values, prim::If / prim::Loop have the
 * block and return arity torch requires, and If branches return compatible
 * types. Run after every pass with --verify-each. */
#include <string.h>

#include "internal.h"
#include "t2n/ops.h"
#include "t2n/pass.h"

typedef struct vctx {
  t2n_graph *g;
  t2n_diag *d;
  const char *what;
  t2n_map seen; /* values visible at the current point */
  int errors;
} vctx;

static void err(vctx *c, const t2n_node *n, const char *fmt, const char *a, const char *b) {
  const t2n_module *m = c->g->mod;
  int line = n ? n->line : 0;
  t2n_srcloc l = {m->source_name, m->source, m->source_len, line,
                  t2n_srcloc_column(m->source, m->source_len, line, n ? n->kind : NULL)};
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  t2n_report(c->d, T2N_ERROR, l.file ? &l : NULL, "%s%s%s", c->what ? c->what : "", c->what ? ": " : "", msg);
  c->errors++;
}

static void see(vctx *c, t2n_value *v) { t2n_map_put(&c->seen, (const char *)&v, sizeof v, v); }
static void unsee(vctx *c, t2n_value *v) { t2n_map_remove(&c->seen, (const char *)&v, sizeof v); }
static int visible(vctx *c, t2n_value *v) { return t2n_map_get(&c->seen, (const char *)&v, sizeof v) != NULL; }

static int has_use(const t2n_value *v, const t2n_node *n, int i) {
  for (int k = 0; k < v->nuses; k++)
    if (v->uses[k].user == n && v->uses[k].index == i) return 1;
  return 0;
}

static void check_inputs(vctx *c, t2n_node *n) {
  for (int i = 0; i < n->ninputs; i++) {
    t2n_value *v = n->inputs[i];
    if (!visible(c, v)) err(c, n, "value '%%%s' is used by %s where its definition does not dominate", v->name, n->kind);
    if (!has_use(v, n, i)) err(c, n, "use list of '%%%s' misses a use by %s", v->name, n->kind);
  }
}

/* Loose: torch unifies branch types (None with T gives T?, tensors of any
 * shape give Tensor); flag only clear mismatches between kinds. */
static int compatible(const t2n_type *out, const t2n_type *got) {
  if (out == got || !out || !got) return 1;
  if (out->kind == T2N_TY_TENSOR && got->kind == T2N_TY_TENSOR) return 1;
  if (out->kind == T2N_TY_OPTIONAL || out->kind == T2N_TY_UNION) return 1;
  if (t2n_type_is(out, "Any") || t2n_type_is(got, "Any")) return 1;
  if (out->kind != got->kind) return 0;
  if (out->kind == T2N_TY_SCALAR) return strcmp(out->name, got->name) == 0 || t2n_type_is(out, "Scalar") || t2n_type_is(out, "number");
  if (out->nelems != got->nelems) return out->kind == T2N_TY_CLASS;
  for (int i = 0; i < out->nelems; i++)
    if (!compatible(out->elems[i], got->elems[i])) return 0;
  return 1;
}

static void check_block(vctx *c, t2n_block *b);

static void check_node(vctx *c, t2n_node *n) {
  check_inputs(c, n);
  char buf[64];
  /* Passes test op ids, not kind strings: a kind changed without
   * t2n_node_set_kind would make them read another op's facts. */
  if (n->op != t2n_op_lookup(n->kind)) err(c, n, "%s carries the op id of %s", n->kind, t2n_op_name(n->op) ? t2n_op_name(n->op) : "an unknown op");
  if (n->op == T2N_OP_prim_If) {
    if (n->ninputs != 1) err(c, n, "prim::If takes one condition%s%s", NULL, NULL);
    if (n->nblocks != 2) err(c, n, "prim::If needs two blocks%s%s", NULL, NULL);
    for (int k = 0; k < n->nblocks; k++) {
      t2n_block *b = n->blocks[k];
      if (b->nparams) err(c, n, "prim::If blocks take no parameters%s%s", NULL, NULL);
      if (b->ret->ninputs != n->noutputs) {
        snprintf(buf, sizeof buf, "%d", b->ret->ninputs);
        err(c, n, "prim::If block returns %s values but the node has a different output count%s", buf, NULL);
      } else {
        for (int i = 0; i < n->noutputs; i++)
          if (!compatible(n->outputs[i]->type, b->ret->inputs[i]->type))
            err(c, n, "prim::If output '%%%s' has type %s, which a branch does not return", n->outputs[i]->name, n->outputs[i]->type->text);
      }
    }
  } else if (n->op == T2N_OP_prim_Loop) {
    int carried = n->ninputs - 2;
    if (carried < 0) err(c, n, "prim::Loop takes a trip count and a condition%s%s", NULL, NULL);
    else if (n->nblocks != 1) err(c, n, "prim::Loop needs one block%s%s", NULL, NULL);
    else {
      t2n_block *b = n->blocks[0];
      if (b->nparams != carried + 1) err(c, n, "prim::Loop block must take the iteration and each carried value%s%s", NULL, NULL);
      if (b->ret->ninputs != carried + 1) err(c, n, "prim::Loop block must return the condition and each carried value%s%s", NULL, NULL);
      if (n->noutputs != carried) err(c, n, "prim::Loop must output each carried value%s%s", NULL, NULL);
    }
  }
  for (int k = 0; k < n->nblocks; k++) {
    if (n->blocks[k]->owner != n) err(c, n, "block of %s has the wrong owner%s", n->kind, NULL);
    check_block(c, n->blocks[k]);
  }
  for (int i = 0; i < n->noutputs; i++) {
    t2n_value *v = n->outputs[i];
    if (!v) {
      err(c, n, "%s has a missing output%s", n->kind, NULL);
      continue;
    }
    if (v->def != n || v->index != i) err(c, n, "output '%%%s' of %s does not point back to it", v->name, n->kind);
    if (t2n_graph_lookup(c->g, v->name) != v) err(c, n, "name '%%%s' is not unique in its graph%s", v->name, NULL);
    see(c, v);
  }
}

static void check_block(vctx *c, t2n_block *b) {
  for (int i = 0; i < b->nparams; i++) {
    t2n_value *v = b->params[i];
    if (t2n_graph_lookup(c->g, v->name) != v) err(c, b->owner, "name '%%%s' is not unique in its graph%s", v->name, NULL);
    see(c, v);
  }
  t2n_node *prev = NULL;
  for (t2n_node *n = b->first; n; prev = n, n = n->next) {
    if (n->parent != b || n->prev != prev) err(c, n, "node list of a block is corrupt at %s%s", n->kind, NULL);
    check_node(c, n);
  }
  if (b->last != prev) err(c, b->owner, "node list of a block is corrupt at its end%s%s", NULL, NULL);
  check_inputs(c, b->ret);
  /* Leaving the block: its definitions are no longer visible. */
  for (t2n_node *n = b->first; n; n = n->next)
    for (int i = 0; i < n->noutputs; i++)
      if (n->outputs[i]) unsee(c, n->outputs[i]);
  for (int i = 0; i < b->nparams; i++) unsee(c, b->params[i]);
}

int t2n_verify_graph(t2n_graph *g, t2n_diag *d, const char *what) {
  vctx c = {g, d, what, {0}, 0};
  t2n_map_init(&c.seen, g->mod->arena);
  /* The top block's definitions stay visible to its return. */
  t2n_block *b = g->top;
  for (int i = 0; i < b->nparams; i++) see(&c, b->params[i]);
  t2n_node *prev = NULL;
  for (t2n_node *n = b->first; n; prev = n, n = n->next) {
    if (n->parent != b || n->prev != prev) err(&c, n, "node list of the graph is corrupt at %s%s", n->kind, NULL);
    check_node(&c, n);
  }
  check_inputs(&c, b->ret);
  for (t2n_node *n = b->first; n; n = n->next)
    if (n->subgraph) c.errors += t2n_verify_graph(n->subgraph, d, what);
  return c.errors;
}

int t2n_verify_module(t2n_module *m, t2n_diag *d) {
  t2n_graph **gs;
  int n = t2n_module_graphs(m, &gs), errors = 0;
  for (int i = 0; i < n; i++) errors += t2n_verify_graph(gs[i], d, NULL);
  return errors;
}
