/* -fold-constant-scalar-arithmetic
 *
 * Matches, at any depth, these ops when every operand is a compile-time
 * constant (t2n_constant_value: a prim::Constant of None/bool/int/float/str,
 * or a ListConstruct/TupleConstruct of such):
 *   the reference's: aten::eq ne lt le gt ge, aten::__not__,
 *     aten::__contains__ (haystack a constant list or tuple; also a str
 *     needle in a str), aten::Bool, aten::Int, aten::Float (also of a
 *     prim::NumToTensor of a constant: traced sizes go through a tensor);
 *   beyond it: aten::add sub mul div floordiv remainder neg, aten::__and__
 *     __or__ __xor__, aten::len (constant list, ASCII str),
 *     aten::__getitem__ (constant list or ASCII str, constant index), and
 *     aten::__is__ / __isnot__ against None (also when the other side is a
 *     non-constant whose type cannot hold None, such as Tensor or int), and
 *     the range-loop helpers aten::__range_length / __derive_index; and
 *     prim::isinstance when the operand's static type decides it (a leaf
 *     type such as bool, int, str or Tensor, or a constant None): torch's
 *     own scripting leaves these when a function is inlined into a caller
 *     that passes a concrete type (torchaudio's `normalized: bool | str`).
 *
 * Rewrites: a new prim::Constant holding the result goes right before the
 * node (t2n_insert_ival), every use of the node's output takes it, and the
 * node goes; the constant takes the node's output name. The operands are left for -dce. One forward sweep folds chains
 * (`not (x.dim() in [1, 2])` once dim is known), since a fold only changes
 * uses that come later.
 *
 * Semantics are Python's, which TorchScript follows: bool counts as int,
 * int and float compare by value, floor division and remainder round toward
 * negative infinity (-7 // 2 == -4, -7 % 2 == 1) for ints and floats, `/` is
 * true division, NaN compares unequal to everything, None == None, values
 * of different kinds (str vs int, list vs tuple) are unequal, Int()
 * truncates toward zero, strings compare by code point. Where TorchScript's
 * C++ gives another answer than Python, nothing is folded, since either
 * answer would be wrong for someone: an int beyond 2**53 compared with or
 * truly divided like a float (TorchScript rounds it to double first; 2**53 +
 * 1 == 2.0**53 there), float floor division and remainder that Python
 * corrects for the rounding of x / y (1.0 // 0.1 is 9.0 in Python, 10.0 in
 * TorchScript), an int remainder whose TorchScript formula wraps around.
 *
 * Restrictions (each left alone with a remark): anything Python would raise
 * on (ordering None or mixed str/number, division by zero, an index out of
 * range, Int() of NaN/inf or a malformed string) stays, so the error stays
 * at run time; int results that overflow int64 (Python would give a big
 * int, TorchScript wraps); results that are not scalars (list + list);
 * len/indexing of non-ASCII strings (TorchScript counts bytes, Python code
 * points); strings Python and TorchScript parse differently in Int()/Float()
 * (only plain decimal text folds); a result whose kind does not fit the
 * node's declared output type. A list operand folds only when nothing can
 * mutate it or alias it (t2n_list_is_unmutated), since its contents at the
 * use may differ from those it was built with. Nodes with an operand whose
 * type is not primitive (tensors, dicts, classes) are not candidates. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "t2n/eval.h"
#include "t2n/pass.h"

typedef enum {
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_NOT, OP_CONTAINS, OP_BOOL, OP_INT, OP_FLOAT,
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_REM, OP_NEG, OP_AND, OP_OR, OP_XOR, OP_LEN,
  OP_GETITEM, OP_IS, OP_ISNOT, OP_RANGE_LENGTH, OP_DERIVE_INDEX, OP_ISINSTANCE
} op_kind;

static const struct { const char *kind; op_kind op; int arity; } ops[] = {
    {"aten::eq", OP_EQ, 2}, {"aten::ne", OP_NE, 2}, {"aten::lt", OP_LT, 2},
    {"aten::le", OP_LE, 2}, {"aten::gt", OP_GT, 2}, {"aten::ge", OP_GE, 2},
    {"aten::__not__", OP_NOT, 1}, {"aten::__contains__", OP_CONTAINS, 2},
    {"aten::Bool", OP_BOOL, 1}, {"aten::Int", OP_INT, 1}, {"aten::Float", OP_FLOAT, 1},
    {"aten::add", OP_ADD, 2}, {"aten::sub", OP_SUB, 2}, {"aten::mul", OP_MUL, 2},
    {"aten::div", OP_DIV, 2}, {"aten::floordiv", OP_FLOORDIV, 2},
    {"aten::remainder", OP_REM, 2}, {"aten::neg", OP_NEG, 1}, {"aten::__and__", OP_AND, 2},
    {"aten::__or__", OP_OR, 2}, {"aten::__xor__", OP_XOR, 2}, {"aten::len", OP_LEN, 1},
    {"aten::__getitem__", OP_GETITEM, 2}, {"aten::__is__", OP_IS, 2},
    {"aten::__isnot__", OP_ISNOT, 2}, {"aten::__range_length", OP_RANGE_LENGTH, 3},
    {"aten::__derive_index", OP_DERIVE_INDEX, 3}, {"prim::isinstance", OP_ISINSTANCE, 1}};

/* ---- Python semantics on ivals ---- */

