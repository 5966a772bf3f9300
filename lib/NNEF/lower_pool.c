/* Lowerings of pools: max_pool1d/2d (and max_pool*_with_indices when only
 * the values are used), avg_pool1d/2d, adaptive_avg_pool1d/2d and
 * adaptive_max_pool1d/2d.
 *
 * tract's pools (max_pool, avg_pool, box) take size, padding, stride and
 * dilation over EVERY axis, N and C included; an unbatched input simply
 * gets one more leading 1.
 *
 * ceil_mode: torch adds a last window that may run past the right padding
 * (as long as it starts inside the input or the left padding). That window
 * is made by extra padding at the end, so tract's output size matches
 * torch's; max_pool and avg_pool use border 'ignore' there, so the extra
 * cells are never read as values.
 *
 * avg_pool's divisor: count_include_pad=False divides by the cells inside
 * the input (tract's 'ignore'); True divides by the cells inside input plus
 * padding but not the ceil_mode overhang. When that is the full window
 * everywhere it is avg_pool 'constant'; otherwise (and for divisor_override)
 * the window sum (box) is divided by a divisor map computed here from the
 * fixed shapes.
 *
 * Adaptive pools: torch's bin i of an axis is [floor(i*In/Out),
 * ceil((i+1)*In/Out)). When Out divides In the bins are a plain pool of
 * size and stride In/Out (Out = 1: a reduction); otherwise the bins differ
 * in size and overlap, and each axis is written as one slice and reduction
 * per bin joined by concat. Both averages and maxima over a box are
 * separable, so axes are handled one after another. */
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/nnef.h"

enum { MAXSP = 3 };

static int int_list(t2n_lower_ctx *c, t2n_node *n, int i, const char *what, int nsp, int64_t *out, int64_t dflt,
                    int empty_is_default) {
  int64_t tmp[8];
  if (i >= n->ninputs || t2n_lower_is_none(c, n->inputs[i])) {
    for (int k = 0; k < nsp; k++) out[k] = dflt;
    return 0;
  }
  int k = t2n_lower_const_ints(c, n->inputs[i], tmp, 8);
  if (k == 0 && empty_is_default) {
    for (int j = 0; j < nsp; j++) out[j] = dflt;
    return 0;
  }
  if (k == 1) {
    for (int j = 0; j < nsp; j++) out[j] = tmp[0];
    return 0;
  }
  if (k != nsp) return t2n_lower_error(c, n, "the %s of %s must be a constant list of 1 or %d ints", what, n->kind, nsp);
  memcpy(out, tmp, sizeof *out * (size_t)nsp);
  return 0;
}

typedef struct pool {
  t2n_lower_ctx *c;
  t2n_node *n;
  t2n_nnef_graph *g;
  int nsp, rank, lead;            /* spatial axes, input rank, axes before them */
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK];  /* input sizes */
  int64_t os[T2N_MAX_RANK];  /* output sizes */
  int64_t k[MAXSP], st[MAXSP], pad[MAXSP], dil[MAXSP], extra[MAXSP];
} pool;

static int begin(t2n_lower_ctx *c, t2n_node *n, int nsp, pool *p) {
  memset(p, 0, sizeof *p);
  p->c = c, p->n = n, p->g = t2n_lower_graph(c), p->nsp = nsp;
  p->rank = t2n_lower_need_shape(c, n->inputs[0], n, &p->dt, p->xs);
  if (p->rank < 0) return 1;
  if (p->rank != nsp + 1 && p->rank != nsp + 2)
    return t2n_lower_error(c, n, "%s of a rank-%d input (it takes rank %d or %d)", n->kind, p->rank, nsp + 1, nsp + 2);
  if (t2n_lower_need_shape(c, n->outputs[0], n, NULL, p->os) < 0) return 1;
  p->lead = p->rank - nsp;
  for (int i = 1; i < n->noutputs; i++)
    if (n->outputs[i]->nuses)
      return t2n_lower_error(c, n, "the indices of %s are used; t2n-export lowers only its values", n->kind);
  return 0;
}

/* The extra end padding each axis needs for torch's output size. */
static void ceil_padding(pool *p) {
  for (int i = 0; i < p->nsp; i++) {
    int64_t in = p->xs[p->lead + i], out = p->os[p->lead + i];
    int64_t need = (out - 1) * p->st[i] + p->dil[i] * (p->k[i] - 1) + 1 - (in + 2 * p->pad[i]);
    p->extra[i] = need > 0 ? need : 0;
  }
}

