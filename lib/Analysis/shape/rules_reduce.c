/* Shape inference rules: reductions (sum, mean, max, argmax, std, norm,
 * ...), topk and sort. */
#include "shape_internal.h"

/* Reads a dim argument: an int, an int list (empty: every dim) or None
 * (every dim). Fills mask[rank]; returns 0 when unknown. */
int t2n_sh_read_dims(const rc *c, int i, int rank, int *mask) {
  for (int d = 0; d < rank; d++) mask[d] = 0;
  if (i >= c->nin || cnone(c, i)) {
    for (int d = 0; d < rank; d++) mask[d] = 1;
    return 1;
  }
  int64_t dims[T2N_MAX_RANK];
  int n = cints(c, i, dims, T2N_MAX_RANK);
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

/* Generic reduction; p: the dtype mode and where the dim, keepdim and dtype
 * arguments are (rules.def). Below, 15 stands for an absent argument. */
void t2n_sh_r_reduce(rc *c, const t2n_sh_reduce_params *p) {
  int mode = p->dtype, di = p->dim_arg ? p->dim_arg : 15, ki = p->keepdim_arg ? p->keepdim_arg : 15,
      ti = p->dtype_arg ? p->dtype_arg : 15;
  if (p->list_sum && c->nin == 1 && !is_tensor_arg(c, 0)) {
    /* sum.int / sum.float / sum.bool of a list: its numbers added (swin's
     * `sum(shift_size) > 0`) */
    const t2n_ival *l = IN(c, 0);
    if (l->kind != T2N_IV_LIST) return;
    t2n_ival acc;
    t2n_ival_set_unknown(&acc);
    acc.kind = t2n_type_is(OTY(c, 0), "float") ? T2N_IV_FLOAT : T2N_IV_INT;
    acc.i = 0;
    acc.f = 0.0;
    for (int i = 0; i < l->n; i++) {
      t2n_ival r;
      if (!t2n_scalar_binary(c->f->a, T2N_SOP_ADD, &acc, &l->elems[i], NULL, &r)) return;
      acc = r;
    }
    c->out[0] = acc;
    return;
  }
  const t2n_ival *x = ctensor(c, 0);
  /* sum(self, dtype) / mean(self, dtype) / prod(self, dtype): whole tensor */
  if (c->nin == 2 && di == 1 && ti == 3) {
    di = 15;
    ki = 15;
    ti = 1;
  }
  int mask[T2N_MAX_RANK], keep = 0;
  int ok_dims = x && x->rank >= 0 &&
                (di == 15 ? (t2n_sh_read_dims(c, 99, x->rank, mask), 1) : t2n_sh_read_dims(c, di, x->rank, mask));
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

/* any / all: of a list (any(bool[]), all(int[]), ...: the fast-path checks
 * of nn.MultiheadAttention and TransformerEncoderLayer build such lists),
 * Python's truth of its elements: one known true element decides any, one
 * known false decides all, even when others are unknown. Of a tensor, the
 * bool reduction (p->all picks nothing there: both reduce alike). */
void t2n_sh_r_any_all(rc *c, const t2n_sh_any_all_params *p) {
  const t2n_ival *l = IN(c, 0);
  if (l->kind != T2N_IV_LIST) {
    static const t2n_sh_reduce_params r = {.dtype = DTM_BOOL, .dim_arg = 1, .keepdim_arg = 2};
    t2n_sh_r_reduce(c, &r);
    return;
  }
  if (c->nin != 1) return;
  int unknown = 0;
  for (int i = 0; i < l->n; i++) {
    int t = t2n_ival_truth(&l->elems[i]);
    if (t < 0) unknown = 1;
    else if (t == !p->all) { /* any: a true one; all: a false one */
      c->out[0].kind = T2N_IV_BOOL;
      c->out[0].i = !p->all;
      return;
    }
  }
  if (unknown) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = p->all; /* any([]) is False, all([]) True */
}

/* max / min: (self) -> scalar; (self, other) elementwise; (self, dim,
 * keepdim) -> (values, indices). */
void t2n_sh_r_maxmin(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  if (c->nin == 2 && is_tensor_arg(c, 1)) {
    static const int idx[] = {0, 1};
    t2n_sh_elementwise(c, idx, 2, DTM_PROMOTE, 1);
    return;
  }
  if (c->nin == 1) {
    reduce_to(c, 0, x, NULL, 0, x ? x->dtype : DT_UNDEF);
    if (x && x->rank >= 0) c->out[0].rank = 0;
    return;
  }
  int mask[T2N_MAX_RANK], keep = 0;
  int ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 1, x->rank, mask);
  if (c->nin >= 3 && !cbool(c, 2, &keep)) keep = -1;
  reduce_to(c, 0, x, ok ? mask : NULL, keep, x ? x->dtype : DT_UNDEF);
  if (c->n->noutputs > 1) reduce_to(c, 1, x, ok ? mask : NULL, keep, T2N_DT_INT64);
}

void t2n_sh_r_argmax(rc *c) { /* argmax(self, dim?, keepdim) */
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
  int mask[T2N_MAX_RANK];
  int ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 1, x->rank, mask);
  reduce_to(c, 0, x, ok ? mask : NULL, keep, T2N_DT_INT64);
}