static int intlike(const t2n_ival *v) { return v->kind == T2N_IV_BOOL || v->kind == T2N_IV_INT; }
static int number(const t2n_ival *v) { return intlike(v) || v->kind == T2N_IV_FLOAT; }

static const char *kind_name(t2n_ival_kind k) {
  static const char *const names[] = {"unknown", "None", "bool", "int", "float", "str",
                                      "list", "tuple", "Device", "Tensor"};
  return names[k];
}

/* Exact comparison of an int64 and a double (no rounding of i to double). */
static int cmp_int_float(int64_t i, double f) {
  if (f >= 9223372036854775808.0) return -1;
  if (f < -9223372036854775808.0) return 1;
  double t = trunc(f);
  int64_t ti = (int64_t)t;
  if (i != ti) return i < ti ? -1 : 1;
  return f > t ? -1 : f < t ? 1 : 0;
}

/* TorchScript compares an int with a float in C++, converting the int to
 * double; Python compares exactly. They agree when the int converts
 * exactly. */
static int exact_double(int64_t i) {
  double d = (double)i;
  return d < 9223372036854775808.0 && (int64_t)d == i;
}

/* Orders a and b: 1 with *c in -1/0/1; 2 when unordered (NaN); 0 when
 * Python raises TypeError; 3 when Python and TorchScript disagree. */
static int compare(const t2n_ival *a, const t2n_ival *b, int *c) {
  if (intlike(a) && intlike(b)) {
    *c = (a->i > b->i) - (a->i < b->i);
    return 1;
  }
  if (number(a) && number(b)) {
    if ((a->kind == T2N_IV_FLOAT && isnan(a->f)) || (b->kind == T2N_IV_FLOAT && isnan(b->f))) return 2;
    if (a->kind == T2N_IV_FLOAT && b->kind == T2N_IV_FLOAT) *c = (a->f > b->f) - (a->f < b->f);
    else if (!exact_double(a->kind == T2N_IV_FLOAT ? b->i : a->i)) return 3;
    else if (a->kind == T2N_IV_FLOAT) *c = -cmp_int_float(b->i, a->f);
    else *c = cmp_int_float(a->i, b->f);
    return 1;
  }
  if (a->kind == T2N_IV_STR && b->kind == T2N_IV_STR) {
    size_t n = a->slen < b->slen ? a->slen : b->slen;
    int r = memcmp(a->s, b->s, n); /* UTF-8 byte order is code point order */
    *c = r ? (r > 0) - (r < 0) : (a->slen > b->slen) - (a->slen < b->slen);
    return 1;
  }
  return 0;
}

/* Python's ==: 1 or 0; -1 when Python and TorchScript disagree. */
static int equal(const t2n_ival *a, const t2n_ival *b) {
  int c, r;
  if (a->kind == T2N_IV_NONE || b->kind == T2N_IV_NONE) return a->kind == b->kind;
  if (number(a) && number(b)) return (r = compare(a, b, &c)) == 3 ? -1 : r == 1 && c == 0;
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case T2N_IV_STR:
  case T2N_IV_DEVICE: return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
  case T2N_IV_LIST:
  case T2N_IV_TUPLE:
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
      if ((r = equal(&a->elems[i], &b->elems[i])) != 1) return r;
    return 1;
  default: return 0;
  }
}

