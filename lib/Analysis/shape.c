/* Native shape inference: facts for every value of a graph from the example
 * inputs (see include/t2n/shape.h). Layout of this file:
 *   1. fact storage (value -> fact map, arena, reasons)
 *   2. tensor-fact helpers: strides, contiguity, broadcasting, dtype promotion,
 *      TensorIterator output strides
 *   3. rule context and argument readers
 *   4. the rules, grouped by op family
 *   5. THE OP TABLE: kind -> rule (+ an auxiliary argument); the only place
 *      that says what an op does
 *   6. the walk: graph inputs, prim::If, prim::Loop, calls, in-place aliases
 *   7. the public API
 * Nothing reads tensor data; a rule that would need it leaves its outputs
 * unknown with reason T2N_WHY_TENSOR_DATA. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/examples.h"
#include "t2n/shape.h"

#define MAXR 8

/* ======================================================================
 * 1. Fact storage
 * ==================================================================== */
typedef struct slot {
  const t2n_value *key;
  t2n_ival iv;
  const t2n_object *obj;
  const char *why;   /* root cause when iv is (partly) unknown, or NULL */
  t2n_why whyk;
} slot;

struct t2n_shape_facts {
  t2n_module *m;
  t2n_graph *g;
  const t2n_pass_options *opts;
  t2n_arena *a;
  slot *tab;
  size_t cap, n;
  const char **written;   /* attribute names some prim::SetAttr writes */
  int nwritten;
  const t2n_value **mut;  /* values whose object is mutated in place (shape of tensors, lists) */
  int nmut, capmut;
  int depth;              /* call nesting */
};

static size_t hash_ptr(const void *p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static slot *find_slot(const t2n_shape_facts *f, const t2n_value *v) {
  if (!f->cap) return NULL;
  size_t i = hash_ptr(v) & (f->cap - 1);
  while (f->tab[i].key) {
    if (f->tab[i].key == v) return &f->tab[i];
    i = (i + 1) & (f->cap - 1);
  }
  return NULL;
}

static slot *get_slot(t2n_shape_facts *f, const t2n_value *v) {
  if ((f->n + 1) * 2 > f->cap) {
    size_t ncap = f->cap ? f->cap * 2 : 256;
    slot *nt = calloc(ncap, sizeof *nt);
    if (!nt) abort();
    for (size_t i = 0; i < f->cap; i++) {
      if (!f->tab[i].key) continue;
      size_t j = hash_ptr(f->tab[i].key) & (ncap - 1);
      while (nt[j].key) j = (j + 1) & (ncap - 1);
      nt[j] = f->tab[i];
    }
    free(f->tab);
    f->tab = nt;
    f->cap = ncap;
  }
  size_t i = hash_ptr(v) & (f->cap - 1);
  while (f->tab[i].key) {
    if (f->tab[i].key == v) return &f->tab[i];
    i = (i + 1) & (f->cap - 1);
  }
  f->tab[i].key = v;
  f->n++;
  t2n_ival_set_unknown(&f->tab[i].iv);
  return &f->tab[i];
}

static const t2n_ival unknown_ival = {T2N_IV_UNKNOWN, 0, 0, NULL, 0, 0, NULL, T2N_DT_UNKNOWN, -1,
                                      {-1, -1, -1, -1, -1, -1, -1, -1}};

static const t2n_ival *fact(const t2n_shape_facts *f, const t2n_value *v) {
  slot *s = find_slot(f, v);
  return s ? &s->iv : &unknown_ival;
}

static const t2n_object *fact_obj(const t2n_shape_facts *f, const t2n_value *v) {
  slot *s = find_slot(f, v);
  return s ? s->obj : NULL;
}

static const char *fmtstr(t2n_shape_facts *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *fmtstr(t2n_shape_facts *f, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return t2n_arena_strndup(f->a, buf, strlen(buf));
}

static int is_mutated(const t2n_shape_facts *f, const t2n_value *v) {
  for (int i = 0; i < f->nmut; i++)
    if (f->mut[i] == v) return 1;
  return 0;
}

/* ======================================================================
 * 2. Tensor-fact helpers
 * ==================================================================== */
static void tf_init(t2n_ival *o) {
  t2n_ival_set_unknown(o);
  o->kind = T2N_IV_TENSOR;
}

static int tf_sizes_known(const t2n_ival *t) {
  if (t->kind != T2N_IV_TENSOR || t->rank < 0) return 0;
  for (int i = 0; i < t->rank; i++)
    if (t->sizes[i] < 0) return 0;
  return 1;
}

int t2n_fact_strides(const t2n_ival *iv, int64_t strides[8]) {
  if (iv->kind != T2N_IV_TENSOR || !iv->elems || iv->rank < 0) return 0;
  memcpy(strides, iv->elems[0].sizes, sizeof(int64_t) * 8);
  return 1;
}

static void tf_set_strides(t2n_shape_facts *f, t2n_ival *o, const int64_t *st) {
  t2n_ival *s = t2n_arena_alloc(f->a, sizeof *s);
  t2n_ival_set_unknown(s);
  for (int i = 0; i < o->rank && i < MAXR; i++) s->sizes[i] = st[i];
  o->elems = s;
}

static void contig_strides(int rank, const int64_t *sz, int64_t *st) {
  int64_t acc = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= sz[i] > 1 ? sz[i] : 1;
  }
}

static void tf_contig(t2n_shape_facts *f, t2n_ival *o) {
  if (!tf_sizes_known(o)) {
    o->elems = NULL;
    return;
  }
  int64_t st[MAXR];
  contig_strides(o->rank, o->sizes, st);
  tf_set_strides(f, o, st);
}

static int64_t numel_of(const t2n_ival *t) {
  if (!tf_sizes_known(t)) return -1;
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->sizes[i];
  return n;
}

static int is_contig(int rank, const int64_t *sz, const int64_t *st) {
  int64_t z = 1;
  for (int d = 0; d < rank; d++)
    if (sz[d] == 0) return 1;
  for (int d = rank - 1; d >= 0; d--) {
    if (sz[d] == 1) continue;
    if (st[d] != z) return 0;
    z *= sz[d];
  }
  return 1;
}

static int is_channels_last(int rank, const int64_t *sz, const int64_t *st) {
  static const int o4[] = {1, 3, 2, 0}, o5[] = {1, 4, 3, 2, 0};
  const int *o = rank == 4 ? o4 : rank == 5 ? o5 : NULL;
  if (!o) return 0;
  int64_t e = 1;
  for (int k = 0; k < rank; k++) {
    int d = o[k];
    if (sz[d] == 1) continue;
    if (st[d] != e) return 0;
    e *= sz[d];
  }
  return 1;
}

static void channels_last_strides(int rank, const int64_t *sz, int64_t *st) {
  if (rank == 4) {
    st[1] = 1;
    st[3] = sz[1];
    st[2] = st[3] * sz[3];
    st[0] = st[2] * sz[2];
  } else {
    st[1] = 1;
    st[4] = sz[1];
    st[3] = st[4] * sz[4];
    st[2] = st[3] * sz[3];
    st[0] = st[2] * sz[2];
  }
}

static int non_overlapping_dense(int rank, const int64_t *sz, const int64_t *st) {
  if (rank == 1) return sz[0] < 2 || st[0] == 1;
  int perm[MAXR];
  for (int i = 0; i < rank; i++) perm[i] = i;
  /* sort dims: size<2 last, else by stride ascending */
  for (int i = 1; i < rank; i++)
    for (int j = i; j > 0; j--) {
      int a = perm[j - 1], b = perm[j];
      int b_before_a = sz[b] >= 2 && (sz[a] < 2 || st[b] < st[a]);
      if (!b_before_a) break;
      perm[j - 1] = b;
      perm[j] = a;
    }
  int64_t req = 1;
  for (int i = 0; i < rank; i++) {
    int64_t s = sz[perm[i]];
    if (s < 2) return 1;
    if (st[perm[i]] != req) return 0;
    req *= s;
  }
  return 1;
}

/* Broadcast of two shapes; 0 when the shapes are incompatible. */
static int bcast(const t2n_ival *a, const t2n_ival *b, t2n_ival *o) {
  if (a->rank < 0 || b->rank < 0) {
    o->rank = -1;
    return 1;
  }
  int r = a->rank > b->rank ? a->rank : b->rank;
  int64_t s[MAXR] = {0};
  for (int i = 0; i < r; i++) {
    int ia = a->rank - r + i, ib = b->rank - r + i;
    int64_t x = ia >= 0 ? a->sizes[ia] : 1, y = ib >= 0 ? b->sizes[ib] : 1;
    if (x == y) s[i] = x;
    else if (x == 1) s[i] = y;
    else if (y == 1) s[i] = x;
    else if (x < 0) s[i] = y;
    else if (y < 0) s[i] = x;
    else return 0;
  }
  o->rank = r;
  for (int i = 0; i < r; i++) o->sizes[i] = s[i];
  return 1;
}

/* ---- dtypes and promotion (c10/core/ScalarType.h) ---- */
#define DT_UNDEF T2N_DT_UNKNOWN
static int dt_is_float(t2n_dtype d) {
  return d == T2N_DT_FLOAT16 || d == T2N_DT_FLOAT32 || d == T2N_DT_FLOAT64 || d == T2N_DT_BFLOAT16;
}
static int dt_is_complex(t2n_dtype d) {
  return d == T2N_DT_COMPLEX32 || d == T2N_DT_COMPLEX64 || d == T2N_DT_COMPLEX128;
}
static int dt_is_integral(t2n_dtype d, int include_bool) {
  return (d >= T2N_DT_UINT8 && d <= T2N_DT_INT64) || (include_bool && d == T2N_DT_BOOL);
}
static t2n_dtype dt_to_complex(t2n_dtype d) {
  switch (d) {
  case T2N_DT_FLOAT16: return T2N_DT_COMPLEX32;
  case T2N_DT_FLOAT64: return T2N_DT_COMPLEX128;
  default: return T2N_DT_COMPLEX64;
  }
}
static t2n_dtype dt_to_real(t2n_dtype d) {
  switch (d) {
  case T2N_DT_COMPLEX32: return T2N_DT_FLOAT16;
  case T2N_DT_COMPLEX64: return T2N_DT_FLOAT32;
  case T2N_DT_COMPLEX128: return T2N_DT_FLOAT64;
  default: return d;
  }
}
static int float_rank(t2n_dtype d) {
  switch (d) {
  case T2N_DT_FLOAT16: case T2N_DT_BFLOAT16: case T2N_DT_COMPLEX32: return 1;
  case T2N_DT_FLOAT32: case T2N_DT_COMPLEX64: return 2;
  case T2N_DT_FLOAT64: case T2N_DT_COMPLEX128: return 3;
  default: return 0;
  }
}

static t2n_dtype promote(t2n_dtype a, t2n_dtype b) {
  if (a == DT_UNDEF) return b;
  if (b == DT_UNDEF) return a;
  if (a == b) return a;
  if (a == T2N_DT_BOOL) return b;
  if (b == T2N_DT_BOOL) return a;
  if (a >= T2N_DT_QINT8 && a <= T2N_DT_QINT32) return DT_UNDEF;
  if (b >= T2N_DT_QINT8 && b <= T2N_DT_QINT32) return DT_UNDEF;
  if (dt_is_complex(a) || dt_is_complex(b)) {
    int r = float_rank(a) > float_rank(b) ? float_rank(a) : float_rank(b);
    if ((a == T2N_DT_BFLOAT16 && dt_is_complex(b) && float_rank(b) == 1) ||
        (b == T2N_DT_BFLOAT16 && dt_is_complex(a) && float_rank(a) == 1))
      r = 2;
    return r == 1 ? T2N_DT_COMPLEX32 : r == 2 ? T2N_DT_COMPLEX64 : T2N_DT_COMPLEX128;
  }
  if (dt_is_float(a) && dt_is_float(b)) {
    if ((a == T2N_DT_FLOAT16 && b == T2N_DT_BFLOAT16) || (a == T2N_DT_BFLOAT16 && b == T2N_DT_FLOAT16))
      return T2N_DT_FLOAT32;
    return float_rank(a) >= float_rank(b) ? a : b;
  }
  if (dt_is_float(a)) return a;
  if (dt_is_float(b)) return b;
  /* both integral */
  if (a == T2N_DT_UINT8 || b == T2N_DT_UINT8) {
    t2n_dtype o = a == T2N_DT_UINT8 ? b : a;
    return o == T2N_DT_INT8 ? T2N_DT_INT16 : o;
  }
  return a > b ? a : b; /* INT8 < INT16 < INT32 < INT64 */
}

static t2n_dtype combine_categories(t2n_dtype higher, t2n_dtype lower) {
  if (dt_is_complex(higher)) return higher;
  if (dt_is_complex(lower)) {
    if (dt_is_float(higher)) return dt_to_complex(higher);
    return lower;
  }
  if (dt_is_float(higher)) return higher;
  if (higher == T2N_DT_BOOL || dt_is_float(lower)) return promote(higher, lower);
  if (higher != DT_UNDEF) return higher;
  return lower;
}

/* ======================================================================
 * 3. Rule context
 * ==================================================================== */
#define MAXOUT 16
typedef struct rc {
  t2n_shape_facts *f;
  t2n_node *n;
  int nin;
  t2n_ival *out;         /* n->noutputs facts */
  const t2n_object *out_obj;
  int aux;
  const char *why;       /* root cause when an output stays unknown */
  t2n_why whyk;
  unsigned char strides_set[MAXOUT]; /* 1: the rule set strides (or NULL on purpose) */
} rc;

static const t2n_ival *IN(const rc *c, int i) {
  if (i < 0 || i >= c->nin) return &unknown_ival;
  return fact(c->f, c->n->inputs[i]);
}
static const t2n_type *TY(const rc *c, int i) { return i < c->nin ? c->n->inputs[i]->type : NULL; }
static const t2n_type *OTY(const rc *c, int k) { return k < c->n->noutputs ? c->n->outputs[k]->type : NULL; }

static void why(rc *c, t2n_why k, const char *msg) {
  if (!c->why) {
    c->why = msg;
    c->whyk = k;
  }
}
static void why_data(rc *c) {
  why(c, T2N_WHY_TENSOR_DATA, fmtstr(c->f, "%s reads the contents of a tensor", c->n->kind));
}

static int cint(const rc *c, int i, int64_t *v) {
  const t2n_ival *x = IN(c, i);
  if (x->kind != T2N_IV_INT && x->kind != T2N_IV_BOOL) return 0;
  *v = x->i;
  return 1;
}
static int cnum(const rc *c, int i, double *v) {
  const t2n_ival *x = IN(c, i);
  if (x->kind == T2N_IV_FLOAT) *v = x->f;
  else if (x->kind == T2N_IV_INT || x->kind == T2N_IV_BOOL) *v = (double)x->i;
  else return 0;
  return 1;
}
/* Input i is None (also when it is absent: a defaulted trailing argument). */
static int cnone(const rc *c, int i) { return i >= c->nin || IN(c, i)->kind == T2N_IV_NONE; }
static int cbool(const rc *c, int i, int *v) {
  int64_t x;
  if (!cint(c, i, &x)) return 0;
  *v = x != 0;
  return 1;
}
/* A complete int list (or a single int, counted once); returns its length or -1. */
static int cints(const rc *c, int i, int64_t *out, int max) {
  const t2n_ival *x = IN(c, i);
  if (x->kind == T2N_IV_INT) {
    out[0] = x->i;
    return 1;
  }
  if (x->kind != T2N_IV_LIST || x->n > max) return -1;
  for (int k = 0; k < x->n; k++) {
    if (x->elems[k].kind != T2N_IV_INT) return -1;
    out[k] = x->elems[k].i;
  }
  return x->n;
}
static const t2n_ival *ctensor(const rc *c, int i) {
  const t2n_ival *x = IN(c, i);
  return x->kind == T2N_IV_TENSOR ? x : NULL;
}
static int is_tensor_arg(const rc *c, int i) {
  if (i >= c->nin) return 0;
  if (IN(c, i)->kind == T2N_IV_TENSOR) return 1;
  const t2n_type *t = TY(c, i);
  return t && (t->kind == T2N_TY_TENSOR ||
               (t->kind == T2N_TY_OPTIONAL && t->nelems == 1 && t->elems[0]->kind == T2N_TY_TENSOR));
}
/* Output k as a fresh tensor fact. */
static t2n_ival *T(rc *c, int k) {
  tf_init(&c->out[k]);
  return &c->out[k];
}
static void set_strides(rc *c, int k, const int64_t *st) {
  if (k < MAXOUT) c->strides_set[k] = 1;
  if (st) tf_set_strides(c->f, &c->out[k], st);
  else c->out[k].elems = NULL;
}
static void keep_strides_unknown(rc *c, int k) { set_strides(c, k, NULL); }

static int wrap_dim(int64_t d, int rank, int64_t *out) {
  int r = rank > 0 ? rank : 1;
  if (d < -r || d >= r) return 0;
  *out = d < 0 ? d + r : d;
  return 1;
}

static const char *dev_of(const t2n_ival *t) { return t && t->kind == T2N_IV_TENSOR ? t->s : NULL; }
static void set_dev(t2n_ival *o, const char *d) {
  o->s = d;
  o->slen = d ? strlen(d) : 0;
}

/* result_type over the operands: tensors (dimensioned, zero-dim) and
 * Python scalars (int -> Long, float -> the default Float, bool -> Bool). */
static t2n_dtype result_type(const rc *c, const int *idx, int nidx) {
  t2n_dtype res[2];
  for (int variant = 0; variant < 2; variant++) { /* unknown ranks: as dim / zero-dim */
    t2n_dtype dimr = DT_UNDEF, zeror = DT_UNDEF, wrapr = DT_UNDEF;
    for (int k = 0; k < nidx; k++) {
      int i = idx[k];
      const t2n_ival *x = IN(c, i);
      if (is_tensor_arg(c, i)) {
        if (x->kind != T2N_IV_TENSOR || x->dtype < 0) {
          if (x->kind == T2N_IV_NONE) continue;
          return DT_UNDEF;
        }
        int zero = x->rank == 0 || (x->rank < 0 && variant == 1);
        if (zero) zeror = promote(zeror, x->dtype);
        else dimr = promote(dimr, x->dtype);
        continue;
      }
      t2n_dtype w;
      const t2n_type *ty = TY(c, i);
      if (x->kind == T2N_IV_BOOL || t2n_type_is(ty, "bool")) w = T2N_DT_BOOL;
      else if (x->kind == T2N_IV_INT || t2n_type_is(ty, "int")) w = T2N_DT_INT64;
      else if (x->kind == T2N_IV_FLOAT || t2n_type_is(ty, "float")) w = T2N_DT_FLOAT32;
      else if (t2n_type_is(ty, "complex")) w = T2N_DT_COMPLEX64;
      else if (x->kind == T2N_IV_NONE) continue;
      else return DT_UNDEF;
      wrapr = promote(wrapr, w);
    }
    res[variant] = combine_categories(dimr, combine_categories(zeror, wrapr));
  }
  return res[0] == res[1] ? res[0] : DT_UNDEF;
}

/* Output strides of a TensorIterator op (at::TensorIteratorBase::build)
 * whose inputs are the tensor facts `ops` (plus `nscalars` wrapped-number
 * operands) and whose broadcast shape is `shape`. 0 when unknown. */
static int ti_strides(const t2n_ival *const *ops, int nops, int nscalars, int nd, const int64_t *shape,
                      int64_t *out) {
  int64_t st[MAXOUT][MAXR];
  for (int k = 0; k < nops; k++)
    if (!tf_sizes_known(ops[k]) || !t2n_fact_strides(ops[k], st[k])) return 0;
  if (nd == 0) return 1;
  int same_shape = nscalars == 0;
  for (int k = 0; k < nops && same_shape; k++) {
    if (ops[k]->rank != nd) same_shape = 0;
    else
      for (int d = 0; d < nd; d++)
        if (ops[k]->sizes[d] != shape[d]) same_shape = 0;
  }
  if (same_shape) {
    int contig = 1, cl = 1, dense = 1;
    for (int k = 0; k < nops; k++) {
      contig &= is_contig(nd, shape, st[k]);
      cl &= is_channels_last(nd, shape, st[k]);
      dense &= non_overlapping_dense(nd, shape, st[k]);
    }
    if (contig) {
      contig_strides(nd, shape, out);
      return 1;
    }
    if (cl) {
      channels_last_strides(nd, shape, out);
      return 1;
    }
    if (dense) {
      int same = 1;
      for (int k = 1; k < nops; k++)
        if (memcmp(st[k], st[0], sizeof(int64_t) * (size_t)nd)) same = 0;
      if (same) {
        memcpy(out, st[0], sizeof(int64_t) * (size_t)nd);
        return 1;
      }
    }
  }
  /* compute_strides: byte strides in the broadcast shape, 0 where broadcast */
  int64_t sb[MAXOUT][MAXR];
  for (int k = 0; k < nops; k++) {
    int r = ops[k]->rank, off = nd - r;
    int64_t es = (int64_t)t2n_dtype_size(ops[k]->dtype);
    if (es <= 0) es = 1;
    for (int d = 0; d < nd; d++) sb[k][d] = 0;
    for (int i = 0; i < r; i++)
      sb[k][off + i] = (ops[k]->sizes[i] == 1 && shape[off + i] != 1) ? 0 : st[k][i] * es;
  }
  /* reorder_dimensions */
  int perm[MAXR];
  for (int i = 0; i < nd; i++) perm[i] = nd - 1 - i;
  for (int i = 1; i < nd; i++) {
    int dim1 = i;
    for (int dim0 = i - 1; dim0 >= 0; dim0--) {
      int d0 = perm[dim0], d1 = perm[dim1], cmp = 0;
      for (int k = 0; k < nops; k++) {
        int64_t s0 = sb[k][d0], s1 = sb[k][d1];
        if (s0 == 0 || s1 == 0) continue;
        if (s0 < s1) { cmp = -1; break; }
        if (s0 > s1) { cmp = 1; break; }
        if (shape[d0] > shape[d1]) { cmp = 1; break; }
      }
      if (cmp > 0) {
        perm[dim0] = d1;
        perm[dim1] = d0;
        dim1 = dim0;
      } else if (cmp < 0) {
        break;
      }
    }
  }
  int inverted = 1;
  for (int j = 0; j < nd; j++)
    if (perm[j] != nd - j - 1) inverted = 0;
  if (inverted) {
    contig_strides(nd, shape, out);
    return 1;
  }
  int64_t next = 1;
  for (int j = 0; j < nd; j++) {
    out[perm[j]] = next;
    next *= shape[perm[j]];
  }
  return 1;
}

/* Sets output k's strides the way an elementwise (TensorIterator) op
 * would for the tensor inputs in idx (scalar inputs count as operands). */
static void ti_output(rc *c, int k, const int *idx, int nidx) {
  const t2n_ival *ops[MAXOUT];
  int nops = 0, nscalars = 0;
  t2n_ival *o = &c->out[k];
  for (int j = 0; j < nidx && nops < MAXOUT; j++) {
    if (is_tensor_arg(c, idx[j])) {
      if (IN(c, idx[j])->kind == T2N_IV_NONE) continue;
      ops[nops++] = IN(c, idx[j]);
    } else {
      nscalars++;
    }
  }
  int64_t st[MAXR];
  if (tf_sizes_known(o) && ti_strides(ops, nops, nscalars, o->rank, o->sizes, st)) set_strides(c, k, st);
  else keep_strides_unknown(c, k);
}

/* ======================================================================
 * 4. Rules
 * ==================================================================== */

/* ---- 4a. constants, containers, prim ops, scalars ---- */
static int fact_from_type(t2n_shape_facts *f, const t2n_type *ty, t2n_ival *o) {
  tf_init(o);
  if (!ty || ty->kind != T2N_TY_TENSOR) return 0;
  o->dtype = ty->dtype;
  o->rank = ty->rank <= MAXR ? ty->rank : -1;
  for (int i = 0; i < o->rank; i++) o->sizes[i] = ty->sizes ? ty->sizes[i] : -1;
  set_dev(o, ty->device);
  int st_ok = ty->strides != NULL && o->rank >= 0;
  for (int i = 0; st_ok && i < o->rank; i++)
    if (ty->strides[i] < 0) st_ok = 0;
  if (st_ok) tf_set_strides(f, o, ty->strides);
  else tf_contig(f, o);
  return 1;
}

static void r_constant(rc *c) {
  const t2n_attr *a = t2n_node_attr(c->n, "value");
  const t2n_type *ty = OTY(c, 0);
  if (c->n->noutputs != 1) return;
  if (!a) {
    if (c->n->nattrs == 0) c->out[0].kind = T2N_IV_NONE;
    return; /* Function constants (name=) */
  }
  if (ty && ty->kind == T2N_TY_TENSOR) {
    if (ty->rank >= 0) {
      fact_from_type(c->f, ty, &c->out[0]);
      c->strides_set[0] = 1;
      return;
    }
    t2n_ival lit;
    if (t2n_ival_parse_literal(c->f->m, c->f->a, a->raw, ty, &lit) && lit.kind == T2N_IV_TENSOR) {
      c->out[0] = lit;
      return;
    }
    if (a->raw[0] == '{') { /* a 0-dim tensor constant: {1.5} */
      t2n_ival *o = T(c, 0);
      o->rank = 0;
      o->dtype = ty->dtype;
      set_dev(o, "cpu");
    }
    return;
  }
  t2n_ival_parse_literal(c->f->m, c->f->a, a->raw, ty, &c->out[0]);
}

static t2n_ival *copy_ivals(t2n_shape_facts *f, int n, const t2n_ival *const *src) {
  t2n_ival *e = t2n_arena_alloc(f->a, sizeof *e * (size_t)(n + 1));
  for (int i = 0; i < n; i++) e[i] = *src[i];
  return e;
}

static void r_construct(rc *c) { /* aux: T2N_IV_LIST / T2N_IV_TUPLE */
  const t2n_ival *src[256];
  if (c->nin > 256) return;
  for (int i = 0; i < c->nin; i++) src[i] = IN(c, i);
  t2n_ival *o = &c->out[0];
  t2n_ival_set_unknown(o);
  o->kind = (t2n_ival_kind)c->aux;
  o->n = c->nin;
  o->elems = copy_ivals(c->f, c->nin, src);
}

static void r_unpack(rc *c) { /* ListUnpack, TupleUnpack */
  const t2n_ival *x = IN(c, 0);
  if ((x->kind == T2N_IV_LIST || x->kind == T2N_IV_TUPLE) && x->n == c->n->noutputs)
    for (int k = 0; k < x->n; k++) c->out[k] = x->elems[k];
}

static void r_tuple_index(rc *c) {
  const t2n_ival *x = IN(c, 0);
  int64_t i;
  if (x->kind != T2N_IV_TUPLE || !cint(c, 1, &i)) return;
  if (i < 0) i += x->n;
  if (i >= 0 && i < x->n) c->out[0] = x->elems[i];
}

static void r_tuple_slice(rc *c) { /* prim::TupleSlice[beg=, end=](t) */
  const t2n_ival *x = IN(c, 0);
  const t2n_attr *b = t2n_node_attr(c->n, "beg"), *e = t2n_node_attr(c->n, "end");
  if (x->kind != T2N_IV_TUPLE || !b || !e || b->kind != T2N_ATTR_INT || e->kind != T2N_ATTR_INT) return;
  if (b->i < 0 || e->i > x->n || b->i > e->i) return;
  t2n_ival *o = &c->out[0];
  o->kind = T2N_IV_TUPLE;
  o->n = (int)(e->i - b->i);
  o->elems = x->elems + b->i;
}

static void r_dtype(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->dtype >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = t->dtype;
  }
}

