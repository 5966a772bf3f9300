/* The NNEF exporter (lib/NNEF): an in-memory NNEF graph, the lowering of a
 * t2n graph into it, and the writers that print it.
 *
 * Layers, each using only the one below:
 *   lowering (lower.c + lower_*.c, one table: lib/NNEF/lowerings.def)
 *     builds a t2n_nnef_graph from a hardened, shape-inferred t2n graph;
 *   writing (write.c) prints graph.nnef and the .dat files of a
 *     t2n_nnef_graph into a container (lib/Support/archive.c: a directory,
 *     a .tar or a gzip'd tar; it knows nothing of NNEF).
 *
 * Tensors are referred to by index (t2n_nnef_tid) into the graph's tensor
 * array; everything lives in the graph's arena and is freed with it.
 * Variables point at their data (the memory-mapped safetensors file, or the
 * arena for small tensors made by a lowering): nothing is copied until it
 * is written. Facts about tract's NNEF dialect: docs/nnef-ops.md and
 * the comments at each lowering. */
#ifndef T2N_NNEF_H
#define T2N_NNEF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "t2n/diag.h"
#include "t2n/examples.h"
#include "t2n/ir.h"
#include "t2n/limits.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

typedef int t2n_nnef_tid; /* index into t2n_nnef_graph.tensors; -1: none */

typedef struct t2n_nnef_tensor {
  const char *name;          /* NNEF identifier, unique in the graph */
  t2n_dtype dtype;           /* FLOAT32, INT64, BOOL, ... */
  int rank;                  /* -1: unknown */
  int64_t sizes[T2N_MAX_RANK];
} t2n_nnef_tensor;

/* An argument value of an NNEF op. */
typedef enum {
  T2N_NV_TENSOR, T2N_NV_INT, T2N_NV_FLOAT, T2N_NV_BOOL, T2N_NV_STRING,
  T2N_NV_ARRAY, T2N_NV_TUPLE,
  T2N_NV_EXPR                /* a tract shape expression of symbols ("2 * S + 1"), in s */
} t2n_nnef_value_kind;

typedef struct t2n_nnef_value {
  t2n_nnef_value_kind kind;
  t2n_nnef_tid tensor;       /* TENSOR */
  int64_t i;                 /* INT, BOOL (0/1) */
  double f;                  /* FLOAT */
  const char *s;             /* STRING (printed in single quotes) */
  int n;                     /* ARRAY, TUPLE */
  struct t2n_nnef_value *elems;
} t2n_nnef_value;

typedef struct t2n_nnef_arg {
  const char *name;          /* NULL: positional */
  t2n_nnef_value v;
} t2n_nnef_arg;

typedef struct t2n_nnef_op {
  const char *kind;          /* "add", "tract_core_cast", a fragment name */
  const char *generic;       /* "scalar" for variable<scalar>, or NULL */
  t2n_nnef_tid *outputs;
  int noutputs;
  t2n_nnef_arg *args;
  int nargs, capargs;
  const t2n_node *src;       /* the t2n node it was lowered from (graph.src_mod), or NULL */
} t2n_nnef_op;

/* A tensor written as a .dat file and read back by `variable`. */
typedef struct t2n_nnef_variable {
  t2n_nnef_tid tensor;
  const char *label;         /* file name without .dat; '/' makes folders */
  const void *data;          /* row-major, in the tensor's dtype; not owned */
  size_t nbytes;
} t2n_nnef_variable;

typedef struct t2n_nnef_graph {
  t2n_arena *arena;
  const char *name;          /* graph identifier ("network") */
  t2n_nnef_tensor *tensors; int ntensors, captensors;
  t2n_nnef_op *ops; int nops, capops;
  t2n_nnef_variable *vars; int nvars, capvars;
  t2n_nnef_tid *inputs; int ninputs, capinputs;
  t2n_nnef_tid *outputs; int noutputs, capoutputs;
  const char **extensions; int nextensions, capextensions; /* "tract_registry tract_core" */
  struct t2n_nnef_fragment_def { const char *name, *text; } *fragments; int nfragments, capfragments;
  const char **comments; int ncomments, capcomments; /* "# ..." lines at the top */
  struct t2n_nnef_names *names; /* identifier set, for fresh names */
  const t2n_module *src_mod; /* the module lowered, for the location of op.src */
  const t2n_node *cur_src;   /* the node being lowered: new ops record it */
} t2n_nnef_graph;