static double as_double(const t2n_ival *v) { return v->kind == T2N_IV_FLOAT ? v->f : (double)v->i; }

static int ascii(const t2n_ival *v) {
  for (size_t i = 0; i < v->slen; i++)
    if ((unsigned char)v->s[i] >= 0x80) return 0;
  return 1;
}

static void set_bool(t2n_ival *o, int b) { o->kind = T2N_IV_BOOL; o->i = b != 0; }
static void set_int(t2n_ival *o, int64_t i) { o->kind = T2N_IV_INT; o->i = i; }
static void set_float(t2n_ival *o, double f) { o->kind = T2N_IV_FLOAT; o->f = f; }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/* Int(str): text both Python's int() and TorchScript's std::stoll with a
 * full-length check accept alike: [space]* [+-]? digits. */
static int parse_int(const t2n_ival *s, int64_t *out) {
  size_t i = 0, n = s->slen;
  while (i < n && is_space(s->s[i])) i++;
  size_t start = i;
  if (i < n && (s->s[i] == '+' || s->s[i] == '-')) i++;
  size_t digits = i;
  while (i < n && s->s[i] >= '0' && s->s[i] <= '9') i++;
  if (i == digits || i != n) return 0;
  char buf[32];
  if (n - start >= sizeof buf) return 0;
  memcpy(buf, s->s + start, n - start);
  buf[n - start] = 0;
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno == ERANGE) return 0;
  *out = v;
  return 1;
}

/* Float(str): plain decimal text or inf/infinity/nan, with a sign and
 * leading space, as both Python's float() and std::stod read it; an
 * overflow or underflow (ERANGE: Python gives inf or 0, stod throws) is
 * not folded. */
static int parse_float(const t2n_ival *s, double *out) {
  size_t i = 0, n = s->slen;
  while (i < n && is_space(s->s[i])) i++;
  size_t start = i;
  if (i < n && (s->s[i] == '+' || s->s[i] == '-')) i++;
  char word[16];
  size_t wl = n - i;
  if (wl < sizeof word) {
    for (size_t k = 0; k < wl; k++) word[k] = (char)(s->s[i + k] | 0x20);
    word[wl] = 0;
    if (!strcmp(word, "inf") || !strcmp(word, "infinity") || !strcmp(word, "nan")) {
      int neg = s->s[start] == '-';
      *out = word[0] == 'n' ? (neg ? -NAN : NAN) : (neg ? -INFINITY : INFINITY);
      return 1;
    }
  }
  size_t d0 = i;
  while (i < n && s->s[i] >= '0' && s->s[i] <= '9') i++;
  size_t intdigits = i - d0, fracdigits = 0;
  if (i < n && s->s[i] == '.') {
    size_t f0 = ++i;
    while (i < n && s->s[i] >= '0' && s->s[i] <= '9') i++;
    fracdigits = i - f0;
  }
  if (!intdigits && !fracdigits) return 0;
  if (i < n && (s->s[i] == 'e' || s->s[i] == 'E')) {
    i++;
    if (i < n && (s->s[i] == '+' || s->s[i] == '-')) i++;
    size_t e0 = i;
    while (i < n && s->s[i] >= '0' && s->s[i] <= '9') i++;
    if (i == e0) return 0;
  }
  if (i != n) return 0;
  char *buf = t2n_xmalloc(n - start + 1);
  memcpy(buf, s->s + start, n - start);
  buf[n - start] = 0;
  errno = 0;
  *out = strtod(buf, NULL);
  free(buf);
  return errno != ERANGE;
}

/* Python's float floor division and modulo (Objects/floatobject.c). */
static void float_divmod(double a, double b, double *fdiv, double *fmod_out) {
  double mod = fmod(a, b), div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = copysign(0.0, b);
  }
  double fd;
  if (div != 0) {
    fd = floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = copysign(0.0, a / b);
  }
  *fdiv = fd;
  *fmod_out = mod;
}

/* ---- evaluation ---- */

static const char disagree[] = "Python and TorchScript give different results here";

typedef struct fold_env {
  t2n_pass_ctx *ctx;
  const char *why; /* set when a candidate is left alone */
  char buf[160];
} fold_env;

