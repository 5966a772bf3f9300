/* The lowering walk: from a hardened, shape-inferred t2n graph to an NNEF
 * graph (t2n/nnef.h). One pass over the top block in order; each node's
 * lowering is found by its op id in the lowering table
 * (include/t2n/lowerings.def, t2n_lowering_for).
 *
 * Before anything is lowered every node is checked: a node without a
 * lowering is an error at its location, all of them reported at once, so a
 * user sees the whole list of missing ops in one run. Nodes need no
 * lowering when their outputs are unused and they have no effect (dead), or
 * when all their outputs are non-tensor values shape inference knows under
 * the example inputs (sizes, list arithmetic: the users read them as
 * constants).
 *
 * Graph inputs: tensor inputs become externals, in order (class-typed
 * `self` is skipped, non-tensor inputs must be known from the examples).
 * Graph outputs: tuples and lists are flattened, one NNEF output each. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"
#include "t2n/srcloc.h"
#include "t2n/ops.h"
#include "t2n/alloc.h"

static const t2n_lowering_info lowering_table[] = {
#define T2N_LOWERING(kind, fn, limits) {kind, fn, limits},
#include "t2n/lowerings.def"
};

const t2n_lowering_info *t2n_lowering_table(int *n) {
  *n = (int)(sizeof lowering_table / sizeof lowering_table[0]);
  return lowering_table;
}

/* The dispatch: an array indexed by op id (t2n_node.op, include/t2n/ops.h),
 * filled once on first use by interning each row's kind. A row whose kind
 * the op table lacks is found by its name (t2n_lowering_lookup) only. */
static const t2n_lowering_info *by_op[T2N_OP_COUNT];
static int by_op_ready;

static void fill_by_op(void) {
  int n;
  const t2n_lowering_info *t = t2n_lowering_table(&n);
  for (int i = n - 1; i >= 0; i--) { /* the first row of a kind wins */
    int op = t2n_op_lookup(t[i].kind);
    if (op != T2N_OP_UNKNOWN) by_op[op] = &t[i];
  }
  by_op_ready = 1;
}

const t2n_lowering_info *t2n_lowering_for(const t2n_node *n) {
  if (!by_op_ready) fill_by_op();
  if (n->op != T2N_OP_UNKNOWN) return by_op[n->op];
  return t2n_lowering_lookup(n->kind);
}

const t2n_lowering_info *t2n_lowering_lookup(const char *kind) {
  if (!by_op_ready) fill_by_op();
  int op = t2n_op_lookup(kind);
  if (op != T2N_OP_UNKNOWN) return by_op[op];
  int n;
  const t2n_lowering_info *t = t2n_lowering_table(&n);
  for (int i = 0; i < n; i++)
    if (strcmp(t[i].kind, kind) == 0) return &t[i];
  return NULL;
}

/* ---- value -> tensor map (open addressing on the value pointer) ---- */
static size_t hash_ptr(const void *p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x;
}

static t2n_nnef_tid *map_slot(t2n_lower_ctx *c, const t2n_value *v, int insert) {
  if (insert && 2 * (c->mapn + 1) > c->mapcap) {
    size_t cap = c->mapcap ? c->mapcap * 2 : 1024;
    const t2n_value **keys = t2n_xcalloc(cap, sizeof *keys);
    t2n_nnef_tid *vals = t2n_xcalloc(cap, sizeof *vals);
    for (size_t k = 0; k < c->mapcap; k++) {
      if (!c->mapkeys[k]) continue;
      size_t i = hash_ptr(c->mapkeys[k]) & (cap - 1);
      while (keys[i]) i = (i + 1) & (cap - 1);
      keys[i] = c->mapkeys[k];
      vals[i] = c->mapvals[k];
    }
    free(c->mapkeys);
    free(c->mapvals);
    c->mapkeys = keys;
    c->mapvals = vals;
    c->mapcap = cap;
  }
  if (!c->mapcap) return NULL;
  for (size_t i = hash_ptr(v) & (c->mapcap - 1);; i = (i + 1) & (c->mapcap - 1)) {
    if (c->mapkeys[i] == v) return &c->mapvals[i];
    if (!c->mapkeys[i]) {
      if (!insert) return NULL;
      c->mapkeys[i] = v;
      c->mapn++;
      return &c->mapvals[i];
    }
  }
}

