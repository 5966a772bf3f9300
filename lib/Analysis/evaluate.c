/* The native evaluator: TorchScript scalar semantics on t2n_ival, and
 * t2n_eval, which reads a value's fact from shape inference (t2n/shape.h).
 * What an op does is decided by the op table in shape.c; this file only knows
 * how ints, floats, bools, strings, lists and tuples behave. Nothing here
 * reads tensor data. Torch literals are read by literal.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/eval.h"
#include "t2n/shape.h"

void t2n_ival_set_unknown(t2n_ival *v) {
  memset(v, 0, sizeof *v);
  v->kind = T2N_IV_UNKNOWN;
  v->dtype = T2N_DT_UNKNOWN;
  v->rank = -1;
  for (int i = 0; i < T2N_MAX_RANK; i++) v->sizes[i] = -1;
}

int t2n_ival_is_complete(const t2n_ival *v) {
  switch (v->kind) {
  case T2N_IV_UNKNOWN: case T2N_IV_TENSOR: return 0;
  case T2N_IV_LIST: case T2N_IV_TUPLE:
    for (int i = 0; i < v->n; i++)
      if (!t2n_ival_is_complete(&v->elems[i])) return 0;
    return 1;
  default: return 1;
  }
}

static int is_num(const t2n_ival *v) {
  return v->kind == T2N_IV_INT || v->kind == T2N_IV_BOOL || v->kind == T2N_IV_FLOAT;
}
static double num(const t2n_ival *v) { return v->kind == T2N_IV_FLOAT ? v->f : (double)v->i; }

int t2n_ival_equal(const t2n_ival *a, const t2n_ival *b) {
  if (a->kind == T2N_IV_UNKNOWN || b->kind == T2N_IV_UNKNOWN) return -1;
  if (a->kind == T2N_IV_TENSOR || b->kind == T2N_IV_TENSOR) return -1;
  if (is_num(a) && is_num(b)) {
    if (a->kind != T2N_IV_FLOAT && b->kind != T2N_IV_FLOAT) return a->i == b->i;
    return num(a) == num(b);
  }
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case T2N_IV_NONE: return 1;
  case T2N_IV_STR:
  case T2N_IV_DEVICE: return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
  case T2N_IV_LIST:
  case T2N_IV_TUPLE: {
    if (a->n != b->n) return 0;
    int r = 1;
    for (int i = 0; i < a->n; i++) {
      int e = t2n_ival_equal(&a->elems[i], &b->elems[i]);
      if (e == 0) return 0;
      if (e < 0) r = -1;
    }
    return r;
  }
  default: return -1;
  }
}

int t2n_ival_truth(const t2n_ival *v) {
  switch (v->kind) {
  case T2N_IV_BOOL: case T2N_IV_INT: return v->i != 0;
  case T2N_IV_FLOAT: return v->f != 0;
  case T2N_IV_NONE: return 0;
  case T2N_IV_STR: return v->slen != 0;
  case T2N_IV_LIST: case T2N_IV_TUPLE: return v->n != 0;
  case T2N_IV_DEVICE: return 1;
  default: return -1;
  }
}

static int set_int(t2n_ival *o, int64_t v) {
  t2n_ival_set_unknown(o);
  o->kind = T2N_IV_INT;
  o->i = v;
  return 1;
}
static int set_bool(t2n_ival *o, int v) {
  t2n_ival_set_unknown(o);
  o->kind = T2N_IV_BOOL;
  o->i = v != 0;
  return 1;
}
static int set_float(t2n_ival *o, double v) {
  t2n_ival_set_unknown(o);
  o->kind = T2N_IV_FLOAT;
  o->f = v;
  return 1;
}
static int fail(t2n_ival *o) {
  t2n_ival_set_unknown(o);
  return 0;
}

/* Converts a numeric result to the declared type where that is int, float or
 * bool (TorchScript's math.floor returns int, pow(int, int) float, ...). */
