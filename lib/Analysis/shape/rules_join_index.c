/* Shape inference rules: repeat and tile, joining and splitting (cat, stack,
 * split, chunk, unbind), and indexing (index_select, gather, index,
 * masked_select, nonzero, repeat_interleave). */
#include "shape_internal.h"

void t2n_sh_r_repeat(rc *c) { /* repeat(self, repeats) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t r[T2N_MAX_RANK];
  int n = t2n_sh_read_shape(c, 1, r, T2N_MAX_RANK);
  if (!x || x->rank < 0 || n < x->rank) return;
  o->rank = n;
  for (int i = 0; i < n; i++) {
    int j = i - (n - x->rank);
    int64_t s = j >= 0 ? x->sizes[j] : 1;
    o->sizes[i] = (r[i] < 0 || s < 0) ? -1 : s * r[i];
  }
}

void t2n_sh_r_tile(rc *c) { /* tile(self, dims): repeat with dims padded on the left */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t r[T2N_MAX_RANK];
  int n = t2n_sh_read_shape(c, 1, r, T2N_MAX_RANK);
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
    r = t2n_sh_promote(r, ts[k]->dtype);
  }
  return r;
}

/* cat and stack: the tensors of list input 0 into ts (64 at most), the
 * output's dtype and device from them. Returns their count, <= 0 when the
 * list is not known. */
static int join_inputs(rc *c, const t2n_ival **ts, t2n_ival *o) {
  int n = tensor_list(c, 0, ts, 64);
  if (n <= 0) return n;
  o->dtype = list_result_type(ts, n);
  set_dev(o, ts[0]->s);
  return n;
}

void t2n_sh_r_cat(rc *c) { /* cat(tensors, dim=0) */
  const t2n_ival *ts[64];
  t2n_ival *o = T(c, 0);
  int64_t d = 0;
  int n = join_inputs(c, ts, o);
  if (n <= 0) return;
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
    for (int i = 0; i < ref->rank; i++) {
      if (i != d && o->sizes[i] >= 0 && ts[k]->sizes[i] >= 0 && o->sizes[i] != ts[k]->sizes[i]) {
        t2n_sh_refuse(c, "the sizes differ in dimension %d (not the one joined, %lld): %s and %s", i, (long long)d,
                      t2n_sh_dims(c->f, ref), t2n_sh_dims(c->f, ts[k]));
        tf_init(o);
        return;
      }
      if (i != d && o->sizes[i] < 0) o->sizes[i] = ts[k]->sizes[i];
    }
    if (total >= 0 && ts[k]->sizes[d] >= 0) total += ts[k]->sizes[d];
    else total = -1;
  }
  o->sizes[d] = total;
}