static int refuse(fold_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(fold_env *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->buf, sizeof e->buf, fmt, ap);
  va_end(ap);
  e->why = e->buf;
  return 0;
}

static int index_of(fold_env *e, const t2n_ival *idx, int64_t len, int64_t *out) {
  if (!intlike(idx)) return refuse(e, "index is a %s, not an int", kind_name(idx->kind));
  int64_t i = idx->i < 0 ? idx->i + len : idx->i;
  if (i < 0 || i >= len) {
    char a[48];
    snprintf(a, sizeof a, "%lld (length %lld)", (long long)idx->i, (long long)len);
    return refuse(e, "index %s is out of range", a);
  }
  *out = i;
  return 1;
}

static int eval_binary_arith(fold_env *e, op_kind op, const t2n_ival *a, const t2n_ival *b, t2n_ival *o) {
  t2n_module *m = e->ctx->mod;
  if (op == OP_ADD && a->kind == T2N_IV_STR && b->kind == T2N_IV_STR) {
    char *s = t2n_arena_alloc(m->arena, a->slen + b->slen + 1);
    memcpy(s, a->s, a->slen);
    memcpy(s + a->slen, b->s, b->slen);
    o->kind = T2N_IV_STR;
    o->s = s;
    o->slen = a->slen + b->slen;
    return 1;
  }
  if (!number(a) || !number(b)) {
    if ((a->kind == T2N_IV_LIST || a->kind == T2N_IV_TUPLE) && op != OP_DIV)
      return refuse(e, "the result would be a %s, not a scalar", kind_name(a->kind));
    return refuse(e, "operands are %s and %s, not numbers", kind_name(a->kind), kind_name(b->kind));
  }
  int ints = intlike(a) && intlike(b);
  if (op == OP_DIV || op == OP_FLOORDIV || op == OP_REM) {
    if (ints ? b->i == 0 : as_double(b) == 0) return refuse(e, "division by zero");
  }
  if (ints) {
    int64_t x = a->i, y = b->i, r;
    switch (op) {
    case OP_ADD: if (__builtin_add_overflow(x, y, &r)) goto overflow; break;
    case OP_SUB: if (__builtin_sub_overflow(x, y, &r)) goto overflow; break;
    case OP_MUL: if (__builtin_mul_overflow(x, y, &r)) goto overflow; break;
    case OP_DIV:
      /* TorchScript divides the ints converted to double; Python rounds
       * the exact quotient once. */
      if (!exact_double(x) || !exact_double(y)) return refuse(e, "%s", disagree);
      set_float(o, (double)x / (double)y);
      return 1;
    case OP_FLOORDIV:
      if (x == INT64_MIN && y == -1) goto overflow;
      r = x / y;
      if (x % y != 0 && ((x < 0) != (y < 0))) r--;
      break;
    case OP_REM: {
      if (y == -1) {
        r = 0;
        break;
      }
      r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      /* TorchScript computes (y + x % y) % y, which wraps when y is near
       * the int64 limits (1 % (2**63 - 1) is -1 there). */
      int64_t t;
      if (__builtin_add_overflow(y, x % y, &t) || t % y != r) return refuse(e, "%s", disagree);
      break;
    }
    default: return refuse(e, "unsupported operator");
    }
    set_int(o, r);
    return 1;
  overflow:
    return refuse(e, "the int result overflows int64");
  }
  double x = as_double(a), y = as_double(b), d, md;
  switch (op) {
  case OP_ADD: set_float(o, x + y); return 1;
  case OP_SUB: set_float(o, x - y); return 1;
  case OP_MUL: set_float(o, x * y); return 1;
  case OP_DIV: set_float(o, x / y); return 1;
  case OP_FLOORDIV:
  case OP_REM: {
    /* TorchScript computes floor(x / y) and fmod(y + fmod(x, y), y);
     * Python corrects for the rounding of x / y (1.0 // 0.1 is 9.0 in
     * Python, 10.0 in TorchScript). Fold only where both agree. */
    float_divmod(x, y, &d, &md);
    double py = op == OP_FLOORDIV ? d : md, ts = op == OP_FLOORDIV ? floor(x / y) : fmod(y + fmod(x, y), y);
    if (!(py == ts && signbit(py) == signbit(ts)) && !(isnan(py) && isnan(ts))) return refuse(e, "%s", disagree);
    set_float(o, py);
    return 1;
  }
  default: return refuse(e, "unsupported operator");
  }
}

