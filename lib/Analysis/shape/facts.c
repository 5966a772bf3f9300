/* Native shape inference, tensor-fact helpers: the arena formatter for
 * reasons, strides (contiguous, channels-last, dense), broadcasting, a fact
 * from a complete tensor type, and the t2n_fact_* queries of
 * include/t2n/shape.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "t2n/alloc.h"
#include "shape_internal.h"
#include "t2n/diag.h"
#include "t2n/srcloc.h"

/* Every size unknown: one -1 per dimension T2N_MAX_RANK allows. */
_Static_assert(T2N_MAX_RANK == 8, "t2n_sh_unknown_ival lists one -1 per dimension");
const t2n_ival t2n_sh_unknown_ival = {.kind = T2N_IV_UNKNOWN,
                                      .dtype = T2N_DT_UNKNOWN,
                                      .rank = -1,
                                      .sizes = {-1, -1, -1, -1, -1, -1, -1, -1}};

const char *t2n_sh_fmtstr(t2n_shape_facts *f, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return t2n_arena_strndup(f->a, buf, strlen(buf));
}

void t2n_sh_refuse(rc *c, const char *fmt, ...) {
  t2n_shape_facts *f = c->f;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *msg = t2n_arena_strndup(f->a, buf, strlen(buf));
  why(c, T2N_WHY_OTHER, t2n_sh_fmtstr(f, "%s: %s", c->n->kind, msg));
  for (int i = 0; i < f->nrefused; i++)
    if (f->refused[i].n == c->n) return; /* a loop body is visited until its facts settle */
  if (f->nrefused == f->caprefused) {
    f->caprefused = f->caprefused ? 2 * f->caprefused : 4;
    f->refused = t2n_xrealloc(f->refused, sizeof *f->refused * (size_t)f->caprefused);
    if (!f->refused) abort();
  }
  f->refused[f->nrefused].n = c->n;
  f->refused[f->nrefused++].msg = msg;
}

const char *t2n_sh_dims(t2n_shape_facts *f, const t2n_ival *x) {
  char buf[256];
  size_t n = 0;
  if (!x || x->rank < 0) return "[?]";
  buf[n++] = '[';
  for (int i = 0; i < x->rank && n < sizeof buf - 32; i++) {
    if (x->sizes[i] < 0) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s?", i ? ", " : "");
    else n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", i ? ", " : "", (long long)x->sizes[i]);
  }
  buf[n++] = ']';
  return t2n_arena_strndup(f->a, buf, n);
}

int t2n_shape_report_refusals(const t2n_shape_facts *f, t2n_diag *d) {
  for (int i = 0; i < f->nrefused; i++) {
    const t2n_node *n = f->refused[i].n;
    t2n_srcloc l;
    t2n_node_srcloc(f->m, n, &l);
    t2n_report(d, T2N_ERROR, l.line > 0 ? &l : NULL, "%s: torch would refuse these operands: %s", n->kind,
               f->refused[i].msg);
  }
  return f->nrefused;
}

int t2n_fact_strides(const t2n_ival *iv, int64_t strides[T2N_MAX_RANK]) {
  if (iv->kind != T2N_IV_TENSOR || !iv->elems || iv->rank < 0) return 0;
  memcpy(strides, iv->elems[0].sizes, sizeof(int64_t) * T2N_MAX_RANK);
  return 1;
}

void t2n_sh_tf_set_strides(t2n_shape_facts *f, t2n_ival *o, const int64_t *st) {
  t2n_ival *s = t2n_arena_alloc(f->a, sizeof *s);
  t2n_ival_set_unknown(s);
  for (int i = 0; i < o->rank && i < T2N_MAX_RANK; i++) s->sizes[i] = st[i];
  o->elems = s;
}

void t2n_sh_tf_contig(t2n_shape_facts *f, t2n_ival *o) {
  if (!tf_sizes_known(o)) {
    o->elems = NULL;
    return;
  }
  int64_t st[T2N_MAX_RANK];
  contig_strides(o->rank, o->sizes, st);
  t2n_sh_tf_set_strides(f, o, st);
}

int t2n_sh_is_contig(int rank, const int64_t *sz, const int64_t *st) {
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

int t2n_sh_is_channels_last(int rank, const int64_t *sz, const int64_t *st) {
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

void t2n_sh_channels_last_strides(int rank, const int64_t *sz, int64_t *st) {
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

int t2n_sh_non_overlapping_dense(int rank, const int64_t *sz, const int64_t *st) {
  if (rank == 1) return sz[0] < 2 || st[0] == 1;
  int perm[T2N_MAX_RANK];
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
int t2n_sh_bcast(const t2n_ival *a, const t2n_ival *b, t2n_ival *o) {
  if (a->rank < 0 || b->rank < 0) {
    o->rank = -1;
    return 1;
  }
  int r = a->rank > b->rank ? a->rank : b->rank;
  int64_t s[T2N_MAX_RANK] = {0};
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

int t2n_sh_fact_from_type(t2n_shape_facts *f, const t2n_type *ty, t2n_ival *o) {
  tf_init(o);
  if (!ty || ty->kind != T2N_TY_TENSOR) return 0;
  o->dtype = ty->dtype;
  o->rank = ty->rank <= T2N_MAX_RANK ? ty->rank : -1;
  for (int i = 0; i < o->rank; i++) o->sizes[i] = ty->sizes ? ty->sizes[i] : -1;
  set_dev(o, ty->device);
  int st_ok = ty->strides != NULL && o->rank >= 0;
  for (int i = 0; st_ok && i < o->rank; i++)
    if (ty->strides[i] < 0) st_ok = 0;
  if (st_ok) t2n_sh_tf_set_strides(f, o, ty->strides);
  else t2n_sh_tf_contig(f, o);
  return 1;
}

/* ---- the t2n_fact_* queries of include/t2n/shape.h ---- */
const char *t2n_fact_device(const t2n_ival *iv) { return iv->kind == T2N_IV_TENSOR ? iv->s : NULL; }

int t2n_fact_tensor_complete(const t2n_ival *iv) {
  return iv->kind == T2N_IV_TENSOR && iv->dtype >= 0 && iv->s && tf_sizes_known(iv);
}

const t2n_type *t2n_fact_tensor_type(t2n_module *m, const t2n_ival *iv) {
  if (!t2n_fact_tensor_complete(iv)) return NULL;
  int64_t st[T2N_MAX_RANK], cst[T2N_MAX_RANK];
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