void t2n_sh_r_std_var(rc *c) {
  /* std(self, unbiased) / std.dim(self, dim, unbiased, keepdim) /
   * std.correction(self, dim?, correction?, keepdim); var alike; std_mean
   * and var_mean return (std, mean). */
  const t2n_ival *x = ctensor(c, 0);
  t2n_dtype dt = x ? (dt_is_integral(x->dtype, 1) ? T2N_DT_FLOAT32 : dt_to_real(x->dtype)) : DT_UNDEF;
  int mask[T2N_MAX_RANK], keep = 0, ok;
  if (c->nin <= 2) {
    ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 99, x->rank, mask);
  } else {
    ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 1, x->rank, mask);
    if (!cbool(c, 3, &keep)) keep = -1;
  }
  reduce_to(c, 0, x, ok ? mask : NULL, keep, dt);
  if (c->n->noutputs > 1) reduce_to(c, 1, x, ok ? mask : NULL, keep, x ? x->dtype : DT_UNDEF);
}

void t2n_sh_r_norm(rc *c) {
  /* norm(self, p) / norm(self, p, dtype) / norm(self, p, dim, keepdim) /
   * norm(self, p, dim, keepdim, dtype) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_dtype dt = x ? (dt_is_integral(x->dtype, 1) ? DT_UNDEF : dt_to_real(x->dtype)) : DT_UNDEF;
  int mask[T2N_MAX_RANK], keep = 0, ok, dti = -1;
  if (c->nin <= 3) {
    ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 99, x->rank, mask);
    if (c->nin == 3) dti = 2;
  } else {
    ok = x && x->rank >= 0 && t2n_sh_read_dims(c, 2, x->rank, mask);
    if (!cbool(c, 3, &keep)) keep = -1;
    if (c->nin >= 5) dti = 4;
  }
  int64_t d;
  if (dti >= 0 && !cnone(c, dti)) dt = cint(c, dti, &d) ? dt_to_real((t2n_dtype)d) : DT_UNDEF;
  reduce_to(c, 0, x, ok ? mask : NULL, keep, dt);
}

void t2n_sh_r_topk(rc *c) { /* topk(self, k, dim=-1, largest, sorted) */
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

void t2n_sh_r_sort(rc *c, const t2n_sh_sort_params *p) { /* sort -> (values, indices); argsort -> indices */
  const t2n_ival *x = ctensor(c, 0);
  for (int o = 0; o < c->n->noutputs && o < 2; o++) {
    t2n_ival *r = T(c, o);
    if (!x) continue;
    *r = *x;
    r->n = 0;
    r->elems = NULL;
    if (o == 1 || p->indices_only) r->dtype = T2N_DT_INT64;
  }
}