static int eval(fold_env *e, op_kind op, const t2n_ival *v, t2n_ival *o) {
  const t2n_ival *a = &v[0], *b = &v[1], *c3 = &v[2];
  int c, r;
  switch (op) {
  case OP_EQ:
  case OP_NE:
    if ((r = equal(a, b)) < 0) return refuse(e, "%s", disagree);
    set_bool(o, op == OP_EQ ? r : !r);
    return 1;
  case OP_LT: case OP_LE: case OP_GT: case OP_GE:
    r = compare(a, b, &c);
    if (!r) return refuse(e, "Python cannot order %s and %s", kind_name(a->kind), kind_name(b->kind));
    if (r == 3) return refuse(e, "%s", disagree);
    if (r == 2) set_bool(o, 0);
    else set_bool(o, op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0);
    return 1;
  case OP_NOT:
    if (a->kind != T2N_IV_BOOL) return refuse(e, "operand is a %s, not a bool", kind_name(a->kind));
    set_bool(o, !a->i);
    return 1;
  case OP_CONTAINS:
    if (a->kind == T2N_IV_LIST || a->kind == T2N_IV_TUPLE) {
      int found = 0;
      for (int i = 0; i < a->n && found != 1; i++)
        if ((found = equal(&a->elems[i], b)) < 0) return refuse(e, "%s", disagree);
      set_bool(o, found);
      return 1;
    }
    if (a->kind == T2N_IV_STR && b->kind == T2N_IV_STR) {
      int found = b->slen == 0;
      for (size_t i = 0; !found && i + b->slen <= a->slen; i++) found = memcmp(a->s + i, b->s, b->slen) == 0;
      set_bool(o, found);
      return 1;
    }
    return refuse(e, "haystack is a %s", kind_name(a->kind));
  case OP_BOOL:
    if (!number(a)) return refuse(e, "Bool() of a %s", kind_name(a->kind));
    set_bool(o, a->kind == T2N_IV_FLOAT ? a->f != 0 : a->i != 0);
    return 1;
  case OP_INT:
    if (intlike(a)) { set_int(o, a->i); return 1; }
    if (a->kind == T2N_IV_FLOAT) {
      if (!isfinite(a->f)) return refuse(e, "Int() of a non-finite float raises");
      double t = trunc(a->f);
      if (t < -9223372036854775808.0 || t >= 9223372036854775808.0)
        return refuse(e, "Int() result overflows int64");
      set_int(o, (int64_t)t);
      return 1;
    }
    if (a->kind == T2N_IV_STR) {
      int64_t i = 0;
      if (!parse_int(a, &i)) return refuse(e, "Int() of a string that is not plain decimal");
      set_int(o, i);
      return 1;
    }
    return refuse(e, "Int() of a %s", kind_name(a->kind));
  case OP_FLOAT:
    if (number(a)) { set_float(o, as_double(a)); return 1; }
    if (a->kind == T2N_IV_STR) {
      double f;
      if (!parse_float(a, &f)) return refuse(e, "Float() of a string that is not plain decimal");
      set_float(o, f);
      return 1;
    }
    return refuse(e, "Float() of a %s", kind_name(a->kind));
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_FLOORDIV: case OP_REM:
    return eval_binary_arith(e, op, a, b, o);
  case OP_NEG:
    if (intlike(a)) {
      if (a->i == INT64_MIN) return refuse(e, "the int result overflows int64");
      set_int(o, -a->i);
      return 1;
    }
    if (a->kind == T2N_IV_FLOAT) { set_float(o, -a->f); return 1; }
    return refuse(e, "neg of a %s", kind_name(a->kind));
  case OP_AND: case OP_OR: case OP_XOR:
    if (!intlike(a) || !intlike(b))
      return refuse(e, "bitwise operator on %s and %s", kind_name(a->kind), kind_name(b->kind));
    {
      int64_t x = a->i, y = b->i, z = op == OP_AND ? (x & y) : op == OP_OR ? (x | y) : (x ^ y);
      if (a->kind == T2N_IV_BOOL && b->kind == T2N_IV_BOOL) set_bool(o, (int)z);
      else set_int(o, z);
    }
    return 1;
  case OP_LEN:
    if (a->kind == T2N_IV_LIST) { set_int(o, a->n); return 1; }
    if (a->kind == T2N_IV_STR) {
      if (!ascii(a)) return refuse(e, "len() of a non-ASCII str: TorchScript counts bytes");
      set_int(o, (int64_t)a->slen);
      return 1;
    }
    return refuse(e, "len() of a %s", kind_name(a->kind));
  case OP_GETITEM: {
    int64_t i = 0;
    if (a->kind == T2N_IV_LIST) {
      if (!index_of(e, b, a->n, &i)) return 0;
      *o = a->elems[i];
      return 1;
    }
    if (a->kind == T2N_IV_STR) {
      if (!ascii(a)) return refuse(e, "indexing a non-ASCII str: TorchScript counts bytes");
      if (!index_of(e, b, (int64_t)a->slen, &i)) return 0;
      o->kind = T2N_IV_STR;
      o->s = a->s + i;
      o->slen = 1;
      return 1;
    }
    if (a->kind == T2N_IV_TUPLE) return refuse(e, "tuple indexing is left to -fold-tuple-index");
    return refuse(e, "indexing a %s", kind_name(a->kind));
  }
  case OP_RANGE_LENGTH: {
    /* for i in range(lo, hi, step): the trip count */
    if (!intlike(a) || !intlike(b) || !intlike(c3)) return refuse(e, "range() of non-ints");
    int64_t lo = a->i, hi = b->i, step = c3->i, d;
    if (step == 0) return refuse(e, "range() with a zero step raises");
    if ((step > 0 && lo < hi) || (step < 0 && lo > hi)) {
      if (__builtin_sub_overflow(step > 0 ? hi : lo, step > 0 ? lo : hi, &d) || step == INT64_MIN)
        return refuse(e, "the int result overflows int64");
      set_int(o, 1 + (d - 1) / (step > 0 ? step : -step));
    } else {
      set_int(o, 0);
    }
    return 1;
  }
  case OP_DERIVE_INDEX: {
    /* the loop variable of range(start, _, step) at iteration index */
    if (!intlike(a) || !intlike(b) || !intlike(c3)) return refuse(e, "range() of non-ints");
    int64_t m, sum;
    if (__builtin_mul_overflow(a->i, c3->i, &m) || __builtin_add_overflow(b->i, m, &sum))
      return refuse(e, "the int result overflows int64");
    set_int(o, sum);
    return 1;
  }
  default: return refuse(e, "unsupported operator");
  }
}