static void r_device(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->s) {
    c->out[0].kind = T2N_IV_DEVICE;
    c->out[0].s = t->s;
    c->out[0].slen = strlen(t->s);
  }
}

static void r_is_device(rc *c) { /* aux: 0 is_cuda, 1 is_cpu, 2 is_mps, 3 is_meta */
  static const char *const names[] = {"cuda", "cpu", "mps", "meta"};
  const t2n_ival *t = ctensor(c, 0);
  if (!t || !t->s) return;
  size_t l = strlen(names[c->aux]);
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = strncmp(t->s, names[c->aux], l) == 0 && (t->s[l] == 0 || t->s[l] == ':');
}

static void r_layout(rc *c) {
  if (ctensor(c, 0)) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = 0; /* torch.strided */
  }
}

/* Same value (and object) as input 0: prim::data, detach, alias, casts. */
static void r_identity(rc *c) {
  c->out[0] = *IN(c, 0);
  c->out_obj = fact_obj(c->f, c->n->inputs[0]);
  c->strides_set[0] = 1;
}

static void r_num_to_tensor(rc *c) {
  const t2n_ival *x = IN(c, 0);
  const t2n_type *ty = TY(c, 0);
  t2n_ival *o = T(c, 0);
  o->rank = 0;
  set_dev(o, "cpu");
  if (x->kind == T2N_IV_BOOL || t2n_type_is(ty, "bool")) o->dtype = T2N_DT_BOOL;
  else if (x->kind == T2N_IV_INT || t2n_type_is(ty, "int")) o->dtype = T2N_DT_INT64;
  else if (x->kind == T2N_IV_FLOAT || t2n_type_is(ty, "float")) o->dtype = T2N_DT_FLOAT64;
  /* A 0-dim tensor made from a known number carries it (n = 1, i / f). */
  if (x->kind == T2N_IV_INT || x->kind == T2N_IV_BOOL || x->kind == T2N_IV_FLOAT) {
    o->n = 1;
    o->i = x->i;
    o->f = x->kind == T2N_IV_FLOAT ? x->f : (double)x->i;
  }
}

static int has_value(const t2n_ival *t) { return t && t->kind == T2N_IV_TENSOR && t->n == 1 && t->rank == 0; }
static void tensor_value(const t2n_ival *t, t2n_ival *out) {
  t2n_ival_set_unknown(out);
  if (dt_is_float(t->dtype)) {
    out->kind = T2N_IV_FLOAT;
    out->f = t->f;
  } else if (t->dtype == T2N_DT_BOOL) {
    out->kind = T2N_IV_BOOL;
    out->i = t->i != 0;
  } else {
    out->kind = T2N_IV_INT;
    out->i = t->i;
  }
}

/* aten::Bool / Int / Float (aux: the scalar op), aten::item, ScalarImplicit. */
static void r_convert(rc *c) {
  if (is_tensor_arg(c, 0)) {
    const t2n_ival *t = ctensor(c, 0);
    if (!has_value(t)) {
      why_data(c);
      return;
    }
    t2n_ival v;
    tensor_value(t, &v);
    if (c->aux < 0) {
      c->out[0] = v;
      return;
    }
    t2n_scalar_unary((t2n_scalar_op)c->aux, &v, OTY(c, 0), &c->out[0]);
    return;
  }
  if (c->aux < 0) {
    c->out[0] = *IN(c, 0);
    return;
  }
  t2n_scalar_unary((t2n_scalar_op)c->aux, IN(c, 0), OTY(c, 0), &c->out[0]);
}

static void r_needs_data(rc *c) { why_data(c); }

static void r_getattr(rc *c) {
  const t2n_object *obj = fact_obj(c->f, c->n->inputs[0]);
  const t2n_attr *a = t2n_node_attr(c->n, "name");
  if (!a || a->kind != T2N_ATTR_STRING) return;
  if (!obj) {
    why(c, T2N_WHY_OTHER, fmtstr(c->f, "attribute '%s' of an object the graph does not know (no module text, or not frozen)", a->s));
    return;
  }
  for (int i = 0; i < c->f->nwritten; i++)
    if (strcmp(c->f->written[i], a->s) == 0) {
      why(c, T2N_WHY_OTHER, fmtstr(c->f, "module attribute '%s' is written by prim::SetAttr (lift it with -lift-state)", a->s));
      return;
    }
  const t2n_field *fl = t2n_object_field(obj, a->s);
  if (!fl)
    for (int i = 0; i < obj->nparams; i++)
      if (strcmp(obj->params[i].name, a->s) == 0) fl = &obj->params[i];
  if (!fl) return;
  if (fl->obj) {
    c->out_obj = fl->obj;
    return;
  }
  if (!t2n_ival_parse_literal(c->f->m, c->f->a, fl->raw, OTY(c, 0), &c->out[0])) return;
  if (c->out[0].kind == T2N_IV_TENSOR) {
    tf_contig(c->f, &c->out[0]);
    c->strides_set[0] = 1;
  }
}

static void r_uninitialized(rc *c) {
  why(c, T2N_WHY_OTHER, "prim::Uninitialized (a value only read on a path that raised)");
}

static int type_may_be_none(const t2n_type *t) {
  if (!t) return 1;
  if (t->kind == T2N_TY_OPTIONAL || t->kind == T2N_TY_UNION) return 1;
  return t2n_type_is(t, "NoneType") || t2n_type_is(t, "Any");
}

static void r_is(rc *c) { /* aux 0: __is__, 1: __isnot__ */
  const t2n_ival *a = IN(c, 0), *b = IN(c, 1);
  int an = a->kind == T2N_IV_NONE, bn = b->kind == T2N_IV_NONE;
  int a_some = (a->kind != T2N_IV_UNKNOWN && !an) || !type_may_be_none(TY(c, 0));
  int b_some = (b->kind != T2N_IV_UNKNOWN && !bn) || !type_may_be_none(TY(c, 1));
  int r = -1;
  if (an && bn) r = 1;
  else if ((an && b_some) || (bn && a_some)) r = 0;
  if (r < 0) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = c->aux ? !r : r;
}

static void r_size(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (!t || t->rank < 0) return;
  if (c->nin >= 2) {
    int64_t d;
    if (!cint(c, 1, &d) || !wrap_dim(d, t->rank, &d) || t->rank == 0) return;
    if (t->sizes[d] >= 0) {
      c->out[0].kind = T2N_IV_INT;
      c->out[0].i = t->sizes[d];
    }
    return;
  }
  t2n_ival *e = t2n_arena_alloc(c->f->a, sizeof *e * (size_t)(t->rank + 1));
  for (int i = 0; i < t->rank; i++) {
    t2n_ival_set_unknown(&e[i]);
    if (t->sizes[i] >= 0) {
      e[i].kind = T2N_IV_INT;
      e[i].i = t->sizes[i];
    }
  }
  c->out[0].kind = T2N_IV_LIST;
  c->out[0].n = t->rank;
  c->out[0].elems = e;
}

static void r_dim(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->rank >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = t->rank;
  }
}

static void r_numel(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  int64_t n = t ? numel_of(t) : -1;
  if (n >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = n;
  }
}

static void r_len(rc *c) {
  const t2n_ival *x = IN(c, 0);
  if (x->kind == T2N_IV_TENSOR) {
    if (x->rank > 0 && x->sizes[0] >= 0) {
      c->out[0].kind = T2N_IV_INT;
      c->out[0].i = x->sizes[0];
    }
    return;
  }
  t2n_scalar_unary(T2N_SOP_STR_LEN, x, OTY(c, 0), &c->out[0]);
}

static void r_getitem(rc *c) {
  const t2n_ival *x = IN(c, 0);
  int64_t i;
  if (!cint(c, 1, &i)) return;
  if (x->kind == T2N_IV_LIST || x->kind == T2N_IV_TUPLE) {
    if (i < 0) i += x->n;
    if (i >= 0 && i < x->n) c->out[0] = x->elems[i];
  } else if (x->kind == T2N_IV_STR) {
    if (i < 0) i += (int64_t)x->slen;
    if (i >= 0 && i < (int64_t)x->slen) {
      c->out[0].kind = T2N_IV_STR;
      c->out[0].s = x->s + i;
      c->out[0].slen = 1;
    }
  }
}

static void r_contains(rc *c) {
  const t2n_ival *l = IN(c, 0), *x = IN(c, 1);
  if (l->kind == T2N_IV_STR && x->kind == T2N_IV_STR) {
    int found = 0;
    for (size_t i = 0; !found && i + x->slen <= l->slen; i++)
      if (memcmp(l->s + i, x->s, x->slen) == 0) found = 1;
    c->out[0].kind = T2N_IV_BOOL;
    c->out[0].i = found;
    return;
  }
  if (l->kind != T2N_IV_LIST && l->kind != T2N_IV_TUPLE) return;
  int any_unknown = 0;
  for (int i = 0; i < l->n; i++) {
    int e = t2n_ival_equal(&l->elems[i], x);
    if (e == 1) {
      c->out[0].kind = T2N_IV_BOOL;
      c->out[0].i = 1;
      return;
    }
    if (e < 0) any_unknown = 1;
  }
  if (any_unknown) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = 0;
}

static void r_scalar_unary(rc *c) { t2n_scalar_unary((t2n_scalar_op)c->aux, IN(c, 0), OTY(c, 0), &c->out[0]); }

/* prim::min / prim::max: of two scalars, or of a list. */
static void r_prim_minmax(rc *c) {
  if (c->nin == 2) {
    t2n_scalar_binary(c->f->a, (t2n_scalar_op)c->aux, IN(c, 0), IN(c, 1), OTY(c, 0), &c->out[0]);
    return;
  }
  const t2n_ival *l = IN(c, 0);
  if (l->kind != T2N_IV_LIST || l->n == 0) return;
  t2n_ival acc = l->elems[0];
  for (int i = 1; i < l->n; i++) {
    t2n_ival r;
    if (!t2n_scalar_binary(c->f->a, (t2n_scalar_op)c->aux, &acc, &l->elems[i], NULL, &r)) return;
    acc = r;
  }
  c->out[0] = acc;
}

static void r_range_length(rc *c) {
  int64_t lo, hi, step;
  if (!cint(c, 0, &lo) || !cint(c, 1, &hi) || !cint(c, 2, &step) || step == 0) return;
  int64_t n = 0;
  if (step > 0 && lo < hi) n = (hi - lo - 1) / step + 1;
  else if (step < 0 && lo > hi) n = (lo - hi - 1) / (-step) + 1;
  c->out[0].kind = T2N_IV_INT;
  c->out[0].i = n;
}

static void r_derive_index(rc *c) {
  int64_t idx, start, step;
  if (!cint(c, 0, &idx) || !cint(c, 1, &start) || !cint(c, 2, &step)) return;
  c->out[0].kind = T2N_IV_INT;
  c->out[0].i = start + idx * step;
}

static void r_is_floating_point(rc *c) { /* aux 0: floating, 1: complex, 2: signed */
  const t2n_ival *t = ctensor(c, 0);
  if (!t || t->dtype < 0) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = c->aux == 0 ? dt_is_float(t->dtype)
              : c->aux == 1 ? dt_is_complex(t->dtype)
                            : (t->dtype != T2N_DT_UINT8 && t->dtype != T2N_DT_BOOL);
}

static void r_nothing(rc *c) { (void)c; }

/* ---- 4b. elementwise ops ---- */
/* aux of the arithmetic rules: the scalar op, and how a tensor result's
 * dtype follows from the operands. */
enum { DTM_PROMOTE = 0, DTM_BOOL = 1, DTM_FLOAT = 2, DTM_SAME = 3, DTM_REAL = 4, DTM_LONG = 5 };
#define AUX(sop, mode) ((int)(sop) | ((mode) << 8))
#define AUX_SOP(a) ((t2n_scalar_op)((a) & 0xff))
#define AUX_MODE(a) ((a) >> 8)

static t2n_dtype apply_mode(int mode, t2n_dtype promoted, t2n_dtype self) {
  switch (mode) {
  case DTM_BOOL: return T2N_DT_BOOL;
  case DTM_LONG: return T2N_DT_INT64;
  case DTM_FLOAT:
    if (promoted == DT_UNDEF) return DT_UNDEF;
    return dt_is_integral(promoted, 1) ? T2N_DT_FLOAT32 : promoted;
  case DTM_SAME: return self;
  case DTM_REAL: return dt_to_real(self);
  default: return promoted;
  }
}

/* Broadcast shape and device of the tensor inputs listed in idx into out k. */
static int bcast_inputs(rc *c, t2n_ival *o, const int *idx, int nidx) {
  int first = 1;
  for (int j = 0; j < nidx; j++) {
    if (!is_tensor_arg(c, idx[j])) continue;
    const t2n_ival *x = IN(c, idx[j]);
    if (x->kind == T2N_IV_NONE) continue;
    if (x->kind != T2N_IV_TENSOR) {
      o->rank = -1;
      return 1;
    }
    if (first) {
      o->rank = x->rank;
      for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
      set_dev(o, x->s);
      first = 0;
    } else if (!bcast(o, x, o)) {
      why(c, T2N_WHY_OTHER, fmtstr(c->f, "%s: the operand shapes do not broadcast", c->n->kind));
      return 0;
    }
  }
  return 1;
}

/* Elementwise op over the tensor/scalar inputs idx with dtype mode. */
static void elementwise(rc *c, const int *idx, int nidx, int mode, int scalars_are_operands) {
  t2n_ival *o = T(c, 0);
  if (!bcast_inputs(c, o, idx, nidx)) {
    tf_init(o);
    return;
  }
  const t2n_ival *self = IN(c, idx[0]);
  t2n_dtype p = mode == DTM_BOOL || mode == DTM_LONG || mode == DTM_SAME || mode == DTM_REAL
                    ? DT_UNDEF : result_type(c, idx, nidx);
  o->dtype = apply_mode(mode, p, self->kind == T2N_IV_TENSOR ? self->dtype : DT_UNDEF);
  if (scalars_are_operands) {
    ti_output(c, 0, idx, nidx);
  } else {
    int tidx[8], nt = 0;
    for (int j = 0; j < nidx && nt < 8; j++)
      if (is_tensor_arg(c, idx[j])) tidx[nt++] = idx[j];
    ti_output(c, 0, tidx, nt);
  }
}

/* A 0-dim tensor with a known value combined with numbers (traced graphs
 * compute sizes this way: NumToTensor, mul, Int). */
static void carry_value(rc *c, t2n_scalar_op op, int binary) {
  t2n_ival *o = &c->out[0];
  if (o->kind != T2N_IV_TENSOR || o->rank != 0 || o->dtype < 0) return;
  t2n_ival a, b, r;
  const t2n_ival *x = IN(c, 0), *y = IN(c, 1);
  if (x->kind == T2N_IV_TENSOR) {
    if (!has_value(x)) return;
    tensor_value(x, &a);
  } else {
    a = *x;
  }
  if (binary) {
    if (y->kind == T2N_IV_TENSOR) {
      if (!has_value(y)) return;
      tensor_value(y, &b);
    } else {
      b = *y;
    }
    if (!t2n_scalar_binary(NULL, op, &a, &b, NULL, &r)) return;
  } else if (!t2n_scalar_unary(op, &a, NULL, &r)) {
    return;
  }
  if (r.kind != T2N_IV_INT && r.kind != T2N_IV_FLOAT && r.kind != T2N_IV_BOOL) return;
  o->n = 1;
  if (dt_is_float(o->dtype)) {
    o->f = r.kind == T2N_IV_FLOAT ? r.f : (double)r.i;
    o->i = (int64_t)o->f;
  } else {
    if (r.kind == T2N_IV_FLOAT) {
      if (!isfinite(r.f) || fabs(r.f) > 9e18) {
        o->n = 0;
        return;
      }
      r.i = (int64_t)r.f;
    }
    o->i = o->dtype == T2N_DT_BOOL ? r.i != 0 : r.i;
    o->f = (double)o->i;
  }
}

/* add sub mul div floordiv remainder pow atan2 bitwise/logical ops and
 * comparisons: scalars when no operand is a tensor, else elementwise. */
static void r_binary(rc *c) {
  t2n_scalar_op op = AUX_SOP(c->aux);
  int mode = AUX_MODE(c->aux);
  if (!is_tensor_arg(c, 0) && !is_tensor_arg(c, 1)) {
    t2n_scalar_binary(c->f->a, op, IN(c, 0), IN(c, 1), OTY(c, 0), &c->out[0]);
    return;
  }
  /* div with rounding_mode= "trunc" / "floor" keeps the promoted dtype */
  if (op == T2N_SOP_DIV && c->nin >= 3 && IN(c, 2)->kind == T2N_IV_STR) mode = DTM_PROMOTE;
  if (op == T2N_SOP_DIV && c->nin >= 3 && IN(c, 2)->kind == T2N_IV_UNKNOWN &&
      !t2n_type_is(TY(c, 2), "int") && !t2n_type_is(TY(c, 2), "float")) {
    T(c, 0);
    return;
  }
  static const int idx[] = {0, 1};
  elementwise(c, idx, 2, mode, op != T2N_SOP_POW);
  if (op == T2N_SOP_DIV && c->nin >= 3 && IN(c, 2)->kind == T2N_IV_STR) return;
  carry_value(c, op, 1);
}