void t2n_sh_r_stack(rc *c) { /* stack(tensors, dim=0) */
  const t2n_ival *ts[64];
  t2n_ival *o = T(c, 0);
  int64_t d = 0;
  int n = join_inputs(c, ts, o);
  if (n <= 0) return;
  int r = ts[0]->rank;
  if (r < 0 || r >= T2N_MAX_RANK || (c->nin >= 2 && !cint(c, 1, &d)) || !wrap_dim(d, r + 1, &d)) return;
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

/* split / split_with_sizes / chunk / unbind -> a Tensor[] (p->form) */
void t2n_sh_r_split(rc *c, const t2n_sh_split_params *p) {
  const t2n_ival *x = ctensor(c, 0);
  int64_t d = 0;
  int di = p->form == SPLIT_UNBIND ? 1 : 2;
  if (!x || x->rank < 1) return;
  if (c->nin > di && !cint(c, di, &d)) return;
  if (!wrap_dim(d, x->rank, &d)) return;
  int64_t size = x->sizes[d];
  int64_t pieces[1024];
  int np = 0;
  t2n_sh_split_form mode = p->form;
  if (mode == SPLIT_BY_SIZE && IN(c, 1)->kind == T2N_IV_LIST) mode = SPLIT_BY_SIZES; /* split(self, int[] sizes, dim) */
  if (mode == SPLIT_UNBIND) {
    if (size < 0 || size > 1024) return;
    np = (int)size;
  } else if (mode == SPLIT_BY_SIZES) {
    np = cints(c, 1, pieces, 1024);
    if (np < 0) return;
  } else {
    int64_t k;
    if (!cint(c, 1, &k) || k <= 0 || size < 0) return;
    int64_t split = k;
    if (mode == SPLIT_CHUNK) split = (size + k - 1) / k;
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
    if (p->form == SPLIT_UNBIND) { /* select */
      e[i] = *x;
      e[i].n = 0;
      e[i].elems = NULL;
      e[i].rank = x->rank - 1;
      int64_t st[T2N_MAX_RANK], nst[T2N_MAX_RANK];
      int has = t2n_fact_strides(x, st);
      for (int j = 0, k = 0; j < x->rank; j++) {
        if (j == d) continue;
        e[i].sizes[k] = x->sizes[j];
        nst[k++] = has ? st[j] : 0;
      }
      if (has) t2n_sh_tf_set_strides(c->f, &e[i], nst);
      continue;
    }
    t2n_sh_narrow_fact(c->f, x, d, off, pieces[i], 1, &e[i]);
    off += pieces[i];
  }
  c->out[0].kind = T2N_IV_LIST;
  c->out[0].n = np;
  c->out[0].elems = e;
  /* outputs of prim::ListUnpack-style multi-output variants */
  if (c->n->noutputs == np && np > 1)
    for (int i = 0; i < np; i++) c->out[i] = e[i];
}

void t2n_sh_r_index_select(rc *c) { /* index_select(self, dim, index) */
  const t2n_ival *x = ctensor(c, 0), *idx = ctensor(c, 2);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  int64_t d;
  if (!x || x->rank < 0 || !cint(c, 1, &d) || !wrap_dim(d, x->rank, &d)) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  if (x->rank) o->sizes[d] = idx ? numel_of(idx) : -1;
}

void t2n_sh_r_gather(rc *c) { /* gather(self, dim, index, sparse_grad): index's shape */
  const t2n_ival *x = ctensor(c, 0), *idx = ctensor(c, 2);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  if (!idx) return;
  o->rank = idx->rank;
  for (int i = 0; i < idx->rank; i++) o->sizes[i] = idx->sizes[i];
}

void t2n_sh_r_index(rc *c) { /* index(self, Tensor?[] indices) */
  const t2n_ival *x = ctensor(c, 0), *l = IN(c, 1);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  if (!x || x->rank < 0 || l->kind != T2N_IV_LIST) return;
  /* each index consumes dims of self; collect the broadcast index shape */
  t2n_ival b;
  tf_init(&b);
  b.rank = 0;
  int dim = 0, first = -1, last = -1, adjacent = 1, have = 0;
  int keep[T2N_MAX_RANK], nkeep_before = 0;
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
    } else if (!t2n_sh_bcast(&b, &s, &b)) {
      return;
    }
  }
  if (!have) {
    t2n_sh_r_identity(c);
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
  int64_t out[T2N_MAX_RANK * 2];
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
  if (r > T2N_MAX_RANK) return;
  o->rank = r;
  for (int i = 0; i < r; i++) o->sizes[i] = out[i];
}

void t2n_sh_r_masked_select(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  o->rank = 1;
  o->sizes[0] = -1;
  why(c, T2N_WHY_TENSOR_DATA, "the size of masked_select's result depends on tensor data");
}

void t2n_sh_r_nonzero(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
  o->dtype = T2N_DT_INT64;
  why(c, T2N_WHY_TENSOR_DATA, "the size of nonzero's result depends on tensor data");
  if (!x || x->rank < 0) return;
  o->rank = 2;
  o->sizes[0] = -1;
  o->sizes[1] = x->rank;
}

void t2n_sh_r_repeat_interleave(rc *c) { /* repeat_interleave(self, int repeats, dim?, output_size?) */
  const t2n_ival *x = ctensor(c, 0);
  int64_t r, d;
  if (!x || is_tensor_arg(c, 1) || !cint(c, 1, &r)) {
    t2n_sh_view_out(c, 0, x);
    why_data(c);
    return;
  }
  t2n_ival *o = t2n_sh_view_out(c, 0, x);
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
