/* Private to native shape inference (lib/Analysis/shape/; the API is
 * include/t2n/shape.h). What every file of the folder shares: the fact map,
 * the rule context with its argument readers, the types of the rules'
 * parameters, the rule prototypes (generated from rules.def) and the
 * functions one file defines for another.
 *
 * The folder:
 *   driver.c            t2n_shape_infer: pre-scans (what is written or mutated
 *                       in place), graph inputs from the examples, the queries
 *                       of include/t2n/shape.h and t2n_shape_explain
 *   propagate.c         the walk: fact storage, nodes, prim::If (joins),
 *                       prim::Loop (fixpoint), calls, in-place aliases
 *   facts.c             tensor-fact helpers: strides, contiguity, broadcasting,
 *                       a fact from a type, t2n_fact_* of include/t2n/shape.h
 *   rules.def           THE SHAPE TABLE: every rule with its parameter type,
 *                       every op with its rule and parameters; the only
 *                       place that says which rule an op gets
 *   op_table.c          the table indexed by op id, lookup and dispatch
 *   rules_prim.c        constants, containers, prim ops, scalars, sizes
 *   rules_elementwise.c dtype promotion, TensorIterator strides, elementwise
 *   rules_reduce.c      reductions, sort, topk
 *   rules_view.c        views: reshape, flatten, squeeze, permute, expand,
 *                       slice, select, narrow, unfold
 *   rules_join_index.c  repeat, tile, cat, stack, split, indexing
 *   rules_create.c      conversions (to, cpu, contiguous, clone) and factories
 *   rules_nn.c          matmul, linear, convolution, pooling, padding, norms,
 *                       embedding, upsampling
 *   rules_rnn.c         lstm, gru, rnn and their cells
 *
 * Nothing reads tensor data; a rule that would need it leaves its outputs
 * unknown with reason T2N_WHY_TENSOR_DATA.
 *
 * Naming: libt2n is one static library, so a function one file defines for
 * another carries the t2n_sh_ prefix (rules: t2n_sh_r_<op>); an unprefixed
 * external name such as `join` or `promote` could clash with any object
 * linked into a tool. The small readers every rule calls (IN, cint, T, ...)
 * are static inline here instead, so the rules read as before. */
#ifndef T2N_ANALYSIS_SHAPE_INTERNAL_H
#define T2N_ANALYSIS_SHAPE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "t2n/ops.h"
#include "t2n/shape.h"

/* ---- the fact map: value -> fact, filled by propagate.c ---- */


typedef struct slot {
  const t2n_value *key;
  t2n_ival iv;
  const t2n_object *obj;
  const char *why;   /* root cause when iv is (partly) unknown, or NULL */
  t2n_why whyk;
} slot;

struct t2n_shape_facts {
  t2n_module *m;
  t2n_graph *g;
  const t2n_pass_options *opts;
  t2n_arena *a;
  slot *tab;
  size_t cap, n;
  const char **written;   /* attribute names some prim::SetAttr writes */
  int nwritten;
  struct { t2n_graph *g; t2n_alias *a; } *alias; /* mutation analyses, one per graph asked about */
  int nalias, capalias;
  int depth;              /* call nesting */
  struct { const t2n_node *n; const char *msg; } *refused; /* operands torch would refuse */
  int nrefused, caprefused;
};