/* Does a constant of kind k fit a value declared with type t? */
static int fits(const t2n_type *t, t2n_ival_kind k) {
  if (!t) return 1;
  if (t->kind == T2N_TY_OPTIONAL) return k == T2N_IV_NONE || (t->nelems == 1 && fits(t->elems[0], k));
  if (t->kind != T2N_TY_SCALAR) return 0;
  switch (k) {
  case T2N_IV_NONE: return t2n_type_is(t, "NoneType") || t2n_type_is(t, "Any");
  case T2N_IV_BOOL: return t2n_type_is(t, "bool") || t2n_type_is(t, "Any");
  case T2N_IV_INT:
  case T2N_IV_FLOAT:
    return t2n_type_is(t, k == T2N_IV_INT ? "int" : "float") || t2n_type_is(t, "Scalar") ||
           t2n_type_is(t, "number") || t2n_type_is(t, "Any");
  case T2N_IV_STR: return t2n_type_is(t, "str") || t2n_type_is(t, "Any");
  default: return 0;
  }
}

/* A value of type t is never None. */
static int never_none(const t2n_type *t) {
  if (!t) return 0;
  switch (t->kind) {
  case T2N_TY_TENSOR: case T2N_TY_LIST: case T2N_TY_TUPLE: case T2N_TY_DICT: case T2N_TY_CLASS: return 1;
  case T2N_TY_SCALAR: return !t2n_type_is(t, "NoneType") && !t2n_type_is(t, "Any");
  default: return 0;
  }
}

/* Lists inside a constant operand must not change between construction
 * and this use. */
