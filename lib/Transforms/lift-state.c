/* -lift-state
 *
 * Matches: module attributes the target graph writes: every
 * prim::SetAttr[name="n"](recv, v) whose receiver is reached from `self`
 * through GetAttrs. The attribute path names it: "self.n", "self.sub.n".
 *
 * Rewrites: the stateful method becomes a pure function. For each written
 * attribute, in the order of its first write:
 *   - a new graph input `%self.n` (appended after the existing inputs) holds
 *     the attribute's value before the call;
 *   - reads (prim::GetAttr) take the value the attribute has at that point,
 *     writes (prim::SetAttr) go: a write inside a prim::If block makes the
 *     value an extra output of the If (each block returns its own), a write
 *     inside a prim::Loop body makes it an extra loop-carried value;
 *   - a new graph output (appended after the existing outputs, in the same
 *     order as the new inputs) returns its value after the call.
 * So the graph's output arity grows by one per lifted attribute: silero-vad's
 * top-level forward(x, sr) -> out becomes
 *   forward(x, sr, self._state, self._context, self._last_sr,
 *           self._last_batch_size) -> (out, _state', _context', _last_sr',
 *           _last_batch_size').
 * Before that, calls whose callee (transitively) writes an attribute or
 * reads an attribute of a name written anywhere the method reaches are
 * inlined (as -inline), so every access is visible. Each removed GetAttr/SetAttr and
 * each inlined call is one rewrite.
 *
 * Example values: a lifted input takes --input-shape / --input-value by its
 * name (`--input-shape self._state=2x1x128`) like any input. When none is
 * given and the object tree holds the attribute's current value, that value
 * is used: a tensor input gets the complete type of its tensor reference,
 * and the value is registered as the input's example for the later passes
 * (-infer-shapes, -replace-size-calls, -fold-data-dependent-ifs). A remark
 * then names the branches (prim::If / prim::Loop conditions) that depend on
 * the input, which those passes will specialise on the current value: a
 * streaming model usually wants its steady-state values instead.
 *
 * Restrictions: only prim::SetAttr writes are lifted: an attribute changed
 * in place (aten::append to a list attribute, add_ on a tensor one) stays,
 * with a remark. A write whose receiver is not reached from `self` (an object
 * made in the graph) is not module state and stays, with a remark. A write
 * inside a block of anything but prim::If / prim::Loop is an error (the pass
 * changes nothing then). With --split-input-file a default example
 * registered for one input stays registered for later inputs. Values that
 * cannot be examples (None, strings, lists) are not registered (remark). */
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "module_util.h"
#include "t2n/ops.h"
#include "t2n/examples.h"

typedef struct lifted {
  const char *key;        /* "self.n" */
  const char *attr;       /* "n" */
  const t2n_type *ty;     /* the attribute's type */
  t2n_value *input;
  t2n_node *first_write;
  int have_value;         /* current value from the object tree */
  t2n_ival value;
  const char *value_raw;
  int given;              /* the user gave an example */
} lifted;

typedef struct lift {
  t2n_pass_ctx *ctx;
  t2n_graph *g;
  lifted *v;
  int n, cap;
  int bad;                /* a write in an unsupported block */
} lift;

static const char *attr_name(const t2n_node *n) {
  const t2n_attr *a = t2n_node_attr(n, "name");
  return a && a->kind == T2N_ATTR_STRING ? a->s : NULL;
}

/* Index of the lifted attribute n reads or writes, or -1. */
static int key_of(lift *L, const t2n_node *n) {
  if (!(t2n_node_is(n, "prim::GetAttr") || t2n_node_is(n, "prim::SetAttr")) || !n->ninputs) return -1;
  const char *a = attr_name(n);
  if (!a) return -1;
  int known = 0;
  for (int i = 0; i < L->n; i++) known |= strcmp(L->v[i].attr, a) == 0;
  if (!known) return -1;
  const char *key = t2n_mu_attr_path(L->g, n->inputs[0], a);
  for (int i = 0; i < L->n; i++)
    if (L->v[i].key == key) return i;
  return -1;
}

/* Names of the attributes written anywhere the method reaches, collected
 * before inlining: a call is inlined when its body (transitively) writes an
 * attribute or reads one of these names (by name only: conservative). */
typedef struct names { const char **v; int n, cap; } names;

static int collect_written(t2n_graph *g, t2n_node *n, void *arg) {
  (void)g;
  names *w = arg;
  const char *a = t2n_node_is(n, "prim::SetAttr") ? attr_name(n) : NULL;
  if (!a) return 0;
  for (int i = 0; i < w->n; i++)
    if (strcmp(w->v[i], a) == 0) return 0;
  T2N_GROW(w->v, w->cap, w->n + 1);
  w->v[w->n++] = a;
  return 0;
}

