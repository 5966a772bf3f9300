/* -freeze
 *
 * Matches: the target graph of t2n module text (a method of the root class,
 * whose `self` is the root object of the object tree).
 *
 * Rewrites: first every call is inlined (as -inline). Then each prim::GetAttr
 * that reads, through a chain of GetAttrs from `self`, an attribute that is
 * never written (no prim::SetAttr on that object and name anywhere in the
 * inlined graph) becomes a constant holding the attribute's value in the
 * object tree. One constant per attribute, placed at the top of the graph and
 * named after the attribute path as torch's freezing does (`%self.lin.weight`):
 *   - None, bools, ints, floats, strings and devices: prim::Constant (an int
 *     read as a float-typed attribute becomes a float);
 *   - lists and tuples of those: prim::ListConstruct / prim::TupleConstruct of
 *     constants, so the folding passes read them (t2n_constant_value);
 *   - tensors: a tensor constant that keeps its weights reference,
 *       %self.w : Float(3, 2, strides=[2, 1], requires_grad=0, device=cpu) =
 *           prim::Constant[value=tensor("l.weight")]()
 *     (see docs/ir-format.md, "Frozen tensor constants").
 * Each GetAttr replaced is one rewrite (plus one per inlined call). GetAttr
 * chains of submodules left unused are erased.
 *
 * Restrictions: attributes written by prim::SetAttr stay attributes (use
 * -lift-state first to turn them into inputs and outputs); so does every
 * attribute of an object passed to a call that could not be inlined. Lists
 * that the graph could mutate stay (a shared constant would change meaning),
 * and so do values a direct user may change in place (aten::add_, copy_:
 * views of them are not followed);
 * dicts, objects that are not modules, and reads whose receiver is not
 * reached from `self` stay too. Each of these gets a remark.
 * Without an object tree (graph text, torch dumps) nothing can be frozen:
 * the pass says so with a warning (once per run) and runs
 * -inline-unresolvable instead, which is what -harden --no-freeze does.
 *
 * -harden freezes again once its folds settle: before they run, the
 * branches they remove (nn.MultiheadAttention's fast path, the
 * `masked_fill_` of torch's mask canonicalisation) make some parameters
 * look written in place, and those stay GetAttrs the exporter refuses. */
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "module_util.h"
#include "t2n/ops.h"

typedef struct strvec { const char **v; int n, cap; } strvec;

static void sv_push(strvec *s, const char *x) {
  T2N_GROW(s->v, s->cap, s->n + 1);
  s->v[s->n++] = x;
}

static int sv_has(const strvec *s, const char *x) {
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == x) return 1; /* interned */
  return 0;
}

typedef struct frz {
  t2n_pass_ctx *ctx;
  t2n_graph *g;
  strvec written;    /* "self.a.n": written attributes */
  strvec tainted;    /* "self.a": objects passed to calls left in the graph */
  strvec keys;       /* frozen attributes ... */
  t2n_value **vals;  /* ... and their constants */
  strvec remarked;
  t2n_node *anchor;  /* constants go before this node (NULL: at the end) */
  int nodes_cap;
  t2n_node **getattrs;
  int ngetattrs;
  t2n_alias *alias;  /* the inlined graph's mutation analysis, made on first need */
} frz;

/* Who may write tensor v (T2N_ALIAS_DEEP), from one analysis of the graph
 * as inlined: freezing only turns reads into constants, which changes no
 * writer, and every value asked about is a read not yet frozen. One
 * analysis instead of one per read (vit_b_16: 1357 reads). */
static const t2n_node *writer_of(frz *f, const t2n_value *v) {
  if (!t2n_type_is_mutable(v->type)) return NULL;
  if (!f->alias) f->alias = t2n_alias_new(f->g);
  return t2n_alias_writer(f->alias, v, T2N_ALIAS_DEEP);
}

static int collect(t2n_node *n, void *p) {
  frz *f = p;
  t2n_graph *g = f->g;
  if (t2n_node_is(n, "prim::SetAttr") && n->ninputs == 2) {
    const t2n_attr *a = t2n_node_attr(n, "name");
    const char *key = a && a->kind == T2N_ATTR_STRING ? t2n_mu_attr_path(g, n->inputs[0], a->s) : NULL;
    if (key) sv_push(&f->written, key);
    else t2n_remark(f->ctx, n, "prim::SetAttr on a value not reached from self: not module state");
  } else if (t2n_node_is(n, "prim::GetAttr") && n->ninputs == 1) {
    T2N_GROW(f->getattrs, f->nodes_cap, f->ngetattrs + 1);
    f->getattrs[f->ngetattrs++] = n;
  } else if (t2n_mu_is_call(n) || n->kind[0] == '^' || n->subgraph) {
    /* Anything a call left in the graph (or a fork's subgraph, which this
     * pass does not look into) receives could be mutated by it. */
    for (int i = 0; i < n->ninputs; i++) {
      const char *p = t2n_mu_attr_path(g, n->inputs[i], NULL);
      if (p) sv_push(&f->tainted, p);
    }
  }
  return 0;
}