void t2n_lower_bind(t2n_lower_ctx *c, const t2n_value *v, t2n_nnef_tid t) { *map_slot(c, v, 1) = t; }

int t2n_lower_is_bound(t2n_lower_ctx *c, const t2n_value *v) { return map_slot(c, v, 0) != NULL; }

/* A copy of the n elements of arr in the graph's arena with room for twice
 * *cap (first when empty): the lowering's side tables live as long as the
 * graph, so the old array is simply left in the arena. */
static void *arena_grow(t2n_lower_ctx *c, void *arr, size_t elem, int n, int *cap, int first) {
  int want = *cap ? 2 * *cap : first;
  void *grown = t2n_arena_alloc(c->g->arena, elem * (size_t)want);
  if (n) memcpy(grown, arr, elem * (size_t)n);
  *cap = want;
  return grown;
}

/* ---- tensor lists ---- */
void t2n_lower_bind_list(t2n_lower_ctx *c, const t2n_value *v, const t2n_nnef_tid *items, int n) {
  if (c->nlists == c->caplists)
    c->lists = arena_grow(c, c->lists, sizeof *c->lists, c->nlists, &c->caplists, 16);
  t2n_nnef_tid *copy = t2n_arena_alloc(c->g->arena, sizeof *copy * (size_t)(n ? n : 1));
  if (n) memcpy(copy, items, sizeof *copy * (size_t)n);
  c->lists[c->nlists++] = (struct t2n_lower_list){v, copy, n};
}

int t2n_lower_tensor_list(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at, t2n_nnef_tid **items) {
  for (int i = 0; i < c->nlists; i++)
    if (c->lists[i].v == v) {
      *items = c->lists[i].items;
      return c->lists[i].n;
    }
  if (!v->def || !t2n_node_is(v->def, "prim::ListConstruct")) {
    t2n_lower_error(c, at, "the tensor list %%%s of %s comes from %s; only prim::ListConstruct, aten::split, "
                    "aten::chunk and aten::unbind lists are lowered", v->name, at->kind,
                    v->def ? v->def->kind : "a graph input");
    return -1;
  }
  int n = v->def->ninputs;
  *items = t2n_arena_alloc(c->g->arena, sizeof **items * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++)
    if (((*items)[i] = t2n_lower_tensor(c, v->def->inputs[i], at)) < 0) return -1;
  return n;
}

t2n_nnef_graph *t2n_lower_graph(t2n_lower_ctx *c) { return c->g; }
t2n_module *t2n_lower_module(t2n_lower_ctx *c) { return c->mod; }
void t2n_lower_describe(t2n_lower_ctx *c, t2n_nnef_tid t, t2n_lower_shaped *o) {
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(c->g, t);
  o->t = t;
  o->rank = tt->rank;
  memcpy(o->sizes, tt->sizes, sizeof o->sizes);
}
int t2n_lower_standard_only(t2n_lower_ctx *c) { return c->lopts && c->lopts->standard_only; }

/* ---- diagnostics ---- */
/* The column of n's op kind on its source line, so the caret points at it. */
static int node_col(const t2n_module *m, const t2n_node *n) {
  if (!m->source || n->line <= 0) return 0;
  const char *p = m->source, *end = m->source + m->source_len;
  for (int l = 1; l < n->line && p < end; p++)
    if (*p == '\n') l++;
  const char *e = memchr(p, '\n', (size_t)(end - p));
  if (!e) e = end;
  size_t kl = strlen(n->kind);
  for (const char *q = p; q + kl <= e; q++)
    if (memcmp(q, n->kind, kl) == 0) return (int)(q - p) + 1;
  for (const char *q = p; q < e; q++)
    if (*q != ' ' && *q != '\t') return (int)(q - p) + 1;
  return 0;
}

