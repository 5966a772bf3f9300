/* Shape inference rules: ops that return views (or copies when torch
 * cannot view): reshape/view, flatten, squeeze, permute/transpose, expand,
 * slice, select, narrow, unfold. Their strides follow torch's, so a later
 * view of a view gets them right. */
#include "shape_internal.h"

/* Reads a shape argument (int list, possibly with unknown elements). */
int t2n_sh_read_shape(const rc *c, int i, int64_t *out, int max) {
  return read_ints(c, i, out, max, 1);
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
  if (nr < 0 || nr > T2N_MAX_RANK) return;
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
    else if (slot >= 0 && infer >= 0) {
      t2n_sh_refuse(c, "%lld elements (shape %s) cannot be viewed with a -1 beside sizes whose product is %lld",
                    (long long)numel, t2n_sh_dims(c->f, x), (long long)prod);
      o->rank = -1;
      keep_strides_unknown(c, k);
      return;
    }
  }
  if (!tf_sizes_known(o)) {
    keep_strides_unknown(c, k);
    return;
  }
  if (numel >= 0 && numel_of(o) != numel) { /* torch raises */
    t2n_sh_refuse(c, "shape %s holds %lld elements, the input %s has %lld", t2n_sh_dims(c->f, o),
                  (long long)numel_of(o), t2n_sh_dims(c->f, x), (long long)numel);
    o->rank = -1;
    keep_strides_unknown(c, k);
    return;
  }
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
  if (!t2n_fact_strides(x, st)) {
    keep_strides_unknown(c, k);
    return;
  }
  if (view_strides(x->rank, x->sizes, st, o->rank, o->sizes, nst)) {
    set_strides(c, k, nst);
  } else if (!view) {
    set_strides(c, k, NULL);
    t2n_sh_tf_contig(c->f, o);
  } else { /* torch raises: the strides are not compatible with a view */
    o->rank = -1;
    why(c, T2N_WHY_OTHER, t2n_sh_fmtstr(c->f, "%s: not viewable with these strides (use reshape)", c->n->kind));
    keep_strides_unknown(c, k);
  }
}

void t2n_sh_r_view(rc *c, const t2n_sh_view_params *p) { /* view / reshape / _reshape_alias (p->is_view: view) */
  int64_t s[T2N_MAX_RANK] = {0};
  int n = t2n_sh_read_shape(c, 1, s, T2N_MAX_RANK);
  if (n < 0) {
    T(c, 0);
    const t2n_ival *x = ctensor(c, 0);
    if (x) {
      c->out[0].dtype = x->dtype;
      set_dev(&c->out[0], x->s);
    }
    return;
  }
  reshape_to(c, 0, ctensor(c, 0), n, s, p->is_view);
}

void t2n_sh_r_view_as(rc *c, const t2n_sh_view_as_params *p) { /* view_as / reshape_as(self, other) */
  const t2n_ival *o = ctensor(c, 1);
  int64_t s[T2N_MAX_RANK] = {0};
  int n = o ? o->rank : -1;
  for (int i = 0; i < n; i++) s[i] = o->sizes[i] < 0 ? INT64_MIN : o->sizes[i];
  reshape_to(c, 0, ctensor(c, 0), n, s, p->is_view);
}