static int lists_unmutated(const t2n_value *v, const char **why) {
  const t2n_node *d = v->def;
  if (!d) return 1;
  int list = t2n_node_is(d, "prim::ListConstruct");
  if (!list && !t2n_node_is(d, "prim::TupleConstruct")) return 1;
  if (list && !t2n_list_is_unmutated(v, why)) return 0;
  for (int i = 0; i < d->ninputs; i++)
    if (!lists_unmutated(d->inputs[i], why)) return 0;
  return 1;
}

/* __is__ / __isnot__: 1 with *res, 0 (with e->why) when unknown, -1 when
 * not a candidate (neither side can be None). */
static int eval_is(fold_env *e, const t2n_node *n, int *res) {
  t2n_ival c[2];
  int known[2], none[2], nonetype[2];
  for (int i = 0; i < 2; i++) {
    known[i] = t2n_constant_value(e->ctx->mod, n->inputs[i], &c[i]);
    none[i] = known[i] && c[i].kind == T2N_IV_NONE;
    nonetype[i] = n->inputs[i]->type && t2n_type_is(n->inputs[i]->type, "NoneType");
  }
  if (!none[0] && !none[1] && !nonetype[0] && !nonetype[1]) return -1;
  if ((none[0] || nonetype[0]) && (none[1] || nonetype[1])) return *res = 1, 1;
  for (int i = 0; i < 2; i++) {
    if (!(none[i] || nonetype[i])) continue;
    const t2n_value *other = n->inputs[1 - i];
    if ((known[1 - i] && c[1 - i].kind != T2N_IV_NONE) || never_none(other->type)) return *res = 0, 1;
    return refuse(e, "%%%s may or may not be None", other->name);
  }
  return -1;
}

/* The static leaf type of v when it decides isinstance: a scalar leaf that
 * is not a union in disguise (Any, Scalar, number), Tensor, or NoneType for
 * a constant None; NULL otherwise. */
static const char *static_leaf(t2n_pass_ctx *ctx, const t2n_value *v) {
  t2n_ival c;
  const t2n_type *t = v->type;
  if (t2n_constant_value(ctx->mod, v, &c) && c.kind == T2N_IV_NONE) return "NoneType";
  if (!t) return NULL;
  if (t->kind == T2N_TY_TENSOR) return "Tensor";
  if (t->kind != T2N_TY_SCALAR) return NULL;
  static const char *const leaves[] = {"bool", "int", "float", "str", "NoneType", "Device", "complex"};
  for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
    if (t2n_type_is(t, leaves[i])) return leaves[i];
  return NULL;
}

/* isinstance[types=[A, B]](v): 1 with *res when v's static type decides it,
 * 0 (with e->why) when not. TorchScript has no subtyping among these leaves
 * (a bool is not an int for isinstance), so a listed name either is the
 * leaf or is not; a listed type that could contain the leaf (Any, number,
 * Optional[...], a union) is not decided here. */
static int eval_isinstance(fold_env *e, const t2n_node *n, int *res) {
  const char *leaf = static_leaf(e->ctx, n->inputs[0]);
  const t2n_attr *a = t2n_node_attr(n, "types");
  if (!leaf) return refuse(e, "the type of %%%s does not decide it", n->inputs[0]->name);
  if (!a || !a->raw || a->raw[0] != '[') return refuse(e, "no types=[...] attribute");
  static const char *const known[] = {"bool", "int", "float", "str", "NoneType", "Device", "complex", "Tensor"};
  const char *p = a->raw + 1;
  *res = 0;
  while (*p == ' ') p++;
  while (*p && *p != ']') {
    /* One listed type: up to the next ',' or the closing ']' at depth 0. */
    size_t len = 0;
    for (int depth = 0; p[len] && !(depth == 0 && (p[len] == ',' || p[len] == ']')); len++)
      depth += (p[len] == '[' || p[len] == '(') - (p[len] == ']' || p[len] == ')');
    size_t next = len;
    while (len && p[len - 1] == ' ') len--;
    int leafname = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
      if (strlen(known[i]) == len && strncmp(p, known[i], len) == 0) leafname = 1;
    /* Containers (int[], (int, int), Dict(...)) never hold a leaf; anything
     * else (Any, number, Optional[...], a class) is not decided here. */
    int container = len && (p[len - 1] == ']' || p[0] == '(' || strncmp(p, "Dict(", 5) == 0);
    if (!leafname && !container) return refuse(e, "type %.*s is not one this fold decides", (int)len, p);
    if (leafname && strlen(leaf) == len && strncmp(p, leaf, len) == 0) *res = 1;
    p += next;
    if (*p == ',') p++;
    while (*p == ' ') p++;
  }
  return 1;
}