static void node_loc(const t2n_lower_ctx *c, const t2n_node *n, t2n_srcloc *l) {
  const t2n_module *m = c->mod;
  t2n_node_srcloc(c->mod, n, l);
  if (m->source && n) l->col = node_col(m, n);
}

int t2n_lower_error(t2n_lower_ctx *c, const t2n_node *n, const char *fmt, ...) {
  t2n_srcloc l;
  node_loc(c, n, &l);
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(c->diag, T2N_ERROR, n ? &l : NULL, fmt, ap);
  va_end(ap);
  return 1;
}

/* ---- facts ---- */
int t2n_lower_shape(t2n_lower_ctx *c, const t2n_value *v, t2n_dtype *dt, int64_t sizes[T2N_MAX_RANK]) {
  const t2n_type *ty = v->type;
  if (t2n_type_is_tensor(ty) && ty->dtype >= 0 && ty->rank >= 0 && ty->rank <= T2N_MAX_RANK) {
    int ok = 1;
    for (int i = 0; i < ty->rank; i++)
      if (ty->sizes[i] < 0) ok = 0;
    if (ok) {
      if (dt) *dt = ty->dtype;
      for (int i = 0; i < ty->rank; i++) sizes[i] = ty->sizes[i];
      return ty->rank;
    }
  }
  /* -infer-shapes leaves a value's type alone when it cannot complete it;
   * the facts may still be complete (a value created after the pass). */
  const t2n_ival *iv = c->facts ? t2n_shape_get(c->facts, v) : NULL;
  if (iv && iv->kind == T2N_IV_TENSOR && iv->dtype >= 0 && iv->rank >= 0 && iv->rank <= T2N_MAX_RANK) {
    for (int i = 0; i < iv->rank; i++)
      if (iv->sizes[i] < 0) return -1;
    if (dt) *dt = iv->dtype;
    for (int i = 0; i < iv->rank; i++) sizes[i] = iv->sizes[i];
    return iv->rank;
  }
  return -1;
}

int t2n_lower_need_shape(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at, t2n_dtype *dt,
                         int64_t sizes[T2N_MAX_RANK]) {
  int r = t2n_lower_shape(c, v, dt, sizes);
  if (r < 0) {
    char why[512] = "";
    if (c->facts) t2n_shape_explain(c->facts, v, why, sizeof why);
    t2n_lower_error(c, at, "the shape of %%%s is not known (%s); give example inputs with --input-shape", v->name,
                    why[0] ? why : "no fact");
  }
  return r;
}

int t2n_lower_const(t2n_lower_ctx *c, const t2n_value *v, t2n_ival *out) {
  if (t2n_constant_value(c->mod, v, out) && t2n_ival_is_complete(out)) return 1;
  if (c->facts && t2n_eval(c->facts, v, out)) return 1;
  return 0;
}

int t2n_lower_const_int(t2n_lower_ctx *c, const t2n_value *v, int64_t *out) {
  t2n_ival iv;
  if (!t2n_lower_const(c, v, &iv)) return 0;
  if (iv.kind == T2N_IV_INT || iv.kind == T2N_IV_BOOL) {
    *out = iv.i;
    return 1;
  }
  return 0;
}

int t2n_lower_const_float(t2n_lower_ctx *c, const t2n_value *v, double *out) {
  t2n_ival iv;
  if (!t2n_lower_const(c, v, &iv)) return 0;
  if (iv.kind == T2N_IV_INT || iv.kind == T2N_IV_BOOL) {
    *out = (double)iv.i;
    return 1;
  }
  if (iv.kind == T2N_IV_FLOAT) {
    *out = iv.f;
    return 1;
  }
  return 0;
}