static void r_rsub(rc *c) { /* rsub(self, other, alpha) = other - self */
  static const int idx[] = {0, 1};
  elementwise(c, idx, 2, DTM_PROMOTE, 1);
}

/* Unary elementwise, aux: dtype mode | scalar op << 8 for scalar overloads. */
static void r_unary(rc *c) {
  int mode = c->aux & 0xff, sop = c->aux >> 8;
  if (!is_tensor_arg(c, 0)) {
    if (sop) t2n_scalar_unary((t2n_scalar_op)sop, IN(c, 0), OTY(c, 0), &c->out[0]);
    return;
  }
  static const int idx[] = {0};
  elementwise(c, idx, 1, mode, 0);
  if (sop) carry_value(c, (t2n_scalar_op)sop, 0);
}

/* Ops whose result keeps input 0's dtype and strides when they do not
 * compute (dropout in eval mode returns its input). */
static void r_dropout(rc *c) {
  int train;
  if (cbool(c, 2, &train) && !train) {
    r_identity(c);
    return;
  }
  static const int idx[] = {0};
  elementwise(c, idx, 1, DTM_SAME, 0);
}

static void r_clamp(rc *c) { /* clamp(self, min?, max?) with scalar or tensor bounds */
  static const int idx[] = {0, 1, 2};
  int n = c->nin < 3 ? c->nin : 3;
  const t2n_ival *self = ctensor(c, 0);
  if (self && self->dtype >= 0 && dt_is_float(self->dtype) && !is_tensor_arg(c, 1) && !is_tensor_arg(c, 2)) {
    elementwise(c, idx, 1, DTM_SAME, 0);
    return;
  }
  elementwise(c, idx, n, DTM_PROMOTE, 0);
}

static void r_where(rc *c) {
  if (c->nin == 1) { /* where(cond) -> tuple of index tensors */
    why_data(c);
    return;
  }
  static const int idx[] = {0, 1, 2};
  t2n_ival *o = T(c, 0);
  if (!bcast_inputs(c, o, idx, 3)) {
    tf_init(o);
    return;
  }
  static const int vals[] = {1, 2};
  o->dtype = result_type(c, vals, 2);
  ti_output(c, 0, idx, 3);
}

static void r_ternary(rc *c) { /* lerp, addcmul, addcdiv: promote the three */
  static const int idx[] = {0, 1, 2};
  elementwise(c, idx, 3, DTM_PROMOTE, 1);
}

static void r_masked_fill(rc *c) {
  static const int idx[] = {0, 1};
  t2n_ival *o = T(c, 0);
  if (!bcast_inputs(c, o, idx, 2)) return;
  const t2n_ival *self = ctensor(c, 0);
  o->dtype = self ? self->dtype : DT_UNDEF;
  set_dev(o, dev_of(self));
  if (self && o->rank == self->rank) {
    /* clone (preserve) of self expanded to the result */
    int64_t st[MAXR];
    if (tf_sizes_known(o) && t2n_fact_strides(self, st) && non_overlapping_dense(self->rank, self->sizes, st)) {
      int same = 1;
      for (int i = 0; i < o->rank; i++)
        if (o->sizes[i] != self->sizes[i]) same = 0;
      if (same) {
        set_strides(c, 0, st);
        return;
      }
    }
  }
}

static void r_softmax(rc *c) { /* softmax(self, dim, dtype?) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  int64_t d;
  if (c->nin >= 3 && !cnone(c, 2)) {
    if (!cint(c, 2, &d)) {
      o->dtype = DT_UNDEF;
      return;
    }
    o->dtype = (t2n_dtype)d;
  }
}

static void r_cumsum(rc *c) { /* cumsum(self, dim, dtype?) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  int64_t d;
  if (c->nin >= 3 && !cnone(c, 2)) o->dtype = cint(c, 2, &d) ? (t2n_dtype)d : DT_UNDEF;
  else if (dt_is_integral(x->dtype, 1)) o->dtype = T2N_DT_INT64;
}

/* Same shape and dtype as input 0, a fresh contiguous result. */
static void r_same_contig(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
}

/* Same shape and dtype as input 0, memory format preserved (flip, clone). */
static void preserve_output(rc *c, int k, const t2n_ival *x) {
  t2n_ival *o = &c->out[k];
  int64_t st[MAXR];
  if (!tf_sizes_known(o) || !x || x->rank != o->rank || !t2n_fact_strides(x, st)) {
    if (tf_sizes_known(o) && x && x->rank == o->rank && tf_sizes_known(x) && !x->elems) {
      keep_strides_unknown(c, k);
      return;
    }
    return; /* contiguous by default */
  }
  if (non_overlapping_dense(x->rank, x->sizes, st)) {
    set_strides(c, k, st);
  } else if (is_channels_last(x->rank, x->sizes, st) && !is_contig(x->rank, x->sizes, st)) {
    channels_last_strides(o->rank, o->sizes, st);
    set_strides(c, k, st);
  }
}

static void r_same_preserve(rc *c) {
  r_same_contig(c);
  preserve_output(c, 0, ctensor(c, 0));
}

static void r_prelu(rc *c) { r_same_contig(c); }

static void r_glu(rc *c) { /* glu(self, dim=-1) halves dim */
  r_same_contig(c);
  t2n_ival *o = &c->out[0];
  int64_t d = -1;
  if (o->kind != T2N_IV_TENSOR || o->rank <= 0) return;
  if (c->nin >= 2 && !cint(c, 1, &d)) {
    o->rank = -1;
    return;
  }
  if (!wrap_dim(d, o->rank, &d)) return;
  if (o->sizes[d] >= 0) o->sizes[d] /= 2;
}

/* ---- 4c. reductions ---- */
/* Reads a dim argument: an int, an int list (empty: every dim) or None
 * (every dim). Fills mask[rank]; returns 0 when unknown. */
static int read_dims(const rc *c, int i, int rank, int *mask) {
  for (int d = 0; d < rank; d++) mask[d] = 0;
  if (i >= c->nin || cnone(c, i)) {
    for (int d = 0; d < rank; d++) mask[d] = 1;
    return 1;
  }
  int64_t dims[MAXR];
  int n = cints(c, i, dims, MAXR);
  if (n < 0) return 0;
  if (n == 0) {
    for (int d = 0; d < rank; d++) mask[d] = 1;
    return 1;
  }
  for (int k = 0; k < n; k++) {
    int64_t d;
    if (!wrap_dim(dims[k], rank, &d)) return 0;
    if (rank) mask[d] = 1;
  }
  return 1;
}

static void reduce_to(rc *c, int k, const t2n_ival *x, const int *mask, int keepdim, t2n_dtype dt) {
  t2n_ival *o = T(c, k);
  o->dtype = dt;
  set_dev(o, dev_of(x));
  if (!x || x->rank < 0 || !mask || keepdim < 0) return;
  int r = 0;
  for (int d = 0; d < x->rank; d++) {
    if (!mask[d]) o->sizes[r++] = x->sizes[d];
    else if (keepdim) o->sizes[r++] = 1;
  }
  o->rank = r;
}

/* Generic reduction: aux = dtype mode | (index of dim arg << 8) |
 * (index of keepdim arg << 12) | (index of dtype arg << 16); an index of 15
 * means absent. Overloads are told apart by input count and types. */
#define RED(mode, dim, keep, dtype) ((mode) | ((dim) << 8) | ((keep) << 12) | ((dtype) << 16))
static void r_reduce(rc *c) {
  int mode = c->aux & 0xff, di = (c->aux >> 8) & 15, ki = (c->aux >> 12) & 15, ti = (c->aux >> 16) & 15;
  const t2n_ival *x = ctensor(c, 0);
  /* sum(self, dtype) / mean(self, dtype) / prod(self, dtype): whole tensor */
  if (c->nin == 2 && di == 1 && ti == 3) {
    di = 15;
    ki = 15;
    ti = 1;
  }
  int mask[MAXR], keep = 0;
  int ok_dims = x && x->rank >= 0 && (di == 15 ? (read_dims(c, 99, x->rank, mask), 1) : read_dims(c, di, x->rank, mask));
  if (ki != 15 && ki < c->nin && !cbool(c, ki, &keep)) keep = -1;
  t2n_dtype dt = x ? x->dtype : DT_UNDEF;
  int64_t d;
  if (ti != 15 && ti < c->nin && !cnone(c, ti)) dt = cint(c, ti, &d) ? (t2n_dtype)d : DT_UNDEF;
  else if (mode == DTM_LONG) dt = T2N_DT_INT64;
  else if (mode == DTM_BOOL) dt = dt == T2N_DT_UINT8 ? dt : T2N_DT_BOOL;
  else if (mode == DTM_FLOAT) dt = dt_is_integral(dt, 1) ? T2N_DT_FLOAT32 : dt;
  else if (mode == DTM_REAL) dt = dt_is_integral(dt, 1) ? T2N_DT_FLOAT32 : dt_to_real(dt);
  else if (mode == DTM_PROMOTE) dt = dt_is_integral(dt, 1) ? T2N_DT_INT64 : dt; /* sum, prod */
  reduce_to(c, 0, x, ok_dims ? mask : NULL, keep, dt);
}

/* max / min: (self) -> scalar; (self, other) elementwise; (self, dim,
 * keepdim) -> (values, indices). aux unused. */
static void r_maxmin(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  if (c->nin == 2 && is_tensor_arg(c, 1)) {
    static const int idx[] = {0, 1};
    elementwise(c, idx, 2, DTM_PROMOTE, 1);
    return;
  }
  if (c->nin == 1) {
    reduce_to(c, 0, x, NULL, 0, x ? x->dtype : DT_UNDEF);
    if (x && x->rank >= 0) c->out[0].rank = 0;
    return;
  }
  int mask[MAXR], keep = 0;
  int ok = x && x->rank >= 0 && read_dims(c, 1, x->rank, mask);
  if (c->nin >= 3 && !cbool(c, 2, &keep)) keep = -1;
  reduce_to(c, 0, x, ok ? mask : NULL, keep, x ? x->dtype : DT_UNDEF);
  if (c->n->noutputs > 1) reduce_to(c, 1, x, ok ? mask : NULL, keep, T2N_DT_INT64);
}

static void r_argmax(rc *c) { /* argmax(self, dim?, keepdim) */
  const t2n_ival *x = ctensor(c, 0);
  int keep = 0;
  if (c->nin >= 3 && !cbool(c, 2, &keep)) keep = -1;
  if (cnone(c, 1)) {
    reduce_to(c, 0, x, NULL, keep, T2N_DT_INT64);
    if (x && x->rank >= 0 && keep >= 0) {
      t2n_ival *o = &c->out[0];
      o->rank = keep ? x->rank : 0;
      for (int i = 0; i < o->rank; i++) o->sizes[i] = 1;
    }
    return;
  }
  int mask[MAXR];
  int ok = x && x->rank >= 0 && read_dims(c, 1, x->rank, mask);
  reduce_to(c, 0, x, ok ? mask : NULL, keep, T2N_DT_INT64);
}

static void r_std_var(rc *c) {
  /* std(self, unbiased) / std.dim(self, dim, unbiased, keepdim) /
   * std.correction(self, dim?, correction?, keepdim); var alike; std_mean
   * and var_mean return (std, mean). */
  const t2n_ival *x = ctensor(c, 0);
  t2n_dtype dt = x ? (dt_is_integral(x->dtype, 1) ? T2N_DT_FLOAT32 : dt_to_real(x->dtype)) : DT_UNDEF;
  int mask[MAXR], keep = 0, ok;
  if (c->nin <= 2) {
    ok = x && x->rank >= 0 && read_dims(c, 99, x->rank, mask);
  } else {
    ok = x && x->rank >= 0 && read_dims(c, 1, x->rank, mask);
    if (!cbool(c, 3, &keep)) keep = -1;
  }
  reduce_to(c, 0, x, ok ? mask : NULL, keep, dt);
  if (c->n->noutputs > 1) reduce_to(c, 1, x, ok ? mask : NULL, keep, x ? x->dtype : DT_UNDEF);
}

static void r_norm(rc *c) {
  /* norm(self, p) / norm(self, p, dtype) / norm(self, p, dim, keepdim) /
   * norm(self, p, dim, keepdim, dtype) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_dtype dt = x ? (dt_is_integral(x->dtype, 1) ? DT_UNDEF : dt_to_real(x->dtype)) : DT_UNDEF;
  int mask[MAXR], keep = 0, ok, dti = -1;
  if (c->nin <= 3) {
    ok = x && x->rank >= 0 && read_dims(c, 99, x->rank, mask);
    if (c->nin == 3) dti = 2;
  } else {
    ok = x && x->rank >= 0 && read_dims(c, 2, x->rank, mask);
    if (!cbool(c, 3, &keep)) keep = -1;
    if (c->nin >= 5) dti = 4;
  }
  int64_t d;
  if (dti >= 0 && !cnone(c, dti)) dt = cint(c, dti, &d) ? dt_to_real((t2n_dtype)d) : DT_UNDEF;
  reduce_to(c, 0, x, ok ? mask : NULL, keep, dt);
}

static void r_topk(rc *c) { /* topk(self, k, dim=-1, largest, sorted) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t k, d = -1;
  for (int o = 0; o < 2 && o < c->n->noutputs; o++) {
    t2n_ival *r = T(c, o);
    if (!x) continue;
    *r = *x;
    r->n = 0;
    r->elems = NULL;
    if (o == 1) r->dtype = T2N_DT_INT64;
    if (x->rank < 0) continue;
    if ((c->nin >= 3 && !cint(c, 2, &d)) || !cint(c, 1, &k) || !wrap_dim(d, x->rank, &d)) {
      r->rank = -1;
      continue;
    }
    if (x->rank) r->sizes[d] = k;
  }
}

static void r_sort(rc *c) { /* sort -> (values, indices); argsort -> indices */
  const t2n_ival *x = ctensor(c, 0);
  for (int o = 0; o < c->n->noutputs && o < 2; o++) {
    t2n_ival *r = T(c, o);
    if (!x) continue;
    *r = *x;
    r->n = 0;
    r->elems = NULL;
    if (o == 1 || c->aux) r->dtype = T2N_DT_INT64;
  }
}

/* ---- 4d. shape and view ops ---- */
/* Reads a shape argument (int list, possibly with unknown elements). */
static int read_shape(const rc *c, int i, int64_t *out, int max) {
  const t2n_ival *x = IN(c, i);
  if (x->kind == T2N_IV_INT) {
    out[0] = x->i;
    return 1;
  }
  if (x->kind != T2N_IV_LIST || x->n > max) return -1;
  for (int k = 0; k < x->n; k++) {
    if (x->elems[k].kind == T2N_IV_INT) out[k] = x->elems[k].i;
    else if (x->elems[k].kind == T2N_IV_UNKNOWN) out[k] = INT64_MIN; /* unknown */
    else return -1;
  }
  return x->n;
}

/* at::detail::computeStride: strides of a view of (sz, st) as nsz, or 0. */
static int view_strides(int r, const int64_t *sz, const int64_t *st, int nr, const int64_t *nsz, int64_t *nst) {
  if (r == 0) {
    for (int i = 0; i < nr; i++) nst[i] = 1;
    return 1;
  }
  int64_t numel = 1;
  for (int i = 0; i < r; i++) numel *= sz[i];
  if (numel == 0) {
    int same = r == nr;
    for (int i = 0; same && i < r; i++) same = sz[i] == nsz[i];
    if (same) {
      memcpy(nst, st, sizeof(int64_t) * (size_t)r);
      return 1;
    }
    contig_strides(nr, nsz, nst);
    return 1;
  }
  int view_d = nr - 1;
  int64_t chunk = st[r - 1], tnumel = 1, vnumel = 1;
  for (int td = r - 1; td >= 0; td--) {
    tnumel *= sz[td];
    if (td == 0 || (sz[td - 1] != 1 && st[td - 1] != tnumel * chunk)) {
      while (view_d >= 0 && (vnumel < tnumel || nsz[view_d] == 1)) {
        nst[view_d] = vnumel * chunk;
        vnumel *= nsz[view_d];
        view_d--;
      }
      if (vnumel != tnumel) return 0;
      if (td > 0) {
        chunk = st[td - 1];
        tnumel = 1;
        vnumel = 1;
      }
    }
  }
  return view_d == -1;
}

/* Output k becomes x reshaped to sizes nsz[nr] (entries: -1 infer,
 * INT64_MIN unknown). view=1: must be a view; else reshape (copy when not). */
static void reshape_to(rc *c, int k, const t2n_ival *x, int nr, const int64_t *nsz, int view) {
  t2n_ival *o = T(c, k);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (nr < 0 || nr > MAXR) return;
  o->rank = nr;
  int infer = -1, unknown = 0;
  int64_t prod = 1;
  for (int i = 0; i < nr; i++) {
    if (nsz[i] == -1 && infer < 0) {
      infer = i;
      o->sizes[i] = -1;
    } else if (nsz[i] < 0) {
      unknown++;
      o->sizes[i] = -1;
    } else {
      o->sizes[i] = nsz[i];
      prod *= nsz[i];
    }
  }
  int64_t numel = numel_of(x);
  if (numel >= 0 && infer + unknown >= 0 && (infer >= 0) + unknown == 1 && prod > 0) {
    int slot = infer >= 0 ? infer : -1;
    if (slot < 0)
      for (int i = 0; i < nr; i++)
        if (nsz[i] == INT64_MIN) slot = i;
    if (slot >= 0 && numel % prod == 0) o->sizes[slot] = numel / prod;
  }
  if (!tf_sizes_known(o)) {
    keep_strides_unknown(c, k);
    return;
  }
  if (numel >= 0 && numel_of(o) != numel) { /* torch raises */
    o->rank = -1;
    why(c, T2N_WHY_OTHER, fmtstr(c->f, "%s: the shape does not match the number of elements", c->n->kind));
    keep_strides_unknown(c, k);
    return;
  }
  int64_t st[MAXR], nst[MAXR];
  if (!t2n_fact_strides(x, st)) {
    keep_strides_unknown(c, k);
    return;
  }
  if (view_strides(x->rank, x->sizes, st, o->rank, o->sizes, nst)) {
    set_strides(c, k, nst);
  } else if (!view) {
    set_strides(c, k, NULL);
    tf_contig(c->f, o);
  } else { /* torch raises: the strides are not compatible with a view */
    o->rank = -1;
    why(c, T2N_WHY_OTHER, fmtstr(c->f, "%s: not viewable with these strides (use reshape)", c->n->kind));
    keep_strides_unknown(c, k);
  }
}

static void r_view(rc *c) { /* view / reshape / _reshape_alias (aux 1: view) */
  int64_t s[MAXR] = {0};
  int n = read_shape(c, 1, s, MAXR);
  if (n < 0) {
    T(c, 0);
    const t2n_ival *x = ctensor(c, 0);
    if (x) {
      c->out[0].dtype = x->dtype;
      set_dev(&c->out[0], x->s);
    }
    return;
  }
  reshape_to(c, 0, ctensor(c, 0), n, s, c->aux);
}

static void r_view_as(rc *c) { /* view_as / reshape_as(self, other) */
  const t2n_ival *o = ctensor(c, 1);
  int64_t s[MAXR] = {0};
  int n = o ? o->rank : -1;
  for (int i = 0; i < n; i++) s[i] = o->sizes[i] < 0 ? INT64_MIN : o->sizes[i];
  reshape_to(c, 0, ctensor(c, 0), n, s, c->aux);
}

static void r_flatten(rc *c) { /* flatten(self, start_dim=0, end_dim=-1) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t s0 = 0, e0 = -1, s[MAXR];
  if (!x || x->rank < 0 || (c->nin >= 2 && !cint(c, 1, &s0)) || (c->nin >= 3 && !cint(c, 2, &e0))) {
    reshape_to(c, 0, x, -1, s, 0);
    return;
  }
  if (x->rank == 0) {
    s[0] = 1;
    reshape_to(c, 0, x, 1, s, 0);
    return;
  }
  if (!wrap_dim(s0, x->rank, &s0) || !wrap_dim(e0, x->rank, &e0) || s0 > e0) {
    reshape_to(c, 0, x, -1, s, 0);
    return;
  }
  if (s0 == e0) {
    r_identity(c);
    return;
  }
  int n = 0;
  for (int i = 0; i < s0; i++) s[n++] = x->sizes[i] < 0 ? INT64_MIN : x->sizes[i];
  int64_t p = 1;
  for (int i = (int)s0; i <= e0; i++) p = (p < 0 || x->sizes[i] < 0) ? -1 : p * x->sizes[i];
  s[n++] = p < 0 ? INT64_MIN : p;
  for (int i = (int)e0 + 1; i < x->rank; i++) s[n++] = x->sizes[i] < 0 ? INT64_MIN : x->sizes[i];
  reshape_to(c, 0, x, n, s, 0);
}

static void r_unflatten(rc *c) { /* unflatten(self, dim, sizes) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t d, sz[MAXR], s[MAXR];
  int k = read_shape(c, 2, sz, MAXR);
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d) || k < 0 || x->rank - 1 + k > MAXR) {
    reshape_to(c, 0, x, -1, s, 1);
    return;
  }
  int n = 0;
  for (int i = 0; i < x->rank; i++) {
    if (i != d) {
      s[n++] = x->sizes[i] < 0 ? INT64_MIN : x->sizes[i];
      continue;
    }
    int infer = -1;
    int64_t p = 1;
    for (int j = 0; j < k; j++) {
      if (sz[j] == -1) infer = n + j;
      else if (sz[j] >= 0 && p >= 0) p *= sz[j];
      else p = -1;
      s[n + j] = sz[j];
    }
    if (infer >= 0) s[infer] = (p > 0 && x->sizes[d] >= 0) ? x->sizes[d] / p : INT64_MIN;
    n += k;
  }
  reshape_to(c, 0, x, n, s, 1);
}

/* A view of x with new sizes/strides computed by the caller. */
static t2n_ival *view_out(rc *c, int k, const t2n_ival *x) {
  t2n_ival *o = T(c, k);
  if (x) {
    o->dtype = x->dtype;
    set_dev(o, x->s);
  }
  return o;
}

static void r_squeeze(rc *c) { /* squeeze(self) / squeeze(self, dim) / squeeze(self, dims) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  if (!x || x->rank < 0) return;
  int mask[MAXR];
  if (c->nin < 2) {
    for (int d = 0; d < x->rank; d++) mask[d] = 1;
  } else if (!read_dims(c, 1, x->rank, mask)) {
    return;
  }
  int64_t st[MAXR], nst[MAXR];
  int has_st = t2n_fact_strides(x, st), r = 0;
  for (int d = 0; d < x->rank; d++) {
    if (mask[d] && x->sizes[d] < 0) { /* might be 1 */
      keep_strides_unknown(c, 0);
      return;
    }
    if (mask[d] && x->sizes[d] == 1) continue;
    nst[r] = has_st ? st[d] : 0;
    o->sizes[r++] = x->sizes[d];
  }
  o->rank = r;
  set_strides(c, 0, has_st ? nst : NULL);
}

