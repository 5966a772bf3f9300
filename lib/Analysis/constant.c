/* Reading compile-time constants out of prim::Constant / ListConstruct /
 * TupleConstruct nodes, and making constants from values. */
#include <string.h>

#include "t2n/eval.h"

int t2n_type_is_primitive(const t2n_type *t) {
  if (!t) return 0;
  switch (t->kind) {
  case T2N_TY_SCALAR:
    return t2n_type_is(t, "int") || t2n_type_is(t, "float") || t2n_type_is(t, "bool") ||
           t2n_type_is(t, "str") || t2n_type_is(t, "NoneType");
  case T2N_TY_LIST:
  case T2N_TY_OPTIONAL:
  case T2N_TY_TUPLE:
    for (int i = 0; i < t->nelems; i++)
      if (!t2n_type_is_primitive(t->elems[i])) return 0;
    return 1;
  default: return 0;
  }
}

int t2n_constant_value(t2n_module *m, const t2n_value *v, t2n_ival *out) {
  memset(out, 0, sizeof *out);
  out->rank = -1;
  out->dtype = T2N_DT_UNKNOWN;
  const t2n_node *n = v->def;
  if (!n) return 0;
  if (t2n_node_is(n, "prim::Constant")) {
    const t2n_attr *a = t2n_node_attr(n, "value");
    const t2n_type *t = v->type;
    if (!a) {
      if (n->nattrs) return 0; /* Function constants carry name= */
      out->kind = T2N_IV_NONE;
      return 1;
    }
    if (t2n_type_is(t, "bool") && a->kind == T2N_ATTR_INT) {
      out->kind = T2N_IV_BOOL;
      out->i = a->i != 0;
      return 1;
    }
    if (t2n_type_is(t, "int") && a->kind == T2N_ATTR_INT) {
      out->kind = T2N_IV_INT;
      out->i = a->i;
      return 1;
    }
    if (t2n_type_is(t, "float") && (a->kind == T2N_ATTR_FLOAT || a->kind == T2N_ATTR_INT)) {
      out->kind = T2N_IV_FLOAT;
      out->f = a->f;
      return 1;
    }
    if (t2n_type_is(t, "str") && a->kind == T2N_ATTR_STRING) {
      out->kind = T2N_IV_STR;
      out->s = a->s;
      out->slen = a->slen;
      return 1;
    }
    if (t2n_type_is(t, "Device") && a->kind == T2N_ATTR_STRING) {
      out->kind = T2N_IV_DEVICE;
      out->s = a->s;
      out->slen = a->slen;
      return 1;
    }
    return 0;
  }
  int list = t2n_node_is(n, "prim::ListConstruct"), tup = t2n_node_is(n, "prim::TupleConstruct");
  if (list || tup) {
    t2n_ival *e = t2n_arena_alloc(m->arena, sizeof *e * (size_t)(n->ninputs + 1));
    for (int i = 0; i < n->ninputs; i++)
      if (!t2n_constant_value(m, n->inputs[i], &e[i])) return 0;
    out->kind = list ? T2N_IV_LIST : T2N_IV_TUPLE;
    out->n = n->ninputs;
    out->elems = e;
    return 1;
  }
  return 0;
}

t2n_value *t2n_insert_ival(t2n_graph *g, t2n_node *pos, const t2n_ival *iv, const t2n_type *like) {
  t2n_module *m = g->mod;
  t2n_node *c;
  switch (iv->kind) {
  case T2N_IV_NONE: c = t2n_insert_constant(g, pos, t2n_type_get(m, "NoneType"), NULL); break;
  case T2N_IV_BOOL: c = t2n_insert_bool(g, pos, (int)iv->i); break;
  case T2N_IV_INT: c = t2n_insert_int(g, pos, iv->i); break;
  case T2N_IV_FLOAT: c = t2n_insert_float(g, pos, iv->f); break;
  case T2N_IV_STR:
    c = t2n_insert_constant(g, pos, t2n_type_get(m, "str"), t2n_fmt_string(m, iv->s, iv->slen));
    break;
  case T2N_IV_DEVICE:
    c = t2n_insert_constant(g, pos, t2n_type_get(m, "Device"), t2n_fmt_string(m, iv->s, iv->slen));
    break;
  default: return NULL;
  }
  (void)like;
  return c->outputs[0];
}