/* ---- the graph (lib/NNEF/graph.c) ---- */
t2n_nnef_graph *t2n_nnef_graph_new(const char *name);
void t2n_nnef_graph_free(t2n_nnef_graph *g);
/* A fresh identifier made from `base` (anything: "x.1" gives "x_1"; a
 * clash gets a "_N" suffix). Lives in the arena. */
const char *t2n_nnef_fresh_name(t2n_nnef_graph *g, const char *base);
/* A new tensor named fresh from base. sizes may be NULL when rank <= 0. */
t2n_nnef_tid t2n_nnef_tensor_new(t2n_nnef_graph *g, const char *base, t2n_dtype dt, int rank,
                                 const int64_t *sizes);
const t2n_nnef_tensor *t2n_nnef_tensor_get(const t2n_nnef_graph *g, t2n_nnef_tid t);
/* Appends an op with `noutputs` outputs (set them in op->outputs). The
 * pointer stays valid until the next t2n_nnef_op_new. A kind starting with
 * tract_core_ adds the tract_core registry extension. */
t2n_nnef_op *t2n_nnef_op_new(t2n_nnef_graph *g, const char *kind, int noutputs);
/* Arguments, in order; name NULL for a positional one. */
void t2n_nnef_arg_value(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, t2n_nnef_value v);
void t2n_nnef_arg_tensor(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, t2n_nnef_tid t);
void t2n_nnef_arg_int(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, int64_t v);
void t2n_nnef_arg_float(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, double v);
void t2n_nnef_arg_bool(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, int v);
void t2n_nnef_arg_string(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, const char *s);
void t2n_nnef_arg_ints(t2n_nnef_graph *g, t2n_nnef_op *op, const char *name, const int64_t *v, int n);
/* Value builders (arrays and tuples are allocated in the arena). */
t2n_nnef_value t2n_nnef_v_tensor(t2n_nnef_tid t);
t2n_nnef_value t2n_nnef_v_int(int64_t i);
t2n_nnef_value t2n_nnef_v_float(double f);
t2n_nnef_value t2n_nnef_v_bool(int b);
t2n_nnef_value t2n_nnef_v_string(t2n_nnef_graph *g, const char *s);
t2n_nnef_value t2n_nnef_v_array(t2n_nnef_graph *g, int n, const t2n_nnef_value *elems);
t2n_nnef_value t2n_nnef_v_tuple(t2n_nnef_graph *g, int n, const t2n_nnef_value *elems);
t2n_nnef_value t2n_nnef_v_ints(t2n_nnef_graph *g, const int64_t *v, int n);
/* Declares a variable of tensor t reading `label`.dat; emits its
 * `variable<scalar>(shape, label)` op. data is not copied. */
void t2n_nnef_variable_add(t2n_nnef_graph *g, t2n_nnef_tid t, const char *label, const void *data,
                           size_t nbytes);
/* An `extension` line (without "extension " and ';'), added once. */
void t2n_nnef_extension(t2n_nnef_graph *g, const char *ext);
/* A fragment definition (whole text, from "fragment"), added once per name. */
void t2n_nnef_fragment(t2n_nnef_graph *g, const char *name, const char *text);
void t2n_nnef_comment(t2n_nnef_graph *g, const char *text); /* without '#' */
void t2n_nnef_add_input(t2n_nnef_graph *g, t2n_nnef_tid t);
void t2n_nnef_add_output(t2n_nnef_graph *g, t2n_nnef_tid t);
/* tract's datum_type name ("f32", "i64", "bool", ...) or NULL when tract
 * has none for dt. */
const char *t2n_nnef_dtype_name(t2n_dtype dt);

/* ---- lowering (lib/NNEF/lower.c) ---- */
typedef struct t2n_lower_ctx t2n_lower_ctx;
/* A lowering: emits the NNEF ops for node n and binds each of its outputs
 * that later nodes or the graph outputs use (t2n_lower_bind). Returns 0, or
 * non-zero after reporting an error with t2n_lower_error. */