static void r_unsqueeze(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  int64_t d;
  if (!x || x->rank < 0 || x->rank >= MAXR || !cint(c, 1, &d) || !wrap_dim(d, x->rank + 1, &d)) return;
  int64_t st[MAXR], nst[MAXR];
  int has_st = t2n_fact_strides(x, st);
  o->rank = x->rank + 1;
  for (int i = 0, j = 0; i < o->rank; i++) {
    if (i == d) {
      o->sizes[i] = 1;
      if (has_st) nst[i] = d >= x->rank ? 1 : x->sizes[d] * st[d];
      continue;
    }
    o->sizes[i] = x->sizes[j];
    if (has_st) nst[i] = st[j];
    j++;
  }
  if (has_st && d < x->rank && x->sizes[d] < 0) has_st = 0;
  set_strides(c, 0, has_st ? nst : NULL);
}

static void permute_to(rc *c, const t2n_ival *x, const int64_t *perm) {
  t2n_ival *o = view_out(c, 0, x);
  int64_t st[MAXR], nst[MAXR];
  int has_st = t2n_fact_strides(x, st);
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) {
    o->sizes[i] = x->sizes[perm[i]];
    nst[i] = has_st ? st[perm[i]] : 0;
  }
  set_strides(c, 0, has_st ? nst : NULL);
}

static void r_permute(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t p[MAXR];
  int n = cints(c, 1, p, MAXR);
  if (!x || x->rank < 0 || n != x->rank) {
    view_out(c, 0, x);
    return;
  }
  int seen[MAXR] = {0};
  for (int i = 0; i < n; i++) {
    if (!wrap_dim(p[i], x->rank, &p[i]) || seen[p[i]]) {
      view_out(c, 0, x);
      return;
    }
    seen[p[i]] = 1;
  }
  permute_to(c, x, p);
}

static void r_transpose(rc *c) { /* transpose(self, d0, d1), t(self) (aux 1) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t a, b, p[MAXR];
  if (!x || x->rank < 0) {
    view_out(c, 0, x);
    return;
  }
  if (c->aux) {
    if (x->rank < 2) {
      r_identity(c);
      return;
    }
    a = 0;
    b = 1;
  } else if (!cint(c, 1, &a) || !cint(c, 2, &b) || !wrap_dim(a, x->rank, &a) || !wrap_dim(b, x->rank, &b)) {
    view_out(c, 0, x);
    return;
  }
  if (x->rank == 0) {
    r_identity(c);
    return;
  }
  for (int i = 0; i < x->rank; i++) p[i] = i;
  p[a] = b;
  p[b] = a;
  permute_to(c, x, p);
}

static void r_movedim(rc *c) { /* movedim(self, int src, int dst) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t s, d, p[MAXR];
  if (!x || x->rank < 0 || !cint(c, 1, &s) || !cint(c, 2, &d) || !wrap_dim(s, x->rank, &s) ||
      !wrap_dim(d, x->rank, &d) || IN(c, 1)->kind != T2N_IV_INT) {
    view_out(c, 0, x);
    return;
  }
  int64_t rest[MAXR];
  int n = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != s) rest[n++] = i;
  for (int i = 0, j = 0; i < x->rank; i++) p[i] = i == d ? s : rest[j++];
  permute_to(c, x, p);
}

static void expand_to(rc *c, const t2n_ival *x, int n, const int64_t *sz) {
  t2n_ival *o = view_out(c, 0, x);
  if (!x || x->rank < 0 || n < x->rank || n > MAXR) return;
  int64_t st[MAXR], nst[MAXR];
  int has_st = t2n_fact_strides(x, st);
  o->rank = n;
  for (int i = n - 1; i >= 0; i--) {
    int off = n - 1 - i, dim = x->rank - 1 - off;
    int64_t size = dim >= 0 ? x->sizes[dim] : 1;
    int64_t stride = dim >= 0 ? (has_st ? st[dim] : 0) : (i + 1 < n ? o->sizes[i + 1] * nst[i + 1] : 1);
    int64_t target = sz[i];
    if (target == -1) {
      if (dim < 0) {
        o->rank = -1;
        return;
      }
      target = size;
    }
    if (target == INT64_MIN) { /* unknown */
      o->sizes[i] = size == 1 || size < 0 ? -1 : size;
      nst[i] = 0;
      has_st = 0;
      continue;
    }
    if (size != target) {
      size = target;
      stride = 0;
    }
    o->sizes[i] = size;
    nst[i] = stride;
  }
  if (!tf_sizes_known(o)) has_st = 0;
  set_strides(c, 0, has_st ? nst : NULL);
}

static void r_expand(rc *c) { /* expand(self, size, implicit) */
  int64_t s[MAXR] = {0};
  int n = read_shape(c, 1, s, MAXR);
  const t2n_ival *x = ctensor(c, 0);
  if (n < 0) {
    view_out(c, 0, x);
    return;
  }
  expand_to(c, x, n, s);
}

static void r_expand_as(rc *c) {
  const t2n_ival *o = ctensor(c, 1);
  int64_t s[MAXR] = {0};
  int n = o ? o->rank : -1;
  for (int i = 0; i < n; i++) s[i] = o->sizes[i] < 0 ? INT64_MIN : o->sizes[i];
  if (n < 0) {
    view_out(c, 0, ctensor(c, 0));
    return;
  }
  expand_to(c, ctensor(c, 0), n, s);
}

static void r_repeat(rc *c) { /* repeat(self, repeats) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  int64_t r[MAXR];
  int n = read_shape(c, 1, r, MAXR);
  if (!x || x->rank < 0 || n < x->rank) return;
  o->rank = n;
  for (int i = 0; i < n; i++) {
    int j = i - (n - x->rank);
    int64_t s = j >= 0 ? x->sizes[j] : 1;
    o->sizes[i] = (r[i] < 0 || s < 0) ? -1 : s * r[i];
  }
}

static void r_tile(rc *c) { /* tile(self, dims): repeat with dims padded on the left */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  int64_t r[MAXR];
  int n = read_shape(c, 1, r, MAXR);
  if (!x || x->rank < 0 || n < 0) return;
  int rr = n > x->rank ? n : x->rank;
  o->rank = rr;
  for (int i = 0; i < rr; i++) {
    int j = i - (rr - x->rank), k = i - (rr - n);
    int64_t s = j >= 0 ? x->sizes[j] : 1, m = k >= 0 ? r[k] : 1;
    o->sizes[i] = (m < 0 || s < 0) ? -1 : s * m;
  }
}

/* The tensor facts of a Tensor[] input; returns count or -1. */
static int tensor_list(const rc *c, int i, const t2n_ival **out, int max) {
  const t2n_ival *l = IN(c, i);
  if (l->kind != T2N_IV_LIST || l->n > max) return -1;
  for (int k = 0; k < l->n; k++) {
    if (l->elems[k].kind != T2N_IV_TENSOR) return -1;
    out[k] = &l->elems[k];
  }
  return l->n;
}

static t2n_dtype list_result_type(const t2n_ival *const *ts, int n) {
  t2n_dtype r = DT_UNDEF;
  for (int k = 0; k < n; k++) {
    if (ts[k]->dtype < 0) return DT_UNDEF;
    r = promote(r, ts[k]->dtype);
  }
  return r;
}

static void r_cat(rc *c) { /* cat(tensors, dim=0) */
  const t2n_ival *ts[64];
  int n = tensor_list(c, 0, ts, 64);
  t2n_ival *o = T(c, 0);
  int64_t d = 0;
  if (n <= 0) return;
  o->dtype = list_result_type(ts, n);
  set_dev(o, ts[0]->s);
  /* legacy: 1-D empty tensors are skipped */
  const t2n_ival *ref = NULL;
  for (int k = 0; k < n; k++) {
    if (ts[k]->rank < 0) return;
    if (!(ts[k]->rank == 1 && ts[k]->sizes[0] == 0) && !ref) ref = ts[k];
  }
  if (!ref) {
    o->rank = 1;
    o->sizes[0] = 0;
    return;
  }
  if (c->nin >= 2 && !cint(c, 1, &d)) return;
  if (!wrap_dim(d, ref->rank, &d) || ref->rank == 0) return;
  o->rank = ref->rank;
  for (int i = 0; i < ref->rank; i++) o->sizes[i] = ref->sizes[i];
  int64_t total = 0;
  for (int k = 0; k < n; k++) {
    if (ts[k]->rank == 1 && ts[k]->sizes[0] == 0) continue;
    if (ts[k]->rank != ref->rank) {
      tf_init(o);
      return;
    }
    for (int i = 0; i < ref->rank; i++)
      if (i != d && o->sizes[i] < 0) o->sizes[i] = ts[k]->sizes[i];
    if (total >= 0 && ts[k]->sizes[d] >= 0) total += ts[k]->sizes[d];
    else total = -1;
  }
  o->sizes[d] = total;
}

static void r_stack(rc *c) { /* stack(tensors, dim=0) */
  const t2n_ival *ts[64];
  int n = tensor_list(c, 0, ts, 64);
  t2n_ival *o = T(c, 0);
  int64_t d = 0;
  if (n <= 0) return;
  o->dtype = list_result_type(ts, n);
  set_dev(o, ts[0]->s);
  int r = ts[0]->rank;
  if (r < 0 || r >= MAXR || (c->nin >= 2 && !cint(c, 1, &d)) || !wrap_dim(d, r + 1, &d)) return;
  o->rank = r + 1;
  for (int i = 0, j = 0; i < r + 1; i++) {
    if (i == d) {
      o->sizes[i] = n;
      continue;
    }
    int64_t s = -1;
    for (int k = 0; k < n; k++)
      if (ts[k]->rank == r && ts[k]->sizes[j] >= 0) s = ts[k]->sizes[j];
    o->sizes[i] = s;
    j++;
  }
}

/* A narrow of x along d: start, length (strides of the view). */
static void narrow_fact(t2n_shape_facts *f, const t2n_ival *x, int64_t d, int64_t start, int64_t len,
                        int64_t step, t2n_ival *o) {
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  o->sizes[d] = len;
  (void)start;
  int64_t st[MAXR];
  if (t2n_fact_strides(x, st)) {
    st[d] *= step;
    tf_set_strides(f, o, st);
  }
}

/* split / split_with_sizes / chunk / unbind -> a Tensor[] (aux 0 split by
 * size, 1 by sizes, 2 chunk, 3 unbind, 4 tensor_split by sections) */
static void r_split(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t d = 0;
  int di = c->aux == 3 ? 1 : 2;
  if (!x || x->rank < 1) return;
  if (c->nin > di && !cint(c, di, &d)) return;
  if (!wrap_dim(d, x->rank, &d)) return;
  int64_t size = x->sizes[d];
  int64_t pieces[1024];
  int np = 0;
  int mode = c->aux;
  if (mode == 0 && IN(c, 1)->kind == T2N_IV_LIST) mode = 1; /* split(self, int[] sizes, dim) */
  if (mode == 3) {
    if (size < 0 || size > 1024) return;
    np = (int)size;
  } else if (mode == 1) {
    np = cints(c, 1, pieces, 1024);
    if (np < 0) return;
  } else {
    int64_t k;
    if (!cint(c, 1, &k) || k <= 0 || size < 0) return;
    int64_t split = k;
    if (mode == 2) split = (size + k - 1) / k;
    if (split == 0) {
      pieces[np++] = 0;
    } else {
      int64_t n = size == 0 ? 1 : (size + split - 1) / split;
      if (n > 1024) return;
      for (int64_t i = 0; i < n; i++) pieces[np++] = (i + 1) * split <= size ? split : size - i * split;
    }
  }
  t2n_ival *e = t2n_arena_alloc(c->f->a, sizeof *e * (size_t)(np + 1));
  int64_t off = 0;
  for (int i = 0; i < np; i++) {
    if (c->aux == 3) { /* select */
      e[i] = *x;
      e[i].n = 0;
      e[i].elems = NULL;
      e[i].rank = x->rank - 1;
      int64_t st[MAXR], nst[MAXR];
      int has = t2n_fact_strides(x, st);
      for (int j = 0, k = 0; j < x->rank; j++) {
        if (j == d) continue;
        e[i].sizes[k] = x->sizes[j];
        nst[k++] = has ? st[j] : 0;
      }
      if (has) tf_set_strides(c->f, &e[i], nst);
      continue;
    }
    narrow_fact(c->f, x, d, off, pieces[i], 1, &e[i]);
    off += pieces[i];
  }
  c->out[0].kind = T2N_IV_LIST;
  c->out[0].n = np;
  c->out[0].elems = e;
  /* outputs of prim::ListUnpack-style multi-output variants */
  if (c->n->noutputs == np && np > 1)
    for (int i = 0; i < np; i++) c->out[i] = e[i];
}

static void r_slice(rc *c) { /* slice(self, dim, start?, end?, step) and slice(list, start?, end?, step) */
  const t2n_ival *x = IN(c, 0);
  if (!is_tensor_arg(c, 0)) { /* list slice */
    if (x->kind != T2N_IV_LIST) return;
    int64_t s = 0, e = x->n, st = 1;
    if (!cnone(c, 1) && !cint(c, 1, &s)) return;
    if (!cnone(c, 2) && !cint(c, 2, &e)) return;
    if (c->nin >= 4 && !cint(c, 3, &st)) return;
    if (st != 1) return;
    if (s < 0) s += x->n;
    if (e < 0) e += x->n;
    if (s < 0) s = 0;
    if (e > x->n) e = x->n;
    if (e < s) e = s;
    c->out[0].kind = T2N_IV_LIST;
    c->out[0].n = (int)(e - s);
    c->out[0].elems = x->elems + s;
    return;
  }
  t2n_ival *o = view_out(c, 0, x->kind == T2N_IV_TENSOR ? x : NULL);
  int64_t d = 0, start = 0, end = INT64_MAX, step = 1;
  if (x->kind != T2N_IV_TENSOR || x->rank < 0) return;
  if ((c->nin >= 2 && !cint(c, 1, &d)) || !wrap_dim(d, x->rank, &d) || x->rank == 0) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  int64_t size = x->sizes[d];
  int known = size >= 0;
  if (c->nin >= 3 && !cnone(c, 2) && !cint(c, 2, &start)) known = 0;
  if (c->nin >= 4 && !cnone(c, 3) && !cint(c, 3, &end)) known = 0;
  if (c->nin >= 5 && !cint(c, 4, &step)) known = 0;
  if (step <= 0) known = 0;
  int64_t len = -1;
  if (known) {
    if (start < 0) start += size;
    if (end < 0) end += size;
    if (start < 0) start = 0;
    else if (start >= size) start = size;
    if (end < start) end = start;
    else if (end >= size) end = size;
    len = (end - start + step - 1) / step;
  }
  t2n_ival tmp;
  narrow_fact(c->f, x, d, start, len, step > 0 ? step : 1, &tmp);
  *o = tmp;
  if (len < 0) keep_strides_unknown(c, 0);
  else c->strides_set[0] = 1;
}