int t2n_lower_const_bool(t2n_lower_ctx *c, const t2n_value *v, int *out) {
  t2n_ival iv;
  if (!t2n_lower_const(c, v, &iv) || (iv.kind != T2N_IV_BOOL && iv.kind != T2N_IV_INT)) return 0;
  *out = iv.i != 0;
  return 1;
}

int t2n_lower_is_none(t2n_lower_ctx *c, const t2n_value *v) {
  if (t2n_type_is(v->type, "NoneType")) return 1;
  t2n_ival iv;
  return t2n_lower_const(c, v, &iv) && iv.kind == T2N_IV_NONE;
}

int t2n_lower_const_ints(t2n_lower_ctx *c, const t2n_value *v, int64_t *out, int max) {
  t2n_ival iv;
  if (!t2n_lower_const(c, v, &iv)) return -1;
  if (iv.kind == T2N_IV_INT) {
    if (max < 1) return -1;
    out[0] = iv.i;
    return 1;
  }
  if (iv.kind != T2N_IV_LIST && iv.kind != T2N_IV_TUPLE) return -1;
  if (iv.n > max) return -1;
  for (int i = 0; i < iv.n; i++) {
    if (iv.elems[i].kind != T2N_IV_INT) return -1;
    out[i] = iv.elems[i].i;
  }
  return iv.n;
}

/* The key of prim::Constant[value=tensor("key")] (or tensor("key", TYPE)). */
static const char *tensor_key(t2n_lower_ctx *c, const t2n_value *v) {
  if (!v->def || !t2n_node_is(v->def, "prim::Constant")) return NULL;
  const t2n_attr *a = t2n_node_attr(v->def, "value");
  if (!a || strncmp(a->raw, "tensor(\"", 8) != 0) return NULL;
  const char *q = a->raw + 8;
  while (*q && *q != '"') q += q[0] == '\\' && q[1] ? 2 : 1;
  if (*q != '"') return NULL;
  const char *s;
  size_t n;
  if (!t2n_unescape_string(c->mod, t2n_intern_n(c->mod, a->raw + 7, (size_t)(q - a->raw - 6)), &s, &n)) return NULL;
  return s;
}

const t2n_st_tensor *t2n_lower_weight(t2n_lower_ctx *c, const t2n_value *v) {
  const char *key = tensor_key(c, v);
  if (!key || !c->weights) return NULL;
  return t2n_safetensors_find(c->weights, key);
}

int64_t t2n_lower_axis(t2n_lower_ctx *c, const t2n_node *n, int64_t axis, int rank, int extra) {
  int64_t span = rank + extra;
  if (span <= 0) span = 1; /* torch accepts dim 0 / -1 on a 0-dim tensor */
  int64_t a = axis < 0 ? axis + span : axis;
  if (a < 0 || a >= span) {
    t2n_lower_error(c, n, "dimension %lld is out of range for a tensor of rank %d", (long long)axis, rank);
    return -1;
  }
  return a;
}

/* ---- tensors ---- */
/* A label for a weights key: characters safe in file names in every
 * archive reader, unique among the variables. */
static const char *fresh_label(t2n_lower_ctx *c, const char *key) {
  size_t n = strlen(key);
  char *buf = t2n_xmalloc(n + 32);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = key[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
             ch == '.' || ch == '-';
    buf[k++] = ok ? ch : '_';
  }
  if (!k || buf[0] == '.') buf[k++] = '_';
  buf[k] = 0;
  for (unsigned suffix = 1;; suffix++) {
    int clash = 0;
    for (int i = 0; i < c->g->nvars && !clash; i++) clash = strcmp(c->g->vars[i].label, buf) == 0;
    if (!clash) break;
    snprintf(buf + k, 32, "_%u", suffix);
  }
  const char *s = t2n_arena_strndup(c->g->arena, buf, strlen(buf));
  free(buf);
  return s;
}