typedef int (*t2n_lower_fn)(t2n_lower_ctx *c, t2n_node *n);

typedef struct t2n_lowering_info {
  const char *kind;          /* "aten::add" */
  t2n_lower_fn lower;
  const char *limits;        /* what is supported, for docs/nnef-ops.md */
} t2n_lowering_info;

#define T2N_LOWERING(kind, fn, limits) int fn(t2n_lower_ctx *c, t2n_node *n);
#include "t2n/lowerings.def"

const t2n_lowering_info *t2n_lowering_table(int *n);
/* The row that lowers n, by its op id; NULL when none does. */
const t2n_lowering_info *t2n_lowering_for(const t2n_node *n);
/* The row for an op kind by name (NULL: none). */
const t2n_lowering_info *t2n_lowering_lookup(const char *kind);

typedef struct t2n_lower_options {
  const char **input_names;  /* NNEF names for the tensor inputs, in order, or NULL */
  int ninput_names;
  const char **output_names; /* NNEF names for the flattened outputs, or NULL */
  int noutput_names;
  const char *tract_version; /* recorded as a comment when set */
  int standard_only;         /* --target=khronos: no fragments of t2n's own (standard ops only) */
} t2n_lower_options;

/* Lowers graph g of module m (hardened, shape-inferred) into a new NNEF
 * graph. weights holds the module's tensors (prim::Constant[value=
 * tensor("key")]), may be NULL when the graph has none. Every node without
 * a lowering is reported (all of them) before anything is lowered. Returns
 * NULL after reporting errors. */
t2n_nnef_graph *t2n_nnef_lower(t2n_module *m, t2n_graph *g, const t2n_pass_options *popts,
                               const t2n_safetensors *weights, const t2n_lower_options *lopts,
                               t2n_diag *d);

/* The cleanup t2n_nnef_lower runs last (lib/NNEF/simplify.c): reshapes of
 * variables folded into the variable's shape, unsqueezes feeding a concat
 * made a stack. Numbers are unchanged. */
void t2n_nnef_simplify(t2n_nnef_graph *g);

/* Helpers for lowerings. */
t2n_nnef_graph *t2n_lower_graph(t2n_lower_ctx *c);
t2n_module *t2n_lower_module(t2n_lower_ctx *c);
/* A lowered tensor with a copy of its shape, for lowerings that reshape
 * their operands step by step (matmul broadcasting, attention). */
typedef struct t2n_lower_shaped {
  t2n_nnef_tid t;
  int rank;
  int64_t sizes[T2N_MAX_RANK];
} t2n_lower_shaped;
void t2n_lower_describe(t2n_lower_ctx *c, t2n_nnef_tid t, t2n_lower_shaped *o);
/* Whether the graph must use standard NNEF ops only (--target=khronos): a
 * lowering that would call a fragment of its own writes the ops inline. */
int t2n_lower_standard_only(t2n_lower_ctx *c);
/* Reports `file:line:col: error: msg` at node n (col: where its op kind is
 * on the line); returns 1 so a lowering can `return t2n_lower_error(...)`. */