static int touches_state(t2n_graph *g, t2n_node *n, void *arg) {
  (void)g;
  names *w = arg;
  if (t2n_node_is(n, "prim::SetAttr")) return 1;
  const char *a = t2n_node_is(n, "prim::GetAttr") ? attr_name(n) : NULL;
  for (int i = 0; a && i < w->n; i++)
    if (strcmp(w->v[i], a) == 0) return 1;
  return 0;
}

static int pick(t2n_pass_ctx *ctx, t2n_node *call, const t2n_mu_callee *c, const char **why, void *arg) {
  (void)ctx, (void)call;
  if (t2n_mu_body_contains(c->graph, touches_state, arg)) return 1;
  *why = "it neither writes module state nor reads an attribute of a written name";
  return 0;
}

static int find_writes(t2n_node *n, void *p) {
  lift *L = p;
  if (!t2n_node_is(n, "prim::SetAttr") || n->ninputs != 2) return 0;
  const char *a = attr_name(n);
  if (!a) return 0;
  const char *key = t2n_mu_attr_path(L->g, n->inputs[0], a);
  if (!key) {
    t2n_remark(L->ctx, n, "prim::SetAttr[name=\"%s\"] on a value not reached from self: not module state, left alone", a);
    return 0;
  }
  for (t2n_block *b = n->parent; b && b->owner; b = b->owner->parent)
    if (!t2n_node_is(b->owner, "prim::If") && !t2n_node_is(b->owner, "prim::Loop")) {
      t2n_report(L->ctx->diag, T2N_ERROR, NULL, "-lift-state: %s is written inside a %s block; only prim::If and prim::Loop blocks are supported",
                 key, b->owner->kind);
      L->bad = 1;
      return 1;
    }
  for (int i = 0; i < L->n; i++)
    if (L->v[i].key == key) return 0;
  T2N_GROW(L->v, L->cap, L->n + 1);
  lifted *s = &L->v[L->n++];
  memset(s, 0, sizeof *s);
  s->key = key;
  s->attr = a;
  s->first_write = n;
  t2n_class *c = t2n_mu_class_of(L->g, n->inputs[0]);
  const t2n_slot *slot = c ? t2n_class_slot(c, a) : NULL;
  s->ty = slot ? slot->type : n->inputs[1]->type;
  t2n_object *o = t2n_mu_object_of(L->g, n->inputs[0]);
  const t2n_field *f = o ? t2n_object_field(o, a) : NULL;
  if (f && f->raw && t2n_ival_parse_literal(L->g->mod, L->g->mod->arena, f->raw, NULL, &s->value)) {
    s->have_value = 1;
    s->value_raw = f->raw;
  }
  return 0;
}

/* ---- the rewrite: reads and writes become SSA values ---- */

static int block_writes(lift *L, t2n_block *b, int k) {
  for (t2n_node *n = b->first; n; n = n->next) {
    if (t2n_node_is(n, "prim::SetAttr") && key_of(L, n) == k) return 1;
    for (int i = 0; i < n->nblocks; i++)
      if (block_writes(L, n->blocks[i], k)) return 1;
  }
  return 0;
}

static void rewrite_block(lift *L, t2n_block *b, t2n_value **cur) {
  int K = L->n;
  for (t2n_node *n = b->first, *next; n; n = next) {
    next = n->next;
    int k = key_of(L, n);
    if (k >= 0 && t2n_node_is(n, "prim::GetAttr")) {
      t2n_value *recv = n->inputs[0];
      t2n_value_replace_all_uses(n->outputs[0], cur[k]);
      t2n_node_erase(n);
      t2n_mu_erase_dead_chain(recv);
      L->ctx->rewrites++;
      continue;
    }
    if (k >= 0) { /* SetAttr */
      t2n_value *recv = n->inputs[0];
      cur[k] = n->inputs[1];
      t2n_node_erase(n);
      t2n_mu_erase_dead_chain(recv);
      L->ctx->rewrites++;
      continue;
    }
    if (!n->nblocks) continue;
    t2n_value **bc = t2n_xmalloc(sizeof *bc * (size_t)(K * n->nblocks + 1));
    if (t2n_node_is(n, "prim::Loop") && n->nblocks == 1) {
      t2n_block *body = n->blocks[0];
      char *carried = t2n_xcalloc((size_t)K + 1, 1);
      for (int i = 0; i < K; i++) {
        bc[i] = cur[i];
        if (!block_writes(L, body, i)) continue;
        carried[i] = 1;
        t2n_node_add_input(n, cur[i]);
        bc[i] = t2n_block_add_param(body, t2n_graph_fresh_name(L->g, L->v[i].key), L->v[i].ty);
      }
      rewrite_block(L, body, bc);
      for (int i = 0; i < K; i++)
        if (carried[i]) {
          t2n_node_add_input(body->ret, bc[i]);
          cur[i] = t2n_node_add_output(n, L->v[i].key, L->v[i].ty);
        }
      free(carried);
    } else {
      for (int j = 0; j < n->nblocks; j++) {
        memcpy(bc + j * K, cur, sizeof *cur * (size_t)K);
        rewrite_block(L, n->blocks[j], bc + j * K);
      }
      for (int i = 0; i < K; i++) {
        int changed = 0;
        for (int j = 0; j < n->nblocks; j++) changed |= bc[j * K + i] != cur[i];
        if (!changed) continue;
        /* Only prim::If gets here with a change (find_writes checked). */
        for (int j = 0; j < n->nblocks; j++) t2n_node_add_input(n->blocks[j]->ret, bc[j * K + i]);
        cur[i] = t2n_node_add_output(n, L->v[i].key, L->v[i].ty);
      }
    }
    free(bc);
  }
}