static void r_select(rc *c) { /* select(self, dim, index) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  int64_t d, i;
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  if (cint(c, 2, &i) && x->sizes[d] >= 0 && (i < -x->sizes[d] || i >= x->sizes[d])) return;
  int64_t st[MAXR], nst[MAXR];
  int has = t2n_fact_strides(x, st);
  o->rank = x->rank - 1;
  for (int j = 0, k = 0; j < x->rank; j++) {
    if (j == d) continue;
    o->sizes[k] = x->sizes[j];
    nst[k++] = has ? st[j] : 0;
  }
  set_strides(c, 0, has ? nst : NULL);
}

static void r_narrow(rc *c) { /* narrow(self, dim, start, length) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t d, start = 0, len;
  view_out(c, 0, x);
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  if (!cint(c, 3, &len)) len = -1;
  t2n_ival tmp;
  narrow_fact(c->f, x, d, start, len, 1, &tmp);
  c->out[0] = tmp;
  c->strides_set[0] = 1;
}

static void r_unfold(rc *c) { /* Tensor.unfold(self, dim, size, step) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  int64_t d, size, step;
  if (!x || x->rank < 0 || x->rank >= MAXR || !cint(c, 1, &d) || !cint(c, 2, &size) || !cint(c, 3, &step) ||
      step <= 0 || !wrap_dim(d, x->rank, &d))
    return;
  int64_t st[MAXR], nst[MAXR];
  int has = t2n_fact_strides(x, st);
  o->rank = x->rank + 1;
  for (int i = 0; i < x->rank; i++) {
    o->sizes[i] = x->sizes[i];
    nst[i] = has ? st[i] : 0;
  }
  if (x->rank == 0) {
    o->sizes[0] = size;
    nst[0] = 1;
  } else {
    o->sizes[d] = x->sizes[d] < 0 ? -1 : (x->sizes[d] - size) / step + 1;
    nst[d] = has ? st[d] * step : 0;
    o->sizes[x->rank] = size;
    nst[x->rank] = has ? st[d] : 0;
  }
  set_strides(c, 0, has ? nst : NULL);
}

static void r_index_select(rc *c) { /* index_select(self, dim, index) */
  const t2n_ival *x = ctensor(c, 0), *idx = ctensor(c, 2);
  t2n_ival *o = view_out(c, 0, x);
  int64_t d;
  if (!x || x->rank < 0 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  if (x->rank) o->sizes[d] = idx ? numel_of(idx) : -1;
}

static void r_gather(rc *c) { /* gather(self, dim, index, sparse_grad): index's shape */
  const t2n_ival *x = ctensor(c, 0), *idx = ctensor(c, 2);
  t2n_ival *o = view_out(c, 0, x);
  if (!idx) return;
  o->rank = idx->rank;
  for (int i = 0; i < idx->rank; i++) o->sizes[i] = idx->sizes[i];
}

static void r_index(rc *c) { /* index(self, Tensor?[] indices) */
  const t2n_ival *x = ctensor(c, 0), *l = IN(c, 1);
  t2n_ival *o = view_out(c, 0, x);
  if (!x || x->rank < 0 || l->kind != T2N_IV_LIST) return;
  /* each index consumes dims of self; collect the broadcast index shape */
  t2n_ival b;
  tf_init(&b);
  b.rank = 0;
  int dim = 0, first = -1, last = -1, adjacent = 1, have = 0;
  int keep[MAXR], nkeep_before = 0;
  for (int i = 0; i < x->rank; i++) keep[i] = 1;
  for (int k = 0; k < l->n; k++) {
    const t2n_ival *e = &l->elems[k];
    if (e->kind == T2N_IV_NONE) {
      dim++;
      continue;
    }
    if (e->kind != T2N_IV_TENSOR || e->rank < 0 || e->dtype < 0) return;
    if (first >= 0 && last != k - 1) adjacent = 0;
    if (first < 0) first = k;
    last = k;
    t2n_ival s;
    tf_init(&s);
    if (e->dtype == T2N_DT_BOOL || e->dtype == T2N_DT_UINT8) {
      if (dim + e->rank > x->rank) return;
      for (int j = 0; j < e->rank; j++) keep[dim + j] = 0;
      dim += e->rank;
      s.rank = 1;
      s.sizes[0] = -1; /* number of true elements */
      why(c, T2N_WHY_TENSOR_DATA, "the size of a boolean-mask index depends on tensor data");
    } else {
      if (dim >= x->rank) return;
      keep[dim++] = 0;
      s = *e;
    }
    if (!have) {
      b.rank = s.rank;
      for (int j = 0; j < s.rank; j++) b.sizes[j] = s.sizes[j];
      have = 1;
    } else if (!bcast(&b, &s, &b)) {
      return;
    }
  }
  if (!have) {
    r_identity(c);
    return;
  }
  /* leading kept dims before the first indexed dim */
  int firstdim = 0;
  for (int k = 0, dd = 0; k < l->n; k++) {
    if (k == first) {
      firstdim = dd;
      break;
    }
    dd += 1;
  }
  int r = 0;
  int64_t out[MAXR * 2];
  if (adjacent) {
    for (int i = 0; i < firstdim && i < x->rank; i++)
      if (keep[i]) out[r++] = x->sizes[i], nkeep_before++;
    for (int j = 0; j < b.rank; j++) out[r++] = b.sizes[j];
    for (int i = firstdim; i < x->rank; i++)
      if (keep[i]) out[r++] = x->sizes[i];
  } else {
    for (int j = 0; j < b.rank; j++) out[r++] = b.sizes[j];
    for (int i = 0; i < x->rank; i++)
      if (keep[i]) out[r++] = x->sizes[i];
  }
  if (r > MAXR) return;
  o->rank = r;
  for (int i = 0; i < r; i++) o->sizes[i] = out[i];
}

static void r_masked_select(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  o->rank = 1;
  o->sizes[0] = -1;
  why(c, T2N_WHY_TENSOR_DATA, "the size of masked_select's result depends on tensor data");
}

static void r_nonzero(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = view_out(c, 0, x);
  o->dtype = T2N_DT_INT64;
  why(c, T2N_WHY_TENSOR_DATA, "the size of nonzero's result depends on tensor data");
  if (!x || x->rank < 0) return;
  o->rank = 2;
  o->sizes[0] = -1;
  o->sizes[1] = x->rank;
}

static void r_repeat_interleave(rc *c) { /* repeat_interleave(self, int repeats, dim?, output_size?) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t r, d;
  if (!x || is_tensor_arg(c, 1) || !cint(c, 1, &r)) {
    view_out(c, 0, x);
    why_data(c);
    return;
  }
  t2n_ival *o = view_out(c, 0, x);
  if (x->rank < 0) return;
  if (cnone(c, 2)) {
    int64_t n = numel_of(x);
    o->rank = 1;
    o->sizes[0] = n < 0 ? -1 : n * r;
    return;
  }
  if (!cint(c, 2, &d) || !wrap_dim(d, x->rank, &d)) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  if (x->rank) o->sizes[d] = x->sizes[d] < 0 ? -1 : x->sizes[d] * r;
}

/* to(...): the overloads are told apart by input count and types. */
static void r_to(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int dti = -1, devi = -1, copyi = -1, otheri = -1;
  const t2n_type *t1 = TY(c, 1);
  int t1_dev = t1 && (t2n_type_is(t1, "Device") || (t1->kind == T2N_TY_OPTIONAL && t2n_type_is(t1->elems[0], "Device")));
  if (c->nin >= 2 && is_tensor_arg(c, 1)) {
    otheri = 1;
    copyi = 3;
  } else if (c->nin == 8) {
    dti = 1;
    devi = 3;
    copyi = 6;
  } else if (c->nin == 6 || (c->nin == 5 && t1_dev)) {
    devi = 1;
    dti = 2;
    copyi = 4;
  } else if (c->nin == 5) {
    dti = 1;
    copyi = 3;
  } else if (c->nin == 4) {
    dti = 1;
    copyi = 3;
  } else if (c->nin == 3) {
    copyi = 2;
  }
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->elems = x->elems;
  int changed = 0, unknown = 0;
  int64_t v;
  if (otheri >= 0) {
    const t2n_ival *y = ctensor(c, otheri);
    if (!y || y->dtype < 0 || !y->s) unknown = 1;
    else {
      changed |= y->dtype != x->dtype || !x->s || strcmp(y->s, x->s) != 0;
      o->dtype = y->dtype;
      set_dev(o, y->s);
    }
  }
  if (dti >= 0 && !cnone(c, dti)) {
    if (!cint(c, dti, &v)) {
      unknown = 1;
      o->dtype = DT_UNDEF;
    } else {
      changed |= (t2n_dtype)v != x->dtype;
      o->dtype = (t2n_dtype)v;
    }
  }
  if (devi >= 0 && !cnone(c, devi)) {
    const t2n_ival *d = IN(c, devi);
    if (d->kind != T2N_IV_DEVICE) {
      unknown = 1;
      set_dev(o, NULL);
    } else {
      changed |= !x->s || strcmp(d->s, x->s) != 0;
      set_dev(o, t2n_intern(c->f->m, d->s));
    }
  }
  int copy = 0;
  if (copyi >= 0 && copyi < c->nin && !cbool(c, copyi, &copy)) unknown = 1;
  if (!changed && !copy && !unknown) {
    c->strides_set[0] = 1; /* returns self */
    return;
  }
  o->n = o->dtype == x->dtype ? x->n : 0;
  o->elems = NULL;
  if (unknown) {
    keep_strides_unknown(c, 0);
    return;
  }
  preserve_output(c, 0, x);
}

static void r_cpu(rc *c) { /* Tensor.cpu(): self when already on the cpu */
  const t2n_ival *x = ctensor(c, 0);
  if (x && x->s && strcmp(x->s, "cpu") == 0) {
    r_identity(c);
    return;
  }
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->elems = NULL;
  set_dev(o, "cpu");
  preserve_output(c, 0, x);
}

static void r_make_device(rc *c) { /* aten::device(str) */
  const t2n_ival *s = IN(c, 0);
  if (s->kind != T2N_IV_STR && s->kind != T2N_IV_DEVICE) return;
  c->out[0] = *s;
  c->out[0].kind = T2N_IV_DEVICE;
}

static void r_type_as(rc *c) {
  const t2n_ival *x = ctensor(c, 0), *y = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  if (!y || y->dtype < 0) {
    o->dtype = DT_UNDEF;
    keep_strides_unknown(c, 0);
    return;
  }
  if (y->dtype == x->dtype) {
    c->strides_set[0] = 1;
    return;
  }
  o->dtype = y->dtype;
  o->n = 0;
  o->elems = NULL;
  preserve_output(c, 0, x);
}

static void r_contiguous(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t st[MAXR];
  if (x && tf_sizes_known(x) && t2n_fact_strides(x, st) && is_contig(x->rank, x->sizes, st)) {
    r_identity(c);
    return;
  }
  r_same_contig(c);
  if (x && !tf_sizes_known(x)) keep_strides_unknown(c, 0);
  else if (x && !x->elems) keep_strides_unknown(c, 0);
}

static void r_clone(rc *c) {
  int64_t mf;
  if (c->nin >= 2 && !cnone(c, 1) && cint(c, 1, &mf) && mf == 0) { /* contiguous_format */
    r_same_contig(c);
    return;
  }
  r_same_preserve(c);
}

/* ---- 4e. tensor creation ---- */
static int shape_arg(const rc *c, int i, t2n_ival *o) {
  int64_t s[MAXR] = {0};
  int n = read_shape(c, i, s, MAXR);
  if (n < 0) return 0;
  o->rank = n;
  for (int k = 0; k < n; k++) o->sizes[k] = s[k] < 0 ? -1 : s[k];
  return 1;
}

static int is_generator(const t2n_type *t) {
  if (t && t->kind == T2N_TY_OPTIONAL && t->nelems == 1) t = t->elems[0];
  return t2n_type_is(t, "Generator");
}

/* dtype argument at i: given, or `dflt` when None */
static t2n_dtype dtype_arg(const rc *c, int i, t2n_dtype dflt) {
  int64_t v;
  if (cnone(c, i)) return dflt;
  return cint(c, i, &v) ? (t2n_dtype)v : DT_UNDEF;
}

static void device_arg(const rc *c, int i, t2n_ival *o, const char *dflt) {
  if (cnone(c, i)) {
    set_dev(o, dflt);
    return;
  }
  const t2n_ival *d = IN(c, i);
  set_dev(o, d->kind == T2N_IV_DEVICE ? t2n_intern(c->f->m, d->s) : NULL);
}

/* zeros/ones/empty/rand/randn(size, [generator,] dtype, layout, device, pin) */
static void r_factory(rc *c) {
  t2n_ival *o = T(c, 0);
  int b = 1;
  if (is_generator(TY(c, 1))) b = 2;
  shape_arg(c, 0, o);
  o->dtype = dtype_arg(c, b, c->aux ? T2N_DT_INT64 : T2N_DT_FLOAT32);
  device_arg(c, b + 2, o, "cpu");
}

static void r_randint(rc *c) { /* randint(high, size, ...) / randint(low, high, size, ...) */
  t2n_ival *o = T(c, 0);
  int si = IN(c, 1)->kind == T2N_IV_LIST || (TY(c, 1) && TY(c, 1)->kind == T2N_TY_LIST) ? 1 : 2;
  int b = si + 1;
  if (is_generator(TY(c, b))) b++;
  shape_arg(c, si, o);
  o->dtype = dtype_arg(c, b, T2N_DT_INT64);
  device_arg(c, b + 2, o, "cpu");
}

static t2n_dtype scalar_dtype(const t2n_ival *v, const t2n_type *ty) {
  if (v->kind == T2N_IV_BOOL || t2n_type_is(ty, "bool")) return T2N_DT_BOOL;
  if (v->kind == T2N_IV_INT || t2n_type_is(ty, "int")) return T2N_DT_INT64;
  if (v->kind == T2N_IV_FLOAT || t2n_type_is(ty, "float")) return T2N_DT_FLOAT32;
  return DT_UNDEF;
}

static void r_full(rc *c) { /* full(size, fill_value, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  shape_arg(c, 0, o);
  o->dtype = dtype_arg(c, 2, scalar_dtype(IN(c, 1), TY(c, 1)));
  device_arg(c, 4, o, "cpu");
}

/* zeros_like(self, dtype, layout, device, pin, memory_format); full_like
 * (aux 1) has the fill value first. */
static void r_like(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  int b = 1 + c->aux;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  o->dtype = dtype_arg(c, b, x->dtype);
  device_arg(c, b + 2, o, x->s);
  int64_t mf = 1;
  if (c->nin > b + 4 && !cnone(c, b + 4) && !cint(c, b + 4, &mf)) mf = -1;
  if (mf == 1) preserve_output(c, 0, x);
  else if (mf != 0) keep_strides_unknown(c, 0);
}

/* new_zeros(self, size, dtype, layout, device, pin); new_full (aux 1). */
static void r_new(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  shape_arg(c, 1, o);
  int b = 2 + c->aux;
  o->dtype = dtype_arg(c, b, x ? x->dtype : DT_UNDEF);
  device_arg(c, b + 2, o, x ? x->s : NULL);
}

static void r_arange(rc *c) {
  /* arange(end, dtype, layout, device, pin) / arange(start, end, dtype, ...)
   * / arange(start, end, step, dtype, ...) */
  int nnum = c->nin == 5 ? 1 : c->nin == 6 ? 2 : c->nin == 7 ? 3 : -1;
  t2n_ival *o = T(c, 0);
  if (nnum < 0) return;
  double v[3] = {0, 0, 1};
  int any_float = 0, known = 1;
  for (int i = 0; i < nnum; i++) {
    const t2n_ival *x = IN(c, i);
    if (x->kind == T2N_IV_FLOAT || t2n_type_is(TY(c, i), "float")) any_float = 1;
    if (!cnum(c, i, &v[nnum == 1 ? 1 : i])) known = 0;
  }
  o->dtype = dtype_arg(c, nnum, any_float ? T2N_DT_FLOAT32 : T2N_DT_INT64);
  device_arg(c, nnum + 2, o, "cpu");
  o->rank = 1;
  o->sizes[0] = -1;
  if (known && v[2] != 0) {
    double n = ceil((v[1] - v[0]) / v[2]);
    o->sizes[0] = n < 0 ? 0 : (int64_t)n;
  }
}

static int nested_shape(const t2n_ival *v, int64_t *sz, int depth, int *rank, int *kind) {
  if (v->kind == T2N_IV_LIST || v->kind == T2N_IV_TUPLE) {
    if (depth >= MAXR) return 0;
    if (*rank <= depth) {
      *rank = depth + 1;
      sz[depth] = v->n;
    } else if (sz[depth] != v->n) {
      return 0;
    }
    for (int i = 0; i < v->n; i++)
      if (!nested_shape(&v->elems[i], sz, depth + 1, rank, kind)) return 0;
    if (v->n == 0 && *kind < 1) *kind = 1; /* empty: float */
    return 1;
  }
  int k = v->kind == T2N_IV_BOOL ? 0 : v->kind == T2N_IV_INT ? 2 : v->kind == T2N_IV_FLOAT ? 3 : -1;
  if (k < 0) return 0;
  if (*rank > depth) return 0; /* scalar where a list was seen */
  if (k > *kind) *kind = k;
  return 1;
}

static void r_tensor(rc *c) { /* tensor(data, dtype, device, requires_grad), as_tensor */
  t2n_ival *o = T(c, 0);
  int64_t sz[MAXR];
  int rank = 0, kind = -1;
  const t2n_ival *d = IN(c, 0);
  if (d->kind == T2N_IV_TENSOR) {
    *o = *d;
    o->n = 0;
    o->elems = NULL;
    o->dtype = dtype_arg(c, 1, d->dtype);
    return;
  }
  if (!nested_shape(d, sz, 0, &rank, &kind)) return;
  o->rank = rank;
  for (int i = 0; i < rank; i++) o->sizes[i] = sz[i];
  t2n_dtype inf = kind == 0 ? T2N_DT_BOOL : kind == 2 ? T2N_DT_INT64 : T2N_DT_FLOAT32;
  o->dtype = dtype_arg(c, 1, inf);
  device_arg(c, 2, o, "cpu");
  if (rank == 0 && d->kind != T2N_IV_UNKNOWN) {
    o->n = 1;
    o->i = d->kind == T2N_IV_FLOAT ? (int64_t)d->f : d->i;
    o->f = d->kind == T2N_IV_FLOAT ? d->f : (double)d->i;
  }
}

static void r_scalar_tensor(rc *c) { /* scalar_tensor(s, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  o->rank = 0;
  o->dtype = dtype_arg(c, 1, T2N_DT_FLOAT32);
  device_arg(c, 3, o, "cpu");
}

static void r_linspace(rc *c) { /* linspace(start, end, steps, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  int64_t n;
  o->rank = 1;
  o->sizes[0] = cint(c, 2, &n) ? n : -1;
  o->dtype = dtype_arg(c, 3, T2N_DT_FLOAT32);
  device_arg(c, 5, o, "cpu");
}

static void r_eye(rc *c) { /* eye(n, dtype, ...) / eye(n, m, dtype, ...) */
  t2n_ival *o = T(c, 0);
  int64_t n, m;
  int two = c->nin == 6;
  o->rank = 2;
  o->sizes[0] = cint(c, 0, &n) ? n : -1;
  o->sizes[1] = two ? (cint(c, 1, &m) ? m : -1) : o->sizes[0];
  o->dtype = dtype_arg(c, two ? 2 : 1, T2N_DT_FLOAT32);
  device_arg(c, two ? 4 : 3, o, "cpu");
}

/* ---- 4f. linear algebra ---- */
static void mat_out(rc *c, const t2n_ival *a, const t2n_ival *b, int rank, const int64_t *sz) {
  t2n_ival *o = T(c, 0);
  o->dtype = a && b && a->dtype == b->dtype ? a->dtype : (a && b ? promote(a->dtype, b->dtype) : DT_UNDEF);
  if (a && b && (a->dtype < 0 || b->dtype < 0)) o->dtype = DT_UNDEF;
  set_dev(o, dev_of(a));
  if (rank < 0 || rank > MAXR) return;
  o->rank = rank;
  for (int i = 0; i < rank; i++) o->sizes[i] = sz[i];
}

static void r_matmul(rc *c) {
  const t2n_ival *a = ctensor(c, 0), *b = ctensor(c, 1);
  int64_t s[MAXR] = {0};
  if (!a || !b || a->rank < 1 || b->rank < 1) {
    mat_out(c, a, b, -1, s);
    return;
  }
  int ra = a->rank, rb = b->rank;
  if (ra == 1 && rb == 1) {
    mat_out(c, a, b, 0, s);
  } else if (ra == 2 && rb == 1) {
    s[0] = a->sizes[0];
    mat_out(c, a, b, 1, s);
  } else if (ra == 1 && rb == 2) {
    s[0] = b->sizes[1];
    mat_out(c, a, b, 1, s);
  } else if (ra == 2 && rb == 2) {
    s[0] = a->sizes[0];
    s[1] = b->sizes[1];
    mat_out(c, a, b, 2, s);
  } else {
    /* batched: broadcast the batch dims */
    t2n_ival ba, bb, bo;
    tf_init(&ba);
    tf_init(&bb);
    tf_init(&bo);
    ba.rank = ra >= 2 ? ra - 2 : 0;
    for (int i = 0; i < ba.rank; i++) ba.sizes[i] = a->sizes[i];
    bb.rank = rb >= 2 ? rb - 2 : 0;
    for (int i = 0; i < bb.rank; i++) bb.sizes[i] = b->sizes[i];
    if (!bcast(&ba, &bb, &bo)) {
      mat_out(c, a, b, -1, s);
      return;
    }
    int r = 0;
    for (int i = 0; i < bo.rank; i++) s[r++] = bo.sizes[i];
    if (ra >= 2) s[r++] = a->sizes[ra - 2];
    if (rb >= 2) s[r++] = b->sizes[rb - 1];
    mat_out(c, a, b, r, s);
    if (ra == 2 && rb >= 3) keep_strides_unknown(c, 0);
  }
}

static void r_mm(rc *c) { /* mm(a, b), bmm(a, b), mv(m, v), dot(a, b) by aux 0..3 */
  const t2n_ival *a = ctensor(c, 0), *b = ctensor(c, 1);
  int64_t s[3] = {0};
  int want_a = c->aux == 1 ? 3 : c->aux == 3 ? 1 : 2, want_b = c->aux == 1 ? 3 : c->aux >= 2 ? 1 : 2;
  if (!a || !b || a->rank != want_a || b->rank != want_b) {
    mat_out(c, a, b, -1, s);
    return;
  }
  switch (c->aux) {
  case 0: s[0] = a->sizes[0]; s[1] = b->sizes[1]; mat_out(c, a, b, 2, s); break;
  case 1:
    s[0] = a->sizes[0] >= 0 ? a->sizes[0] : b->sizes[0];
    s[1] = a->sizes[1];
    s[2] = b->sizes[2];
    mat_out(c, a, b, 3, s);
    break;
  case 2: s[0] = a->sizes[0]; mat_out(c, a, b, 1, s); break;
  default: mat_out(c, a, b, 0, s); break;
  }
}

static void r_addmm(rc *c) { /* addmm(self, m1, m2, beta, alpha), baddbmm (aux 1), addmv (aux 2) */
  const t2n_ival *a = ctensor(c, 1), *b = ctensor(c, 2);
  int64_t s[3] = {0};
  int r = -1;
  if (a && b) {
    if (c->aux == 0 && a->rank == 2 && b->rank == 2) {
      s[0] = a->sizes[0];
      s[1] = b->sizes[1];
      r = 2;
    } else if (c->aux == 1 && a->rank == 3 && b->rank == 3) {
      s[0] = a->sizes[0];
      s[1] = a->sizes[1];
      s[2] = b->sizes[2];
      r = 3;
    } else if (c->aux == 2 && a->rank == 2 && b->rank == 1) {
      s[0] = a->sizes[0];
      r = 1;
    }
  }
  mat_out(c, a, b, r, s);
}

static void r_linear(rc *c) { /* linear(input, weight, bias?) */
  const t2n_ival *x = ctensor(c, 0), *w = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank < 1 || !w || w->rank < 1 || w->rank > 2) return;
  o->rank = w->rank == 2 ? x->rank : x->rank - 1;
  for (int i = 0; i < x->rank - 1; i++) o->sizes[i] = x->sizes[i];
  if (w->rank == 2) o->sizes[x->rank - 1] = w->sizes[0];
}

static void r_bilinear(rc *c) { /* bilinear(in1, in2, weight, bias) */
  const t2n_ival *x = ctensor(c, 0), *w = ctensor(c, 2);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank < 1 || !w || w->rank != 3) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank - 1; i++) o->sizes[i] = x->sizes[i];
  o->sizes[x->rank - 1] = w->sizes[0];
}

/* ---- 4g. convolution, pooling, padding, normalisation ---- */
/* Reads an int list of nsp entries (a single entry is repeated). */
static int sp_list(const rc *c, int i, int nsp, int64_t *out, int64_t dflt) {
  int64_t v[MAXR];
  if (i >= c->nin || cnone(c, i)) {
    for (int k = 0; k < nsp; k++) out[k] = dflt;
    return 1;
  }
  int n = cints(c, i, v, MAXR);
  if (n == 1) {
    for (int k = 0; k < nsp; k++) out[k] = v[0];
    return 1;
  }
  if (n == 0) { /* an empty list means the default (pooling: stride = kernel) */
    for (int k = 0; k < nsp; k++) out[k] = dflt;
    return 1;
  }
  if (n != nsp) return 0;
  for (int k = 0; k < nsp; k++) out[k] = v[k];
  return 1;
}

/* conv1d/2d/3d (aux 0), conv_transpose1d/2d/3d (aux 1), _convolution and
 * convolution (aux 2) */
static void r_conv(rc *c) {
  const t2n_ival *x = ctensor(c, 0), *w = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype >= 0 ? x->dtype : (w ? w->dtype : DT_UNDEF);
  set_dev(o, x->s);
  if (!w || w->rank < 3 || x->rank < 0) return;
  int nsp = w->rank - 2;
  int batched = x->rank == nsp + 2;
  if (!batched && x->rank != nsp + 1) return;
  int stride_i = 3, pad_i = 4, dil_i, outpad_i = -1, groups_i, transposed = 0;
  if (c->aux == 0) {
    dil_i = 5;
    groups_i = 6;
  } else if (c->aux == 1) {
    outpad_i = 5;
    groups_i = 6;
    dil_i = 7;
    transposed = 1;
  } else {
    dil_i = 5;
    int t;
    if (!cbool(c, 6, &t)) return;
    transposed = t;
    outpad_i = 7;
    groups_i = 8;
  }
  int64_t st[MAXR], pad[MAXR], dil[MAXR], op[MAXR], groups = 1;
  if (!sp_list(c, stride_i, nsp, st, 1) || !sp_list(c, dil_i, nsp, dil, 1)) return;
  if (outpad_i >= 0 && !sp_list(c, outpad_i, nsp, op, 0)) return;
  if (c->nin > groups_i && !cint(c, groups_i, &groups)) return;
  const t2n_ival *pv = IN(c, pad_i);
  int same = 0;
  if (pv->kind == T2N_IV_STR) {
    if (pv->slen == 4 && memcmp(pv->s, "same", 4) == 0) same = 1;
    else if (pv->slen == 5 && memcmp(pv->s, "valid", 5) == 0) {
      for (int k = 0; k < nsp; k++) pad[k] = 0;
    } else {
      return;
    }
  } else if (!sp_list(c, pad_i, nsp, pad, 0)) {
    return;
  }
  int r = 0, off = x->rank - nsp;
  if (batched) o->sizes[r++] = x->sizes[0];
  o->sizes[r++] = transposed ? (w->sizes[1] < 0 ? -1 : w->sizes[1] * groups) : w->sizes[0];
  for (int k = 0; k < nsp; k++) {
    int64_t in = x->sizes[off + k], kk = w->sizes[2 + k];
    if (in < 0 || kk < 0) {
      o->sizes[r++] = -1;
      continue;
    }
    int64_t out;
    if (same) out = in;
    else if (transposed) out = (in - 1) * st[k] - 2 * pad[k] + dil[k] * (kk - 1) + op[k] + 1;
    else out = (in + 2 * pad[k] - dil[k] * (kk - 1) - 1) / st[k] + 1;
    if (st[k] <= 0 || out < 0) return;
    o->sizes[r++] = out;
  }
  o->rank = r;
}

static int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, int ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}

/* max_poolNd(self, kernel, stride, padding, dilation, ceil_mode) (aux = N),
 * avg_poolNd(self, kernel, stride, padding, ceil_mode, count_include_pad,
 * divisor) (aux = N + 8); *_with_indices add a Long output. */