static inline size_t hash_ptr(const void *p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static inline slot *find_slot(const t2n_shape_facts *f, const t2n_value *v) {
  if (!f->cap) return NULL;
  size_t i = hash_ptr(v) & (f->cap - 1);
  while (f->tab[i].key) {
    if (f->tab[i].key == v) return &f->tab[i];
    i = (i + 1) & (f->cap - 1);
  }
  return NULL;
}
extern const t2n_ival t2n_sh_unknown_ival;

static inline const t2n_ival *fact(const t2n_shape_facts *f, const t2n_value *v) {
  slot *s = find_slot(f, v);
  return s ? &s->iv : &t2n_sh_unknown_ival;
}

static inline const t2n_object *fact_obj(const t2n_shape_facts *f, const t2n_value *v) {
  slot *s = find_slot(f, v);
  return s ? s->obj : NULL;
}

const char *t2n_sh_fmtstr(t2n_shape_facts *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- tensor facts (facts.c) ---- */

static inline void tf_init(t2n_ival *o) {
  t2n_ival_set_unknown(o);
  o->kind = T2N_IV_TENSOR;
}

static inline int tf_sizes_known(const t2n_ival *t) {
  if (t->kind != T2N_IV_TENSOR || t->rank < 0) return 0;
  for (int i = 0; i < t->rank; i++)
    if (t->sizes[i] < 0) return 0;
  return 1;
}
void t2n_sh_tf_set_strides(t2n_shape_facts *f, t2n_ival *o, const int64_t *st);

static inline void contig_strides(int rank, const int64_t *sz, int64_t *st) {
  int64_t acc = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= sz[i] > 1 ? sz[i] : 1;
  }
}
void t2n_sh_tf_contig(t2n_shape_facts *f, t2n_ival *o);

static inline int64_t numel_of(const t2n_ival *t) {
  if (!tf_sizes_known(t)) return -1;
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->sizes[i];
  return n;
}
int t2n_sh_is_contig(int rank, const int64_t *sz, const int64_t *st);
int t2n_sh_is_channels_last(int rank, const int64_t *sz, const int64_t *st);
void t2n_sh_channels_last_strides(int rank, const int64_t *sz, int64_t *st);
int t2n_sh_non_overlapping_dense(int rank, const int64_t *sz, const int64_t *st);
int t2n_sh_bcast(const t2n_ival *a, const t2n_ival *b, t2n_ival *o);
int t2n_sh_fact_from_type(t2n_shape_facts *f, const t2n_type *ty, t2n_ival *o);

/* ---- dtypes (promotion: rules_elementwise.c) ---- */

#define DT_UNDEF T2N_DT_UNKNOWN

static inline int dt_is_float(t2n_dtype d) {
  return d == T2N_DT_FLOAT16 || d == T2N_DT_FLOAT32 || d == T2N_DT_FLOAT64 || d == T2N_DT_BFLOAT16;
}

static inline int dt_is_complex(t2n_dtype d) {
  return d == T2N_DT_COMPLEX32 || d == T2N_DT_COMPLEX64 || d == T2N_DT_COMPLEX128;
}

static inline int dt_is_integral(t2n_dtype d, int include_bool) {
  return (d >= T2N_DT_UINT8 && d <= T2N_DT_INT64) || (include_bool && d == T2N_DT_BOOL);
}

static inline t2n_dtype dt_to_real(t2n_dtype d) {
  switch (d) {
  case T2N_DT_COMPLEX32: return T2N_DT_FLOAT16;
  case T2N_DT_COMPLEX64: return T2N_DT_FLOAT32;
  case T2N_DT_COMPLEX128: return T2N_DT_FLOAT64;
  default: return d;
  }
}
t2n_dtype t2n_sh_promote(t2n_dtype a, t2n_dtype b);

/* ---- the rule context and its argument readers ---- */

#define MAXOUT 16

typedef struct rc {
  t2n_shape_facts *f;
  t2n_node *n;
  int nin;
  t2n_ival *out;         /* n->noutputs facts */
  const t2n_object *out_obj;
  const char *why;       /* root cause when an output stays unknown */
  t2n_why whyk;
  unsigned char strides_set[MAXOUT]; /* 1: the rule set strides (or NULL on purpose) */
} rc;

static inline const t2n_ival *IN(const rc *c, int i) {
  if (i < 0 || i >= c->nin) return &t2n_sh_unknown_ival;
  return fact(c->f, c->n->inputs[i]);
}
static inline const t2n_type *TY(const rc *c, int i) { return i < c->nin ? c->n->inputs[i]->type : NULL; }
static inline const t2n_type *OTY(const rc *c, int k) { return k < c->n->noutputs ? c->n->outputs[k]->type : NULL; }

static inline void why(rc *c, t2n_why k, const char *msg) {
  if (!c->why) {
    c->why = msg;
    c->whyk = k;
  }
}

/* Operands torch would refuse (a conv's channels, matmul's inner sizes,
 * shapes that do not broadcast, ...): recorded once per node for
 * t2n_shape_report_refusals, and the reason the outputs stay unknown. The
 * message names the shapes; the report adds the op and its location. */
void t2n_sh_refuse(rc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "[1, 5, 64, 64]" (unknown sizes as ?), in the facts' arena. */
const char *t2n_sh_dims(t2n_shape_facts *f, const t2n_ival *x);

static inline void why_data(rc *c) {
  why(c, T2N_WHY_TENSOR_DATA, t2n_sh_fmtstr(c->f, "%s reads the contents of a tensor", c->n->kind));
}

static inline int cint(const rc *c, int i, int64_t *v) {
  const t2n_ival *x = IN(c, i);
  if (x->kind != T2N_IV_INT && x->kind != T2N_IV_BOOL) return 0;
  *v = x->i;
  return 1;
}

static inline int cnum(const rc *c, int i, double *v) {
  const t2n_ival *x = IN(c, i);
  if (x->kind == T2N_IV_FLOAT) *v = x->f;
  else if (x->kind == T2N_IV_INT || x->kind == T2N_IV_BOOL) *v = (double)x->i;
  else return 0;
  return 1;
}

/* Input i is None (also when it is absent: a defaulted trailing argument). */
static inline int cnone(const rc *c, int i) { return i >= c->nin || IN(c, i)->kind == T2N_IV_NONE; }

static inline int cbool(const rc *c, int i, int *v) {
  int64_t x;
  if (!cint(c, i, &x)) return 0;
  *v = x != 0;
  return 1;
}

/* An int list (or a single int, counted once) into out; returns its length,
 * or -1 when it is not one. With `unknown`, an unknown element reads as
 * INT64_MIN; without, it makes the list not one. */
static inline int read_ints(const rc *c, int i, int64_t *out, int max, int unknown) {
  const t2n_ival *x = IN(c, i);
  if (x->kind == T2N_IV_INT) {
    out[0] = x->i;
    return 1;
  }
  if (x->kind != T2N_IV_LIST || x->n > max) return -1;
  for (int k = 0; k < x->n; k++) {
    if (x->elems[k].kind == T2N_IV_INT) out[k] = x->elems[k].i;
    else if (unknown && x->elems[k].kind == T2N_IV_UNKNOWN) out[k] = INT64_MIN;
    else return -1;
  }
  return x->n;
}

/* A complete int list (or a single int, counted once); returns its length or -1. */
static inline int cints(const rc *c, int i, int64_t *out, int max) {
  return read_ints(c, i, out, max, 0);
}

static inline const t2n_ival *ctensor(const rc *c, int i) {
  const t2n_ival *x = IN(c, i);
  return x->kind == T2N_IV_TENSOR ? x : NULL;
}

static inline int is_tensor_arg(const rc *c, int i) {
  if (i >= c->nin) return 0;
  if (IN(c, i)->kind == T2N_IV_TENSOR) return 1;
  const t2n_type *t = TY(c, i);
  return t && (t->kind == T2N_TY_TENSOR ||
               (t->kind == T2N_TY_OPTIONAL && t->nelems == 1 && t->elems[0]->kind == T2N_TY_TENSOR));
}

/* Output k as a fresh tensor fact. */
static inline t2n_ival *T(rc *c, int k) {
  tf_init(&c->out[k]);
  return &c->out[k];
}

static inline void set_strides(rc *c, int k, const int64_t *st) {
  if (k < MAXOUT) c->strides_set[k] = 1;
  if (st) t2n_sh_tf_set_strides(c->f, &c->out[k], st);
  else c->out[k].elems = NULL;
}
static inline void keep_strides_unknown(rc *c, int k) { set_strides(c, k, NULL); }

static inline int wrap_dim(int64_t d, int rank, int64_t *out) {
  int r = rank > 0 ? rank : 1;
  if (d < -r || d >= r) return 0;
  *out = d < 0 ? d + r : d;
  return 1;
}

static inline const char *dev_of(const t2n_ival *t) { return t && t->kind == T2N_IV_TENSOR ? t->s : NULL; }

static inline void set_dev(t2n_ival *o, const char *d) {
  o->s = d;
  o->slen = d ? strlen(d) : 0;
}

static inline int has_value(const t2n_ival *t) { return t && t->kind == T2N_IV_TENSOR && t->n == 1 && t->rank == 0; }

static inline void tensor_value(const t2n_ival *t, t2n_ival *out) {
  t2n_ival_set_unknown(out);
  if (dt_is_float(t->dtype)) {
    out->kind = T2N_IV_FLOAT;
    out->f = t->f;
  } else if (t->dtype == T2N_DT_BOOL) {
    out->kind = T2N_IV_BOOL;
    out->i = t->i != 0;
  } else {
    out->kind = T2N_IV_INT;
    out->i = t->i;
  }
}

/* ---- the types of the rules' parameters (rules.def) ---- */

/* How a tensor result's dtype follows from the operands. */
typedef enum { DTM_PROMOTE = 0, DTM_BOOL, DTM_FLOAT, DTM_SAME, DTM_REAL, DTM_LONG } t2n_sh_dtm;

/* A scalar op, or none: rows write .sop = SOP(T2N_SOP_NEG); left out, it
 * is none (T2N_SOP_ADD is 0, so a bare t2n_scalar_op could not say so). */
typedef struct { unsigned char set; t2n_scalar_op op; } t2n_sh_sop;
#define SOP(op) {1, (op)}

/* is_floating_point / is_complex / is_signed */
typedef enum { DTEST_FLOAT = 0, DTEST_COMPLEX, DTEST_SIGNED } t2n_sh_dtest;
/* split(self, int size), split_with_sizes, chunk, unbind */
typedef enum { SPLIT_BY_SIZE = 0, SPLIT_BY_SIZES, SPLIT_CHUNK, SPLIT_UNBIND } t2n_sh_split_form;
/* mm / addmm (2-d), bmm / baddbmm (3-d), mv / addmv, dot */
typedef enum { MM_MM = 0, MM_BMM, MM_MV, MM_DOT } t2n_sh_mm_form;
/* conv1d..3d, conv_transpose1d..3d, _convolution / convolution */
typedef enum { CONV_PLAIN = 0, CONV_TRANSPOSED, CONV_GENERIC } t2n_sh_conv_form;
/* lstm carries (h, c) lists; gru and plain rnns one h tensor */
typedef enum { RNN_H_C = 0, RNN_H } t2n_sh_rnn_state;

/* ---- helpers one rule file provides for others ----
 * t2n_sh_elementwise, t2n_sh_preserve_output: rules_elementwise.c;
 * t2n_sh_read_dims: rules_reduce.c; t2n_sh_read_shape, t2n_sh_view_out,
 * t2n_sh_narrow_fact: rules_view.c. */
void t2n_sh_elementwise(rc *c, const int *idx, int nidx, int mode, int scalars_are_operands);
void t2n_sh_preserve_output(rc *c, int k, const t2n_ival *x);
int t2n_sh_read_dims(const rc *c, int i, int rank, int *mask);
int t2n_sh_read_shape(const rc *c, int i, int64_t *out, int max);
t2n_ival *t2n_sh_view_out(rc *c, int k, const t2n_ival *x);
void t2n_sh_narrow_fact(t2n_shape_facts *f, const t2n_ival *x, int64_t d, int64_t start, int64_t len,
                        int64_t step, t2n_ival *o);

/* ---- the rules and their parameters, generated from rules.def ---- */

#define SHAPE_RULE(rule) void t2n_sh_r_##rule(rc *c);
#define SHAPE_RULE_P(rule, fields)                                                                                    \
  typedef struct { fields } t2n_sh_##rule##_params;                                                                  \
  void t2n_sh_r_##rule(rc *c, const t2n_sh_##rule##_params *p);
#include "rules.def"

/* ---- the shape table (op_table.c) ---- */

typedef enum {
  T2N_SH_NO_RULE = 0,
#define SHAPE_RULE(rule) T2N_SH_RULE_##rule,
#define SHAPE_RULE_P(rule, fields) T2N_SH_RULE_##rule,
#include "rules.def"
} t2n_sh_rule;

typedef struct t2n_sh_row {
  t2n_sh_rule rule;
  union {
    char none;
#define SHAPE_RULE_P(rule, fields) t2n_sh_##rule##_params rule;
#include "rules.def"
  } p;
} t2n_sh_row;

/* The row of node n's kind (by op id; by name for the SHAPE_KIND rows),
 * NULL when shape inference has no rule for it. */
const t2n_sh_row *t2n_sh_lookup_rule(const t2n_node *n);
/* Runs row r's rule on c with the row's parameters. */
void t2n_sh_apply_rule(const t2n_sh_row *r, rc *c);

/* ---- the walk (propagate.c) and the pre-scans (driver.c) ---- */

void t2n_sh_infer_block(t2n_shape_facts *f, t2n_block *b);
void t2n_sh_store(t2n_shape_facts *f, const t2n_value *v, const t2n_ival *iv, const t2n_object *obj,
                  const char *why, t2n_why whyk);
int t2n_sh_ival_incomplete(const t2n_ival *v);
int t2n_sh_cond_truth(const t2n_shape_facts *f, const t2n_value *v);
int t2n_sh_is_mutated(const t2n_shape_facts *f, const t2n_value *v);

#endif
