/* Shape inference rules: linear algebra (matmul, mm, addmm, linear) and the
 * layers around it (convolution, pooling, padding, normalisation,
 * embedding, one_hot, upsampling, pixel shuffle). */
#include <math.h>

#include "shape_internal.h"

/* ---- linear algebra ---- */
static void mat_out(rc *c, const t2n_ival *a, const t2n_ival *b, int rank, const int64_t *sz) {
  t2n_ival *o = T(c, 0);
  o->dtype = a && b && a->dtype == b->dtype ? a->dtype : (a && b ? t2n_sh_promote(a->dtype, b->dtype) : DT_UNDEF);
  if (a && b && (a->dtype < 0 || b->dtype < 0)) o->dtype = DT_UNDEF;
  set_dev(o, dev_of(a));
  if (rank < 0 || rank > T2N_MAX_RANK) return;
  o->rank = rank;
  for (int i = 0; i < rank; i++) o->sizes[i] = sz[i];
}

/* The contracted sizes of a product must agree; an unknown one passes. */
static int inner_ok(rc *c, const t2n_ival *a, int ia, const t2n_ival *b, int ib) {
  int64_t x = a->sizes[ia], y = b->sizes[ib];
  if (x < 0 || y < 0 || x == y) return 1;
  t2n_sh_refuse(c, "the inner sizes differ (%lld and %lld): shapes %s and %s", (long long)x, (long long)y,
                t2n_sh_dims(c->f, a), t2n_sh_dims(c->f, b));
  return 0;
}

