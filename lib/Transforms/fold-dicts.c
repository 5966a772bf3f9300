/* -fold-dicts
 *
 * Matches:
 *   aten::__getitem__(d, k) and aten::__contains__(d, k) where d is a
 *     prim::GetAttr of a dict attribute of an object in the tree (a
 *     `return_layers = {"4": "low"}` field) that no prim::SetAttr writes,
 *     and k a constant key;
 *   a dict made by aten::dict() in some block whose only uses are
 *     aten::_set_item(d, k, v) and aten::__getitem__(d, k) in that same
 *     block with constant keys, and the graph's return (torchvision's
 *     IntermediateLayerGetter and segmentation heads build their outputs so).
 *
 * Rewrites: an attribute lookup becomes the constant value (a missing key
 * in __contains__ is False; in __getitem__ it raises, so it stays); in a
 * local dict every __getitem__ takes the value the latest _set_item of its
 * key stored, and a returned dict becomes one prim::DictConstruct of the
 * final values in insertion order, before the return; the set_items go.
 * One rewrite per lookup and per dict.
 *
 * Restrictions: a local dict used any other way (passed to a call, read
 * inside a nested block, iterated, a key that is not a constant, a lookup
 * of a key not set yet) stays as it is, with a remark. Attribute dicts are
 * read from the object tree's text (string, int, float and bool keys and
 * values only).
 *
 * Why: NNEF has no dicts; the exporter flattens a returned
 * prim::DictConstruct into one output per key, named after the key. */
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/ops.h"
#include "fold_util.h"
#include "module_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"

/* ---- attribute dicts ---- */

/* The next top-level item of a dict literal: [*p, end) up to ':' or ','
 * outside quotes and brackets. */
static const char *item_end(const char *p) {
  int depth = 0;
  char q = 0;
  for (; *p; p++) {
    if (q) {
      if (*p == '\\' && p[1]) p++;
      else if (*p == q) q = 0;
      continue;
    }
    if (*p == '"' || *p == '\'') q = *p;
    else if (*p == '[' || *p == '(' || *p == '{') depth++;
    else if (*p == ']' || *p == ')' || *p == '}') {
      if (!depth) return p;
      depth--;
    } else if (!depth && (*p == ',' || *p == ':')) return p;
  }
  return p;
}

static int parse_piece(t2n_module *m, const char *b, const char *e, t2n_ival *out, const char **raw) {
  while (b < e && *b == ' ') b++;
  while (e > b && e[-1] == ' ') e--;
  size_t n = (size_t)(e - b);
  char *s = t2n_arena_alloc(m->arena, n + 1);
  memcpy(s, b, n);
  *raw = s;
  return t2n_ival_parse_literal(m, m->arena, s, NULL, out);
}

/* Looks key up in the dict literal raw; 1 found (value and its text),
 * 0 absent, -1 not readable. */
static int dict_lookup(t2n_module *m, const char *raw, const t2n_ival *key, t2n_ival *val, const char **val_raw) {
  const char *p = raw;
  while (*p == ' ') p++;
  if (*p != '{') return -1;
  p++;
  while (*p == ' ') p++;
  if (*p == '}') return 0;
  for (;;) {
    const char *ke = item_end(p);
    if (*ke != ':') return -1;
    const char *ve = item_end(ke + 1);
    t2n_ival k;
    const char *kr;
    if (!parse_piece(m, p, ke, &k, &kr) || !parse_piece(m, ke + 1, ve, val, val_raw)) return -1;
    if (t2n_ival_equal(&k, key) == 1) return 1;
    if (*ve == '}') return 0;
    if (*ve != ',') return -1;
    p = ve + 1;
  }
}

static int attr_written(t2n_node *n, void *name) {
  const t2n_attr *a = t2n_node_attr(n, "name");
  return t2n_node_is(n, "prim::SetAttr") && a && strcmp(a->raw, (const char *)name) == 0;
}

static void fold_attr_lookup(t2n_pass_ctx *ctx, t2n_node *n) {
  int contains = t2n_node_is(n, "aten::__contains__");
  if ((!contains && !t2n_node_is(n, "aten::__getitem__")) || n->ninputs != 2 || n->noutputs != 1) return;
  t2n_value *d = n->inputs[0];
  if (!t2n_type_is(d->type, "Dict") && strncmp(d->type->text, "Dict(", 5) != 0) return;
  if (!d->def || !t2n_node_is(d->def, "prim::GetAttr") || d->def->ninputs != 1) return;
  const t2n_attr *an = t2n_node_attr(d->def, "name");
  t2n_object *obj = t2n_mu_object_of(ctx->graph, d->def->inputs[0]);
  if (!an || !obj) return;
  const char *raw = NULL;
  char name[256];
  snprintf(name, sizeof name, "%s", an->raw);
  size_t nl = strlen(name);
  if (nl >= 2 && name[0] == '"' && name[nl - 1] == '"') memmove(name, name + 1, nl - 2), name[nl - 2] = 0;
  for (int i = 0; i < obj->nfields; i++)
    if (strcmp(obj->fields[i].name, name) == 0) raw = obj->fields[i].raw;
  if (!raw || t2n_walk(ctx->graph->top, attr_written, (void *)an->raw)) return;
  t2n_ival key, val;
  const char *vraw = NULL;
  if (!t2n_constant_value(ctx->mod, n->inputs[1], &key) || (key.kind != T2N_IV_STR && key.kind != T2N_IV_INT)) return;
  int found = dict_lookup(ctx->mod, raw, &key, &val, &vraw);
  if (found < 0 || (!contains && !found)) return;
  t2n_node *k = contains ? t2n_insert_bool(ctx->graph, n, found)
                         : t2n_insert_constant(ctx->graph, n, n->outputs[0]->type, vraw);
  t2n_value *r = k->outputs[0];
  t2n_replace_node(n, &r);
  ctx->rewrites++;
}

