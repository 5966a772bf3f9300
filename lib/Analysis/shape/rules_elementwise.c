/* Shape inference rules: elementwise ops, and what they rest on: dtype
 * promotion (c10/core/ScalarType.h), result_type over tensor and scalar
 * operands, and the output strides a TensorIterator op gives. */
#include <math.h>

#include "shape_internal.h"

/* ---- dtypes and promotion (c10/core/ScalarType.h) ---- */
static t2n_dtype dt_to_complex(t2n_dtype d) {
  switch (d) {
  case T2N_DT_FLOAT16: return T2N_DT_COMPLEX32;
  case T2N_DT_FLOAT64: return T2N_DT_COMPLEX128;
  default: return T2N_DT_COMPLEX64;
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

t2n_dtype t2n_sh_promote(t2n_dtype a, t2n_dtype b) {
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
  if (higher == T2N_DT_BOOL || dt_is_float(lower)) return t2n_sh_promote(higher, lower);
  if (higher != DT_UNDEF) return higher;
  return lower;
}

/* ---- result dtype and output strides of TensorIterator ops ---- */
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
        if (zero) zeror = t2n_sh_promote(zeror, x->dtype);
        else dimr = t2n_sh_promote(dimr, x->dtype);
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
      wrapr = t2n_sh_promote(wrapr, w);
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
  int64_t st[MAXOUT][T2N_MAX_RANK];
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
      contig &= t2n_sh_is_contig(nd, shape, st[k]);
      cl &= t2n_sh_is_channels_last(nd, shape, st[k]);
      dense &= t2n_sh_non_overlapping_dense(nd, shape, st[k]);
    }
    if (contig) {
      contig_strides(nd, shape, out);
      return 1;
    }
    if (cl) {
      t2n_sh_channels_last_strides(nd, shape, out);
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
  int64_t sb[MAXOUT][T2N_MAX_RANK];
  for (int k = 0; k < nops; k++) {
    int r = ops[k]->rank, off = nd - r;
    int64_t es = (int64_t)t2n_dtype_size(ops[k]->dtype);
    if (es <= 0) es = 1;
    for (int d = 0; d < nd; d++) sb[k][d] = 0;
    for (int i = 0; i < r; i++)
      sb[k][off + i] = (ops[k]->sizes[i] == 1 && shape[off + i] != 1) ? 0 : st[k][i] * es;
  }
  /* reorder_dimensions */
  int perm[T2N_MAX_RANK];
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
  int64_t st[T2N_MAX_RANK];
  if (tf_sizes_known(o) && ti_strides(ops, nops, nscalars, o->rank, o->sizes, st)) set_strides(c, k, st);
  else keep_strides_unknown(c, k);
}

/* ---- elementwise rules ---- */
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
    } else if (!t2n_sh_bcast(o, x, o)) {
      t2n_sh_refuse(c, "the shapes %s and %s do not broadcast", t2n_sh_dims(c->f, o), t2n_sh_dims(c->f, x));
      return 0;
    }
  }
  return 1;
}