static int is_written(const frz *f, const char *key) {
  if (sv_has(&f->written, key)) return 1;
  for (int i = 0; i < f->tainted.n; i++) {
    size_t l = strlen(f->tainted.v[i]);
    if (strncmp(key, f->tainted.v[i], l) == 0 && key[l] == '.') return 1;
  }
  return 0;
}

static void remark_once(frz *f, const t2n_node *n, const char *key, const char *why) {
  if (sv_has(&f->remarked, key)) return;
  sv_push(&f->remarked, key);
  t2n_remark(f->ctx, n, "attribute %s not frozen: %s", key, why);
}

/* Makes the constant for iv before f->anchor. NULL when it cannot. */
static t2n_value *materialise(frz *f, const t2n_ival *iv, const t2n_type *like) {
  t2n_graph *g = f->g;
  t2n_module *m = g->mod;
  if (like && like->kind == T2N_TY_OPTIONAL && iv->kind != T2N_IV_NONE) like = like->elems[0];
  switch (iv->kind) {
  case T2N_IV_INT:
    if (like && t2n_type_is(like, "float")) {
      t2n_ival fv = *iv;
      fv.kind = T2N_IV_FLOAT;
      fv.f = (double)iv->i;
      return t2n_insert_ival(g, f->anchor, &fv, like);
    }
    /* fallthrough */
  case T2N_IV_NONE:
  case T2N_IV_BOOL:
  case T2N_IV_FLOAT:
  case T2N_IV_STR:
  case T2N_IV_DEVICE:
    return t2n_insert_ival(g, f->anchor, iv, like);
  case T2N_IV_TENSOR: {
    const char *lit = t2n_fmt_string(m, iv->key, iv->keylen);
    size_t l = strlen(lit) + 10;
    char *raw = t2n_xmalloc(l);
    snprintf(raw, l, "tensor(%s)", lit);
    t2n_node *c = t2n_insert_constant(g, f->anchor, t2n_ival_tensor_type(m, iv), raw);
    free(raw);
    return c->outputs[0];
  }
  case T2N_IV_LIST:
  case T2N_IV_TUPLE: {
    int list = iv->kind == T2N_IV_LIST;
    const t2n_type *elem_like = NULL;
    if (like && like->kind == T2N_TY_LIST) elem_like = like->elems[0];
    t2n_value **el = t2n_xmalloc(sizeof *el * (size_t)(iv->n + 1));
    const t2n_type **tys = t2n_xmalloc(sizeof *tys * (size_t)(iv->n + 1));
    for (int i = 0; i < iv->n; i++) {
      const t2n_type *el_like = elem_like;
      if (!list && like && like->kind == T2N_TY_TUPLE && i < like->nelems) el_like = like->elems[i];
      el[i] = materialise(f, &iv->elems[i], el_like);
      if (!el[i]) {
        free(el), free(tys);
        return NULL;
      }
      tys[i] = el[i]->type;
    }
    const t2n_type *ty;
    if (list) ty = like && like->kind == T2N_TY_LIST ? like : iv->n ? t2n_type_list_of(m, tys[0]) : NULL;
    else ty = t2n_type_tuple_of(m, iv->n, tys);
    t2n_value *out = NULL;
    if (ty) {
      t2n_node *c = t2n_node_new(g, list ? "prim::ListConstruct" : "prim::TupleConstruct", iv->n, el, 1);
      if (f->anchor) t2n_node_insert_before(c, f->anchor);
      else t2n_node_append(c, g->top);
      out = t2n_node_set_output(c, 0, NULL, ty);
    }
    free(el), free(tys);
    return out;
  }
  default: return NULL;
  }
}

