/* The in-memory NNEF graph: tensors, ops with their arguments, variables,
 * extensions and fragments, all in one arena. Building only; printing is
 * write.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/nnef.h"

/* An open-addressing set of the identifiers in use, for fresh names. */
typedef struct t2n_nnef_names {
  const char **slots;
  size_t cap, n;
} t2n_nnef_names;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int names_has(const t2n_nnef_names *ns, const char *s) {
  if (!ns->cap) return 0;
  for (size_t i = hash_str(s) & (ns->cap - 1);; i = (i + 1) & (ns->cap - 1)) {
    if (!ns->slots[i]) return 0;
    if (strcmp(ns->slots[i], s) == 0) return 1;
  }
}

static void names_add(t2n_nnef_names *ns, const char *s) {
  if (2 * (ns->n + 1) > ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 256;
    const char **slots = calloc(cap, sizeof *slots);
    if (!slots) T2N_UNREACHABLE("out of memory");
    for (size_t k = 0; k < ns->cap; k++) {
      if (!ns->slots[k]) continue;
      size_t i = hash_str(ns->slots[k]) & (cap - 1);
      while (slots[i]) i = (i + 1) & (cap - 1);
      slots[i] = ns->slots[k];
    }
    free(ns->slots);
    ns->slots = slots;
    ns->cap = cap;
  }
  size_t i = hash_str(s) & (ns->cap - 1);
  while (ns->slots[i]) i = (i + 1) & (ns->cap - 1);
  ns->slots[i] = s;
  ns->n++;
}

/* Words NNEF's grammar or tract's parser reserve: never used as names. */
static const char *const reserved[] = {
  "version", "extension", "fragment", "graph", "tensor", "integer", "scalar", "logical", "string",
  "true", "false", "for", "in", "if", "then", "else", "yield", "length_of", "shape_of", "range_of",
  NULL};

t2n_nnef_graph *t2n_nnef_graph_new(const char *name) {
  t2n_arena *a = t2n_arena_new();
  t2n_nnef_graph *g = t2n_arena_alloc(a, sizeof *g);
  g->arena = a;
  g->names = calloc(1, sizeof *g->names);
  if (!g->names) T2N_UNREACHABLE("out of memory");
  for (int i = 0; reserved[i]; i++) names_add(g->names, reserved[i]);
  g->name = t2n_nnef_fresh_name(g, name ? name : "network");
  return g;
}

void t2n_nnef_graph_free(t2n_nnef_graph *g) {
  if (!g) return;
  free(g->names->slots);
  free(g->names);
  t2n_arena_free(g->arena);
}

/* Grows an arena array of elements of size `sz` by one. */
static void *grow(t2n_nnef_graph *g, void *p, int *cap, int n, size_t sz) {
  if (n < *cap) return p;
  int nc = *cap ? *cap * 2 : 16;
  p = t2n_arena_grow(g->arena, p, (size_t)*cap * sz, (size_t)nc * sz);
  *cap = nc;
  return p;
}
static const char *dup(t2n_nnef_graph *g, const char *s) { return t2n_arena_strndup(g->arena, s, strlen(s)); }
#define PUSH(g, arr, n, cap) ((arr) = grow((g), (arr), &(cap), (n), sizeof *(arr)), &(arr)[(n)++])