static t2n_nnef_tid weight_tensor(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at) {
  const char *key = tensor_key(c, v);
  const t2n_st_tensor *w = key && c->weights ? t2n_safetensors_find(c->weights, key) : NULL;
  if (!w) {
    t2n_lower_error(c, v->def, "tensor constant '%s' is not in the weights%s", key,
                    c->weights ? "" : " (no weights file: give --weights FILE.safetensors)");
    return -1;
  }
  if (!t2n_nnef_dtype_name(w->dtype)) {
    t2n_lower_error(c, v->def, "tensor constant '%s' has dtype %s, which NNEF .dat files cannot hold", key,
                    t2n_dtype_name(w->dtype));
    return -1;
  }
  if (w->rank > T2N_MAX_RANK) {
    t2n_lower_error(c, v->def, "tensor constant '%s' has rank %d; NNEF allows %d", key, w->rank,
                    T2N_MAX_RANK);
    return -1;
  }
  t2n_nnef_tid t = t2n_nnef_tensor_new(c->g, v->name, w->dtype, w->rank, w->sizes);
  t2n_nnef_variable_add(c->g, t, fresh_label(c, key), w->data, w->nbytes);
  (void)at;
  return t;
}

t2n_nnef_tid t2n_lower_variable_copy(t2n_lower_ctx *c, const char *label, t2n_dtype dt, int rank,
                                     const int64_t *sizes, const void *data, size_t nbytes) {
  void *copy = t2n_arena_alloc(c->g->arena, nbytes ? nbytes : 1);
  if (nbytes) memcpy(copy, data, nbytes);
  t2n_nnef_tid t = t2n_nnef_tensor_new(c->g, label, dt, rank, sizes);
  t2n_nnef_variable_add(c->g, t, fresh_label(c, label), copy, nbytes);
  return t;
}

t2n_nnef_tid t2n_lower_derived(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b) {
  for (int i = 0; i < c->nderived; i++)
    if (c->derived[i].a == a && c->derived[i].b == b && strcmp(c->derived[i].kind, kind) == 0)
      return c->derived[i].t;
  return -1;
}

void t2n_lower_remember_derived(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b,
                                t2n_nnef_tid t) {
  if (c->nderived == c->capderived)
    c->derived = arena_grow(c, c->derived, sizeof *c->derived, c->nderived, &c->capderived, 8);
  c->derived[c->nderived++] = (struct t2n_lower_derived){kind, a, b, t};
}

/* Writes v as one element of dt at p. */
static void store_elem(unsigned char *p, t2n_dtype dt, double v) {
  switch (dt) {
  case T2N_DT_FLOAT32: { float f = (float)v; memcpy(p, &f, 4); break; }
  case T2N_DT_FLOAT64: memcpy(p, &v, 8); break;
  case T2N_DT_INT64: { int64_t i = (int64_t)v; memcpy(p, &i, 8); break; }
  case T2N_DT_INT32: { int32_t i = (int32_t)v; memcpy(p, &i, 4); break; }
  case T2N_DT_INT16: { int16_t i = (int16_t)v; memcpy(p, &i, 2); break; }
  case T2N_DT_INT8: { int8_t i = (int8_t)v; memcpy(p, &i, 1); break; }
  case T2N_DT_UINT8: { uint8_t i = (uint8_t)v; memcpy(p, &i, 1); break; }
  case T2N_DT_BOOL: p[0] = v != 0; break;
  default: T2N_UNREACHABLE("scalar tensor of an unsupported dtype");
  }
}

t2n_nnef_tid t2n_lower_scalar_tensor(t2n_lower_ctx *c, t2n_dtype dt, double v) {
  unsigned char buf[8] = {0};
  store_elem(buf, dt, v);
  return t2n_lower_variable_copy(c, "scalar", dt, 0, NULL, buf, t2n_dtype_size(dt));
}

t2n_nnef_tid t2n_lower_complex_view(t2n_lower_ctx *c, const t2n_value *v) {
  t2n_nnef_tid *slot = map_slot(c, v, 0);
  return slot ? *slot : -1;
}