/* ---- example values and the remark on what depends on them ---- */

static int register_default(t2n_pass_ctx *ctx, const lifted *s) {
  /* The options are the driver's (not const there): a lifted input's
   * current value becomes its example, as if given on the command line. */
  t2n_pass_options *o = (t2n_pass_options *)ctx->opts;
  if (!o) return 0;
  const t2n_ival *v = &s->value;
  char spec[512];
  int n;
  if (v->kind == T2N_IV_TENSOR && v->rank >= 0 && v->dtype != T2N_DT_UNKNOWN) {
    n = snprintf(spec, sizeof spec, "%s=", s->key);
    for (int i = 0; i < v->rank && n < (int)sizeof spec - 40; i++)
      n += snprintf(spec + n, sizeof spec - (size_t)n, "%s%lld", i ? "x" : "", (long long)v->sizes[i]);
    snprintf(spec + n, sizeof spec - (size_t)n, ":%s", t2n_dtype_name(v->dtype));
    return t2n_example_parse_shape(o, spec, ctx->diag);
  }
  if (v->kind == T2N_IV_INT || v->kind == T2N_IV_BOOL) {
    snprintf(spec, sizeof spec, "%s=%lld", s->key, (long long)v->i);
    return t2n_example_parse_value(o, spec, ctx->diag);
  }
  if (v->kind == T2N_IV_FLOAT) {
    snprintf(spec, sizeof spec, "%s=%.17g", s->key, v->f);
    return t2n_example_parse_value(o, spec, ctx->diag);
  }
  return 0;
}

typedef struct dep {
  t2n_value **work;
  int nwork, capwork;
  t2n_value **seen;
  int nseen, capseen;
  char buf[1024];
  int len, count;
  t2n_node *first;
} dep;

static void dep_mark(dep *d, t2n_value *v) {
  for (int i = 0; i < d->nseen; i++)
    if (d->seen[i] == v) return;
  T2N_GROW(d->seen, d->capseen, d->nseen + 1);
  d->seen[d->nseen++] = v;
  T2N_GROW(d->work, d->capwork, d->nwork + 1);
  d->work[d->nwork++] = v;
}

static void dep_note(dep *d, t2n_module *m, t2n_node *n, const char *what) {
  if (!d->first) d->first = n;
  d->count++;
  if (d->count > 8) return;
  d->len += snprintf(d->buf + d->len, sizeof d->buf - (size_t)d->len, "%s%s at %s",
                     d->count > 1 ? ", " : "", what, t2n_mu_where(m, n));
  if (d->len >= (int)sizeof d->buf) d->len = (int)sizeof d->buf - 1;
}