/* ---- dicts built in a block ---- */

static int const_key(t2n_pass_ctx *ctx, t2n_value *v, t2n_ival *k) {
  return t2n_constant_value(ctx->mod, v, k) && (k->kind == T2N_IV_STR || k->kind == T2N_IV_INT);
}

static void fold_local(t2n_pass_ctx *ctx, t2n_node *n) {
  if (!t2n_node_is(n, "aten::dict") || n->ninputs || n->noutputs != 1) return;
  t2n_value *d = n->outputs[0];
  t2n_block *b = n->parent;
  const char *why = NULL;
  int returned = 0;
  for (int i = 0; i < d->nuses && !why; i++) {
    t2n_node *u = d->uses[i].user;
    t2n_ival k;
    if (u == b->ret && b == ctx->graph->top) returned = 1;
    else if (u->parent != b) why = "it is used in a nested block";
    else if (t2n_node_is(u, "aten::_set_item") && d->uses[i].index == 0 && u->ninputs == 3) {
      if (!const_key(ctx, u->inputs[1], &k)) why = "a key is not a constant";
    } else if (t2n_node_is(u, "aten::__getitem__") && d->uses[i].index == 0 && u->ninputs == 2) {
      if (!const_key(ctx, u->inputs[1], &k)) why = "a key is not a constant";
    } else why = u->kind;
  }
  /* Keys in insertion order and their latest values, replayed in order. */
  int cap = d->nuses + 1, nk = 0;
  t2n_value **keys = t2n_xcalloc((size_t)cap, sizeof *keys), **vals = t2n_xcalloc((size_t)cap, sizeof *vals);
  t2n_ival *kv = t2n_xcalloc((size_t)cap, sizeof *kv);
  t2n_node **dead = t2n_xcalloc((size_t)cap, sizeof *dead);
  int ndead = 0;
  if (!keys || !vals || !kv || !dead) abort();
  for (int pass = 0; pass < 2 && !why; pass++) {
    nk = 0, ndead = 0;
    for (t2n_node *t = n->next, *nx; t && !why; t = nx) {
      nx = t->next;
      if (t->ninputs < 2 || t->inputs[0] != d) continue;
      t2n_ival k;
      const_key(ctx, t->inputs[1], &k);
      int at = -1;
      for (int i = 0; i < nk && at < 0; i++)
        if (t2n_ival_equal(&kv[i], &k) == 1) at = i;
      if (t2n_node_is(t, "aten::_set_item")) {
        if (at < 0) at = nk++, keys[at] = t->inputs[1], kv[at] = k;
        vals[at] = t->inputs[2];
      } else if (at < 0) {
        why = "a key is read before it is set";
      } else if (pass) {
        t2n_value *r = vals[at];
        t2n_replace_node(t, &r);
        continue; /* t is gone */
      }
      dead[ndead++] = t;
    }
  }
  if (why) {
    t2n_remark(ctx, n, "dict %%%s left alone: %s", d->name, why);
  } else {
    if (returned) {
      t2n_node *dc = t2n_node_new(ctx->graph, "prim::DictConstruct", 0, NULL, 1);
      for (int i = 0; i < nk; i++) t2n_node_add_input(dc, keys[i]), t2n_node_add_input(dc, vals[i]);
      t2n_node_insert_before(dc, b->ret);
      t2n_node_set_output(dc, 0, NULL, d->type);
      dc->line = n->line;
      t2n_value_replace_all_uses(d, dc->outputs[0]);
    }
    for (int i = 0; i < ndead; i++)
      if (t2n_node_is(dead[i], "aten::_set_item")) t2n_node_erase(dead[i]);
    if (!d->nuses) t2n_node_erase(n);
    ctx->rewrites++;
  }
  free(keys), free(vals), free(kv), free(dead);
}

static int is_dict_use(const t2n_node *n) {
  return n->op == T2N_OP_aten_dict || n->op == T2N_OP_aten___getitem__ || n->op == T2N_OP_aten___contains__;
}

int t2n_pass_fold_dicts(t2n_pass_ctx *ctx) {
  int nn;
  t2n_node **v = t2n_collect(ctx->graph->top, is_dict_use, &nn);
  /* attribute lookups first: they make the keys of local dicts constant */
  for (int i = 0; i < nn; i++)
    if (!t2n_node_is(v[i], "aten::dict")) fold_attr_lookup(ctx, v[i]);
  for (int i = 0; i < nn; i++)
    if (t2n_node_is(v[i], "aten::dict")) fold_local(ctx, v[i]);
  free(v);
  return 0;
}