t2n_nnef_tid t2n_lower_int_literal(t2n_lower_ctx *c, t2n_dtype dt, int rank, int64_t v) {
  unsigned char buf[8] = {0};
  int64_t ones[T2N_MAX_RANK];
  for (int i = 0; i < rank; i++) ones[i] = 1;
  store_elem(buf, dt, (double)v);
  return t2n_lower_variable_copy(c, "scalar", dt, rank, ones, buf, t2n_dtype_size(dt));
}

t2n_nnef_tid t2n_lower_tensor(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at) {
  if (t2n_lower_is_complex(c, v)) {
    /* Bound to its (re, im) view: only lower_complex.c's ops read it. */
    t2n_lower_error(c, at, "%%%s is complex and %s does not take complex operands (NNEF has no complex tensors; "
                    "abs, real, imag, angle, view_as_real, reshape and view of one are lowered)",
                    v->name, at ? at->kind : "this op");
    return -1;
  }
  t2n_nnef_tid *slot = map_slot(c, v, 0);
  if (slot) return *slot;
  t2n_nnef_tid t = -1;
  if (tensor_key(c, v)) {
    t = weight_tensor(c, v, at);
  } else {
    t2n_ival iv;
    if (t2n_lower_const(c, v, &iv) && (iv.kind == T2N_IV_INT || iv.kind == T2N_IV_FLOAT || iv.kind == T2N_IV_BOOL)) {
      /* A number where a tensor is wanted (prim::NumToTensor folded away,
       * a scalar operand): a 0-dim tensor as torch would make it. */
      t2n_dtype dt = iv.kind == T2N_IV_FLOAT ? T2N_DT_FLOAT32 : iv.kind == T2N_IV_BOOL ? T2N_DT_BOOL : T2N_DT_INT64;
      t = t2n_lower_scalar_tensor(c, dt, iv.kind == T2N_IV_FLOAT ? iv.f : (double)iv.i);
    } else {
      t2n_lower_error(c, at, "%%%s has no NNEF tensor (%s)", v->name, v->type->text);
      return -1;
    }
  }
  if (t >= 0) t2n_lower_bind(c, v, t);
  return t;
}

t2n_nnef_tid t2n_lower_temp(t2n_lower_ctx *c, const char *base, t2n_dtype dt, int rank, const int64_t *sizes) {
  return t2n_nnef_tensor_new(c->g, base, dt, rank, sizes);
}

t2n_nnef_tid t2n_lower_slice_axis(t2n_lower_ctx *c, const char *base, t2n_nnef_tid x, int axis, int64_t begin,
                                  int64_t end) {
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(c->g, x);
  int64_t s[T2N_MAX_RANK];
  memcpy(s, t->sizes, sizeof s);
  s[axis] = end - begin;
  t2n_nnef_tid o = t2n_lower_temp(c, base, t->dtype, t->rank, s);
  int64_t ax = axis;
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", o, x);
  t2n_nnef_arg_ints(c->g, op, "axes", &ax, 1);
  t2n_nnef_arg_ints(c->g, op, "begin", &begin, 1);
  t2n_nnef_arg_ints(c->g, op, "end", &end, 1);
  return o;
}

t2n_nnef_tid t2n_lower_output_tensor(t2n_lower_ctx *c, t2n_node *n, int i) {
  t2n_dtype dt;
  int64_t sizes[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->outputs[i], n, &dt, sizes);
  if (r < 0) return -1;
  if (t2n_lower_is_complex(c, n->outputs[i])) {
    t2n_lower_error(c, n, "%%%s would be a complex result of %s (NNEF has no complex tensors; abs, real, imag, angle, "
                    "view_as_real, reshape and view of a complex value are lowered)", n->outputs[i]->name, n->kind);
    return -1;
  }
  if (!t2n_nnef_dtype_name(dt)) {
    t2n_lower_error(c, n, "%%%s has dtype %s, which tract cannot hold", n->outputs[i]->name, t2n_dtype_name(dt));
    return -1;
  }
  return t2n_nnef_tensor_new(c->g, n->outputs[i]->name, dt, r, sizes);
}