/* out = kind(x, size, border, padding, stride, dilation) over all axes. */
static void emit_pool(pool *p, const char *kind, t2n_nnef_tid out, t2n_nnef_tid x, const char *border) {
  int r = p->rank;
  int64_t size[T2N_MAX_RANK], stride[T2N_MAX_RANK], dil[T2N_MAX_RANK];
  t2n_nnef_value pads[T2N_MAX_RANK];
  for (int i = 0; i < r; i++) {
    int s = i - p->lead;
    size[i] = s < 0 ? 1 : p->k[s];
    stride[i] = s < 0 ? 1 : p->st[s];
    dil[i] = s < 0 ? 1 : p->dil[s];
    t2n_nnef_value pa[2] = {t2n_nnef_v_int(s < 0 ? 0 : p->pad[s]), t2n_nnef_v_int(s < 0 ? 0 : p->pad[s] + p->extra[s])};
    pads[i] = t2n_nnef_v_tuple(p->g, 2, pa);
  }
  t2n_nnef_op *op = t2n_lower_emit1(p->c, kind, out, x);
  t2n_nnef_arg_ints(p->g, op, "size", size, r);
  t2n_nnef_arg_string(p->g, op, "border", border);
  t2n_nnef_arg_value(p->g, op, "padding", t2n_nnef_v_array(p->g, r, pads));
  t2n_nnef_arg_ints(p->g, op, "stride", stride, r);
  int any_dil = 0;
  for (int i = 0; i < r; i++) any_dil |= dil[i] != 1;
  if (any_dil) t2n_nnef_arg_ints(p->g, op, "dilation", dil, r);
}

static t2n_nnef_tid input(pool *p) {
  t2n_nnef_tid x = t2n_lower_tensor(p->c, p->n->inputs[0], p->n);
  return x < 0 ? x : t2n_lower_cast(p->c, x, p->dt);
}

/* max_poolNd(self, kernel_size, stride=[], padding=0, dilation=1,
 * ceil_mode=False) and max_poolNd_with_indices (same arguments). */