/* Elementwise op over the tensor/scalar inputs idx with dtype mode. */
void t2n_sh_elementwise(rc *c, const int *idx, int nidx, int mode, int scalars_are_operands) {
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
void t2n_sh_r_binary(rc *c, const t2n_sh_binary_params *p) {
  /* 0xff: no scalar op (tensor-only: t2n_scalar_binary and carry_value
   * compute nothing for it) */
  t2n_scalar_op op = p->sop.set ? p->sop.op : (t2n_scalar_op)0xff;
  int mode = p->dtype;
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
  t2n_sh_elementwise(c, idx, 2, mode, op != T2N_SOP_POW);
  if (op == T2N_SOP_DIV && c->nin >= 3 && IN(c, 2)->kind == T2N_IV_STR) return;
  carry_value(c, op, 1);
}

void t2n_sh_r_rsub(rc *c) { /* rsub(self, other, alpha) = other - self */
  static const int idx[] = {0, 1};
  t2n_sh_elementwise(c, idx, 2, DTM_PROMOTE, 1);
}

/* Unary elementwise; p->sop: the scalar overload's op, when it has one. */
void t2n_sh_r_unary(rc *c, const t2n_sh_unary_params *p) {
  if (!is_tensor_arg(c, 0)) {
    if (p->sop.set) t2n_scalar_unary(p->sop.op, IN(c, 0), OTY(c, 0), &c->out[0]);
    return;
  }
  static const int idx[] = {0};
  t2n_sh_elementwise(c, idx, 1, p->dtype, 0);
  if (p->sop.set) carry_value(c, p->sop.op, 0);
}

/* Ops whose result keeps input 0's dtype and strides when they do not
 * compute (dropout in eval mode returns its input). */
void t2n_sh_r_dropout(rc *c) {
  int train;
  if (cbool(c, 2, &train) && !train) {
    t2n_sh_r_identity(c);
    return;
  }
  static const int idx[] = {0};
  t2n_sh_elementwise(c, idx, 1, DTM_SAME, 0);
}

void t2n_sh_r_clamp(rc *c) { /* clamp(self, min?, max?) with scalar or tensor bounds */
  static const int idx[] = {0, 1, 2};
  int n = c->nin < 3 ? c->nin : 3;
  const t2n_ival *self = ctensor(c, 0);
  if (self && self->dtype >= 0 && dt_is_float(self->dtype) && !is_tensor_arg(c, 1) && !is_tensor_arg(c, 2)) {
    t2n_sh_elementwise(c, idx, 1, DTM_SAME, 0);
    return;
  }
  t2n_sh_elementwise(c, idx, n, DTM_PROMOTE, 0);
}

void t2n_sh_r_where(rc *c) {
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

void t2n_sh_r_ternary(rc *c) { /* lerp, addcmul, addcdiv: promote the three */
  static const int idx[] = {0, 1, 2};
  t2n_sh_elementwise(c, idx, 3, DTM_PROMOTE, 1);
}

void t2n_sh_r_masked_fill(rc *c) {
  static const int idx[] = {0, 1};
  t2n_ival *o = T(c, 0);
  if (!bcast_inputs(c, o, idx, 2)) return;
  const t2n_ival *self = ctensor(c, 0);
  o->dtype = self ? self->dtype : DT_UNDEF;
  set_dev(o, dev_of(self));
  if (self && o->rank == self->rank) {
    /* clone (preserve) of self expanded to the result */
    int64_t st[T2N_MAX_RANK];
    if (tf_sizes_known(o) && t2n_fact_strides(self, st) && t2n_sh_non_overlapping_dense(self->rank, self->sizes, st)) {
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

/* op(self, dim, dtype?): self's facts (not its value) with the dtype
 * argument's dtype when it is given; NULL when self is no tensor. *given
 * says whether the dtype argument decided the dtype. */
static t2n_ival *same_with_dtype_arg(rc *c, int *given) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  *given = 0;
  if (!x) return NULL;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  int64_t d;
  if (c->nin >= 3 && !cnone(c, 2)) {
    o->dtype = cint(c, 2, &d) ? (t2n_dtype)d : DT_UNDEF;
    *given = 1;
  }
  return o;
}

void t2n_sh_r_softmax(rc *c) { /* softmax(self, dim, dtype?) */
  int given;
  same_with_dtype_arg(c, &given);
}

void t2n_sh_r_cumsum(rc *c) { /* cumsum(self, dim, dtype?): integers sum as int64 */
  int given;
  t2n_ival *o = same_with_dtype_arg(c, &given);
  if (o && !given && dt_is_integral(o->dtype, 1)) o->dtype = T2N_DT_INT64;
}

/* Same shape and dtype as input 0, a fresh contiguous result. */
void t2n_sh_r_same_contig(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  *o = *x;
  o->n = 0;
  o->elems = NULL;
}

/* Same shape and dtype as input 0, memory format preserved (flip, clone). */
void t2n_sh_preserve_output(rc *c, int k, const t2n_ival *x) {
  t2n_ival *o = &c->out[k];
  int64_t st[T2N_MAX_RANK];
  if (!tf_sizes_known(o) || !x || x->rank != o->rank || !t2n_fact_strides(x, st)) {
    if (tf_sizes_known(o) && x && x->rank == o->rank && tf_sizes_known(x) && !x->elems) {
      keep_strides_unknown(c, k);
      return;
    }
    return; /* contiguous by default */
  }
  if (t2n_sh_non_overlapping_dense(x->rank, x->sizes, st)) {
    set_strides(c, k, st);
  } else if (t2n_sh_is_channels_last(x->rank, x->sizes, st) && !t2n_sh_is_contig(x->rank, x->sizes, st)) {
    t2n_sh_channels_last_strides(o->rank, o->sizes, st);
    set_strides(c, k, st);
  }
}

void t2n_sh_r_same_preserve(rc *c) {
  t2n_sh_r_same_contig(c);
  t2n_sh_preserve_output(c, 0, ctensor(c, 0));
}

void t2n_sh_r_prelu(rc *c) { t2n_sh_r_same_contig(c); }

void t2n_sh_r_glu(rc *c) { /* glu(self, dim=-1) halves dim */
  t2n_sh_r_same_contig(c);
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