static void freeze_read(frz *f, t2n_node *n) {
  t2n_graph *g = f->g;
  const t2n_attr *a = t2n_node_attr(n, "name");
  if (!a || a->kind != T2N_ATTR_STRING) return;
  t2n_value *recv = n->inputs[0], *out = n->outputs[0];
  const char *key = t2n_mu_attr_path(g, recv, a->s);
  if (!key) {
    t2n_remark(f->ctx, n, "prim::GetAttr[name=\"%s\"] reads a value not reached from self; left alone", a->s);
    return;
  }
  for (int i = 0; i < f->keys.n; i++)
    if (f->keys.v[i] == key) { /* already made */
      t2n_value_replace_all_uses(out, f->vals[i]);
      t2n_node_erase(n);
      t2n_mu_erase_dead_chain(recv);
      f->ctx->rewrites++;
      return;
    }
  t2n_object *o = t2n_mu_object_of(g, recv);
  const t2n_field *fld = o ? t2n_object_field(o, a->s) : NULL;
  if (!fld) {
    remark_once(f, n, key, "no such field in the object tree");
    return;
  }
  if (fld->obj) return; /* a submodule: its GetAttr feeds other reads */
  if (is_written(f, key)) {
    remark_once(f, n, key, sv_has(&f->written, key) ? "written by prim::SetAttr (stays an attribute; see -lift-state)"
                                                    : "its object is passed to a call that was not inlined");
    return;
  }
  t2n_ival iv;
  if (!t2n_ival_parse_literal(g->mod, g->mod->arena, fld->raw, NULL, &iv)) {
    remark_once(f, n, key, "its value is not one t2n can make a constant of (dict, object, ...)");
    return;
  }
  if (iv.kind != T2N_IV_LIST) {
    /* A tensor changed in place (x.add_(1), copy_) is state too. */
    for (int i = 0; i < f->ngetattrs; i++) {
      t2n_node *r = f->getattrs[i];
      if (!r->parent || r->outputs[0]->type->kind == T2N_TY_CLASS) continue;
      const t2n_attr *ra = t2n_node_attr(r, "name");
      if (!ra || ra->kind != T2N_ATTR_STRING || strcmp(ra->s, a->s) != 0) continue;
      if (t2n_mu_attr_path(g, r->inputs[0], ra->s) != key) continue;
      const t2n_node *mu = writer_of(f, r->outputs[0]);
      if (mu) {
        char buf[256];
        snprintf(buf, sizeof buf, "it may be changed in place (%s)", mu->kind);
        remark_once(f, n, key, t2n_intern(g->mod, buf));
        return;
      }
    }
  } else {
    const char *why;
    /* Every read shares the attribute's one list: none may mutate it. */
    for (int i = 0; i < f->ngetattrs; i++) {
      t2n_node *r = f->getattrs[i];
      if (!r->parent || r->outputs[0]->type->kind != T2N_TY_LIST) continue;
      const t2n_attr *ra = t2n_node_attr(r, "name");
      if (!ra || ra->kind != T2N_ATTR_STRING || strcmp(ra->s, a->s) != 0) continue;
      if (t2n_mu_attr_path(g, r->inputs[0], ra->s) != key) continue;
      if (!t2n_list_is_unmutated(r->outputs[0], &why)) {
        char buf[256];
        snprintf(buf, sizeof buf, "the list may be mutated (%s)", why ? why : "");
        remark_once(f, n, key, t2n_intern(g->mod, buf));
        return;
      }
    }
  }
  t2n_value *c = materialise(f, &iv, out->type);
  if (!c) {
    remark_once(f, n, key, "its value has no constant form (empty list of unknown type, ...)");
    return;
  }
  if (!t2n_graph_lookup(g, key)) t2n_graph_rename(g, c, key);
  sv_push(&f->keys, key);
  f->vals = t2n_xrealloc(f->vals, sizeof *f->vals * (size_t)f->keys.cap);
  f->vals[f->keys.n - 1] = c;
  t2n_value_replace_all_uses(out, c);
  t2n_node_erase(n);
  t2n_mu_erase_dead_chain(recv);
  f->ctx->rewrites++;
}

int t2n_pass_freeze(t2n_pass_ctx *ctx) {
  t2n_module *m = ctx->mod;
  t2n_graph *g = ctx->graph;
  if (m->kind != T2N_TEXT_T2N || !m->root || !t2n_mu_self(g)) {
    /* the options are the pass manager's own (not const there) */
    if (!((t2n_pass_options *)ctx->opts)->freeze_warned++)
      t2n_report(ctx->diag, T2N_WARNING, NULL,
               "-freeze: cannot freeze: %s; inlining unresolvable calls instead (as --no-freeze)",
               m->kind == T2N_TEXT_GRAPH ? "graph text has no module object tree"
               : m->kind == T2N_TEXT_DUMP ? "a torch module dump has no attribute values (use t2n module text)"
                                          : "the target graph has no self input or the module no object tree");
    return t2n_pass_inline_unresolvable(ctx);
  }
  t2n_mu_inline_rounds(ctx, NULL, NULL, 64);
  frz f = {0};
  f.ctx = ctx;
  f.g = g;
  t2n_walk(g->top, collect, &f);
  /* Constants go before the first node that is not a GetAttr: GetAttrs may
   * be erased as they are frozen, and nothing before that node uses one. */
  for (f.anchor = g->top->first; f.anchor && t2n_node_is(f.anchor, "prim::GetAttr");) f.anchor = f.anchor->next;
  for (int i = 0; i < f.ngetattrs; i++)
    if (f.getattrs[i]->parent) freeze_read(&f, f.getattrs[i]);
  t2n_alias_free(f.alias);
  free(f.written.v), free(f.tainted.v), free(f.keys.v), free(f.vals), free(f.remarked.v), free(f.getattrs);
  ctx->stats[T2N_STAT_FROZEN] = 1;
  return 0;
}