int t2n_lower_error(t2n_lower_ctx *c, const t2n_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The NNEF tensor of t2n value v: its bound tensor, or for a tensor
 * constant a variable made on first use (bound, so later uses share it), or
 * for a known int/float/bool a 0-dim variable of i64/f32/bool. Reports an
 * error at `at` and returns -1 when v has no tensor (a list, None, a value
 * no lowering bound). */
t2n_nnef_tid t2n_lower_tensor(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at);
/* 1 when tensor value v is complex (by its inferred dtype). A complex value
 * is bound to its real view [.., 2] (lib/NNEF/lower_complex.c):
 * t2n_lower_tensor refuses it, t2n_lower_complex_view returns that view
 * (-1 when unbound). */
int t2n_lower_is_complex(t2n_lower_ctx *c, const t2n_value *v);
t2n_nnef_tid t2n_lower_complex_view(t2n_lower_ctx *c, const t2n_value *v);
/* Binds t2n value v to NNEF tensor t (a later bind replaces it). */
void t2n_lower_bind(t2n_lower_ctx *c, const t2n_value *v, t2n_nnef_tid t);
/* Binds tensor-list value v (aten::split, chunk, unbind) to n tensors. */
void t2n_lower_bind_list(t2n_lower_ctx *c, const t2n_value *v, const t2n_nnef_tid *items, int n);
/* The element tensors of tensor-list value v: a list bound by
 * t2n_lower_bind_list, or a prim::ListConstruct whose items are lowered
 * (tensors, or known numbers as 0-dim tensors). Sets *items (in the graph
 * arena) and returns the count, or reports an error at `at` and returns -1. */
int t2n_lower_tensor_list(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at, t2n_nnef_tid **items);
/* 1 when v already has an NNEF tensor. */
int t2n_lower_is_bound(t2n_lower_ctx *c, const t2n_value *v);
/* dtype, rank and sizes of tensor value v from its type after -infer-shapes
 * (or shape inference's fact). Returns the rank, or -1 when not complete. */
int t2n_lower_shape(t2n_lower_ctx *c, const t2n_value *v, t2n_dtype *dt, int64_t sizes[T2N_MAX_RANK]);
/* Same, reporting "shape of %v is unknown" at `at` when not complete. */
int t2n_lower_need_shape(t2n_lower_ctx *c, const t2n_value *v, const t2n_node *at, t2n_dtype *dt,
                         int64_t sizes[T2N_MAX_RANK]);
/* The compile-time value of v (prim::Constant, prim::ListConstruct of
 * constants, or what shape inference derives under the examples). 1 when
 * completely known. */
int t2n_lower_const(t2n_lower_ctx *c, const t2n_value *v, t2n_ival *out);
int t2n_lower_const_int(t2n_lower_ctx *c, const t2n_value *v, int64_t *out);
int t2n_lower_const_float(t2n_lower_ctx *c, const t2n_value *v, double *out); /* int or float */
int t2n_lower_const_bool(t2n_lower_ctx *c, const t2n_value *v, int *out);
int t2n_lower_is_none(t2n_lower_ctx *c, const t2n_value *v);
/* An int list (int[] constant, ListConstruct of known ints, or one int);
 * returns the count (<= max), or -1 when not known. */
int t2n_lower_const_ints(t2n_lower_ctx *c, const t2n_value *v, int64_t *out, int max);
/* For a tensor constant prim::Constant[value=tensor("key")]: its weights
 * entry (data in the memory-mapped file), else NULL. */
const t2n_st_tensor *t2n_lower_weight(t2n_lower_ctx *c, const t2n_value *v);
/* Normalises axis (may be negative) against rank (tract refuses negative
 * axes); reports an error at n and returns -1 when out of range.
 * `extra` widens the range, e.g. 1 for unsqueeze (rank + 1 positions). */
int64_t t2n_lower_axis(t2n_lower_ctx *c, const t2n_node *n, int64_t axis, int rank, int extra);
/* A new tensor for output `i` of n, typed from that output's shape (named
 * after the value). Returns -1 (after an error) when its shape is unknown. */
t2n_nnef_tid t2n_lower_output_tensor(t2n_lower_ctx *c, t2n_node *n, int i);
/* A new intermediate tensor. */
t2n_nnef_tid t2n_lower_temp(t2n_lower_ctx *c, const char *base, t2n_dtype dt, int rank,
                            const int64_t *sizes);
/* A new intermediate tensor (named after base) = x sliced to [begin, end)
 * on one axis (non-negative, known sizes). */
t2n_nnef_tid t2n_lower_slice_axis(t2n_lower_ctx *c, const char *base, t2n_nnef_tid x, int axis, int64_t begin,
                                  int64_t end);
/* Emits `out = kind(in)` (op with one tensor input). Returns the op for
 * more (named) arguments. */
t2n_nnef_op *t2n_lower_emit1(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid out, t2n_nnef_tid in);
t2n_nnef_op *t2n_lower_emit2(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid out, t2n_nnef_tid a,
                             t2n_nnef_tid b);
/* A variable holding `nbytes` of `data` copied into the graph's arena
 * (small tensors a lowering computes: reordered gates, ...). */
t2n_nnef_tid t2n_lower_variable_copy(t2n_lower_ctx *c, const char *label, t2n_dtype dt, int rank,
                                     const int64_t *sizes, const void *data, size_t nbytes);
/* A tensor a lowering derived from tensors a and b (kind names how, a
 * static string), remembered so that the next lowering asking for the same
 * derivation reuses it: t2n_lower_derived returns it or -1, and
 * t2n_lower_remember_derived records it. */
t2n_nnef_tid t2n_lower_derived(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b);
void t2n_lower_remember_derived(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b,
                                t2n_nnef_tid t);
/* out = x reflect-padded by before[axis] / after[axis] rows (lib/NNEF/
 * lower_pad.c: gathers and concats for tract, pad's 'reflect' border for
 * --target=khronos). Returns out. */
t2n_nnef_tid t2n_lower_reflect_pad(t2n_lower_ctx *c, t2n_nnef_tid x, const int64_t *before, const int64_t *after,
                                   t2n_nnef_tid out);
/* A rank-0 or rank-1 constant tensor of dtype dt holding v, written as a
 * small variable (tract has no `constant`). */
t2n_nnef_tid t2n_lower_scalar_tensor(t2n_lower_ctx *c, t2n_dtype dt, double v);
/* An integer operand: a variable of dtype dt and shape [1] * rank holding
 * v. tract reads an integer literal as a TDim (a size), and arithmetic of
 * an i64 tensor with one yields a TDim tensor, which it cannot return. */
t2n_nnef_tid t2n_lower_int_literal(t2n_lower_ctx *c, t2n_dtype dt, int rank, int64_t v);
/* Casts tensor t to dt with tract_core_cast when its dtype differs. */
t2n_nnef_tid t2n_lower_cast(t2n_lower_ctx *c, t2n_nnef_tid t, t2n_dtype dt);
/* Unsqueezes t on the left to `rank` (left-aligned broadcasting in tract). */
t2n_nnef_tid t2n_lower_broadcast_rank(t2n_lower_ctx *c, t2n_nnef_tid t, int rank);

/* out = kind(a, b) for output 0 of n, elementwise (lib/NNEF/lower_elementwise.c):
 * a and b (tensors or known numbers) are cast to the result dtype, or for
 * comparisons ("eq", "lt", ...) to their promoted dtype, and tensors are
 * unsqueezed to the result's rank. Binds the output. */
int t2n_lower_binary(t2n_lower_ctx *c, t2n_node *n, const char *kind, const t2n_value *a, const t2n_value *b);
/* aten::div(a, b, rounding_mode='floor'|'trunc') (lib/NNEF/lower_math.c). */
int t2n_lower_div_rounding(t2n_lower_ctx *c, t2n_node *n);
/* Operand v of n computed in dtype dt at rank `rank`: a tensor cast and
 * unsqueezed on the left, or a known number as a literal of dt. */
int t2n_lower_operand(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v, t2n_dtype dt, int rank, t2n_nnef_value *out);

/* ---- writing (lib/NNEF/write.c) ---- */
/* Prints graph.nnef. Deterministic: the same graph gives the same bytes. */
void t2n_nnef_print(FILE *out, const t2n_nnef_graph *g);
char *t2n_nnef_print_string(const t2n_nnef_graph *g, size_t *len); /* malloc'ed */
/* The 128-byte .dat header of a tensor; 0 when dt has no .dat form. */
int t2n_nnef_dat_header(unsigned char hdr[128], t2n_dtype dt, int rank, const int64_t *sizes,
                        size_t nbytes);
/* Writes the whole export (graph.nnef, then each variable's .dat) to path:
 * a directory, a .tar, or a gzip'd tar for .tgz / .nnef.tgz. Written under
 * a temporary name and renamed at the end; on failure nothing is left and
 * an older output is untouched. progress: print a progress line on stderr
 * while weights are written. compression_level: of a .tgz (0-9, see
 * t2n_container_set_compression). Weights are streamed in chunks of a few
 * MB from their source, each chunk's pages released once written, so the
 * process never holds more than a chunk of them. Returns 0 on success. */
int t2n_nnef_write(const t2n_nnef_graph *g, const char *path, int progress, int compression_level, t2n_diag *d);

/* Reports `file:line:col: error:` (or a note, ...) at the t2n node op was
 * lowered from (no location when it has none). */
void t2n_nnef_report_op(const t2n_nnef_graph *g, const t2n_nnef_op *op, t2n_diag *d, t2n_severity sev,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- dynamic axes (lib/NNEF/dynamic.c) ----
 * --dynamic-axis NAME:AXIS=SYMBOL makes an axis of a tensor input a tract
 * symbol. The exporter lowers the model again at probe values of the
 * symbols and t2n_nnef_symbolize merges the graphs: every integer that
 * differs between them becomes a shape expression. */
typedef struct t2n_dynamic_axis {
  const char *input;         /* graph input name, as --input-shape names it */
  int axis;                  /* >= 0 */
  const char *symbol;        /* NNEF identifier */
} t2n_dynamic_axis;
/* Parses NAME:AXIS=SYMBOL (AXIS >= 0, SYMBOL an identifier that is no NNEF
 * keyword). Reports and returns 0 when malformed. input and symbol are
 * malloc'ed. */
int t2n_dynamic_axis_parse(const char *spec, t2n_dynamic_axis *out, t2n_diag *d);

/* The model lowered with symbol s set to values[s]; NULL after reporting. */
typedef t2n_nnef_graph *(*t2n_dynamic_probe_fn)(void *arg, const int64_t *values, t2n_diag *d);

enum { T2N_DYN_MAX_SYMBOLS = 8, T2N_DYN_MAX_PROBES = 512 };
typedef struct t2n_dynamic_plan {
  const char *symbols[T2N_DYN_MAX_SYMBOLS];
  int64_t base[T2N_DYN_MAX_SYMBOLS]; /* each symbol's value in the example inputs */
  int nsymbols;
  t2n_dynamic_probe_fn probe;
  void *probe_arg;
  /* the probes made: graphs[p] lowered at values[p]; graphs[0] is the base
   * graph (set by the caller), the others are the caller's to free. */
  int64_t values[T2N_DYN_MAX_PROBES][T2N_DYN_MAX_SYMBOLS];
  t2n_nnef_graph *graphs[T2N_DYN_MAX_PROBES];
  int nprobes;
} t2n_dynamic_plan;
/* Merges the probes into graphs[0]: an integer argument that differs
 * becomes T2N_NV_EXPR (a reshape size the input's own becomes 0, a single
 * other one -1; a slice end a constant short of the axis that fits no
 * expression a negative end), and the symbols are declared (`extension
 * tract_symbol S`). A probe with other ops, a constant (variable data,
 * fragment text, a float) that differs, or an integer no form fits (c +
 * sum over symbols of m * floor((S + b) / d), d <= 16384) is an error at the
 * op's source, all of them reported. Returns 0 on success. */
int t2n_nnef_symbolize(t2n_dynamic_plan *plan, t2n_diag *d);

/* ---- targets (lib/NNEF/khronos.c) ----
 * --target=tract (the default) writes tract's dialect; --target=khronos
 * standard NNEF 1.0 only (include/t2n/lowerings_khronos.def). */
typedef enum { T2N_TARGET_TRACT, T2N_TARGET_KHRONOS } t2n_nnef_target;
/* The standard form of a lowered op kind (its row of lowerings_khronos.def),
 * or NULL when it has none (it needs a tract extension). */
const char *t2n_khronos_form(const char *kind);
/* The tract extension op the lowering of `kind` needs (its
 * T2N_KHRONOS_TRACT row), NULL when it has a standard form or no row. */
const char *t2n_khronos_needs(const char *kind);
/* Rewrites a lowered graph into standard NNEF (tract spellings to the
 * spec's: 'replicated' borders, recip, tract_core_external, ...). A node
 * whose kind has no standard form, and an op or parameter left that the
 * spec lacks, is an error at the node's location, all of them at once.
 * Returns 0 on success. */
int t2n_khronos_rewrite(t2n_nnef_graph *g, t2n_diag *d);

/* ---- the t2n-export tool (lib/Driver/export.c) ---- */
int t2n_export_main(int argc, char **argv);

#endif