static int max_pool(t2n_lower_ctx *c, t2n_node *n, int nsp) {
  pool p;
  int ceil_mode = 0;
  if (begin(c, n, nsp, &p)) return 1;
  if (n->ninputs != 6) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  if (int_list(c, n, 1, "kernel_size", nsp, p.k, 1, 0)) return 1;
  int64_t dflt[MAXSP];
  memcpy(dflt, p.k, sizeof dflt);
  int64_t st[8];
  int ks = t2n_lower_is_none(c, n->inputs[2]) ? 0 : t2n_lower_const_ints(c, n->inputs[2], st, 8);
  if (ks == 0) memcpy(p.st, dflt, sizeof p.st);
  else if (int_list(c, n, 2, "stride", nsp, p.st, 1, 0)) return 1;
  if (int_list(c, n, 3, "padding", nsp, p.pad, 0, 0) || int_list(c, n, 4, "dilation", nsp, p.dil, 1, 0)) return 1;
  if (!t2n_lower_const_bool(c, n->inputs[5], &ceil_mode))
    return t2n_lower_error(c, n, "the ceil_mode of %s must be a constant", n->kind);
  ceil_padding(&p);
  t2n_nnef_tid x = input(&p), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  emit_pool(&p, "max_pool", out, x, "ignore");
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_max_pool1d(t2n_lower_ctx *c, t2n_node *n) { return max_pool(c, n, 1); }
int t2n_lower_max_pool2d(t2n_lower_ctx *c, t2n_node *n) { return max_pool(c, n, 2); }

/* The number of cells torch divides window o of axis i by. */
static int64_t divisor_1d(const pool *p, int i, int64_t o, int include_pad) {
  int64_t in = p->xs[p->lead + i];
  int64_t start = o * p->st[i] - p->pad[i], end = start + p->k[i];
  if (include_pad) return (end < in + p->pad[i] ? end : in + p->pad[i]) - start;
  if (start < 0) start = 0;
  if (end > in) end = in;
  return end - start;
}

/* avg_poolNd(self, kernel_size, stride=[], padding=0, ceil_mode=False,
 * count_include_pad=True[, divisor_override=None]) */
static int avg_pool(t2n_lower_ctx *c, t2n_node *n, int nsp) {
  pool p;
  int ceil_mode = 0, cip = 1;
  if (begin(c, n, nsp, &p)) return 1;
  if (n->ninputs < 6 || n->ninputs > 7) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  if (int_list(c, n, 1, "kernel_size", nsp, p.k, 1, 0)) return 1;
  int64_t st[8];
  int ks = t2n_lower_is_none(c, n->inputs[2]) ? 0 : t2n_lower_const_ints(c, n->inputs[2], st, 8);
  if (ks == 0) memcpy(p.st, p.k, sizeof p.st);
  else if (int_list(c, n, 2, "stride", nsp, p.st, 1, 0)) return 1;
  if (int_list(c, n, 3, "padding", nsp, p.pad, 0, 0)) return 1;
  for (int i = 0; i < nsp; i++) p.dil[i] = 1;
  if (!t2n_lower_const_bool(c, n->inputs[4], &ceil_mode) || !t2n_lower_const_bool(c, n->inputs[5], &cip))
    return t2n_lower_error(c, n, "the ceil_mode and count_include_pad of %s must be constants", n->kind);
  int64_t override = 0;
  if (n->ninputs == 7 && !t2n_lower_is_none(c, n->inputs[6]) &&
      (!t2n_lower_const_int(c, n->inputs[6], &override) || override == 0))
    return t2n_lower_error(c, n, "the divisor_override of %s must be None or a constant non-zero int", n->kind);
  ceil_padding(&p);
  t2n_nnef_tid x = input(&p), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  int full = 1; /* does every window divide by its full size? */
  for (int i = 0; i < nsp && cip && !override; i++)
    for (int64_t o = 0; o < p.os[p.lead + i]; o++) full &= divisor_1d(&p, i, o, 1) == p.k[i];
  if (!override && !cip) {
    emit_pool(&p, "avg_pool", out, x, "ignore");
  } else if (!override && full) {
    emit_pool(&p, "avg_pool", out, x, "constant");
  } else {
    t2n_nnef_tid sum = t2n_lower_temp(c, "window_sum", p.dt, p.rank, p.os);
    emit_pool(&p, "box", sum, x, "constant");
    if (override) {
      t2n_nnef_arg_value(p.g, t2n_lower_emit1(c, "div", out, sum), NULL, t2n_nnef_v_float((double)override));
    } else {
      /* the divisor of every output cell: [1, .., 1, O1, .., On] */
      int64_t ds[T2N_MAX_RANK], count = 1;
      for (int i = 0; i < p.rank; i++) ds[i] = i < p.lead ? 1 : p.os[i], count *= ds[i];
      float *div = t2n_xmalloc(sizeof *div * (size_t)count);
      if (!div) T2N_UNREACHABLE("out of memory");
      for (int64_t e = 0; e < count; e++) {
        int64_t rem = e, d = 1;
        for (int i = nsp - 1; i >= 0; i--) {
          int64_t o = rem % p.os[p.lead + i];
          rem /= p.os[p.lead + i];
          d *= divisor_1d(&p, i, o, 1);
        }
        div[e] = (float)d;
      }
      t2n_nnef_tid dv = t2n_lower_variable_copy(c, "pool_divisor", T2N_DT_FLOAT32, p.rank, ds, div,
                                                sizeof *div * (size_t)count);
      free(div);
      t2n_lower_emit2(c, "div", out, sum, t2n_lower_cast(c, dv, p.dt));
    }
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_avg_pool1d(t2n_lower_ctx *c, t2n_node *n) { return avg_pool(c, n, 1); }
int t2n_lower_avg_pool2d(t2n_lower_ctx *c, t2n_node *n) { return avg_pool(c, n, 2); }

/* One axis `ax` of an adaptive pool, from cur (sizes cs) to `out` bins;
 * into dst (or a new temporary when dst < 0). */
static t2n_nnef_tid adaptive_axis(pool *p, int is_max, t2n_nnef_tid cur, int64_t *cs, int ax, int64_t out,
                                  t2n_nnef_tid dst) {
  int64_t in = cs[ax];
  int64_t ns[T2N_MAX_RANK];
  memcpy(ns, cs, sizeof ns);
  ns[ax] = out;
  t2n_nnef_tid res = dst >= 0 ? dst : t2n_lower_temp(p->c, "adaptive", p->dt, p->rank, ns);
  const char *red = is_max ? "max_reduce" : "mean_reduce";
  int64_t a64 = ax;
  if (out == 1) {
    t2n_nnef_arg_ints(p->g, t2n_lower_emit1(p->c, red, res, cur), "axes", &a64, 1);
  } else if (in % out == 0) {
    /* a pool of size and stride In/Out on axis ax only */
    int64_t f = in / out;
    int r = p->rank;
    int64_t size[T2N_MAX_RANK];
    t2n_nnef_value pads[T2N_MAX_RANK];
    for (int i = 0; i < r; i++) {
      size[i] = i == ax ? f : 1;
      t2n_nnef_value pa[2] = {t2n_nnef_v_int(0), t2n_nnef_v_int(0)};
      pads[i] = t2n_nnef_v_tuple(p->g, 2, pa);
    }
    t2n_nnef_op *op = t2n_lower_emit1(p->c, is_max ? "max_pool" : "avg_pool", res, cur);
    t2n_nnef_arg_ints(p->g, op, "size", size, r);
    t2n_nnef_arg_string(p->g, op, "border", "ignore");
    t2n_nnef_arg_value(p->g, op, "padding", t2n_nnef_v_array(p->g, r, pads));
    t2n_nnef_arg_ints(p->g, op, "stride", size, r);
  } else {
    t2n_nnef_op *cat = NULL;
    t2n_nnef_value *parts = t2n_arena_alloc(p->g->arena, sizeof *parts * (size_t)out);
    for (int64_t i = 0; i < out; i++) {
      int64_t b = i * in / out, e = ((i + 1) * in + out - 1) / out;
      int64_t ss[T2N_MAX_RANK];
      memcpy(ss, cs, sizeof ss);
      ss[ax] = e - b;
      t2n_nnef_tid sl = t2n_lower_temp(p->c, "bin", p->dt, p->rank, ss);
      t2n_nnef_op *op = t2n_lower_emit1(p->c, "slice", sl, cur);
      t2n_nnef_arg_ints(p->g, op, "axes", &a64, 1);
      t2n_nnef_arg_ints(p->g, op, "begin", &b, 1);
      t2n_nnef_arg_ints(p->g, op, "end", &e, 1);
      ss[ax] = 1;
      t2n_nnef_tid rd = t2n_lower_temp(p->c, "bin_reduced", p->dt, p->rank, ss);
      t2n_nnef_arg_ints(p->g, t2n_lower_emit1(p->c, red, rd, sl), "axes", &a64, 1);
      parts[i] = t2n_nnef_v_tensor(rd);
    }
    cat = t2n_nnef_op_new(p->g, "concat", 1);
    cat->outputs[0] = res;
    t2n_nnef_arg_value(p->g, cat, NULL, t2n_nnef_v_array(p->g, (int)out, parts));
    t2n_nnef_arg_int(p->g, cat, "axis", ax);
  }
  memcpy(cs, ns, sizeof ns);
  return res;
}

/* adaptive_{avg,max}_poolNd(self, output_size) */
static int adaptive(t2n_lower_ctx *c, t2n_node *n, int nsp, int is_max) {
  pool p;
  if (begin(c, n, nsp, &p)) return 1;
  if (n->ninputs != 2) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  t2n_nnef_tid x = input(&p), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  int64_t cs[T2N_MAX_RANK];
  memcpy(cs, p.xs, sizeof cs);
  int todo[MAXSP], last = -1, all_one = 1;
  for (int i = 0; i < nsp; i++) {
    int ax = p.lead + i;
    if (p.os[ax] < 1) return t2n_lower_error(c, n, "%s to an output size of %lld", n->kind, (long long)p.os[ax]);
    todo[i] = p.os[ax] != cs[ax];
    if (todo[i]) last = i;
    all_one &= p.os[ax] == 1;
  }
  if (all_one) { /* global pooling: one reduction over every spatial axis */
    int64_t axes[MAXSP];
    for (int i = 0; i < nsp; i++) axes[i] = p.lead + i;
    t2n_nnef_arg_ints(p.g, t2n_lower_emit1(c, is_max ? "max_reduce" : "mean_reduce", out, x), "axes", axes, nsp);
    t2n_lower_bind(c, n->outputs[0], out);
    return 0;
  }
  t2n_nnef_tid cur = x;
  for (int i = 0; i < nsp; i++)
    if (todo[i]) cur = adaptive_axis(&p, is_max, cur, cs, p.lead + i, p.os[p.lead + i], i == last ? out : -1);
  t2n_lower_bind(c, n->outputs[0], cur);
  return 0;
}

int t2n_lower_adaptive_avg_pool1d(t2n_lower_ctx *c, t2n_node *n) { return adaptive(c, n, 1, 0); }
int t2n_lower_adaptive_avg_pool2d(t2n_lower_ctx *c, t2n_node *n) { return adaptive(c, n, 2, 0); }
int t2n_lower_adaptive_max_pool1d(t2n_lower_ctx *c, t2n_node *n) { return adaptive(c, n, 1, 1); }
int t2n_lower_adaptive_max_pool2d(t2n_lower_ctx *c, t2n_node *n) { return adaptive(c, n, 2, 1); }
