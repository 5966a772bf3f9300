/* The one reader of torch's literal syntax, for graph attribute values
 * (prim::Constant[value=...]) and module-text fields alike: shape inference,
 * the evaluator, -freeze and -lift-state all read literals here, so a value
 * means the same to each of them.
 *
 * The syntax is what torch prints: None, True, False, ints, floats (1.,
 * 0.5, 1e-05, inf, -inf, nan, lower case only), strings in either quote with
 * C escapes, [lists] and (tuples) with an optional trailing comma,
 * torch.device("cpu"), annotate(TYPE, VALUE) and tensor("KEY"[, TYPE]). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/eval.h"

typedef struct lit {
  t2n_module *m;
  t2n_arena *a;
  const char *p;
} lit;

static int scalar(t2n_ival *o, t2n_ival_kind kind, int64_t i, double f) {
  t2n_ival_set_unknown(o);
  o->kind = kind;
  o->i = i;
  o->f = f;
  return 1;
}

static void skip_ws(lit *l) {
  while (*l->p == ' ' || *l->p == '\n' || *l->p == '\t') l->p++;
}

static int accept(lit *l, const char *word) {
  size_t n = strlen(word);
  if (strncmp(l->p, word, n) != 0) return 0;
  l->p += n;
  return 1;
}

/* A quoted string starting at l->p. */
static int lit_string(lit *l, const char **s, size_t *slen) {
  char q = *l->p;
  if (q != '"' && q != '\'') return 0;
  const char *start = l->p++;
  while (*l->p && *l->p != q) {
    if (*l->p == '\\' && l->p[1]) l->p++;
    l->p++;
  }
  if (*l->p != q) return 0;
  l->p++;
  char *raw = t2n_arena_strndup(l->a, start, (size_t)(l->p - start));
  return t2n_unescape_string(l->m, raw, s, slen);
}

static int lit_value(lit *l, t2n_ival *out, int depth);

static int lit_seq(lit *l, char close, t2n_ival_kind kind, t2n_ival *out, int depth) {
  int cap = 8, n = 0;
  t2n_ival *e = t2n_arena_alloc(l->a, sizeof *e * (size_t)cap);
  skip_ws(l);
  while (*l->p != close) {
    if (n == cap) {
      e = t2n_arena_grow(l->a, e, sizeof *e * (size_t)cap, sizeof *e * (size_t)cap * 2);
      cap *= 2;
    }
    if (!lit_value(l, &e[n++], depth + 1)) return 0;
    skip_ws(l);
    if (*l->p == ',') {
      l->p++;
      skip_ws(l);
    } else if (*l->p != close) {
      return 0;
    }
  }
  l->p++;
  t2n_ival_set_unknown(out);
  out->kind = kind;
  out->n = n;
  out->elems = e;
  return 1;
}

/* A tensor type as written in module text: Float(258, 1, 256), Long(). */
static int lit_tensor_type(lit *l, t2n_ival *out) {
  const char *s = l->p;
  while (isalnum((unsigned char)*l->p)) l->p++;
  char name[32];
  size_t n = (size_t)(l->p - s);
  if (n == 0 || n >= sizeof name || *l->p != '(') return 0;
  memcpy(name, s, n);
  name[n] = 0;
  out->dtype = t2n_dtype_from_name(name);
  out->rank = 0;
  out->s = "cpu";
  out->slen = 3;
  l->p++;
  skip_ws(l);
  while (*l->p && *l->p != ')') {
    char *end;
    long long v = strtoll(l->p, &end, 10);
    if (end == l->p) { /* strides=, device=, ... : skip the rest */
      while (*l->p && *l->p != ')') l->p++;
      break;
    }
    if (out->rank == T2N_MAX_RANK) return 0;
    out->sizes[out->rank++] = v;
    l->p = end;
    skip_ws(l);
    if (*l->p == ',') l->p++;
    skip_ws(l);
  }
  if (*l->p != ')') return 0;
  l->p++;
  return out->dtype >= 0;
}

/* tensor("KEY", Float(2, 3)) or tensor("KEY") (type unknown: rank -1), after
 * "tensor(". */
static int lit_tensor(lit *l, t2n_ival *out) {
  t2n_ival_set_unknown(out);
  out->kind = T2N_IV_TENSOR;
  skip_ws(l);
  if (!lit_string(l, &out->key, &out->keylen)) return 0;
  skip_ws(l);
  if (*l->p == ',') {
    l->p++;
    skip_ws(l);
    if (!lit_tensor_type(l, out)) return 0;
    skip_ws(l);
  }
  if (*l->p != ')') return 0;
  l->p++;
  return 1;
}