static void try_fold(t2n_pass_ctx *ctx, t2n_node *n) {
  int k = -1;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(n->kind, ops[i].kind) == 0) {
      k = (int)i;
      break;
    }
  if (k < 0 || n->ninputs != ops[k].arity || n->noutputs != 1) return;
  op_kind op = ops[k].op;
  fold_env e = {ctx, NULL, {0}};
  t2n_ival out;
  memset(&out, 0, sizeof out);
  if (op == OP_IS || op == OP_ISNOT) {
    int res = 0, r = eval_is(&e, n, &res);
    if (r < 0) return;
    if (r == 0) {
      t2n_remark(ctx, n, "%s left alone: %s", n->kind, e.why);
      return;
    }
    set_bool(&out, op == OP_IS ? res : !res);
  } else if (op == OP_ISINSTANCE) {
    int res = 0;
    if (!eval_isinstance(&e, n, &res)) {
      t2n_remark(ctx, n, "%s left alone: %s", n->kind, e.why);
      return;
    }
    set_bool(&out, res);
  } else {
    t2n_value *in[3];
    for (int i = 0; i < n->ninputs; i++) {
      in[i] = n->inputs[i];
      /* Int/Float/Bool of a prim::NumToTensor read the number it was made
       * from (traced code turns sizes into 0-dim tensors and back). */
      if ((op == OP_INT || op == OP_FLOAT || op == OP_BOOL) && in[i]->def &&
          strcmp(in[i]->def->kind, "prim::NumToTensor") == 0 && in[i]->def->ninputs == 1)
        in[i] = in[i]->def->inputs[0];
      if (!t2n_type_is_primitive(in[i]->type)) return; /* tensors etc.: not a candidate */
    }
    t2n_ival v[3];
    for (int i = 0; i < n->ninputs; i++) {
      const char *why = NULL;
      if (!t2n_constant_value(ctx->mod, in[i], &v[i])) {
        t2n_remark(ctx, n, "%s left alone: operand %%%s is not a constant", n->kind, n->inputs[i]->name);
        return;
      }
      if (!lists_unmutated(n->inputs[i], &why)) {
        t2n_remark(ctx, n, "%s left alone: a list in operand %%%s may be changed or aliased by %s", n->kind,
                   n->inputs[i]->name, why);
        return;
      }
    }
    if (!eval(&e, op, v, &out)) {
      t2n_remark(ctx, n, "%s left alone: %s", n->kind, e.why);
      return;
    }
  }
  const t2n_type *ty = n->outputs[0]->type;
  if (out.kind == T2N_IV_LIST || out.kind == T2N_IV_TUPLE || out.kind == T2N_IV_DEVICE) {
    t2n_remark(ctx, n, "%s left alone: the result is a %s, not a scalar", n->kind, kind_name(out.kind));
    return;
  }
  if (!fits(ty, out.kind)) {
    t2n_remark(ctx, n, "%s left alone: the result is a %s but %%%s is typed %s", n->kind, kind_name(out.kind),
               n->outputs[0]->name, ty ? ty->text : "?");
    return;
  }
  t2n_value *c = t2n_insert_ival(ctx->graph, n, &out, ty);
  if (!c) {
    t2n_remark(ctx, n, "%s left alone: cannot make a constant of a %s", n->kind, kind_name(out.kind));
    return;
  }
  /* The constant takes over the folded value's name, so the output still
   * reads like the input (`%is_batched` rather than `%17`). */
  const char *name = n->outputs[0]->name;
  t2n_replace_node(n, &c);
  t2n_graph_rename(ctx->graph, c, name);
  ctx->rewrites++;
}

int t2n_pass_fold_constant_scalar_arithmetic(t2n_pass_ctx *ctx) {
  t2n_fold_sweep(ctx, ctx->graph->top, try_fold);
  return 0;
}
