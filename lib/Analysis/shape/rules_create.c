/* Shape inference rules: conversions (to, cpu, type_as, contiguous, clone)
 * and tensor creation (zeros/ones/rand, full, *_like, new_*, arange,
 * tensor, linspace, eye). */
#include <math.h>

#include "shape_internal.h"

/* ---- conversions ---- */
/* to(...): the overloads are told apart by input count and types. */
void t2n_sh_r_to(rc *c) {
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
  t2n_sh_preserve_output(c, 0, x);
}

void t2n_sh_r_cpu(rc *c) { /* Tensor.cpu(): self when already on the cpu */
  const t2n_ival *x = ctensor(c, 0);
  if (x && x->s && strcmp(x->s, "cpu") == 0) {
    t2n_sh_r_identity(c);
    return;
  }
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->elems = NULL;
  set_dev(o, "cpu");
  t2n_sh_preserve_output(c, 0, x);
}

void t2n_sh_r_make_device(rc *c) { /* aten::device(str) */
  const t2n_ival *s = IN(c, 0);
  if (s->kind != T2N_IV_STR && s->kind != T2N_IV_DEVICE) return;
  c->out[0] = *s;
  c->out[0].kind = T2N_IV_DEVICE;
}

void t2n_sh_r_type_as(rc *c) {
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
  t2n_sh_preserve_output(c, 0, x);
}

void t2n_sh_r_contiguous(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t st[T2N_MAX_RANK];
  if (x && tf_sizes_known(x) && t2n_fact_strides(x, st) && t2n_sh_is_contig(x->rank, x->sizes, st)) {
    t2n_sh_r_identity(c);
    return;
  }
  t2n_sh_r_same_contig(c);
  if (x && !tf_sizes_known(x)) keep_strides_unknown(c, 0);
  else if (x && !x->elems) keep_strides_unknown(c, 0);
}

void t2n_sh_r_clone(rc *c) {
  int64_t mf;
  if (c->nin >= 2 && !cnone(c, 1) && cint(c, 1, &mf) && mf == 0) { /* contiguous_format */
    t2n_sh_r_same_contig(c);
    return;
  }
  t2n_sh_r_same_preserve(c);
}

/* ---- tensor creation ---- */
static int shape_arg(const rc *c, int i, t2n_ival *o) {
  int64_t s[T2N_MAX_RANK] = {0};
  int n = t2n_sh_read_shape(c, i, s, T2N_MAX_RANK);
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
void t2n_sh_r_factory(rc *c, const t2n_sh_factory_params *p) {
  t2n_ival *o = T(c, 0);
  int b = 1;
  if (is_generator(TY(c, 1))) b = 2;
  shape_arg(c, 0, o);
  o->dtype = dtype_arg(c, b, p->default_dtype);
  device_arg(c, b + 2, o, "cpu");
}

void t2n_sh_r_randint(rc *c) { /* randint(high, size, ...) / randint(low, high, size, ...) */
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

void t2n_sh_r_full(rc *c) { /* full(size, fill_value, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  shape_arg(c, 0, o);
  o->dtype = dtype_arg(c, 2, scalar_dtype(IN(c, 1), TY(c, 1)));
  device_arg(c, 4, o, "cpu");
}

/* zeros_like(self, dtype, layout, device, pin, memory_format); full_like
 * (p->fill_first) has the fill value first. */
void t2n_sh_r_like(rc *c, const t2n_sh_like_params *p) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  int b = 1 + (p->fill_first != 0);
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  o->dtype = dtype_arg(c, b, x->dtype);
  device_arg(c, b + 2, o, x->s);
  int64_t mf = 1;
  if (c->nin > b + 4 && !cnone(c, b + 4) && !cint(c, b + 4, &mf)) mf = -1;
  if (mf == 1) t2n_sh_preserve_output(c, 0, x);
  else if (mf != 0) keep_strides_unknown(c, 0);
}

/* new_zeros(self, size, dtype, layout, device, pin); new_full (p->fill_first). */
void t2n_sh_r_new(rc *c, const t2n_sh_new_params *p) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  shape_arg(c, 1, o);
  int b = 2 + (p->fill_first != 0);
  o->dtype = dtype_arg(c, b, x ? x->dtype : DT_UNDEF);
  device_arg(c, b + 2, o, x ? x->s : NULL);
}

void t2n_sh_r_arange(rc *c) {
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
    if (depth >= T2N_MAX_RANK) return 0;
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

void t2n_sh_r_tensor(rc *c) { /* tensor(data, dtype, device, requires_grad), as_tensor */
  t2n_ival *o = T(c, 0);
  int64_t sz[T2N_MAX_RANK];
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

void t2n_sh_r_scalar_tensor(rc *c) { /* scalar_tensor(s, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  o->rank = 0;
  o->dtype = dtype_arg(c, 1, T2N_DT_FLOAT32);
  device_arg(c, 3, o, "cpu");
}

void t2n_sh_r_linspace(rc *c) { /* linspace(start, end, steps, dtype, layout, device, pin) */
  t2n_ival *o = T(c, 0);
  int64_t n;
  o->rank = 1;
  o->sizes[0] = cint(c, 2, &n) ? n : -1;
  o->dtype = dtype_arg(c, 3, T2N_DT_FLOAT32);
  device_arg(c, 5, o, "cpu");
}

void t2n_sh_r_eye(rc *c) { /* eye(n, dtype, ...) / eye(n, m, dtype, ...) */
  t2n_ival *o = T(c, 0);
  int64_t n, m;
  int two = c->nin == 6;
  o->rank = 2;
  o->sizes[0] = cint(c, 0, &n) ? n : -1;
  o->sizes[1] = two ? (cint(c, 1, &m) ? m : -1) : o->sizes[0];
  o->dtype = dtype_arg(c, two ? 2 : 1, T2N_DT_FLOAT32);
  device_arg(c, two ? 4 : 3, o, "cpu");
}