const char *t2n_nnef_fresh_name(t2n_nnef_graph *g, const char *base) {
  /* Identifier characters only; t2n debug names ("x.1", "self.conv.weight")
   * become x_1, self_conv_weight. A leading digit gets a 't' before it. */
  size_t n = base ? strlen(base) : 0;
  char *buf = malloc(n + 32);
  size_t k = 0;
  if (!n || (base[0] >= '0' && base[0] <= '9')) buf[k++] = 't';
  for (size_t i = 0; i < n; i++) {
    char ch = base[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    buf[k++] = ok ? ch : '_';
  }
  buf[k] = 0;
  if (names_has(g->names, buf)) {
    for (unsigned i = 1;; i++) {
      snprintf(buf + k, 32, "_%u", i);
      if (!names_has(g->names, buf)) break;
    }
  }
  const char *s = t2n_arena_strndup(g->arena, buf, strlen(buf));
  free(buf);
  names_add(g->names, s);
  return s;
}

t2n_nnef_tid t2n_nnef_tensor_new(t2n_nnef_graph *g, const char *base, t2n_dtype dt, int rank,
                                 const int64_t *sizes) {
  if (rank > T2N_NNEF_MAX_RANK) T2N_UNREACHABLE("NNEF tensor rank above 8");
  /* sizes may point into g->tensors (a tensor shaped like another), which
   * the push can move: copy first. */
  int64_t sz[T2N_NNEF_MAX_RANK] = {0};
  for (int i = 0; i < rank && sizes; i++) sz[i] = sizes[i];
  const char *name = t2n_nnef_fresh_name(g, base);
  t2n_nnef_tensor *t = PUSH(g, g->tensors, g->ntensors, g->captensors);
  memset(t, 0, sizeof *t);
  t->name = name;
  t->dtype = dt;
  t->rank = rank;
  memcpy(t->sizes, sz, sizeof sz);
  return g->ntensors - 1;
}

const t2n_nnef_tensor *t2n_nnef_tensor_get(const t2n_nnef_graph *g, t2n_nnef_tid t) {
  if (t < 0 || t >= g->ntensors) T2N_UNREACHABLE("bad NNEF tensor id");
  return &g->tensors[t];
}

t2n_nnef_op *t2n_nnef_op_new(t2n_nnef_graph *g, const char *kind, int noutputs) {
  t2n_nnef_op *op = PUSH(g, g->ops, g->nops, g->capops);
  memset(op, 0, sizeof *op);
  op->kind = t2n_arena_strndup(g->arena, kind, strlen(kind));
  op->noutputs = noutputs;
  op->outputs = t2n_arena_alloc(g->arena, sizeof *op->outputs * (size_t)(noutputs ? noutputs : 1));
  for (int i = 0; i < noutputs; i++) op->outputs[i] = -1;
  op->src = g->cur_src;
  if (strncmp(kind, "tract_core_", 11) == 0) t2n_nnef_extension(g, "tract_registry tract_core");
  return op;
}

void t2n_nnef_arg_value(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, t2n_nnef_value v) {
  t2n_nnef_arg *a = PUSH(g, op->args, op->nargs, op->capargs);
  a->name = name ? t2n_arena_strndup(g->arena, name, strlen(name)) : NULL;
  a->v = v;
}

t2n_nnef_value t2n_nnef_v_tensor(t2n_nnef_tid t) {
  t2n_nnef_value v = {T2N_NV_TENSOR, t, 0, 0, NULL, 0, NULL};
  return v;
}
t2n_nnef_value t2n_nnef_v_int(int64_t i) {
  t2n_nnef_value v = {T2N_NV_INT, -1, i, 0, NULL, 0, NULL};
  return v;
}
t2n_nnef_value t2n_nnef_v_float(double f) {
  t2n_nnef_value v = {T2N_NV_FLOAT, -1, 0, f, NULL, 0, NULL};
  return v;
}
t2n_nnef_value t2n_nnef_v_bool(int b) {
  t2n_nnef_value v = {T2N_NV_BOOL, -1, b != 0, 0, NULL, 0, NULL};
  return v;
}
t2n_nnef_value t2n_nnef_v_string(t2n_nnef_graph *g, const char *s) {
  t2n_nnef_value v = {T2N_NV_STRING, -1, 0, 0, t2n_arena_strndup(g->arena, s, strlen(s)), 0, NULL};
  return v;
}
static t2n_nnef_value v_list(t2n_nnef_graph *g, t2n_nnef_value_kind k, int n, const t2n_nnef_value *e) {
  t2n_nnef_value v = {k, -1, 0, 0, NULL, n, NULL};
  v.elems = t2n_arena_alloc(g->arena, sizeof *v.elems * (size_t)(n ? n : 1));
  if (n && e) memcpy(v.elems, e, sizeof *v.elems * (size_t)n);
  return v;
}
t2n_nnef_value t2n_nnef_v_array(t2n_nnef_graph *g, int n, const t2n_nnef_value *elems) {
  return v_list(g, T2N_NV_ARRAY, n, elems);
}
t2n_nnef_value t2n_nnef_v_tuple(t2n_nnef_graph *g, int n, const t2n_nnef_value *elems) {
  return v_list(g, T2N_NV_TUPLE, n, elems);
}
t2n_nnef_value t2n_nnef_v_ints(t2n_nnef_graph *g, const int64_t *iv, int n) {
  t2n_nnef_value v = v_list(g, T2N_NV_ARRAY, n, NULL);
  for (int i = 0; i < n; i++) v.elems[i] = t2n_nnef_v_int(iv[i]);
  return v;
}

void t2n_nnef_arg_tensor(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, t2n_nnef_tid t) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_tensor(t));
}
void t2n_nnef_arg_int(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, int64_t v) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_int(v));
}
void t2n_nnef_arg_float(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, double v) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_float(v));
}
void t2n_nnef_arg_bool(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, int v) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_bool(v));
}
void t2n_nnef_arg_string(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, const char *s) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_string(g, s));
}
void t2n_nnef_arg_ints(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, const int64_t *v, int n) {
  t2n_nnef_arg_value(g, op, name, t2n_nnef_v_ints(g, v, n));
}