static int lit_value(lit *l, t2n_ival *out, int depth) {
  t2n_ival_set_unknown(out);
  if (depth > 32) return 0;
  skip_ws(l);
  const char *p = l->p;
  if (accept(l, "None")) return scalar(out, T2N_IV_NONE, 0, 0);
  if (accept(l, "True")) return scalar(out, T2N_IV_BOOL, 1, 0);
  if (accept(l, "False")) return scalar(out, T2N_IV_BOOL, 0, 0);
  if (*p == '"' || *p == '\'') {
    if (!lit_string(l, &out->s, &out->slen)) return 0;
    out->kind = T2N_IV_STR;
    return 1;
  }
  if (*p == '[') {
    l->p++;
    return lit_seq(l, ']', T2N_IV_LIST, out, depth);
  }
  if (*p == '(') {
    l->p++;
    return lit_seq(l, ')', T2N_IV_TUPLE, out, depth);
  }
  if (accept(l, "torch.device(")) {
    skip_ws(l);
    if (!lit_string(l, &out->s, &out->slen)) return 0;
    skip_ws(l);
    if (*l->p != ')') return 0;
    l->p++;
    out->kind = T2N_IV_DEVICE;
    return 1;
  }
  if (accept(l, "annotate(")) { /* annotate(List[int], [1, 2]) */
    int d = 0;
    while (*l->p && !(d == 0 && *l->p == ',')) {
      if (*l->p == '[' || *l->p == '(') d++;
      if (*l->p == ']' || *l->p == ')') d--;
      l->p++;
    }
    if (*l->p != ',') return 0;
    l->p++;
    if (!lit_value(l, out, depth + 1)) return 0;
    skip_ws(l);
    if (*l->p != ')') return 0;
    l->p++;
    return 1;
  }
  if (accept(l, "tensor(")) return lit_tensor(l, out);
  if (accept(l, "inf")) return scalar(out, T2N_IV_FLOAT, 0, INFINITY);
  if (accept(l, "-inf")) return scalar(out, T2N_IV_FLOAT, 0, -INFINITY);
  if (accept(l, "nan")) return scalar(out, T2N_IV_FLOAT, 0, NAN);
  if (*p == '-' || isdigit((unsigned char)*p)) {
    char *e1, *e2;
    long long iv = strtoll(p, &e1, 10);
    double fv = strtod(p, &e2);
    if (e2 > e1) {
      l->p = e2;
      return scalar(out, T2N_IV_FLOAT, 0, fv);
    }
    if (e1 == p) return 0;
    l->p = e1;
    return scalar(out, T2N_IV_INT, iv, 0);
  }
  return 0;
}

/* Makes a literal match its declared type: bools and floats spelled as ints
 * in graph attributes ([1, 0] : bool[]), ints in float lists. */
static void apply_type(t2n_ival *v, const t2n_type *ty) {
  if (!ty) return;
  if (ty->kind == T2N_TY_OPTIONAL && ty->nelems == 1) ty = ty->elems[0];
  if (ty->kind == T2N_TY_LIST && ty->nelems == 1 && v->kind == T2N_IV_LIST) {
    for (int i = 0; i < v->n; i++) apply_type(&v->elems[i], ty->elems[0]);
    return;
  }
  if (ty->kind == T2N_TY_TUPLE && v->kind == T2N_IV_TUPLE && v->n == ty->nelems) {
    for (int i = 0; i < v->n; i++) apply_type(&v->elems[i], ty->elems[i]);
    return;
  }
  if (t2n_type_is(ty, "bool") && v->kind == T2N_IV_INT) scalar(v, T2N_IV_BOOL, v->i != 0, 0);
  else if (t2n_type_is(ty, "float") && v->kind == T2N_IV_INT) scalar(v, T2N_IV_FLOAT, 0, (double)v->i);
  else if (t2n_type_is(ty, "Device") && v->kind == T2N_IV_STR) v->kind = T2N_IV_DEVICE;
}

int t2n_ival_parse_literal(t2n_module *m, t2n_arena *a, const char *raw, const t2n_type *ty,
                           t2n_ival *out) {
  lit l = {m, a, raw};
  if (!raw || !lit_value(&l, out, 0)) {
    t2n_ival_set_unknown(out);
    return 0;
  }
  skip_ws(&l);
  if (*l.p) {
    t2n_ival_set_unknown(out);
    return 0;
  }
  apply_type(out, ty);
  return 1;
}

const t2n_type *t2n_ival_tensor_type(t2n_module *m, const t2n_ival *iv) {
  if (iv->kind != T2N_IV_TENSOR || iv->rank < 0 || iv->dtype == T2N_DT_UNKNOWN)
    return t2n_type_get(m, "Tensor");
  return t2n_type_tensor(m, iv->dtype, iv->rank, iv->sizes, NULL);
}