static void dep_remark(t2n_pass_ctx *ctx, const lifted *s, int registered) {
  t2n_module *m = ctx->mod;
  dep d = {0};
  dep_mark(&d, s->input);
  t2n_node **noted = NULL;
  int nnoted = 0;
  while (d.nwork) {
    t2n_value *v = d.work[--d.nwork];
    for (int u = 0; u < v->nuses; u++) {
      t2n_node *user = v->uses[u].user;
      int idx = v->uses[u].index;
      const char *what = NULL;
      if (t2n_node_is(user, "prim::Return")) {
        t2n_node *own = user->parent ? user->parent->owner : NULL;
        if (own && t2n_node_is(own, "prim::If") && idx < own->noutputs) dep_mark(&d, own->outputs[idx]);
        if (own && t2n_node_is(own, "prim::Loop") && idx >= 1 && idx - 1 < own->noutputs) {
          dep_mark(&d, own->outputs[idx - 1]);
          if (idx < own->blocks[0]->nparams) dep_mark(&d, own->blocks[0]->params[idx]);
        }
        if (!own || !t2n_node_is(own, "prim::Loop") || idx != 0) continue;
        what = "the loop condition";
        user = own;
      } else if (t2n_node_is(user, "prim::If")) {
        what = "the branch";
      } else if (t2n_node_is(user, "prim::Loop") && idx < 2) {
        what = "the loop";
      } else if (t2n_node_is(user, "prim::Loop")) {
        if (user->nblocks && idx - 1 < user->blocks[0]->nparams) dep_mark(&d, user->blocks[0]->params[idx - 1]);
        if (idx - 2 < user->noutputs) dep_mark(&d, user->outputs[idx - 2]);
        continue;
      } else if (t2n_mu_is_call(user)) {
        what = "the call (not inlined: its branches are not listed)";
      }
      if (what) {
        int dup = 0;
        for (int i = 0; i < nnoted; i++) dup |= noted[i] == user;
        if (!dup) {
          noted = t2n_xrealloc(noted, sizeof *noted * (size_t)(nnoted + 1));
          noted[nnoted++] = user;
          dep_note(&d, m, user, what);
        }
      }
      for (int i = 0; i < user->noutputs; i++) dep_mark(&d, user->outputs[i]);
    }
  }
  char vbuf[96];
  snprintf(vbuf, sizeof vbuf, "%s", s->value_raw ? s->value_raw : "?");
  if (!registered) {
    t2n_remark(ctx, d.first ? d.first : s->first_write,
               "state input %%%s has no example value and its current value %s cannot serve as one; "
               "branches that depend on it stay dynamic%s%s",
               s->key, s->have_value ? vbuf : "(unknown)", d.count ? ": " : "", d.buf);
  } else if (d.count) {
    t2n_remark(ctx, d.first, "state input %%%s has no example value: later passes specialise on its current "
               "value %s: %s%s (give --input-shape/--input-value %s=... for its steady-state value)",
               s->key, vbuf, d.buf, d.count > 8 ? ", ..." : "", s->key);
  } else {
    t2n_remark(ctx, s->first_write, "state input %%%s has no example value: later passes use its current value %s",
               s->key, vbuf);
  }
  free(noted), free(d.work), free(d.seen);
}

/* Attributes changed in place (aten::append on a list attribute, add_ on a
 * tensor one) are state too, but have no prim::SetAttr to lift: say so. */
static int remark_in_place(t2n_node *n, void *p) {
  lift *L = p;
  if (!t2n_node_is(n, "prim::GetAttr") || n->noutputs != 1 || n->outputs[0]->type->kind == T2N_TY_CLASS) return 0;
  const char *a = attr_name(n), *key = a ? t2n_mu_attr_path(L->g, n->inputs[0], a) : NULL;
  if (!key) return 0;
  const char *why = NULL;
  const t2n_node *mu = t2n_value_writer(n->outputs[0], T2N_ALIAS_DEEP);
  if (mu) why = mu->kind;
  else if (n->outputs[0]->type->kind == T2N_TY_LIST && !t2n_list_is_unmutated(n->outputs[0], &why) && !why) why = "?";
  if (why)
    t2n_remark(L->ctx, n, "attribute %s may be changed in place (%s): not lifted, only prim::SetAttr writes are; "
               "the graph stays stateful", key, why);
  return 0;
}

int t2n_pass_lift_state(t2n_pass_ctx *ctx) {
  t2n_graph *g = ctx->graph;
  if (!t2n_mu_self(g)) {
    t2n_remark(ctx, NULL, "the graph has no self input: no module state to lift");
    return 0;
  }
  names written = {0};
  t2n_mu_body_contains(g, collect_written, &written);
  if (written.n) t2n_mu_inline_rounds(ctx, pick, &written, 64);
  free(written.v);
  lift L = {ctx, g, NULL, 0, 0, 0};
  t2n_walk(g->top, find_writes, &L);
  if (L.bad || !L.n) {
    free(L.v);
    return L.bad;
  }

  t2n_value **cur = t2n_xmalloc(sizeof *cur * (size_t)L.n);
  for (int i = 0; i < L.n; i++) {
    lifted *s = &L.v[i];
    s->given = ctx->opts && t2n_example_for(ctx->opts, s->key) != NULL;
    const t2n_type *ty = s->ty;
    if (!s->given && s->have_value && s->value.kind == T2N_IV_TENSOR && s->value.rank >= 0)
      ty = t2n_ival_tensor_type(ctx->mod, &s->value);
    s->input = t2n_block_add_param(g->top, t2n_graph_fresh_name(g, s->key), ty);
    cur[i] = s->input;
  }
  rewrite_block(&L, g->top, cur);
  t2n_walk(g->top, remark_in_place, &L);
  for (int i = 0; i < L.n; i++) t2n_node_add_input(g->top->ret, cur[i]);
  for (int i = 0; i < L.n; i++) {
    lifted *s = &L.v[i];
    if (s->given) continue;
    int registered = s->have_value && register_default(ctx, s);
    dep_remark(ctx, s, registered);
  }
  free(cur);
  free(L.v);
  return 0;
}