void t2n_sh_r_flatten(rc *c) { /* flatten(self, start_dim=0, end_dim=-1) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t s0 = 0, e0 = -1, s[T2N_MAX_RANK];
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
    t2n_sh_r_identity(c);
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

void t2n_sh_r_unflatten(rc *c) { /* unflatten(self, dim, sizes) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t d, sz[T2N_MAX_RANK], s[T2N_MAX_RANK];
  int k = t2n_sh_read_shape(c, 2, sz, T2N_MAX_RANK);
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d) || k < 0 || x->rank - 1 + k > T2N_MAX_RANK) {
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
t2n_ival *t2n_sh_view_out(rc *c, int k, const t2n_ival *x) {
  t2n_ival *o = T(c, k);
  if (x) {
    o->dtype = x->dtype;
    set_dev(o, x->s);
  }
  return o;
}

void t2n_sh_r_squeeze(rc *c) { /* squeeze(self) / squeeze(self, dim) / squeeze(self, dims) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  if (!x || x->rank < 0) return;
  int mask[T2N_MAX_RANK];
  if (c->nin < 2) {
    for (int d = 0; d < x->rank; d++) mask[d] = 1;
  } else if (!t2n_sh_read_dims(c, 1, x->rank, mask)) {
    return;
  }
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
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

void t2n_sh_r_unsqueeze(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t d;
  if (!x || x->rank < 0 || x->rank >= T2N_MAX_RANK || !cint(c, 1, &d) || !wrap_dim(d, x->rank + 1, &d)) return;
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
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
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
  int has_st = t2n_fact_strides(x, st);
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) {
    o->sizes[i] = x->sizes[perm[i]];
    nst[i] = has_st ? st[perm[i]] : 0;
  }
  set_strides(c, 0, has_st ? nst : NULL);
}

void t2n_sh_r_permute(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t p[T2N_MAX_RANK];
  int n = cints(c, 1, p, T2N_MAX_RANK);
  if (!x || x->rank < 0 || n != x->rank) {
    t2n_sh_view_out(c, 0, x);
    return;
  }
  int seen[T2N_MAX_RANK] = {0};
  for (int i = 0; i < n; i++) {
    if (!wrap_dim(p[i], x->rank, &p[i]) || seen[p[i]]) {
      t2n_sh_view_out(c, 0, x);
      return;
    }
    seen[p[i]] = 1;
  }
  permute_to(c, x, p);
}

void t2n_sh_r_transpose(rc *c, const t2n_sh_transpose_params *p) { /* transpose(self, d0, d1), t(self) (p->matrix) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t a, b, perm[T2N_MAX_RANK];
  if (!x || x->rank < 0) {
    t2n_sh_view_out(c, 0, x);
    return;
  }
  if (p->matrix) {
    if (x->rank < 2) {
      t2n_sh_r_identity(c);
      return;
    }
    a = 0;
    b = 1;
  } else if (!cint(c, 1, &a) || !cint(c, 2, &b) || !wrap_dim(a, x->rank, &a) || !wrap_dim(b, x->rank, &b)) {
    t2n_sh_view_out(c, 0, x);
    return;
  }
  if (x->rank == 0) {
    t2n_sh_r_identity(c);
    return;
  }
  for (int i = 0; i < x->rank; i++) perm[i] = i;
  perm[a] = b;
  perm[b] = a;
  permute_to(c, x, perm);
}

void t2n_sh_r_movedim(rc *c) { /* movedim(self, int src, int dst) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t s, d, p[T2N_MAX_RANK];
  if (!x || x->rank < 0 || !cint(c, 1, &s) || !cint(c, 2, &d) || !wrap_dim(s, x->rank, &s) ||
      !wrap_dim(d, x->rank, &d) || IN(c, 1)->kind != T2N_IV_INT) {
    t2n_sh_view_out(c, 0, x);
    return;
  }
  int64_t rest[T2N_MAX_RANK];
  int n = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != s) rest[n++] = i;
  for (int i = 0, j = 0; i < x->rank; i++) p[i] = i == d ? s : rest[j++];
  permute_to(c, x, p);
}

static void expand_to(rc *c, const t2n_ival *x, int n, const int64_t *sz) {
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  if (!x || x->rank < 0 || n < x->rank || n > T2N_MAX_RANK) return;
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
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

void t2n_sh_r_expand(rc *c) { /* expand(self, size, implicit) */
  int64_t s[T2N_MAX_RANK] = {0};
  int n = t2n_sh_read_shape(c, 1, s, T2N_MAX_RANK);
  const t2n_ival *x = ctensor(c, 0);
  if (n < 0) {
    t2n_sh_view_out(c, 0, x);
    return;
  }
  expand_to(c, x, n, s);
}

void t2n_sh_r_expand_as(rc *c) {
  const t2n_ival *o = ctensor(c, 1);
  int64_t s[T2N_MAX_RANK] = {0};
  int n = o ? o->rank : -1;
  for (int i = 0; i < n; i++) s[i] = o->sizes[i] < 0 ? INT64_MIN : o->sizes[i];
  if (n < 0) {
    t2n_sh_view_out(c, 0, ctensor(c, 0));
    return;
  }
  expand_to(c, ctensor(c, 0), n, s);
}

/* A narrow of x along d: start, length (strides of the view). */
void t2n_sh_narrow_fact(t2n_shape_facts *f, const t2n_ival *x, int64_t d, int64_t start, int64_t len,
                        int64_t step, t2n_ival *o) {
  *o = *x;
  o->n = 0;
  o->elems = NULL;
  o->sizes[d] = len;
  (void)start;
  int64_t st[T2N_MAX_RANK];
  if (t2n_fact_strides(x, st)) {
    st[d] *= step;
    t2n_sh_tf_set_strides(f, o, st);
  }
}

void t2n_sh_r_slice(rc *c) { /* slice(self, dim, start?, end?, step) and slice(list, start?, end?, step) */
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
  t2n_ival *o = t2n_sh_view_out(c, 0, x->kind == T2N_IV_TENSOR ? x : NULL);
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
  t2n_sh_narrow_fact(c->f, x, d, start, len, step > 0 ? step : 1, &tmp);
  *o = tmp;
  if (len < 0) keep_strides_unknown(c, 0);
  else c->strides_set[0] = 1;
}

void t2n_sh_r_select(rc *c) { /* select(self, dim, index) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t d, i;
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  if (cint(c, 2, &i) && x->sizes[d] >= 0 && (i < -x->sizes[d] || i >= x->sizes[d])) return;
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
  int has = t2n_fact_strides(x, st);
  o->rank = x->rank - 1;
  for (int j = 0, k = 0; j < x->rank; j++) {
    if (j == d) continue;
    o->sizes[k] = x->sizes[j];
    nst[k++] = has ? st[j] : 0;
  }
  set_strides(c, 0, has ? nst : NULL);
}

void t2n_sh_r_narrow(rc *c) { /* narrow(self, dim, start, length) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t d, start = 0, len;
  t2n_sh_view_out(c, 0, x);
  if (!x || x->rank < 1 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  if (!cint(c, 3, &len)) len = -1;
  t2n_ival tmp;
  t2n_sh_narrow_fact(c->f, x, d, start, len, 1, &tmp);
  c->out[0] = tmp;
  c->strides_set[0] = 1;
}

void t2n_sh_r_unfold(rc *c) { /* Tensor.unfold(self, dim, size, step) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t d, size, step;
  if (!x || x->rank < 0 || x->rank >= T2N_MAX_RANK || !cint(c, 1, &d) || !cint(c, 2, &size) || !cint(c, 3, &step) ||
      step <= 0 || !wrap_dim(d, x->rank, &d))
    return;
  int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
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