static void r_pool(rc *c) {
  int nsp = c->aux & 7, avg = c->aux >= 8;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  int64_t k[MAXR], st[MAXR], pad[MAXR], dil[MAXR];
  int ceil_mode = 0;
  if (x->rank != nsp + 1 && x->rank != nsp + 2) goto indices;
  if (!sp_list(c, 1, nsp, k, INT64_MIN)) goto indices;
  if (!sp_list(c, 2, nsp, st, INT64_MIN)) goto indices;
  for (int i = 0; i < nsp; i++)
    if (st[i] == INT64_MIN) st[i] = k[i];
  if (!sp_list(c, 3, nsp, pad, 0)) goto indices;
  if (avg) {
    for (int i = 0; i < nsp; i++) dil[i] = 1;
    if (c->nin > 4 && !cbool(c, 4, &ceil_mode)) goto indices;
  } else {
    if (!sp_list(c, 4, nsp, dil, 1)) goto indices;
    if (c->nin > 5 && !cbool(c, 5, &ceil_mode)) goto indices;
  }
  o->rank = x->rank;
  for (int i = 0; i < x->rank - nsp; i++) o->sizes[i] = x->sizes[i];
  for (int i = 0; i < nsp; i++) {
    int64_t in = x->sizes[x->rank - nsp + i];
    if (k[i] == INT64_MIN || st[i] <= 0) {
      o->rank = -1;
      break;
    }
    o->sizes[x->rank - nsp + i] = in < 0 ? -1 : pool_out(in, k[i], pad[i], st[i], dil[i], ceil_mode);
  }
indices:
  if (c->n->noutputs > 1) {
    c->out[1] = c->out[0];
    c->out[1].dtype = T2N_DT_INT64;
  }
}

/* adaptive_{avg,max}_poolNd(self, output_size) (aux = N) */
static void r_adaptive_pool(rc *c) {
  int nsp = c->aux;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t os[MAXR];
  if (x) {
    o->dtype = x->dtype;
    set_dev(o, x->s);
    if ((x->rank == nsp + 1 || x->rank == nsp + 2) && sp_list(c, 1, nsp, os, INT64_MIN)) {
      o->rank = x->rank;
      for (int i = 0; i < x->rank - nsp; i++) o->sizes[i] = x->sizes[i];
      for (int i = 0; i < nsp; i++) o->sizes[x->rank - nsp + i] = os[i] == INT64_MIN ? -1 : os[i];
    }
  }
  if (c->n->noutputs > 1) {
    c->out[1] = c->out[0];
    c->out[1].dtype = T2N_DT_INT64;
  }
}

/* pad(input, pad, mode, value), constant_pad_nd(self, pad, value),
 * reflection/replication_padNd(self, padding) */
static void r_pad(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t p[2 * MAXR];
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  int n = cints(c, 1, p, 2 * MAXR);
  if (x->rank < 0 || n < 0 || n % 2 || n / 2 > x->rank) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  for (int i = 0; i < n / 2; i++) {
    int d = x->rank - 1 - i;
    if (o->sizes[d] >= 0) o->sizes[d] += p[2 * i] + p[2 * i + 1];
  }
}

static void r_norm_layer(rc *c) { /* batch_norm, instance_norm, layer_norm, group_norm */
  r_same_contig(c);
}

static void r_embedding(rc *c) { /* embedding(weight, indices, padding_idx, scale, sparse) */
  const t2n_ival *w = ctensor(c, 0), *idx = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!w) return;
  o->dtype = w->dtype;
  set_dev(o, w->s);
  if (!idx || idx->rank < 0 || idx->rank >= MAXR || w->rank != 2) return;
  o->rank = idx->rank + 1;
  for (int i = 0; i < idx->rank; i++) o->sizes[i] = idx->sizes[i];
  o->sizes[idx->rank] = w->sizes[1];
}

static void r_one_hot(rc *c) { /* one_hot(self, num_classes=-1) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t k = -1;
  o->dtype = T2N_DT_INT64;
  if (!x) return;
  set_dev(o, x->s);
  if (x->rank < 0 || x->rank >= MAXR) return;
  o->rank = x->rank + 1;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  if (c->nin >= 2 && !cint(c, 1, &k)) k = -1;
  o->sizes[x->rank] = k > 0 ? k : -1;
  if (k <= 0) why(c, T2N_WHY_TENSOR_DATA, "one_hot without num_classes: the class count depends on tensor data");
}

/* upsample_* (self, output_size, ..., scales) and the .vec overloads
 * (input, output_size?, [align_corners,] scale_factors?); aux = N. */
static void r_upsample(rc *c) {
  int nsp = c->aux;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank != nsp + 2) return;
  int64_t os[MAXR];
  o->rank = x->rank;
  o->sizes[0] = x->sizes[0];
  o->sizes[1] = x->sizes[1];
  if (!cnone(c, 1) && cints(c, 1, os, MAXR) == nsp) {
    for (int i = 0; i < nsp; i++) o->sizes[2 + i] = os[i];
    return;
  }
  /* scale factors: the last float list among the inputs */
  for (int i = c->nin - 1; i >= 2; i--) {
    const t2n_ival *l = IN(c, i);
    if (l->kind != T2N_IV_LIST || l->n != nsp) continue;
    for (int k = 0; k < nsp; k++) {
      double s;
      if (l->elems[k].kind != T2N_IV_FLOAT && l->elems[k].kind != T2N_IV_INT) return;
      s = l->elems[k].kind == T2N_IV_FLOAT ? l->elems[k].f : (double)l->elems[k].i;
      int64_t in = x->sizes[2 + k];
      o->sizes[2 + k] = in < 0 ? -1 : (int64_t)floor((double)in * s);
    }
    return;
  }
  for (int i = 0; i < nsp; i++) o->sizes[2 + i] = -1;
}

static void r_pixel_shuffle(rc *c) { /* pixel_shuffle(self, r) (aux 0), pixel_unshuffle (aux 1) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t r;
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank < 3 || !cint(c, 1, &r) || r <= 0) return;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  int R = x->rank;
  int64_t ch = x->sizes[R - 3], h = x->sizes[R - 2], w = x->sizes[R - 1];
  if (c->aux == 0) {
    o->sizes[R - 3] = ch < 0 ? -1 : ch / (r * r);
    o->sizes[R - 2] = h < 0 ? -1 : h * r;
    o->sizes[R - 1] = w < 0 ? -1 : w * r;
  } else {
    o->sizes[R - 3] = ch < 0 ? -1 : ch * r * r;
    o->sizes[R - 2] = h < 0 ? -1 : h / r;
    o->sizes[R - 1] = w < 0 ? -1 : w / r;
  }
}

/* ---- 4h. recurrent ops ---- */
/* lstm(input, hx[], params[], has_biases, num_layers, dropout, train,
 * bidirectional, batch_first) -> (output, h, c) (aux 0);
 * gru / rnn_tanh / rnn_relu(input, hx, params, ...) -> (output, h) (aux 1). */
static void r_rnn(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  const t2n_ival *h = NULL, *cc = NULL;
  for (int k = 0; k < c->n->noutputs; k++) {
    t2n_ival *o = T(c, k);
    if (x) {
      o->dtype = x->dtype;
      set_dev(o, x->s);
    }
  }
  if (!x || x->rank < 2 || x->rank > 3) return;
  if (is_tensor_arg(c, 1) && !t2n_type_is(TY(c, 1), "Tensor[]") && c->aux == 0) return; /* packed */
  if (c->aux == 0) {
    const t2n_ival *l = IN(c, 1);
    if (l->kind == T2N_IV_LIST && l->n == 2) {
      if (l->elems[0].kind == T2N_IV_TENSOR) h = &l->elems[0];
      if (l->elems[1].kind == T2N_IV_TENSOR) cc = &l->elems[1];
    }
  } else {
    h = ctensor(c, 1);
  }
  if (c->aux == 1 && IN(c, 1)->kind == T2N_IV_TENSOR && ctensor(c, 2) && c->nin == 9 &&
      IN(c, 2)->kind == T2N_IV_TENSOR)
    return; /* gru.data(data, batch_sizes, hx, ...) */
  int bi, bf;
  if (!cbool(c, 7, &bi) || !cbool(c, 8, &bf)) return;
  int64_t hout = h && h->rank >= 1 ? h->sizes[h->rank - 1] : -1;
  t2n_ival *out = &c->out[0];
  out->rank = x->rank;
  for (int i = 0; i < x->rank - 1; i++) out->sizes[i] = x->sizes[i];
  out->sizes[x->rank - 1] = hout < 0 ? -1 : hout * (bi ? 2 : 1);
  if (bf && x->rank == 3 && tf_sizes_known(out)) {
    /* computed time-major, returned as a transposed view */
    int64_t st[3] = {out->sizes[2], out->sizes[0] * out->sizes[2], 1};
    set_strides(c, 0, st);
  }
  if (c->n->noutputs > 1 && h) {
    c->out[1].rank = h->rank;
    for (int i = 0; i < h->rank; i++) c->out[1].sizes[i] = h->sizes[i];
  }
  if (c->n->noutputs > 2 && cc) {
    c->out[2].rank = cc->rank;
    for (int i = 0; i < cc->rank; i++) c->out[2].sizes[i] = cc->sizes[i];
  }
}

/* lstm_cell(input, hx[], w_ih, w_hh, b_ih, b_hh) -> (hy, cy) (aux 0);
 * gru_cell / rnn_tanh_cell / rnn_relu_cell(input, hx, ...) -> hy (aux 1) */
static void r_rnn_cell(rc *c) {
  const t2n_ival *x = ctensor(c, 0), *whh = ctensor(c, 3);
  const t2n_ival *hs[2] = {NULL, NULL};
  if (c->aux == 0) {
    const t2n_ival *l = IN(c, 1);
    if (l->kind == T2N_IV_LIST && l->n == 2)
      for (int k = 0; k < 2; k++)
        if (l->elems[k].kind == T2N_IV_TENSOR) hs[k] = &l->elems[k];
  } else {
    hs[0] = ctensor(c, 1);
  }
  for (int k = 0; k < c->n->noutputs && k < 2; k++) {
    t2n_ival *o = T(c, k);
    if (!x) continue;
    o->dtype = x->dtype;
    set_dev(o, x->s);
    if (x->rank < 1 || x->rank > 2) continue;
    int64_t hsz = whh && whh->rank == 2 ? whh->sizes[1] : -1;
    const t2n_ival *h = hs[k] ? hs[k] : hs[0];
    if (hsz < 0 && h && h->rank >= 1) hsz = h->sizes[h->rank - 1];
    o->rank = x->rank;
    if (x->rank == 2) o->sizes[0] = x->sizes[0] >= 0 ? x->sizes[0] : (h && h->rank == 2 ? h->sizes[0] : -1);
    o->sizes[x->rank - 1] = hsz;
  }
}

/* ======================================================================
 * 5. THE OP TABLE: every op kind shape inference knows, its rule, and the
 *    rule's auxiliary argument. In-place aten ops (trailing '_') without a
 *    row keep their first input's facts; every other kind is unknown.
 * ==================================================================== */
typedef void (*rule_fn)(rc *c);
typedef struct op_rule { const char *kind; rule_fn fn; int aux; } op_rule;

#define U(mode, sop) ((mode) | ((int)(sop) << 8)) /* r_unary aux */
#define NOSCALAR 0xff                             /* tensor-only binary op */

static const op_rule rules[] = {
    /* prim: constants, containers, metadata */
    {"prim::Constant", r_constant, 0},
    {"prim::ListConstruct", r_construct, T2N_IV_LIST},
    {"prim::TupleConstruct", r_construct, T2N_IV_TUPLE},
    {"prim::ListUnpack", r_unpack, 0},
    {"prim::TupleUnpack", r_unpack, 0},
    {"prim::TupleIndex", r_tuple_index, 0},
    {"prim::TupleSlice", r_tuple_slice, 0},
    {"prim::dtype", r_dtype, 0},
    {"prim::device", r_device, 0},
    {"prim::is_cuda", r_is_device, 0},
    {"prim::is_cpu", r_is_device, 1},
    {"prim::is_mps", r_is_device, 2},
    {"prim::is_meta", r_is_device, 3},
    {"prim::layout", r_layout, 0},
    {"prim::data", r_identity, 0},
    {"prim::unchecked_cast", r_identity, 0},
    {"prim::unchecked_unwrap_optional", r_identity, 0},
    {"aten::_unwrap_optional", r_identity, 0},
    {"prim::NumToTensor", r_num_to_tensor, 0},
    {"prim::GetAttr", r_getattr, 0},
    {"prim::Uninitialized", r_uninitialized, 0},
    {"prim::RaiseException", r_nothing, 0},
    {"prim::SetAttr", r_nothing, 0},
    {"prim::Print", r_nothing, 0},
    {"aten::warn", r_nothing, 0},
    {"aten::format", r_nothing, 0},
    {"aten::str", r_nothing, 0},
    /* scalars, lists, sizes */
    {"prim::min", r_prim_minmax, T2N_SOP_MIN},
    {"prim::max", r_prim_minmax, T2N_SOP_MAX},
    {"prim::abs", r_scalar_unary, T2N_SOP_ABS},
    {"aten::__is__", r_is, 0},
    {"aten::__isnot__", r_is, 1},
    {"aten::__not__", r_scalar_unary, T2N_SOP_NOT},
    {"aten::__getitem__", r_getitem, 0},
    {"aten::__contains__", r_contains, 0},
    {"aten::__range_length", r_range_length, 0},
    {"aten::__derive_index", r_derive_index, 0},
    {"aten::list", r_identity, 0},
    {"aten::size", r_size, 0},
    {"aten::sym_size", r_size, 0},
    {"aten::dim", r_dim, 0},
    {"aten::numel", r_numel, 0},
    {"aten::sym_numel", r_numel, 0},
    {"aten::len", r_len, 0},
    {"aten::is_floating_point", r_is_floating_point, 0},
    {"aten::is_complex", r_is_floating_point, 1},
    {"aten::is_signed", r_is_floating_point, 2},
    {"aten::Bool", r_convert, T2N_SOP_BOOL},
    {"aten::Int", r_convert, T2N_SOP_INT},
    {"aten::Float", r_convert, T2N_SOP_FLOAT},
    {"aten::IntImplicit", r_convert, T2N_SOP_INT},
    {"aten::FloatImplicit", r_convert, T2N_SOP_FLOAT},
    {"aten::ScalarImplicit", r_convert, -1},
    {"aten::item", r_convert, -1},
    {"aten::is_nonzero", r_convert, T2N_SOP_BOOL},
    {"aten::_local_scalar_dense", r_convert, -1},
    {"aten::equal", r_needs_data, 0},
    {"aten::allclose", r_needs_data, 0},
    {"aten::tolist", r_needs_data, 0},
    /* binary arithmetic and comparisons (scalars or tensors) */
    {"aten::add", r_binary, AUX(T2N_SOP_ADD, DTM_PROMOTE)},
    {"aten::sub", r_binary, AUX(T2N_SOP_SUB, DTM_PROMOTE)},
    {"aten::subtract", r_binary, AUX(T2N_SOP_SUB, DTM_PROMOTE)},
    {"aten::rsub", r_rsub, 0},
    {"aten::mul", r_binary, AUX(T2N_SOP_MUL, DTM_PROMOTE)},
    {"aten::multiply", r_binary, AUX(T2N_SOP_MUL, DTM_PROMOTE)},
    {"aten::div", r_binary, AUX(T2N_SOP_DIV, DTM_FLOAT)},
    {"aten::divide", r_binary, AUX(T2N_SOP_DIV, DTM_FLOAT)},
    {"aten::true_divide", r_binary, AUX(T2N_SOP_DIV, DTM_FLOAT)},
    {"aten::floordiv", r_binary, AUX(T2N_SOP_FLOORDIV, DTM_PROMOTE)},
    {"aten::floor_divide", r_binary, AUX(T2N_SOP_FLOORDIV, DTM_PROMOTE)},
    {"aten::remainder", r_binary, AUX(T2N_SOP_MOD, DTM_PROMOTE)},
    {"aten::fmod", r_binary, AUX(NOSCALAR, DTM_PROMOTE)},
    {"aten::pow", r_binary, AUX(T2N_SOP_POW, DTM_PROMOTE)},
    {"aten::atan2", r_binary, AUX(T2N_SOP_ATAN2, DTM_FLOAT)},
    {"aten::arctan2", r_binary, AUX(T2N_SOP_ATAN2, DTM_FLOAT)},
    {"aten::hypot", r_binary, AUX(NOSCALAR, DTM_FLOAT)},
    {"aten::copysign", r_binary, AUX(NOSCALAR, DTM_FLOAT)},
    {"aten::maximum", r_binary, AUX(NOSCALAR, DTM_PROMOTE)},
    {"aten::minimum", r_binary, AUX(NOSCALAR, DTM_PROMOTE)},
    {"aten::fmax", r_binary, AUX(NOSCALAR, DTM_PROMOTE)},
    {"aten::fmin", r_binary, AUX(NOSCALAR, DTM_PROMOTE)},
    {"aten::__and__", r_binary, AUX(T2N_SOP_AND, DTM_PROMOTE)},
    {"aten::__or__", r_binary, AUX(T2N_SOP_OR, DTM_PROMOTE)},
    {"aten::__xor__", r_binary, AUX(T2N_SOP_XOR, DTM_PROMOTE)},
    {"aten::__lshift__", r_binary, AUX(T2N_SOP_LSHIFT, DTM_PROMOTE)},
    {"aten::__rshift__", r_binary, AUX(T2N_SOP_RSHIFT, DTM_PROMOTE)},
    {"aten::bitwise_and", r_binary, AUX(T2N_SOP_AND, DTM_PROMOTE)},
    {"aten::bitwise_or", r_binary, AUX(T2N_SOP_OR, DTM_PROMOTE)},
    {"aten::bitwise_xor", r_binary, AUX(T2N_SOP_XOR, DTM_PROMOTE)},
    {"aten::logical_and", r_binary, AUX(NOSCALAR, DTM_BOOL)},
    {"aten::logical_or", r_binary, AUX(NOSCALAR, DTM_BOOL)},
    {"aten::logical_xor", r_binary, AUX(NOSCALAR, DTM_BOOL)},
    {"aten::eq", r_binary, AUX(T2N_SOP_EQ, DTM_BOOL)},
    {"aten::ne", r_binary, AUX(T2N_SOP_NE, DTM_BOOL)},
    {"aten::lt", r_binary, AUX(T2N_SOP_LT, DTM_BOOL)},
    {"aten::le", r_binary, AUX(T2N_SOP_LE, DTM_BOOL)},
    {"aten::gt", r_binary, AUX(T2N_SOP_GT, DTM_BOOL)},
    {"aten::ge", r_binary, AUX(T2N_SOP_GE, DTM_BOOL)},
    {"aten::greater", r_binary, AUX(T2N_SOP_GT, DTM_BOOL)},
    {"aten::less", r_binary, AUX(T2N_SOP_LT, DTM_BOOL)},
    {"aten::where", r_where, 0},
    {"aten::lerp", r_ternary, 0},
    {"aten::addcmul", r_ternary, 0},
    {"aten::addcdiv", r_ternary, 0},
    {"aten::masked_fill", r_masked_fill, 0},
    /* unary elementwise: same dtype */
    {"aten::neg", r_unary, U(DTM_SAME, T2N_SOP_NEG)},
    {"aten::negative", r_unary, U(DTM_SAME, T2N_SOP_NEG)},
    {"aten::abs", r_unary, U(DTM_SAME, T2N_SOP_ABS)},
    {"aten::absolute", r_unary, U(DTM_SAME, T2N_SOP_ABS)},
    {"aten::floor", r_unary, U(DTM_SAME, T2N_SOP_FLOOR)},
    {"aten::ceil", r_unary, U(DTM_SAME, T2N_SOP_CEIL)},
    {"aten::round", r_unary, U(DTM_SAME, T2N_SOP_ROUND)},
    {"aten::trunc", r_unary, U(DTM_SAME, T2N_SOP_TRUNC)},
    {"aten::fix", r_unary, U(DTM_SAME, T2N_SOP_TRUNC)},
    {"aten::relu", r_unary, DTM_SAME},
    {"aten::relu6", r_unary, DTM_SAME},
    {"aten::leaky_relu", r_unary, DTM_SAME},
    {"aten::hardtanh", r_unary, DTM_SAME},
    {"aten::elu", r_unary, DTM_SAME},
    {"aten::selu", r_unary, DTM_SAME},
    {"aten::celu", r_unary, DTM_SAME},
    {"aten::gelu", r_unary, DTM_SAME},
    {"aten::silu", r_unary, DTM_SAME},
    {"aten::mish", r_unary, DTM_SAME},
    {"aten::softplus", r_unary, DTM_SAME},
    {"aten::hardswish", r_unary, DTM_SAME},
    {"aten::hardsigmoid", r_unary, DTM_SAME},
    {"aten::hardshrink", r_unary, DTM_SAME},
    {"aten::softshrink", r_unary, DTM_SAME},
    {"aten::threshold", r_unary, DTM_SAME},
    {"aten::sign", r_unary, DTM_SAME},
    {"aten::sgn", r_unary, DTM_SAME},
    {"aten::bitwise_not", r_unary, DTM_SAME},
    {"aten::square", r_unary, DTM_SAME},
    {"aten::nan_to_num", r_unary, DTM_SAME},
    {"aten::frac", r_unary, DTM_SAME},
    {"aten::positive", r_unary, DTM_SAME},
    {"aten::conj", r_unary, DTM_SAME},
    {"aten::real", r_unary, DTM_REAL},
    {"aten::imag", r_unary, DTM_REAL},
    {"aten::clamp", r_clamp, 0},
    {"aten::clamp_min", r_clamp, 0},
    {"aten::clamp_max", r_clamp, 0},
    {"aten::clip", r_clamp, 0},
    /* unary elementwise: integers become float */
    {"aten::sqrt", r_unary, U(DTM_FLOAT, T2N_SOP_SQRT)},
    {"aten::exp", r_unary, U(DTM_FLOAT, T2N_SOP_EXP)},
    {"aten::log", r_unary, U(DTM_FLOAT, T2N_SOP_LOG)},
    {"aten::log2", r_unary, U(DTM_FLOAT, T2N_SOP_LOG2)},
    {"aten::log10", r_unary, U(DTM_FLOAT, T2N_SOP_LOG10)},
    {"aten::sin", r_unary, U(DTM_FLOAT, T2N_SOP_SIN)},
    {"aten::cos", r_unary, U(DTM_FLOAT, T2N_SOP_COS)},
    {"aten::tan", r_unary, U(DTM_FLOAT, T2N_SOP_TAN)},
    {"aten::tanh", r_unary, U(DTM_FLOAT, T2N_SOP_TANH)},
    {"aten::atan", r_unary, U(DTM_FLOAT, T2N_SOP_ATAN)},
    {"aten::arctan", r_unary, U(DTM_FLOAT, T2N_SOP_ATAN)},
    {"aten::sigmoid", r_unary, DTM_FLOAT},
    {"aten::log_sigmoid", r_unary, DTM_FLOAT},
    {"aten::logit", r_unary, DTM_FLOAT},
    {"aten::rsqrt", r_unary, DTM_FLOAT},
    {"aten::log1p", r_unary, DTM_FLOAT},
    {"aten::expm1", r_unary, DTM_FLOAT},
    {"aten::exp2", r_unary, DTM_FLOAT},
    {"aten::asin", r_unary, DTM_FLOAT},
    {"aten::acos", r_unary, DTM_FLOAT},
    {"aten::sinh", r_unary, DTM_FLOAT},
    {"aten::cosh", r_unary, DTM_FLOAT},
    {"aten::asinh", r_unary, DTM_FLOAT},
    {"aten::acosh", r_unary, DTM_FLOAT},
    {"aten::atanh", r_unary, DTM_FLOAT},
    {"aten::erf", r_unary, DTM_FLOAT},
    {"aten::erfc", r_unary, DTM_FLOAT},
    {"aten::erfinv", r_unary, DTM_FLOAT},
    {"aten::reciprocal", r_unary, DTM_FLOAT},
    {"aten::lgamma", r_unary, DTM_FLOAT},
    {"aten::digamma", r_unary, DTM_FLOAT},
    {"aten::sinc", r_unary, DTM_FLOAT},
    /* unary elementwise: bool results */
    {"aten::logical_not", r_unary, DTM_BOOL},
    {"aten::isnan", r_unary, DTM_BOOL},
    {"aten::isinf", r_unary, DTM_BOOL},
    {"aten::isfinite", r_unary, DTM_BOOL},
    {"aten::isposinf", r_unary, DTM_BOOL},
    {"aten::isneginf", r_unary, DTM_BOOL},
    {"aten::signbit", r_unary, DTM_BOOL},
    /* dropout, softmax and friends */
    {"aten::dropout", r_dropout, 0},
    {"aten::feature_dropout", r_dropout, 0},
    {"aten::alpha_dropout", r_dropout, 0},
    {"aten::feature_alpha_dropout", r_dropout, 0},
    {"aten::softmax", r_softmax, 0},
    {"aten::log_softmax", r_softmax, 0},
    {"aten::softmin", r_softmax, 0},
    {"aten::cumsum", r_cumsum, 0},
    {"aten::cumprod", r_cumsum, 0},
    {"aten::logcumsumexp", r_same_contig, 0},
    {"aten::flip", r_same_preserve, 0},
    {"aten::roll", r_same_contig, 0},
    {"aten::triu", r_same_contig, 0},
    {"aten::tril", r_same_contig, 0},
    {"aten::prelu", r_prelu, 0},
    {"aten::glu", r_glu, 0},
    /* reductions */
    {"aten::sum", r_reduce, RED(DTM_PROMOTE, 1, 2, 3)},
    {"aten::nansum", r_reduce, RED(DTM_PROMOTE, 1, 2, 3)},
    {"aten::mean", r_reduce, RED(DTM_SAME, 1, 2, 3)},
    {"aten::nanmean", r_reduce, RED(DTM_SAME, 1, 2, 3)},
    {"aten::prod", r_reduce, RED(DTM_PROMOTE, 1, 2, 3)},
    {"aten::amax", r_reduce, RED(DTM_SAME, 1, 2, 15)},
    {"aten::amin", r_reduce, RED(DTM_SAME, 1, 2, 15)},
    {"aten::all", r_reduce, RED(DTM_BOOL, 1, 2, 15)},
    {"aten::any", r_reduce, RED(DTM_BOOL, 1, 2, 15)},
    {"aten::logsumexp", r_reduce, RED(DTM_FLOAT, 1, 2, 15)},
    {"aten::count_nonzero", r_reduce, RED(DTM_LONG, 1, 15, 15)},
    {"aten::max", r_maxmin, 0},
    {"aten::min", r_maxmin, 0},
    {"aten::median", r_maxmin, 0},
    {"aten::nanmedian", r_maxmin, 0},
    {"aten::mode", r_maxmin, 0},
    {"aten::argmax", r_argmax, 0},
    {"aten::argmin", r_argmax, 0},
    {"aten::std", r_std_var, 0},
    {"aten::var", r_std_var, 0},
    {"aten::std_mean", r_std_var, 0},
    {"aten::var_mean", r_std_var, 0},
    {"aten::norm", r_norm, 0},
    {"aten::linalg_vector_norm", r_norm, 0},
    {"aten::topk", r_topk, 0},
    {"aten::sort", r_sort, 0},
    {"aten::argsort", r_sort, 1},
    {"aten::msort", r_sort, 0},
    /* shapes and views */
    {"aten::view", r_view, 1},
    {"aten::reshape", r_view, 0},
    {"aten::_reshape_alias", r_view, 1},
    {"aten::_unsafe_view", r_view, 0},
    {"aten::view_as", r_view_as, 1},
    {"aten::reshape_as", r_view_as, 0},
    {"aten::flatten", r_flatten, 0},
    {"aten::unflatten", r_unflatten, 0},
    {"aten::squeeze", r_squeeze, 0},
    {"aten::squeeze_", r_squeeze, 0},
    {"aten::unsqueeze", r_unsqueeze, 0},
    {"aten::unsqueeze_", r_unsqueeze, 0},
    {"aten::permute", r_permute, 0},
    {"aten::transpose", r_transpose, 0},
    {"aten::transpose_", r_transpose, 0},
    {"aten::swapaxes", r_transpose, 0},
    {"aten::swapdims", r_transpose, 0},
    {"aten::t", r_transpose, 1},
    {"aten::t_", r_transpose, 1},
    {"aten::movedim", r_movedim, 0},
    {"aten::moveaxis", r_movedim, 0},
    {"aten::expand", r_expand, 0},
    {"aten::broadcast_to", r_expand, 0},
    {"aten::expand_as", r_expand_as, 0},
    {"aten::repeat", r_repeat, 0},
    {"aten::tile", r_tile, 0},
    {"aten::cat", r_cat, 0},
    {"aten::concat", r_cat, 0},
    {"aten::concatenate", r_cat, 0},
    {"aten::stack", r_stack, 0},
    {"aten::split", r_split, 0},
    {"aten::unsafe_split", r_split, 0},
    {"aten::split_with_sizes", r_split, 1},
    {"aten::chunk", r_split, 2},
    {"aten::unsafe_chunk", r_split, 2},
    {"aten::unbind", r_split, 3},
    {"aten::slice", r_slice, 0},
    {"aten::select", r_select, 0},
    {"aten::narrow", r_narrow, 0},
    {"aten::unfold", r_unfold, 0},
    {"aten::index_select", r_index_select, 0},
    {"aten::gather", r_gather, 0},
    {"aten::index", r_index, 0},
    {"aten::index_put", r_same_preserve, 0},
    {"aten::scatter", r_same_preserve, 0},
    {"aten::scatter_add", r_same_preserve, 0},
    {"aten::index_add", r_same_preserve, 0},
    {"aten::index_copy", r_same_preserve, 0},
    {"aten::index_fill", r_same_preserve, 0},
    {"aten::masked_scatter", r_same_preserve, 0},
    {"aten::masked_select", r_masked_select, 0},
    {"aten::nonzero", r_nonzero, 0},
    {"aten::repeat_interleave", r_repeat_interleave, 0},
    {"aten::to", r_to, 0},
    {"aten::type_as", r_type_as, 0},
    {"aten::cpu", r_cpu, 0},
    {"aten::device", r_make_device, 0},
    {"aten::contiguous", r_contiguous, 0},
    {"aten::clone", r_clone, 0},
    {"aten::detach", r_identity, 0},
    {"aten::alias", r_identity, 0},
    {"aten::lift_fresh", r_identity, 0},
    /* creation */
    {"aten::zeros", r_factory, 0},
    {"aten::ones", r_factory, 0},
    {"aten::empty", r_factory, 0},
    {"aten::rand", r_factory, 0},
    {"aten::randn", r_factory, 0},
    {"aten::randperm", r_factory, 1},
    {"aten::randint", r_randint, 0},
    {"aten::full", r_full, 0},
    {"aten::zeros_like", r_like, 0},
    {"aten::ones_like", r_like, 0},
    {"aten::empty_like", r_like, 0},
    {"aten::rand_like", r_like, 0},
    {"aten::randn_like", r_like, 0},
    {"aten::full_like", r_like, 1},
    {"aten::new_zeros", r_new, 0},
    {"aten::new_ones", r_new, 0},
    {"aten::new_empty", r_new, 0},
    {"aten::new_full", r_new, 1},
    {"aten::arange", r_arange, 0},
    {"aten::tensor", r_tensor, 0},
    {"aten::as_tensor", r_tensor, 0},
    {"aten::scalar_tensor", r_scalar_tensor, 0},
    {"aten::linspace", r_linspace, 0},
    {"aten::eye", r_eye, 0},
    /* linear algebra */
    {"aten::matmul", r_matmul, 0},
    {"aten::mm", r_mm, 0},
    {"aten::bmm", r_mm, 1},
    {"aten::mv", r_mm, 2},
    {"aten::dot", r_mm, 3},
    {"aten::addmm", r_addmm, 0},
    {"aten::baddbmm", r_addmm, 1},
    {"aten::addmv", r_addmm, 2},
    {"aten::linear", r_linear, 0},
    {"aten::bilinear", r_bilinear, 0},
    /* convolution, pooling, padding, normalisation */
    {"aten::conv1d", r_conv, 0},
    {"aten::conv2d", r_conv, 0},
    {"aten::conv3d", r_conv, 0},
    {"aten::conv_transpose1d", r_conv, 1},
    {"aten::conv_transpose2d", r_conv, 1},
    {"aten::conv_transpose3d", r_conv, 1},
    {"aten::_convolution", r_conv, 2},
    {"aten::convolution", r_conv, 2},
    {"aten::max_pool1d", r_pool, 1},
    {"aten::max_pool2d", r_pool, 2},
    {"aten::max_pool3d", r_pool, 3},
    {"aten::max_pool1d_with_indices", r_pool, 1},
    {"aten::max_pool2d_with_indices", r_pool, 2},
    {"aten::max_pool3d_with_indices", r_pool, 3},
    {"aten::avg_pool1d", r_pool, 8 + 1},
    {"aten::avg_pool2d", r_pool, 8 + 2},
    {"aten::avg_pool3d", r_pool, 8 + 3},
    {"aten::adaptive_avg_pool1d", r_adaptive_pool, 1},
    {"aten::adaptive_avg_pool2d", r_adaptive_pool, 2},
    {"aten::adaptive_avg_pool3d", r_adaptive_pool, 3},
    {"aten::_adaptive_avg_pool2d", r_adaptive_pool, 2},
    {"aten::adaptive_max_pool1d", r_adaptive_pool, 1},
    {"aten::adaptive_max_pool2d", r_adaptive_pool, 2},
    {"aten::adaptive_max_pool3d", r_adaptive_pool, 3},
    {"aten::pad", r_pad, 0},
    {"aten::constant_pad_nd", r_pad, 0},
    {"aten::reflection_pad1d", r_pad, 0},
    {"aten::reflection_pad2d", r_pad, 0},
    {"aten::reflection_pad3d", r_pad, 0},
    {"aten::replication_pad1d", r_pad, 0},
    {"aten::replication_pad2d", r_pad, 0},
    {"aten::replication_pad3d", r_pad, 0},
    {"aten::batch_norm", r_norm_layer, 0},
    {"aten::instance_norm", r_norm_layer, 0},
    {"aten::layer_norm", r_norm_layer, 0},
    {"aten::group_norm", r_norm_layer, 0},
    {"aten::embedding", r_embedding, 0},
    {"aten::one_hot", r_one_hot, 0},
    {"aten::upsample_nearest1d", r_upsample, 1},
    {"aten::upsample_nearest2d", r_upsample, 2},
    {"aten::upsample_nearest3d", r_upsample, 3},
    {"aten::_upsample_nearest_exact1d", r_upsample, 1},
    {"aten::_upsample_nearest_exact2d", r_upsample, 2},
    {"aten::upsample_linear1d", r_upsample, 1},
    {"aten::upsample_bilinear2d", r_upsample, 2},
    {"aten::upsample_bicubic2d", r_upsample, 2},
    {"aten::upsample_trilinear3d", r_upsample, 3},
    {"aten::pixel_shuffle", r_pixel_shuffle, 0},
    {"aten::pixel_unshuffle", r_pixel_shuffle, 1},
    /* recurrent */
    {"aten::lstm", r_rnn, 0},
    {"aten::gru", r_rnn, 1},
    {"aten::rnn_tanh", r_rnn, 1},
    {"aten::rnn_relu", r_rnn, 1},
    {"aten::lstm_cell", r_rnn_cell, 0},
    {"aten::gru_cell", r_rnn_cell, 1},
    {"aten::rnn_tanh_cell", r_rnn_cell, 1},
    {"aten::rnn_relu_cell", r_rnn_cell, 1},
};

#define NRULES (sizeof rules / sizeof rules[0])
static op_rule sorted_rules[NRULES];
static int rules_ready;

static int rule_cmp(const void *a, const void *b) {
  return strcmp(((const op_rule *)a)->kind, ((const op_rule *)b)->kind);
}

static const op_rule *lookup_rule(const char *kind) {
  if (!rules_ready) {
    memcpy(sorted_rules, rules, sizeof rules);
    qsort(sorted_rules, NRULES, sizeof sorted_rules[0], rule_cmp);
    rules_ready = 1;
  }
  op_rule key = {kind, NULL, 0};
  return bsearch(&key, sorted_rules, NRULES, sizeof sorted_rules[0], rule_cmp);
}

int t2n_shape_has_rule(const char *kind) { return lookup_rule(kind) != NULL; }

/* ======================================================================
 * 6. The walk
 * ==================================================================== */
static int ival_incomplete(const t2n_ival *v) {
  switch (v->kind) {
  case T2N_IV_UNKNOWN: return 1;
  case T2N_IV_TENSOR: return !tf_sizes_known(v) || v->dtype < 0;
  case T2N_IV_LIST: case T2N_IV_TUPLE:
    for (int i = 0; i < v->n; i++)
      if (ival_incomplete(&v->elems[i])) return 1;
    return 0;
  default: return 0;
  }
}

static void store(t2n_shape_facts *f, const t2n_value *v, const t2n_ival *iv, const t2n_object *obj,
                  const char *why, t2n_why whyk) {
  t2n_ival copy = *iv; /* iv may point into the slot table, which get_slot can grow */
  slot *s = get_slot(f, v);
  s->iv = copy;
  s->obj = obj;
  s->why = ival_incomplete(&copy) ? why : NULL;
  s->whyk = s->why ? whyk : T2N_WHY_KNOWN;
}

/* Deep structural equality (unknown parts included), for loop fixpoints. */
static int same_fact(const t2n_ival *a, const t2n_ival *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case T2N_IV_UNKNOWN: case T2N_IV_NONE: return 1;
  case T2N_IV_TENSOR: {
    if (a->dtype != b->dtype || a->rank != b->rank || a->n != b->n || (a->n && a->i != b->i)) return 0;
    if ((a->s == NULL) != (b->s == NULL) || (a->s && strcmp(a->s, b->s))) return 0;
    for (int i = 0; i < a->rank; i++)
      if (a->sizes[i] != b->sizes[i]) return 0;
    int64_t sa[MAXR], sb[MAXR];
    int ha = t2n_fact_strides(a, sa), hb = t2n_fact_strides(b, sb);
    if (ha != hb) return 0;
    return !ha || memcmp(sa, sb, sizeof(int64_t) * (size_t)a->rank) == 0;
  }
  case T2N_IV_LIST: case T2N_IV_TUPLE:
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
      if (!same_fact(&a->elems[i], &b->elems[i])) return 0;
    return 1;
  default: return t2n_ival_equal(a, b) == 1 && a->kind == b->kind;
  }
}