static int coerce(const t2n_type *ty, t2n_ival *o) {
  if (!ty || !is_num(o)) return 1;
  if (t2n_type_is(ty, "float") && o->kind != T2N_IV_FLOAT) return set_float(o, (double)o->i);
  if (t2n_type_is(ty, "int") && o->kind == T2N_IV_FLOAT) {
    if (!isfinite(o->f) || fabs(o->f) > 9.2e18) return fail(o);
    return set_int(o, (int64_t)o->f);
  }
  if (t2n_type_is(ty, "int") && o->kind == T2N_IV_BOOL) return set_int(o, o->i);
  if (t2n_type_is(ty, "bool") && o->kind != T2N_IV_BOOL) return set_bool(o, num(o) != 0);
  return 1;
}

static int64_t floordiv_i(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}
static int64_t mod_i(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
static double mod_f(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

static int str_cmp(const t2n_ival *a, const t2n_ival *b) {
  size_t n = a->slen < b->slen ? a->slen : b->slen;
  int c = memcmp(a->s, b->s, n);
  if (c) return c;
  return a->slen < b->slen ? -1 : a->slen > b->slen;
}

static int compare(t2n_scalar_op op, int c, t2n_ival *out) {
  switch (op) {
  case T2N_SOP_LT: return set_bool(out, c < 0);
  case T2N_SOP_LE: return set_bool(out, c <= 0);
  case T2N_SOP_GT: return set_bool(out, c > 0);
  case T2N_SOP_GE: return set_bool(out, c >= 0);
  default: return fail(out);
  }
}

int t2n_scalar_binary(t2n_arena *ar, t2n_scalar_op op, const t2n_ival *x, const t2n_ival *y,
                      const t2n_type *out_type, t2n_ival *out) {
  if (op == T2N_SOP_EQ || op == T2N_SOP_NE) {
    int e = t2n_ival_equal(x, y);
    if (e < 0) return fail(out);
    return set_bool(out, op == T2N_SOP_EQ ? e : !e);
  }
  if (x->kind == T2N_IV_UNKNOWN || y->kind == T2N_IV_UNKNOWN) return fail(out);
  /* strings */
  if (x->kind == T2N_IV_STR && y->kind == T2N_IV_STR) {
    if (op == T2N_SOP_ADD && ar) {
      char *s = t2n_arena_alloc(ar, x->slen + y->slen + 1);
      memcpy(s, x->s, x->slen);
      memcpy(s + x->slen, y->s, y->slen);
      t2n_ival_set_unknown(out);
      out->kind = T2N_IV_STR;
      out->s = s;
      out->slen = x->slen + y->slen;
      return 1;
    }
    return compare(op, str_cmp(x, y), out);
  }
  /* lists: concatenation, repetition, lexicographic comparison */
  if (x->kind == T2N_IV_LIST && y->kind == T2N_IV_LIST && op == T2N_SOP_ADD && ar) {
    t2n_ival *e = t2n_arena_alloc(ar, sizeof *e * (size_t)(x->n + y->n + 1));
    for (int i = 0; i < x->n; i++) e[i] = x->elems[i];
    for (int i = 0; i < y->n; i++) e[x->n + i] = y->elems[i];
    t2n_ival_set_unknown(out);
    out->kind = T2N_IV_LIST;
    out->n = x->n + y->n;
    out->elems = e;
    return 1;
  }
  if (x->kind == T2N_IV_LIST && y->kind == T2N_IV_INT && op == T2N_SOP_MUL && ar) {
    int64_t k = y->i < 0 ? 0 : y->i;
    if (k * x->n > 4096) return fail(out);
    t2n_ival *e = t2n_arena_alloc(ar, sizeof *e * (size_t)(k * x->n + 1));
    for (int64_t r = 0; r < k; r++)
      for (int i = 0; i < x->n; i++) e[r * x->n + i] = x->elems[i];
    t2n_ival_set_unknown(out);
    out->kind = T2N_IV_LIST;
    out->n = (int)(k * x->n);
    out->elems = e;
    return 1;
  }
  if ((x->kind == T2N_IV_LIST && y->kind == T2N_IV_LIST) ||
      (x->kind == T2N_IV_TUPLE && y->kind == T2N_IV_TUPLE)) {
    if (op < T2N_SOP_LT || op > T2N_SOP_GE) return fail(out);
    int n = x->n < y->n ? x->n : y->n;
    for (int i = 0; i < n; i++) {
      int e = t2n_ival_equal(&x->elems[i], &y->elems[i]);
      if (e < 0) return fail(out);
      if (!e) return t2n_scalar_binary(ar, op, &x->elems[i], &y->elems[i], out_type, out);
    }
    return compare(op, x->n < y->n ? -1 : x->n > y->n, out);
  }
  if (!is_num(x) || !is_num(y)) return fail(out);
  int both_int = x->kind != T2N_IV_FLOAT && y->kind != T2N_IV_FLOAT;
  int64_t a = x->i, b = y->i;
  double fa = num(x), fb = num(y);
  int ok = 1;
  switch (op) {
  case T2N_SOP_ADD:
    if (both_int) set_int(out, (int64_t)((uint64_t)a + (uint64_t)b));
    else set_float(out, fa + fb);
    break;
  case T2N_SOP_SUB:
    if (both_int) set_int(out, (int64_t)((uint64_t)a - (uint64_t)b));
    else set_float(out, fa - fb);
    break;
  case T2N_SOP_MUL:
    if (both_int) set_int(out, (int64_t)((uint64_t)a * (uint64_t)b));
    else set_float(out, fa * fb);
    break;
  case T2N_SOP_DIV: /* true division, always float; x / 0 raises */
    if (fb == 0) return fail(out);
    set_float(out, fa / fb);
    break;
  case T2N_SOP_FLOORDIV:
    if (fb == 0) return fail(out);
    if (both_int) set_int(out, floordiv_i(a, b));
    else set_float(out, floor(fa / fb));
    break;
  case T2N_SOP_MOD:
    if (fb == 0) return fail(out);
    if (both_int) set_int(out, mod_i(a, b));
    else set_float(out, mod_f(fa, fb));
    break;
  case T2N_SOP_POW:
    if (both_int && out_type && t2n_type_is(out_type, "int") && b >= 0) {
      int64_t r = 1;
      for (int64_t i = 0; i < b && i < 64; i++) r *= a;
      set_int(out, r);
    } else {
      if (fa == 0 && fb < 0) return fail(out);
      set_float(out, pow(fa, fb));
    }
    break;
  case T2N_SOP_MIN:
    if (both_int) set_int(out, a < b ? a : b);
    else set_float(out, fa < fb ? fa : fb);
    break;
  case T2N_SOP_MAX:
    if (both_int) set_int(out, a > b ? a : b);
    else set_float(out, fa > fb ? fa : fb);
    break;
  case T2N_SOP_AND: case T2N_SOP_OR: case T2N_SOP_XOR: case T2N_SOP_LSHIFT: case T2N_SOP_RSHIFT: {
    if (!both_int) return fail(out);
    int64_t r = op == T2N_SOP_AND ? (a & b) : op == T2N_SOP_OR ? (a | b) : op == T2N_SOP_XOR ? (a ^ b)
              : op == T2N_SOP_LSHIFT ? (b < 0 || b > 63 ? 0 : (int64_t)((uint64_t)a << b))
              : (b < 0 ? 0 : b > 63 ? (a < 0 ? -1 : 0) : a >> b);
    if (x->kind == T2N_IV_BOOL && y->kind == T2N_IV_BOOL) set_bool(out, (int)r);
    else set_int(out, r);
    break;
  }
  case T2N_SOP_ATAN2: set_float(out, atan2(fa, fb)); break;
  case T2N_SOP_LT: case T2N_SOP_LE: case T2N_SOP_GT: case T2N_SOP_GE:
    if (both_int) return compare(op, a < b ? -1 : a > b, out);
    if (isnan(fa) || isnan(fb)) return set_bool(out, 0);
    return compare(op, fa < fb ? -1 : fa > fb, out);
  default: ok = 0;
  }
  if (!ok) return fail(out);
  return coerce(out_type, out) && out->kind != T2N_IV_UNKNOWN;
}

int t2n_scalar_unary(t2n_scalar_op op, const t2n_ival *x, const t2n_type *out_type, t2n_ival *out) {
  if (x->kind == T2N_IV_UNKNOWN || x->kind == T2N_IV_TENSOR) return fail(out);
  switch (op) {
  case T2N_SOP_NOT: {
    int t = t2n_ival_truth(x);
    if (t < 0) return fail(out);
    return set_bool(out, !t);
  }
  case T2N_SOP_BOOL: {
    if (x->kind == T2N_IV_STR) return fail(out);
    int t = t2n_ival_truth(x);
    if (t < 0) return fail(out);
    return set_bool(out, t);
  }
  case T2N_SOP_STR_LEN:
    if (x->kind == T2N_IV_STR) return set_int(out, (int64_t)x->slen);
    if (x->kind == T2N_IV_LIST || x->kind == T2N_IV_TUPLE) return set_int(out, x->n);
    return fail(out);
  case T2N_SOP_INT:
    if (x->kind == T2N_IV_STR) {
      char buf[64], *end;
      if (x->slen == 0 || x->slen >= sizeof buf) return fail(out);
      memcpy(buf, x->s, x->slen);
      buf[x->slen] = 0;
      long long v = strtoll(buf, &end, 10);
      if (*end) return fail(out);
      return set_int(out, v);
    }
    if (!is_num(x)) return fail(out);
    if (x->kind == T2N_IV_FLOAT) {
      if (!isfinite(x->f) || fabs(x->f) > 9.2e18) return fail(out);
      return set_int(out, (int64_t)x->f);
    }
    return set_int(out, x->i);
  case T2N_SOP_FLOAT:
    if (x->kind == T2N_IV_STR) {
      char buf[64], *end;
      if (x->slen == 0 || x->slen >= sizeof buf) return fail(out);
      memcpy(buf, x->s, x->slen);
      buf[x->slen] = 0;
      double v = strtod(buf, &end);
      if (*end) return fail(out);
      return set_float(out, v);
    }
    if (!is_num(x)) return fail(out);
    return set_float(out, num(x));
  default: break;
  }
  if (!is_num(x)) return fail(out);
  int isint = x->kind != T2N_IV_FLOAT;
  double f = num(x);
  switch (op) {
  case T2N_SOP_NEG:
    if (isint) set_int(out, (int64_t)(0 - (uint64_t)x->i));
    else set_float(out, -f);
    break;
  case T2N_SOP_ABS:
    if (isint) set_int(out, x->i < 0 ? -x->i : x->i);
    else set_float(out, fabs(f));
    break;
  case T2N_SOP_FLOOR: if (isint) set_int(out, x->i); else set_float(out, floor(f)); break;
  case T2N_SOP_CEIL: if (isint) set_int(out, x->i); else set_float(out, ceil(f)); break;
  case T2N_SOP_TRUNC: if (isint) set_int(out, x->i); else set_float(out, trunc(f)); break;
  case T2N_SOP_ROUND: /* Python rounds half to even */
    if (isint) set_int(out, x->i);
    else set_float(out, nearbyint(f));
    break;
  case T2N_SOP_SQRT: if (f < 0) return fail(out); set_float(out, sqrt(f)); break;
  case T2N_SOP_EXP: set_float(out, exp(f)); break;
  case T2N_SOP_LOG: if (f <= 0) return fail(out); set_float(out, log(f)); break;
  case T2N_SOP_LOG2: if (f <= 0) return fail(out); set_float(out, log2(f)); break;
  case T2N_SOP_LOG10: if (f <= 0) return fail(out); set_float(out, log10(f)); break;
  case T2N_SOP_SIN: set_float(out, sin(f)); break;
  case T2N_SOP_COS: set_float(out, cos(f)); break;
  case T2N_SOP_TAN: set_float(out, tan(f)); break;
  case T2N_SOP_TANH: set_float(out, tanh(f)); break;
  case T2N_SOP_ATAN: set_float(out, atan(f)); break;
  default: return fail(out);
  }
  return coerce(out_type, out) && out->kind != T2N_IV_UNKNOWN;
}

/* ---- formatting ---- */
typedef struct fbuf { char *p; size_t n, len; } fbuf;

static void fput(fbuf *b, const char *s) {
  while (*s && b->len + 1 < b->n) b->p[b->len++] = *s++;
  if (b->n) b->p[b->len < b->n ? b->len : b->n - 1] = 0;
}

static void fmt(fbuf *b, const t2n_ival *v, int depth) {
  char tmp[64];
  if (depth > 8) {
    fput(b, "...");
    return;
  }
  switch (v->kind) {
  case T2N_IV_UNKNOWN: fput(b, "?"); break;
  case T2N_IV_NONE: fput(b, "None"); break;
  case T2N_IV_BOOL: fput(b, v->i ? "True" : "False"); break;
  case T2N_IV_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v->i); fput(b, tmp); break;
  case T2N_IV_FLOAT: snprintf(tmp, sizeof tmp, "%g", v->f); fput(b, tmp); break;
  case T2N_IV_STR:
  case T2N_IV_DEVICE:
    snprintf(tmp, sizeof tmp, "\"%.*s%s\"", (int)(v->slen > 40 ? 40 : v->slen), v->s,
             v->slen > 40 ? "..." : "");
    fput(b, tmp);
    break;
  case T2N_IV_LIST:
  case T2N_IV_TUPLE:
    fput(b, v->kind == T2N_IV_LIST ? "[" : "(");
    for (int i = 0; i < v->n; i++) {
      if (i) fput(b, ", ");
      fmt(b, &v->elems[i], depth + 1);
    }
    fput(b, v->kind == T2N_IV_LIST ? "]" : ")");
    break;
  case T2N_IV_TENSOR:
    fput(b, v->dtype >= 0 ? t2n_dtype_name(v->dtype) : "Tensor");
    if (v->rank < 0) {
      fput(b, "(rank ?)");
      break;
    }
    fput(b, "(");
    for (int i = 0; i < v->rank; i++) {
      if (i) fput(b, ", ");
      if (v->sizes[i] < 0) fput(b, "*");
      else {
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->sizes[i]);
        fput(b, tmp);
      }
    }
    fput(b, ")");
    break;
  }
}

void t2n_ival_format(const t2n_ival *v, char *buf, size_t n) {
  fbuf b = {buf, n, 0};
  if (n) buf[0] = 0;
  fmt(&b, v, 0);
}

/* ---- evaluation ---- */
int t2n_eval(const t2n_shape_facts *f, const t2n_value *v, t2n_ival *out) {
  const t2n_ival *iv = f ? t2n_shape_get(f, v) : NULL;
  if (iv && t2n_ival_is_complete(iv)) {
    *out = *iv;
    return 1;
  }
  /* Constants made after the facts were computed. */
  if (v->def && v->def->parent && v->def->parent->graph) {
    t2n_module *m = v->def->parent->graph->mod;
    if (t2n_constant_value(m, v, out) && t2n_ival_is_complete(out)) return 1;
  }
  t2n_ival_set_unknown(out);
  return 0;
}