void t2n_nnef_variable_add(t2n_nnef_graph *g, t2n_nnef_tid t, const char *label, const void *data,
                           size_t nbytes) {
  t2n_nnef_variable *v = PUSH(g, g->vars, g->nvars, g->capvars);
  v->tensor = t;
  v->label = t2n_arena_strndup(g->arena, label, strlen(label));
  v->data = data;
  v->nbytes = nbytes;
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(g, t);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "variable", 1);
  op->generic = tt->dtype == T2N_DT_BOOL ? "logical" : (tt->dtype == T2N_DT_FLOAT32 || tt->dtype == T2N_DT_FLOAT16 ||
                                                         tt->dtype == T2N_DT_FLOAT64) ? "scalar" : "integer";
  op->outputs[0] = t;
  t2n_nnef_arg_ints(g, op, "shape", tt->sizes, tt->rank);
  t2n_nnef_arg_string(g, op, "label", v->label);
}

void t2n_nnef_extension(t2n_nnef_graph *g, const char *ext) {
  for (int i = 0; i < g->nextensions; i++)
    if (strcmp(g->extensions[i], ext) == 0) return;
  *PUSH(g, g->extensions, g->nextensions, g->capextensions) = dup(g, ext);
}

void t2n_nnef_fragment(t2n_nnef_graph *g, const char *name, const char *text) {
  for (int i = 0; i < g->nfragments; i++)
    if (strcmp(g->fragments[i].name, name) == 0) return;
  struct t2n_nnef_fragment_def *f = PUSH(g, g->fragments, g->nfragments, g->capfragments);
  f->name = dup(g, name);
  f->text = dup(g, text);
  /* A tensor must not take the fragment's name. */
  if (!names_has(g->names, f->name)) names_add(g->names, f->name);
}

void t2n_nnef_comment(t2n_nnef_graph *g, const char *text) {
  *PUSH(g, g->comments, g->ncomments, g->capcomments) = dup(g, text);
}

void t2n_nnef_add_input(t2n_nnef_graph *g, t2n_nnef_tid t) {
  *PUSH(g, g->inputs, g->ninputs, g->capinputs) = t;
}

void t2n_nnef_add_output(t2n_nnef_graph *g, t2n_nnef_tid t) {
  *PUSH(g, g->outputs, g->noutputs, g->capoutputs) = t;
}

const char *t2n_nnef_dtype_name(t2n_dtype dt) {
  switch (dt) {
  case T2N_DT_FLOAT32: return "f32";
  case T2N_DT_FLOAT16: return "f16";
  case T2N_DT_FLOAT64: return "f64";
  case T2N_DT_INT64: return "i64";
  case T2N_DT_INT32: return "i32";
  case T2N_DT_INT16: return "i16";
  case T2N_DT_INT8: return "i8";
  case T2N_DT_UINT8: return "u8";
  case T2N_DT_UINT16: return "u16";
  case T2N_DT_UINT32: return "u32";
  case T2N_DT_UINT64: return "u64";
  case T2N_DT_BOOL: return "bool";
  default: return NULL;
  }
}

void t2n_nnef_report_op(const t2n_nnef_graph *g, const t2n_nnef_op *op, t2n_diag *d, t2n_severity sev,
                        const char *fmt, ...) {
  const t2n_module *m = g->src_mod;
  t2n_srcloc l = {0};
  int have = op && op->src && m && op->src->line > 0;
  if (have) {
    l.file = m->source_name ? m->source_name : "<input>";
    l.buf = m->source;
    l.len = m->source_len;
    l.line = op->src->line;
    l.col = m->source ? t2n_srcloc_column(m->source, m->source_len, l.line, op->src->kind) : 0;
  }
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(d, sev, have ? &l : NULL, fmt, ap);
  va_end(ap);
}