/* The facts both a and b satisfy. */
static void join(t2n_shape_facts *f, const t2n_ival *a, const t2n_ival *b, t2n_ival *o) {
  if (a->kind != b->kind) {
    t2n_ival_set_unknown(o);
    return;
  }
  switch (a->kind) {
  case T2N_IV_TENSOR: {
    tf_init(o);
    o->dtype = a->dtype == b->dtype ? a->dtype : DT_UNDEF;
    if (a->s && b->s && strcmp(a->s, b->s) == 0) set_dev(o, a->s);
    if (a->rank == b->rank) {
      o->rank = a->rank;
      for (int i = 0; i < a->rank; i++) o->sizes[i] = a->sizes[i] == b->sizes[i] ? a->sizes[i] : -1;
      int64_t sa[MAXR], sb[MAXR];
      if (t2n_fact_strides(a, sa) && t2n_fact_strides(b, sb) && tf_sizes_known(o) &&
          memcmp(sa, sb, sizeof(int64_t) * (size_t)a->rank) == 0)
        o->elems = a->elems;
    }
    if (a->n == 1 && b->n == 1 && a->i == b->i && a->f == b->f && o->dtype >= 0) {
      o->n = 1;
      o->i = a->i;
      o->f = a->f;
    }
    return;
  }
  case T2N_IV_LIST: case T2N_IV_TUPLE: {
    if (a->n != b->n) {
      t2n_ival_set_unknown(o);
      return;
    }
    t2n_ival *e = t2n_arena_alloc(f->a, sizeof *e * (size_t)(a->n + 1));
    for (int i = 0; i < a->n; i++) join(f, &a->elems[i], &b->elems[i], &e[i]);
    t2n_ival_set_unknown(o);
    o->kind = a->kind;
    o->n = a->n;
    o->elems = e;
    return;
  }
  case T2N_IV_UNKNOWN: t2n_ival_set_unknown(o); return;
  default:
    if (same_fact(a, b)) *o = *a;
    else t2n_ival_set_unknown(o);
  }
}

/* Loop widening: keep only a tensor's dtype and device. */
static void widen(const t2n_ival *a, t2n_ival *o, int full) {
  if (a->kind == T2N_IV_TENSOR && !full) {
    tf_init(o);
    o->dtype = a->dtype;
    set_dev(o, a->s);
    return;
  }
  t2n_ival_set_unknown(o);
}

static void infer_block(t2n_shape_facts *f, t2n_block *b);

static int cond_truth(const t2n_shape_facts *f, const t2n_value *v) {
  const t2n_ival *c = fact(f, v);
  if (c->kind == T2N_IV_BOOL || c->kind == T2N_IV_INT) return c->i != 0;
  return -1;
}

/* The block always raises (a prim::RaiseException directly in it). */
static int block_raises(const t2n_block *b) {
  for (const t2n_node *n = b->first; n; n = n->next)
    if (t2n_node_is(n, "prim::RaiseException")) return 1;
  return 0;
}

static void infer_if(t2n_shape_facts *f, t2n_node *n) {
  if (n->nblocks != 2 || n->ninputs < 1) return;
  int t = cond_truth(f, n->inputs[0]);
  if (t >= 0) {
    t2n_block *b = n->blocks[t ? 0 : 1];
    infer_block(f, b);
    for (int k = 0; k < n->noutputs && k < b->ret->ninputs; k++) {
      const t2n_value *r = b->ret->inputs[k];
      slot *s = find_slot(f, r);
      store(f, n->outputs[k], fact(f, r), fact_obj(f, r), s ? s->why : NULL, s ? s->whyk : T2N_WHY_KNOWN);
    }
    return;
  }
  infer_block(f, n->blocks[0]);
  infer_block(f, n->blocks[1]);
  /* Execution only continues past the If through a block that does not
   * raise: a raising block's outputs (prim::Uninitialized) never arrive. */
  int r0 = block_raises(n->blocks[0]), r1 = block_raises(n->blocks[1]);
  for (int k = 0; k < n->noutputs; k++) {
    if (k >= n->blocks[0]->ret->ninputs || k >= n->blocks[1]->ret->ninputs) break;
    const t2n_value *a = n->blocks[0]->ret->inputs[k], *b = n->blocks[1]->ret->inputs[k];
    if (r0 != r1) {
      const t2n_value *r = r0 ? b : a;
      slot *s = find_slot(f, r);
      store(f, n->outputs[k], fact(f, r), fact_obj(f, r), s ? s->why : NULL, s ? s->whyk : T2N_WHY_KNOWN);
      continue;
    }
    t2n_ival o;
    join(f, fact(f, a), fact(f, b), &o);
    const t2n_object *oa = fact_obj(f, a), *ob = fact_obj(f, b);
    store(f, n->outputs[k], &o, oa == ob ? oa : NULL, NULL, T2N_WHY_OTHER);
  }
}

static void infer_loop(t2n_shape_facts *f, t2n_node *n) {
  if (n->nblocks != 1 || n->ninputs < 2) return;
  t2n_block *body = n->blocks[0];
  int nc = n->ninputs - 2;
  if (nc > n->noutputs || body->nparams != nc + 1 || body->ret->ninputs != nc + 1) return;
  const t2n_ival *trip = fact(f, n->inputs[0]);
  int runs = !((trip->kind == T2N_IV_INT && trip->i <= 0) || cond_truth(f, n->inputs[1]) == 0);
  t2n_ival *cur = t2n_arena_alloc(f->a, sizeof *cur * (size_t)(nc + 1));
  const t2n_object **objs = t2n_arena_alloc(f->a, sizeof *objs * (size_t)(nc + 1));
  for (int i = 0; i < nc; i++) {
    cur[i] = *fact(f, n->inputs[2 + i]);
    objs[i] = fact_obj(f, n->inputs[2 + i]);
  }
  if (runs) {
    t2n_ival iter;
    t2n_ival_set_unknown(&iter);
    iter.kind = T2N_IV_UNKNOWN;
    for (int it = 0; it < 8; it++) {
      store(f, body->params[0], &iter, NULL, NULL, T2N_WHY_OTHER);
      for (int i = 0; i < nc; i++) store(f, body->params[1 + i], &cur[i], objs[i], NULL, T2N_WHY_OTHER);
      infer_block(f, body);
      int changed = 0;
      for (int i = 0; i < nc; i++) {
        const t2n_value *r = body->ret->inputs[1 + i];
        t2n_ival j;
        join(f, &cur[i], fact(f, r), &j);
        if (fact_obj(f, r) != objs[i]) objs[i] = NULL;
        if (!same_fact(&j, &cur[i])) {
          changed = 1;
          if (it >= 4) widen(&j, &j, it >= 6);
          cur[i] = j;
        }
      }
      if (!changed) break;
    }
  }
  for (int i = 0; i < nc; i++) store(f, n->outputs[i], &cur[i], objs[i], NULL, T2N_WHY_OTHER);
}