void t2n_sh_r_matmul(rc *c) {
  const t2n_ival *a = ctensor(c, 0), *b = ctensor(c, 1);
  int64_t s[T2N_MAX_RANK] = {0};
  if (!a || !b || a->rank < 1 || b->rank < 1) {
    mat_out(c, a, b, -1, s);
    return;
  }
  int ra = a->rank, rb = b->rank;
  if (!inner_ok(c, a, ra - 1, b, rb >= 2 ? rb - 2 : 0)) {
    mat_out(c, a, b, -1, s);
    return;
  }
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
    if (!t2n_sh_bcast(&ba, &bb, &bo)) {
      t2n_sh_refuse(c, "the batch sizes of %s and %s do not broadcast", t2n_sh_dims(c->f, a), t2n_sh_dims(c->f, b));
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

/* scaled_dot_product_attention(q, k, v, attn_mask?, dropout_p, is_causal,
 * scale?, enable_gqa): q [.., L, E], k [.., S, E], v [.., S, Ev] give
 * [.., L, Ev], the batch sizes of q, k and v broadcast (as the two matmuls
 * of its definition do; with enable_gqa, k's and v's head count may divide
 * q's). */
void t2n_sh_r_sdpa(rc *c) {
  const t2n_ival *q = ctensor(c, 0), *k = ctensor(c, 1), *v = ctensor(c, 2);
  int64_t s[T2N_MAX_RANK] = {0};
  if (!q || !k || !v || q->rank < 2 || k->rank < 2 || v->rank < 2) {
    mat_out(c, q, v, -1, s);
    return;
  }
  if (!inner_ok(c, q, q->rank - 1, k, k->rank - 1) || !inner_ok(c, k, k->rank - 2, v, v->rank - 2)) {
    mat_out(c, q, v, -1, s);
    return;
  }
  t2n_ival b[3], o1, o2;
  const t2n_ival *in[3] = {q, k, v};
  for (int j = 0; j < 3; j++) {
    tf_init(&b[j]);
    b[j].rank = in[j]->rank - 2;
    for (int i = 0; i < b[j].rank; i++) b[j].sizes[i] = in[j]->sizes[i];
  }
  /* enable_gqa: k and v may have fewer heads (axis -3) dividing q's; they
   * are repeated to q's count. */
  int gqa = 0;
  if (cbool(c, 7, &gqa) && gqa && b[0].rank >= 1)
    for (int j = 1; j < 3; j++) {
      int64_t hq = b[0].sizes[b[0].rank - 1], *hk = b[j].rank >= 1 ? &b[j].sizes[b[j].rank - 1] : NULL;
      if (hk && hq > 0 && *hk > 0 && hq % *hk == 0) *hk = hq;
    }
  tf_init(&o1);
  tf_init(&o2);
  if (!t2n_sh_bcast(&b[0], &b[1], &o1) || !t2n_sh_bcast(&o1, &b[2], &o2)) {
    t2n_sh_refuse(c, "the batch sizes of %s, %s and %s do not broadcast", t2n_sh_dims(c->f, q), t2n_sh_dims(c->f, k),
                  t2n_sh_dims(c->f, v));
    mat_out(c, q, v, -1, s);
    return;
  }
  int r = 0;
  for (int i = 0; i < o2.rank; i++) s[r++] = o2.sizes[i];
  s[r++] = q->sizes[q->rank - 2];
  s[r++] = v->sizes[v->rank - 1];
  mat_out(c, q, v, r, s);
}

void t2n_sh_r_mm(rc *c, const t2n_sh_mm_params *p) { /* mm(a, b), bmm(a, b), mv(m, v), dot(a, b) by p->form */
  const t2n_ival *a = ctensor(c, 0), *b = ctensor(c, 1);
  int64_t s[3] = {0};
  int want_a = p->form == MM_BMM ? 3 : p->form == MM_DOT ? 1 : 2;
  int want_b = p->form == MM_BMM ? 3 : p->form == MM_MV || p->form == MM_DOT ? 1 : 2;
  if (!a || !b || a->rank != want_a || b->rank != want_b) {
    mat_out(c, a, b, -1, s);
    return;
  }
  if (!inner_ok(c, a, a->rank - 1, b, b->rank >= 2 ? b->rank - 2 : 0)) {
    mat_out(c, a, b, -1, s);
    return;
  }
  switch (p->form) {
  case MM_MM: s[0] = a->sizes[0]; s[1] = b->sizes[1]; mat_out(c, a, b, 2, s); break;
  case MM_BMM:
    s[0] = a->sizes[0] >= 0 ? a->sizes[0] : b->sizes[0];
    s[1] = a->sizes[1];
    s[2] = b->sizes[2];
    mat_out(c, a, b, 3, s);
    break;
  case MM_MV: s[0] = a->sizes[0]; mat_out(c, a, b, 1, s); break;
  default: mat_out(c, a, b, 0, s); break;
  }
}

void t2n_sh_r_addmm(rc *c, const t2n_sh_addmm_params *p) { /* addmm(self, m1, m2, beta, alpha), baddbmm, addmv by p->form */
  const t2n_ival *a = ctensor(c, 1), *b = ctensor(c, 2);
  int64_t s[3] = {0};
  int r = -1;
  if (a && b) {
    if (p->form == MM_MM && a->rank == 2 && b->rank == 2) {
      s[0] = a->sizes[0];
      s[1] = b->sizes[1];
      r = 2;
    } else if (p->form == MM_BMM && a->rank == 3 && b->rank == 3) {
      s[0] = a->sizes[0];
      s[1] = a->sizes[1];
      s[2] = b->sizes[2];
      r = 3;
    } else if (p->form == MM_MV && a->rank == 2 && b->rank == 1) {
      s[0] = a->sizes[0];
      r = 1;
    }
  }
  mat_out(c, a, b, r, s);
}

void t2n_sh_r_linear(rc *c) { /* linear(input, weight, bias?) */
  const t2n_ival *x = ctensor(c, 0), *w = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank < 1 || !w || w->rank < 1 || w->rank > 2) return;
  int64_t in = x->sizes[x->rank - 1], win = w->sizes[w->rank - 1];
  if (in >= 0 && win >= 0 && in != win) {
    t2n_sh_refuse(c, "the input has %lld features and the weight expects %lld (in_features): input %s, weight %s",
                  (long long)in, (long long)win, t2n_sh_dims(c->f, x), t2n_sh_dims(c->f, w));
    return;
  }
  o->rank = w->rank == 2 ? x->rank : x->rank - 1;
  for (int i = 0; i < x->rank - 1; i++) o->sizes[i] = x->sizes[i];
  if (w->rank == 2) o->sizes[x->rank - 1] = w->sizes[0];
}

void t2n_sh_r_bilinear(rc *c) { /* bilinear(in1, in2, weight, bias) */
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

/* ---- convolution, pooling, padding, normalisation ---- */
/* Reads an int list of nsp entries (a single entry is repeated). */
static int sp_list(const rc *c, int i, int nsp, int64_t *out, int64_t dflt) {
  int64_t v[T2N_MAX_RANK];
  if (i >= c->nin || cnone(c, i)) {
    for (int k = 0; k < nsp; k++) out[k] = dflt;
    return 1;
  }
  int n = cints(c, i, v, T2N_MAX_RANK);
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

/* conv1d/2d/3d (CONV_PLAIN), conv_transpose1d/2d/3d (CONV_TRANSPOSED),
 * _convolution and convolution (CONV_GENERIC) */
void t2n_sh_r_conv(rc *c, const t2n_sh_conv_params *p) {
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
  if (p->form == CONV_PLAIN) {
    dil_i = 5;
    groups_i = 6;
  } else if (p->form == CONV_TRANSPOSED) {
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
  int64_t st[T2N_MAX_RANK], pad[T2N_MAX_RANK], dil[T2N_MAX_RANK], op[T2N_MAX_RANK], groups = 1;
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
  /* The channels: in_channels = weight.size(1) * groups (a transposed
   * conv's weight is [in, out/groups, ...]). */
  int64_t cin = x->sizes[off - 1], wcin = transposed ? w->sizes[0] : (w->sizes[1] < 0 ? -1 : w->sizes[1] * groups);
  if (cin >= 0 && wcin >= 0 && cin != wcin) {
    t2n_sh_refuse(c, "the input has %lld channels and the weight expects %lld: input %s, weight %s%s", (long long)cin,
                  (long long)wcin, t2n_sh_dims(c->f, x), t2n_sh_dims(c->f, w),
                  groups != 1 ? t2n_sh_fmtstr(c->f, ", groups=%lld", (long long)groups) : "");
    return;
  }
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

/* max_poolNd(self, kernel, stride, padding, dilation, ceil_mode),
 * avg_poolNd(self, kernel, stride, padding, ceil_mode, count_include_pad,
 * divisor) (p->avg); N = p->spatial; *_with_indices add a Long output. */
void t2n_sh_r_pool(rc *c, const t2n_sh_pool_params *p) {
  int nsp = p->spatial, avg = p->avg;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  int64_t k[T2N_MAX_RANK], st[T2N_MAX_RANK], pad[T2N_MAX_RANK], dil[T2N_MAX_RANK];
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

/* adaptive_{avg,max}_poolNd(self, output_size), N = p->spatial */
void t2n_sh_r_adaptive_pool(rc *c, const t2n_sh_adaptive_pool_params *p) {
  int nsp = p->spatial;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t os[T2N_MAX_RANK];
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
void t2n_sh_r_pad(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t p[2 * T2N_MAX_RANK];
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  int n = cints(c, 1, p, 2 * T2N_MAX_RANK);
  if (x->rank < 0 || n < 0 || n % 2 || n / 2 > x->rank) return;
  o->rank = x->rank;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  for (int i = 0; i < n / 2; i++) {
    int d = x->rank - 1 - i;
    if (o->sizes[d] >= 0) o->sizes[d] += p[2 * i] + p[2 * i + 1];
  }
}

void t2n_sh_r_norm_layer(rc *c) { /* batch_norm, instance_norm, layer_norm, group_norm */
  t2n_sh_r_same_contig(c);
}

void t2n_sh_r_embedding(rc *c) { /* embedding(weight, indices, padding_idx, scale, sparse) */
  const t2n_ival *w = ctensor(c, 0), *idx = ctensor(c, 1);
  t2n_ival *o = T(c, 0);
  if (!w) return;
  o->dtype = w->dtype;
  set_dev(o, w->s);
  if (!idx || idx->rank < 0 || idx->rank >= T2N_MAX_RANK || w->rank != 2) return;
  o->rank = idx->rank + 1;
  for (int i = 0; i < idx->rank; i++) o->sizes[i] = idx->sizes[i];
  o->sizes[idx->rank] = w->sizes[1];
}

void t2n_sh_r_one_hot(rc *c) { /* one_hot(self, num_classes=-1) */
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  int64_t k = -1;
  o->dtype = T2N_DT_INT64;
  if (!x) return;
  set_dev(o, x->s);
  if (x->rank < 0 || x->rank >= T2N_MAX_RANK) return;
  o->rank = x->rank + 1;
  for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
  if (c->nin >= 2 && !cint(c, 1, &k)) k = -1;
  o->sizes[x->rank] = k > 0 ? k : -1;
  if (k <= 0) why(c, T2N_WHY_TENSOR_DATA, "one_hot without num_classes: the class count depends on tensor data");
}

/* upsample_* (self, output_size, ..., scales) and the .vec overloads
 * (input, output_size?, [align_corners,] scale_factors?); N = p->spatial. */
void t2n_sh_r_upsample(rc *c, const t2n_sh_upsample_params *p) {
  int nsp = p->spatial;
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank != nsp + 2) return;
  int64_t os[T2N_MAX_RANK];
  o->rank = x->rank;
  o->sizes[0] = x->sizes[0];
  o->sizes[1] = x->sizes[1];
  if (!cnone(c, 1) && cints(c, 1, os, T2N_MAX_RANK) == nsp) {
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

void t2n_sh_r_pixel_shuffle(rc *c, const t2n_sh_pixel_shuffle_params *p) { /* pixel_shuffle(self, r), pixel_unshuffle (p->inverse) */
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
  if (!p->inverse) {
    o->sizes[R - 3] = ch < 0 ? -1 : ch / (r * r);
    o->sizes[R - 2] = h < 0 ? -1 : h * r;
    o->sizes[R - 1] = w < 0 ? -1 : w * r;
  } else {
    o->sizes[R - 3] = ch < 0 ? -1 : ch * r * r;
    o->sizes[R - 2] = h < 0 ? -1 : h / r;
    o->sizes[R - 1] = w < 0 ? -1 : w / r;
  }
}

/* __interpolate(input, size?, scale_factor?, mode, align_corners?,
 * recompute_scale_factor?, antialias): size an int or int list, or
 * floor(In * scale) per spatial axis. */
void t2n_sh_r_interpolate(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  o->dtype = x->dtype;
  set_dev(o, x->s);
  if (x->rank < 3) return;
  int nsp = x->rank - 2;
  int64_t os[T2N_MAX_RANK];
  o->rank = x->rank;
  o->sizes[0] = x->sizes[0];
  o->sizes[1] = x->sizes[1];
  int k = cnone(c, 1) ? -1 : cints(c, 1, os, T2N_MAX_RANK);
  if (k == 1 || k == nsp) {
    for (int i = 0; i < nsp; i++) o->sizes[2 + i] = os[k == 1 ? 0 : i];
    return;
  }
  const t2n_ival *l = c->nin > 2 ? IN(c, 2) : NULL;
  for (int i = 0; i < nsp; i++) {
    const t2n_ival *e = !l ? NULL : l->kind == T2N_IV_LIST ? (l->n == nsp ? &l->elems[i] : l->n == 1 ? &l->elems[0] : NULL) : l;
    int64_t in = x->sizes[2 + i];
    if (!e || (e->kind != T2N_IV_FLOAT && e->kind != T2N_IV_INT) || in < 0) {
      o->sizes[2 + i] = -1;
      continue;
    }
    double s = e->kind == T2N_IV_FLOAT ? e->f : (double)e->i;
    o->sizes[2 + i] = (int64_t)floor((double)in * s);
  }
}

/* einsum(equation, tensors, path?): each output letter's size from the
 * operand axis it labels; the implicit output is the letters seen once, in
 * alphabetical order. No ellipsis. */
void t2n_sh_r_einsum(rc *c) {
  const t2n_ival *eq = IN(c, 0), *l = IN(c, 1);
  t2n_ival *o = T(c, 0);
  if (eq->kind != T2N_IV_STR || l->kind != T2N_IV_LIST || l->n < 1) return;
  int64_t size[128];
  int count[128] = {0};
  for (int i = 0; i < 128; i++) size[i] = -1;
  const char *p = eq->s, *end = eq->s + eq->slen;
  for (int op = 0; op < l->n; op++) {
    const t2n_ival *t = &l->elems[op];
    if (t->kind != T2N_IV_TENSOR || t->rank < 0) return;
    if (op == 0) o->dtype = t->dtype, set_dev(o, t->s);
    int ax = 0;
    for (; p < end && *p != ',' && *p != '-'; p++) {
      unsigned char ch = (unsigned char)*p;
      if (ch == ' ') continue;
      if (ch == '.' || ch >= 128 || ax >= t->rank) return;
      count[ch]++;
      if (size[ch] < 0 || size[ch] == 1) size[ch] = t->sizes[ax];
      ax++;
    }
    if (ax != t->rank) return;
    if (p < end && *p == ',') p++;
  }
  int r = 0;
  if (p + 1 < end && p[0] == '-' && p[1] == '>') {
    for (p += 2; p < end; p++)
      if (*p != ' ' && r < T2N_MAX_RANK) o->sizes[r++] = size[(unsigned char)*p];
  } else {
    for (int ch = 0; ch < 128; ch++)
      if (count[ch] == 1 && r < T2N_MAX_RANK) o->sizes[r++] = size[ch];
  }
  o->rank = r;
}