t2n_nnef_op *t2n_lower_emit1(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid out, t2n_nnef_tid in) {
  t2n_nnef_op *op = t2n_nnef_op_new(c->g, kind, 1);
  op->outputs[0] = out;
  t2n_nnef_arg_tensor(c->g, op, NULL, in);
  return op;
}

t2n_nnef_op *t2n_lower_emit2(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid out, t2n_nnef_tid a,
                             t2n_nnef_tid b) {
  t2n_nnef_op *op = t2n_lower_emit1(c, kind, out, a);
  t2n_nnef_arg_tensor(c->g, op, NULL, b);
  return op;
}

t2n_nnef_tid t2n_lower_cast(t2n_lower_ctx *c, t2n_nnef_tid t, t2n_dtype dt) {
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(c->g, t);
  if (tt->dtype == dt) return t;
  char base[256];
  snprintf(base, sizeof base, "%s_%s", tt->name, t2n_nnef_dtype_name(dt));
  t2n_nnef_tid o = t2n_nnef_tensor_new(c->g, base, dt, tt->rank, tt->sizes);
  t2n_nnef_op *op = t2n_lower_emit1(c, "tract_core_cast", o, t);
  t2n_nnef_arg_string(c->g, op, "to", t2n_nnef_dtype_name(dt));
  return o;
}

t2n_nnef_tid t2n_lower_broadcast_rank(t2n_lower_ctx *c, t2n_nnef_tid t, int rank) {
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(c->g, t);
  if (tt->rank >= rank) return t;
  int k = rank - tt->rank;
  int64_t axes[T2N_MAX_RANK], sizes[T2N_MAX_RANK];
  for (int i = 0; i < k; i++) axes[i] = i, sizes[i] = 1;
  for (int i = 0; i < tt->rank; i++) sizes[k + i] = tt->sizes[i];
  char base[256];
  snprintf(base, sizeof base, "%s_r%d", tt->name, rank);
  t2n_nnef_tid o = t2n_nnef_tensor_new(c->g, base, tt->dtype, rank, sizes);
  t2n_nnef_op *op = t2n_lower_emit1(c, "unsqueeze", o, t);
  t2n_nnef_arg_ints(c->g, op, "axes", axes, k);
  return o;
}

/* ---- the prim rows of the table ---- */
int t2n_lower_prim_constant(t2n_lower_ctx *c, t2n_node *n) { return 0; } /* read by users */
int t2n_lower_prim_list(t2n_lower_ctx *c, t2n_node *n) { return 0; }     /* read by users */
int t2n_lower_nothing(t2n_lower_ctx *c, t2n_node *n) { return 0; }       /* no effect on any output */
int t2n_lower_prim_tuple(t2n_lower_ctx *c, t2n_node *n) {
  /* Only graph outputs may use a tuple (flattened by the walk). */
  const t2n_value *v = n->outputs[0];
  for (int i = 0; i < v->nuses; i++)
    if (!t2n_node_is(v->uses[i].user, "prim::Return") && !t2n_node_is(v->uses[i].user, "prim::TupleConstruct"))
      return t2n_lower_error(c, n, "a tuple is used by %s; only graph outputs may be tuples", v->uses[i].user->kind);
  return 0;
}

int t2n_lower_identity_op(t2n_lower_ctx *c, t2n_node *n) {
  if (t2n_node_is(n, "aten::dropout") || t2n_node_is(n, "aten::feature_dropout")) {
    int train = 1;
    if (n->ninputs < 3 || !t2n_lower_const_bool(c, n->inputs[2], &train) || train)
      return t2n_lower_error(c, n, "%s is lowered for inference only: its train argument must be a constant False",
                             n->kind);
  }
  t2n_nnef_tid t = t2n_lower_tensor(c, n->inputs[0], n);
  if (t < 0) return 1;
  t2n_lower_bind(c, n->outputs[0], t);
  return 0;
}