static t2n_graph *callee_graph(t2n_shape_facts *f, t2n_node *n, int *first_arg, const t2n_object **self) {
  *self = NULL;
  if (t2n_node_is(n, "prim::CallFunction")) {
    const t2n_node *c = n->ninputs ? n->inputs[0]->def : NULL;
    const t2n_attr *a = c && t2n_node_is(c, "prim::Constant") ? t2n_node_attr(c, "name") : NULL;
    t2n_function *fn = a && a->kind == T2N_ATTR_STRING ? t2n_module_function_by_short_name(f->m, a->s) : NULL;
    *first_arg = 1;
    return fn ? fn->graph : NULL;
  }
  const t2n_attr *a = t2n_node_attr(n, "name");
  const t2n_object *o = n->ninputs ? fact_obj(f, n->inputs[0]) : NULL;
  if (!a || a->kind != T2N_ATTR_STRING || !o) return NULL;
  *first_arg = 0;
  *self = o;
  t2n_class *cl = t2n_module_class(f->m, o->qualname);
  const t2n_method *mm = cl ? t2n_class_method(cl, a->s) : NULL;
  if (mm) return mm->graph;
  for (int i = 0; i < o->nmethods; i++)
    if (strcmp(o->methods[i].name, a->s) == 0) return o->methods[i].graph;
  return NULL;
}

/* A call: the callee is inferred for this call site's argument facts. */
static void infer_call(t2n_shape_facts *f, t2n_node *n) {
  int first;
  const t2n_object *self;
  t2n_graph *g = callee_graph(f, n, &first, &self);
  const char *msg = NULL;
  if (!g) msg = fmtstr(f, "%s: the callee is not in the module", n->kind);
  else if (f->depth >= 8) msg = "calls nested too deep";
  else if (g->top->nparams != n->ninputs - first || g->top->ret->ninputs != n->noutputs) msg = "call arity mismatch";
  if (msg) {
    for (int k = 0; k < n->noutputs; k++) store(f, n->outputs[k], &unknown_ival, NULL, msg, T2N_WHY_OTHER);
    return;
  }
  for (int i = 0; i < g->top->nparams; i++) {
    const t2n_value *a = n->inputs[first + i];
    store(f, g->top->params[i], fact(f, a), i == 0 && self ? self : fact_obj(f, a), NULL, T2N_WHY_OTHER);
  }
  f->depth++;
  infer_block(f, g->top);
  f->depth--;
  for (int k = 0; k < n->noutputs; k++) {
    const t2n_value *r = g->top->ret->inputs[k];
    store(f, n->outputs[k], fact(f, r), fact_obj(f, r), NULL, T2N_WHY_OTHER);
  }
}

static int is_inplace_kind(const char *k) {
  size_t l = strlen(k);
  return strncmp(k, "aten::", 6) == 0 && l > 7 && k[l - 1] == '_' && k[l - 2] != '_';
}

static void infer_node(t2n_shape_facts *f, t2n_node *n) {
  if (t2n_node_is(n, "prim::If")) {
    infer_if(f, n);
    return;
  }
  if (t2n_node_is(n, "prim::Loop")) {
    infer_loop(f, n);
    return;
  }
  if (t2n_node_is(n, "prim::CallFunction") || t2n_node_is(n, "prim::CallMethod")) {
    infer_call(f, n);
    return;
  }
  t2n_ival outs_local[MAXOUT];
  t2n_ival *outs = n->noutputs <= MAXOUT ? outs_local : t2n_arena_alloc(f->a, sizeof *outs * (size_t)n->noutputs);
  for (int k = 0; k < n->noutputs; k++) t2n_ival_set_unknown(&outs[k]);
  rc c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.n = n;
  c.nin = n->ninputs;
  c.out = outs;
  const op_rule *r = lookup_rule(n->kind);
  if (r) {
    c.aux = r->aux;
    r->fn(&c);
  } else if (is_inplace_kind(n->kind) && n->noutputs == 1 && n->ninputs >= 1) {
    r_identity(&c); /* in-place ops return self */
  } else if (n->noutputs) {
    why(&c, T2N_WHY_NO_RULE, fmtstr(f, "shape inference has no rule for %s", n->kind));
  }
  /* defaults for tensor outputs: device of the first tensor input (cpu for
   * factories), contiguous strides when the rule set none */
  const char *dev = NULL;
  int any_tensor_in = 0;
  for (int i = 0; i < n->ninputs; i++) {
    const t2n_ival *x = fact(f, n->inputs[i]);
    if (x->kind == T2N_IV_TENSOR || t2n_type_is_tensor(n->inputs[i]->type)) {
      any_tensor_in = 1;
      if (x->kind == T2N_IV_TENSOR && x->s) {
        dev = x->s;
        break;
      }
    }
  }
  if (!any_tensor_in) dev = "cpu";
  for (int k = 0; k < n->noutputs; k++) {
    t2n_ival *o = &outs[k];
    t2n_value *v = n->outputs[k];
    const char *w = c.why;
    t2n_why wk = c.whyk;
    if (o->kind == T2N_IV_TENSOR) {
      if (!o->s) set_dev(o, dev);
      if (!(k < MAXOUT && c.strides_set[k]) && !o->elems) tf_contig(f, o);
      if (o->rank < 0 || !tf_sizes_known(o)) o->elems = NULL;
    }
    if (is_mutated(f, v)) {
      if (o->kind == T2N_IV_TENSOR) {
        o->rank = -1;
        o->elems = NULL;
        o->n = 0;
        w = "its shape is changed in place (unsqueeze_, resize_, ...)";
      } else if (o->kind == T2N_IV_LIST) {
        t2n_ival_set_unknown(o);
        w = "a list modified in place (append, __setitem__, ...)";
      }
      wk = T2N_WHY_OTHER;
    }
    store(f, v, o, k == 0 ? c.out_obj : NULL, w, wk);
  }
}

static void infer_block(t2n_shape_facts *f, t2n_block *b) {
  for (t2n_node *n = b->first; n; n = n->next) infer_node(f, n);
}

/* ---- pre-scans ---- */
static const char *const list_mutators[] = {
    "aten::append", "aten::insert", "aten::extend", "aten::pop", "aten::remove", "aten::clear",
    "aten::_set_item", "aten::__setitem__", "aten::reverse", "aten::sort", "aten::__delitem__",
    "aten::add_", NULL};
static const char *const shape_mutators[] = {
    "aten::unsqueeze_", "aten::squeeze_", "aten::transpose_", "aten::t_", "aten::resize_",
    "aten::resize_as_", "aten::as_strided_", "aten::set_", "aten::swapdims_", "aten::swapaxes_", NULL};

static int kind_in(const char *k, const char *const *list) {
  for (int i = 0; list[i]; i++)
    if (strcmp(k, list[i]) == 0) return 1;
  return 0;
}

static void mark(t2n_shape_facts *f, const t2n_value *v) {
  if (is_mutated(f, v)) return;
  if (f->nmut == f->capmut) {
    f->capmut = f->capmut ? f->capmut * 2 : 32;
    f->mut = realloc(f->mut, sizeof *f->mut * (size_t)f->capmut);
    if (!f->mut) abort();
  }
  f->mut[f->nmut++] = v;
  /* aliases: block outputs <-> the If/Loop outputs, loop params, in-place results */
  const t2n_node *d = v->def;
  if (d && (t2n_node_is(d, "prim::If") || t2n_node_is(d, "prim::Loop"))) {
    for (int b = 0; b < d->nblocks; b++) {
      int idx = t2n_node_is(d, "prim::Loop") ? v->index + 1 : v->index;
      if (idx < d->blocks[b]->ret->ninputs) mark(f, d->blocks[b]->ret->inputs[idx]);
    }
    if (t2n_node_is(d, "prim::Loop") && v->index + 2 < d->ninputs) mark(f, d->inputs[v->index + 2]);
  }
  if (d && is_inplace_kind(d->kind) && d->ninputs) mark(f, d->inputs[0]);
  if (v->param_of && v->param_of->owner && t2n_node_is(v->param_of->owner, "prim::Loop") && v->index > 0) {
    const t2n_node *lp = v->param_of->owner;
    if (v->index + 1 < lp->ninputs) mark(f, lp->inputs[v->index + 1]);
    if (v->index - 1 < lp->noutputs) mark(f, lp->outputs[v->index - 1]);
  }
  for (int u = 0; u < v->nuses; u++) {
    const t2n_node *user = v->uses[u].user;
    if (t2n_node_is(user, "prim::Return") && user->parent && user->parent->owner) {
      const t2n_node *own = user->parent->owner;
      int idx = v->uses[u].index - (t2n_node_is(own, "prim::Loop") ? 1 : 0);
      if (idx >= 0 && idx < own->noutputs) mark(f, own->outputs[idx]);
    }
    if (is_inplace_kind(user->kind) && v->uses[u].index == 0 && user->noutputs) mark(f, user->outputs[0]);
  }
}

static int scan_node(t2n_node *n, void *ctx) {
  t2n_shape_facts *f = ctx;
  if (n->ninputs && (kind_in(n->kind, shape_mutators))) mark(f, n->inputs[0]);
  if (kind_in(n->kind, list_mutators))
    for (int i = 0; i < n->ninputs; i++)
      if (n->inputs[i]->type && n->inputs[i]->type->kind == T2N_TY_LIST) mark(f, n->inputs[i]);
  return 0;
}

/* The graph a call node reaches, resolved from the IR alone (the
 * receiver's class type for prim::CallMethod); NULL when unknown. */
static t2n_graph *static_callee(t2n_module *m, const t2n_node *n, int *first) {
  if (t2n_node_is(n, "prim::CallFunction")) {
    const t2n_node *c = n->ninputs ? n->inputs[0]->def : NULL;
    const t2n_attr *a = c && t2n_node_is(c, "prim::Constant") ? t2n_node_attr(c, "name") : NULL;
    t2n_function *fn = a && a->kind == T2N_ATTR_STRING ? t2n_module_function_by_short_name(m, a->s) : NULL;
    *first = 1;
    return fn ? fn->graph : NULL;
  }
  const t2n_attr *a = t2n_node_attr(n, "name");
  const t2n_type *rt = n->ninputs ? n->inputs[0]->type : NULL;
  if (!a || a->kind != T2N_ATTR_STRING || !rt || rt->kind != T2N_TY_CLASS) return NULL;
  t2n_class *cl = t2n_module_class(m, rt->name);
  const t2n_method *mm = cl ? t2n_class_method(cl, a->s) : NULL;
  *first = 0;
  return mm ? mm->graph : NULL;
}

/* A list passed to a call is mutated when the callee mutates that parameter
 * (or the callee is not known). */
typedef struct call_scan {
  t2n_shape_facts *f;
  int added;
} call_scan;

static int scan_call(t2n_node *n, void *p) {
  call_scan *cs = p;
  if (!t2n_node_is(n, "prim::CallFunction") && !t2n_node_is(n, "prim::CallMethod")) return 0;
  int first = 0;
  t2n_graph *g = static_callee(cs->f->m, n, &first);
  for (int i = first; i < n->ninputs; i++) {
    const t2n_value *a = n->inputs[i];
    if (!a->type || a->type->kind != T2N_TY_LIST || is_mutated(cs->f, a)) continue;
    int k = i - first;
    if (g && k < g->top->nparams && !is_mutated(cs->f, g->top->params[k])) continue;
    mark(cs->f, a);
    cs->added++;
  }
  return 0;
}

static void collect_written(t2n_shape_facts *f) {
  t2n_graph **gs;
  int ng = t2n_module_graphs(f->m, &gs);
  int cap = 0;
  for (int gi = 0; gi < ng; gi++) {
    t2n_node *stack[256];
    int sp = 0;
    for (t2n_node *n = gs[gi]->top->first; n || sp;) {
      if (!n) {
        n = stack[--sp];
        continue;
      }
      if (t2n_node_is(n, "prim::SetAttr")) {
        const t2n_attr *a = t2n_node_attr(n, "name");
        if (a && a->kind == T2N_ATTR_STRING) {
          int seen = 0;
          for (int i = 0; i < f->nwritten; i++)
            if (strcmp(f->written[i], a->s) == 0) seen = 1;
          if (!seen) {
            if (f->nwritten == cap) {
              cap = cap ? cap * 2 : 16;
              f->written = realloc(f->written, sizeof *f->written * (size_t)cap);
              if (!f->written) abort();
            }
            f->written[f->nwritten++] = a->s;
          }
        }
      }
      for (int b = n->nblocks - 1; b >= 0 && sp < 255; b--)
        if (n->blocks[b]->first) stack[sp++] = n->blocks[b]->first;
      n = n->next;
    }
  }
}

static void seed_inputs(t2n_shape_facts *f) {
  t2n_block *top = f->g->top;
  for (int i = 0; i < top->nparams; i++) {
    t2n_value *v = top->params[i];
    const t2n_type *ty = v->type;
    t2n_ival iv;
    t2n_ival_set_unknown(&iv);
    if (ty && ty->kind == T2N_TY_CLASS) {
      const t2n_object *obj = NULL;
      if (i == 0 && f->m->root && f->m->root->qualname && strcmp(f->m->root->qualname, ty->name) == 0)
        obj = f->m->root;
      store(f, v, &iv, obj, obj ? NULL : "a module object the graph does not carry (no module text)", T2N_WHY_OTHER);
      continue;
    }
    const t2n_example *ex = f->opts ? t2n_example_for(f->opts, v->name) : NULL;
    const t2n_type *inner = ty && ty->kind == T2N_TY_OPTIONAL && ty->nelems == 1 ? ty->elems[0] : ty;
    if (ex && ex->is_tensor) {
      if (inner && inner->kind != T2N_TY_TENSOR) {
        store(f, v, &iv, NULL, fmtstr(f, "the example for %%%s is a tensor but the input is %s", v->name, ty->text),
              T2N_WHY_NO_EXAMPLE);
        continue;
      }
      tf_init(&iv);
      iv.dtype = ex->dtype;
      iv.rank = ex->rank <= MAXR ? ex->rank : -1;
      for (int k = 0; k < iv.rank; k++) iv.sizes[k] = ex->sizes[k];
      set_dev(&iv, "cpu");
      tf_contig(f, &iv);
      store(f, v, &iv, NULL, NULL, T2N_WHY_KNOWN);
      continue;
    }
    if (ex && ex->is_scalar_value) {
      if (t2n_type_is(inner, "float")) {
        iv.kind = T2N_IV_FLOAT;
        iv.f = ex->scalar_is_float ? ex->fval : (double)ex->ival;
      } else if (t2n_type_is(inner, "bool") && !ex->scalar_is_float) {
        iv.kind = T2N_IV_BOOL;
        iv.i = ex->ival != 0;
      } else if (!ex->scalar_is_float && (t2n_type_is(inner, "int") || !inner || t2n_type_is(inner, "Scalar"))) {
        iv.kind = T2N_IV_INT;
        iv.i = ex->ival;
      } else if (ex->scalar_is_float && t2n_type_is(inner, "Scalar")) {
        iv.kind = T2N_IV_FLOAT;
        iv.f = ex->fval;
      }
      store(f, v, &iv, NULL,
            iv.kind == T2N_IV_UNKNOWN ? fmtstr(f, "the example value for %%%s does not fit its type %s", v->name,
                                               ty ? ty->text : "?") : NULL,
            T2N_WHY_NO_EXAMPLE);
      continue;
    }
    if (ty && ty->kind == T2N_TY_TENSOR && ty->rank >= 0 && ty->dtype >= 0) {
      fact_from_type(f, ty, &iv);
      store(f, v, &iv, NULL, NULL, T2N_WHY_KNOWN);
      continue;
    }
    store(f, v, &iv, NULL, fmtstr(f, "graph input %%%s has no example (--input-shape / --input-value)", v->name),
          T2N_WHY_NO_EXAMPLE);
  }
}

/* ======================================================================
 * 7. Public API
 * ==================================================================== */
t2n_shape_facts *t2n_shape_infer(t2n_module *m, t2n_graph *g, const t2n_pass_options *opts) {
  t2n_shape_facts *f = calloc(1, sizeof *f);
  if (!f) abort();
  f->m = m;
  f->g = g;
  f->opts = opts;
  f->a = t2n_arena_new();
  collect_written(f);
  t2n_graph **gs;
  int ng = t2n_module_graphs(m, &gs);
  int seen_target = 0;
  for (int i = 0; i < ng; i++) {
    t2n_walk(gs[i]->top, scan_node, f);
    if (gs[i] == g) seen_target = 1;
  }
  if (!seen_target) t2n_walk(g->top, scan_node, f);
  for (int round = 0; round < 8; round++) { /* through nested calls */
    call_scan cs = {f, 0};
    for (int i = 0; i < ng; i++) t2n_walk(gs[i]->top, scan_call, &cs);
    if (!seen_target) t2n_walk(g->top, scan_call, &cs);
    if (!cs.added) break;
  }
  seed_inputs(f);
  infer_block(f, g->top);
  return f;
}

void t2n_shape_facts_free(t2n_shape_facts *f) {
  if (!f) return;
  t2n_arena_free(f->a);
  free(f->tab);
  free(f->written);
  free(f->mut);
  free(f);
}

const t2n_ival *t2n_shape_get(const t2n_shape_facts *f, const t2n_value *v) { return fact(f, v); }
const t2n_object *t2n_shape_object(const t2n_shape_facts *f, const t2n_value *v) { return fact_obj(f, v); }
int t2n_shape_reached(const t2n_shape_facts *f, const t2n_value *v) { return find_slot(f, v) != NULL; }

t2n_why t2n_shape_explain(const t2n_shape_facts *f, const t2n_value *v, char *buf, size_t n) {
  const t2n_value *cur = v;
  if (n) buf[0] = 0;
  for (int depth = 0; depth < 64 && cur; depth++) {
    slot *s = find_slot(f, cur);
    if (!s) {
      snprintf(buf, n, "%%%s is in a branch the example inputs do not take", cur->name);
      return T2N_WHY_NOT_REACHED;
    }
    if (!ival_incomplete(&s->iv) && cur == v) return T2N_WHY_KNOWN;
    if (s->why) {
      snprintf(buf, n, "%s", s->why);
      return s->whyk;
    }
    const t2n_node *d = cur->def;
    if (!d) {
      if (cur->param_of && cur->param_of->owner && t2n_node_is(cur->param_of->owner, "prim::Loop")) {
        snprintf(buf, n, "%%%s is a loop-carried value that changes between iterations", cur->name);
        return T2N_WHY_OTHER;
      }
      snprintf(buf, n, "nothing is known of %%%s", cur->name);
      return T2N_WHY_OTHER;
    }
    if (t2n_node_is(d, "prim::If") && d->ninputs) {
      int t = cond_truth(f, d->inputs[0]);
      if (t < 0) {
        cur = d->inputs[0];
        continue;
      }
      const t2n_block *b = d->blocks[t ? 0 : 1];
      if (cur->index < b->ret->ninputs) {
        cur = b->ret->inputs[cur->index];
        continue;
      }
    }
    if (t2n_node_is(d, "prim::Loop")) {
      snprintf(buf, n, "%%%s is a loop-carried value that changes between iterations", cur->name);
      return T2N_WHY_OTHER;
    }
    const t2n_value *next = NULL;
    for (int i = 0; i < d->ninputs && !next; i++)
      if (ival_incomplete(fact(f, d->inputs[i]))) {
        const t2n_type *ty = d->inputs[i]->type;
        const t2n_ival *x = fact(f, d->inputs[i]);
        /* skip inputs whose unknown part is harmless: None-able and known */
        if (x->kind == T2N_IV_NONE) continue;
        if (ty && ty->kind == T2N_TY_CLASS && fact_obj(f, d->inputs[i])) continue;
        next = d->inputs[i];
      }
    if (!next) {
      snprintf(buf, n, "%s could not compute %%%s from what is known of its inputs", d->kind, cur->name);
      return T2N_WHY_OTHER;
    }
    cur = next;
  }
  snprintf(buf, n, "nothing is known of %%%s", v->name);
  return T2N_WHY_OTHER;
}

const char *t2n_fact_device(const t2n_ival *iv) { return iv->kind == T2N_IV_TENSOR ? iv->s : NULL; }

int t2n_fact_tensor_complete(const t2n_ival *iv) {
  return iv->kind == T2N_IV_TENSOR && iv->dtype >= 0 && iv->s && tf_sizes_known(iv);
}

const t2n_type *t2n_fact_tensor_type(t2n_module *m, const t2n_ival *iv) {
  if (!t2n_fact_tensor_complete(iv)) return NULL;
  int64_t st[MAXR], cst[MAXR];
  int has = t2n_fact_strides(iv, st);
  contig_strides(iv->rank, iv->sizes, cst);
  if (has && (iv->rank == 0 || memcmp(st, cst, sizeof(int64_t) * (size_t)iv->rank) == 0))
    return t2n_type_tensor(m, iv->dtype, iv->rank, iv->sizes, iv->s);
  /* torch's spelling with explicit strides, or none when they are unknown */
  char text[512];
  size_t len = 0;
  len += (size_t)snprintf(text + len, sizeof text - len, "%s(", t2n_dtype_name(iv->dtype));
  for (int i = 0; i < iv->rank; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%s%lld", i ? ", " : "", (long long)iv->sizes[i]);
  if (has) {
    len += (size_t)snprintf(text + len, sizeof text - len, ", strides=[");
    for (int i = 0; i < iv->rank; i++)
      len += (size_t)snprintf(text + len, sizeof text - len, "%s%lld", i ? ", " : "", (long long)st[i]);
    len += (size_t)snprintf(text + len, sizeof text - len, "]");
  }
  len += (size_t)snprintf(text + len, sizeof text - len, "%srequires_grad=0, device=%s)", iv->rank ? ", " : "", iv->s);
  if (len >= sizeof text) return NULL;
  t2n_type p;
  memset(&p, 0, sizeof p);
  p.kind = T2N_TY_TENSOR;
  p.name = "Tensor";
  p.dtype = iv->dtype;
  p.rank = iv->rank;
  int64_t *sz = t2n_arena_alloc(m->arena, sizeof(int64_t) * (size_t)(iv->rank + 1));
  memcpy(sz, iv->sizes, sizeof(int64_t) * (size_t)iv->rank);
  p.sizes = sz;
  if (has) {
    int64_t *s2 = t2n_arena_alloc(m->arena, sizeof(int64_t) * (size_t)(iv->rank + 1));
    memcpy(s2, st, sizeof(int64_t) * (size_t)iv->rank);
    p.strides = s2;
  }
  p.requires_grad = 0;
  p.device = t2n_intern(m, iv->s);
  return t2n_type_intern(m, text, len, &p);
}
