/* t2n IR: an owned SSA graph in TorchScript's shape.
 *
 * Ownership: a t2n_module owns one arena; every graph, block, node, value,
 * type and string of the module lives in it and is freed with the module.
 * Erased nodes are unlinked, not freed (the arena releases them at the end).
 *
 * Text fidelity: everything torch prints as free-form text (attribute values,
 * scopes, source comments, Python-op scalar arguments, type spellings) is kept
 * as the exact bytes read, so printing an untouched graph reproduces its input.
 * Objects created by passes get their text from canonical formatters that
 * follow torch's printer rules. */
#ifndef T2N_IR_H
#define T2N_IR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct t2n_arena t2n_arena;
typedef struct t2n_module t2n_module;
typedef struct t2n_graph t2n_graph;
typedef struct t2n_block t2n_block;
typedef struct t2n_node t2n_node;
typedef struct t2n_value t2n_value;
typedef struct t2n_type t2n_type;
typedef struct t2n_attr t2n_attr;

/* ---- arena (lib/IR/arena.c) ---- */
t2n_arena *t2n_arena_new(void);
void t2n_arena_free(t2n_arena *a);
void *t2n_arena_alloc(t2n_arena *a, size_t n); /* zeroed, 16-aligned */
char *t2n_arena_strndup(t2n_arena *a, const char *s, size_t n);
/* Grows an arena array in place when it is the last allocation, else copies. */
void *t2n_arena_grow(t2n_arena *a, void *p, size_t old_n, size_t new_n);

/* ---- types (lib/IR/type.c) ---- */
typedef enum {
  T2N_TY_TENSOR,   /* Tensor, Float(...), FloatTensor, ... */
  T2N_TY_SCALAR,   /* int float bool str complex NoneType Device ... (leaf by name) */
  T2N_TY_LIST,     /* T[] */
  T2N_TY_OPTIONAL, /* T? */
  T2N_TY_TUPLE,    /* (T, U) */
  T2N_TY_DICT,     /* Dict(K, V) */
  T2N_TY_UNION,    /* Union(A, B) */
  T2N_TY_GENERIC,  /* Future[T], RRef[T], Await(T), NamedTuple(...), Enum<..>, ... */
  T2N_TY_CLASS,    /* __torch__.a.b.C and other qualified names */
} t2n_type_kind;

/* Scalar type ids: torch's ScalarType numbers and the names its IR prints
 * (c10/core/ScalarType.h, torch 2.11). The table lives in type.c. */
#define T2N_DTYPES(X)                                                          \
  X(UINT8, "Byte", 0) X(INT8, "Char", 1) X(INT16, "Short", 2)                  \
  X(INT32, "Int", 3) X(INT64, "Long", 4) X(FLOAT16, "Half", 5)                 \
  X(FLOAT32, "Float", 6) X(FLOAT64, "Double", 7)                               \
  X(COMPLEX32, "ComplexHalf", 8) X(COMPLEX64, "ComplexFloat", 9)               \
  X(COMPLEX128, "ComplexDouble", 10) X(BOOL, "Bool", 11)                       \
  X(QINT8, "QInt8", 12) X(QUINT8, "QUInt8", 13) X(QINT32, "QInt32", 14)        \
  X(BFLOAT16, "BFloat16", 15) X(QUINT4X2, "QUInt4x2", 16)                      \
  X(QUINT2X4, "QUInt2x4", 17) X(BITS1X8, "Bits1x8", 18)                        \
  X(BITS2X4, "Bits2x4", 19) X(BITS4X2, "Bits4x2", 20) X(BITS8, "Bits8", 21)    \
  X(BITS16, "Bits16", 22) X(FLOAT8_E5M2, "Float8_e5m2", 23)                    \
  X(FLOAT8_E4M3FN, "Float8_e4m3fn", 24) X(FLOAT8_E5M2FNUZ, "Float8_e5m2fnuz", 25) \
  X(FLOAT8_E4M3FNUZ, "Float8_e4m3fnuz", 26) X(UINT16, "UInt16", 27)            \
  X(UINT32, "UInt32", 28) X(UINT64, "UInt64", 29) X(UINT1, "UInt1", 30)        \
  X(UINT2, "UInt2", 31) X(UINT3, "UInt3", 32) X(UINT4, "UInt4", 33)            \
  X(UINT5, "UInt5", 34) X(UINT6, "UInt6", 35) X(UINT7, "UInt7", 36)            \
  X(INT1, "Int1", 37) X(INT2, "Int2", 38) X(INT3, "Int3", 39)                  \
  X(INT4, "Int4", 40) X(INT5, "Int5", 41) X(INT6, "Int6", 42)                  \
  X(INT7, "Int7", 43) X(FLOAT8_E8M0FNU, "Float8_e8m0fnu", 44)                  \
  X(FLOAT4_E2M1FN_X2, "Float4_e2m1fn_x2", 45)
typedef enum {
  T2N_DT_UNKNOWN = -1,
#define X(id, name, num) T2N_DT_##id = num,
  T2N_DTYPES(X)
#undef X
} t2n_dtype;

struct t2n_type {
  t2n_type_kind kind;
  unsigned textlen;          /* strlen(text) */
  const char *text;          /* exact spelling; types are interned by it */
  const char *name;          /* leaf/class/generic name ("int", "Future", ...) */
  int nelems;                /* contained types */
  const t2n_type **elems;
  const char **field_names;  /* NamedTuple field names, else NULL */
  /* tensor facts; unknown parts are -1 / NULL */
  t2n_dtype dtype;
  int rank;                  /* -1: unknown */
  const int64_t *sizes;      /* rank entries, -1 for '*' */
  const int64_t *strides;    /* NULL when not printed */
  int requires_grad;         /* -1 unknown, else 0/1 */
  const char *device;        /* "cpu", "cuda:0", NULL */
  int undefined;             /* spelled with [Undefined] */
};

/* Interns a type by spelling; returns the existing one when already known.
 * `proto` supplies the structure; its text is ignored. */
const t2n_type *t2n_type_intern(t2n_module *m, const char *text, size_t len,
                                const t2n_type *proto);
/* Named leaf ("int", "Tensor", "NoneType", "__torch__.X", ...). */
const t2n_type *t2n_type_get(t2n_module *m, const char *spelling);
/* A complete tensor type printed the way torch prints one:
 * Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu). strides may be
 * NULL (contiguous strides are then printed); device NULL means cpu. */
const t2n_type *t2n_type_tensor(t2n_module *m, t2n_dtype dt, int rank,
                                const int64_t *sizes, const char *device);
const t2n_type *t2n_type_list_of(t2n_module *m, const t2n_type *elem);
const t2n_type *t2n_type_tuple_of(t2n_module *m, int n, const t2n_type **elems);
int t2n_type_is(const t2n_type *t, const char *leaf); /* by leaf name */
int t2n_type_is_tensor(const t2n_type *t);
const char *t2n_dtype_name(t2n_dtype dt);           /* "Float" */
t2n_dtype t2n_dtype_from_name(const char *name);    /* -1 if none */
size_t t2n_dtype_size(t2n_dtype dt);                /* bytes per element */

/* ---- attributes (lib/IR/attr.c) ---- */
typedef enum {
  T2N_ATTR_INT, T2N_ATTR_FLOAT, T2N_ATTR_STRING, T2N_ATTR_LIST,
  T2N_ATTR_TENSOR, T2N_ATTR_COMPLEX, T2N_ATTR_OTHER
} t2n_attr_kind;
struct t2n_attr {
  const char *name;
  const char *raw;      /* exact printed text of the value */
  t2n_attr_kind kind;   /* classified from raw */
  int64_t i;            /* T2N_ATTR_INT */
  double f;             /* T2N_ATTR_FLOAT */
  const char *s;        /* T2N_ATTR_STRING, unescaped (NUL-terminated) */
  size_t slen;
};
/* Classifies raw text into kind/i/f/s. */
void t2n_attr_classify(t2n_module *m, t2n_attr *a);
/* Canonical formatters (torch's printer rules); results live in the arena. */
const char *t2n_fmt_float(t2n_module *m, double v);
const char *t2n_fmt_string(t2n_module *m, const char *s, size_t n);
/* Decodes a torch string literal ("..." with escapes). Returns 0 on error. */
int t2n_unescape_string(t2n_module *m, const char *raw, const char **out, size_t *outlen);

/* ---- values, nodes, blocks, graphs (lib/IR/ir.c) ---- */
typedef struct t2n_use { t2n_node *user; int index; } t2n_use;

struct t2n_value {
  const char *name;        /* debug name without '%', unique in its graph */
  const t2n_type *type;
  t2n_node *def;           /* defining node; NULL for a block parameter */
  t2n_block *param_of;     /* block owning this parameter, else NULL */
  int index;               /* output or parameter index */
  unsigned namelen;        /* strlen(name), kept for the printer */
  t2n_use *uses;
  int nuses, capuses;
};

struct t2n_node {
  const char *kind;        /* interned: "aten::add", "prim::If", python op name */
  int op;                  /* its id in the op table (include/t2n/ops.h), set with
                              kind; T2N_OP_UNKNOWN (0) when the table lacks it */
  t2n_node *prev, *next;
  t2n_block *parent;
  t2n_value **inputs;
  int ninputs, capinputs;
  t2n_value **outputs;
  int noutputs;
  t2n_attr *attrs;
  int nattrs;
  t2n_block **blocks;
  int nblocks;
  const char *scope;       /* raw text after ", scope: ", or NULL */
  const char *source;      /* raw text after " # ", or NULL */
  t2n_graph *subgraph;     /* `with KIND_k = graph` attribute, or NULL */
  const char *pyop_args;   /* python op: raw "(scalars)" text; NULL otherwise */
  int has_attr_brackets;   /* printed "[...]" even if empty (python ops) */
  int line;                /* source line, 0 if created by a pass */
};

struct t2n_block {
  t2n_graph *graph;
  t2n_node *owner;         /* NULL for the top-level block */
  t2n_value **params;
  int nparams;
  t2n_node *first, *last;  /* node list */
  t2n_node *ret;           /* "prim::Return": its inputs are the block outputs */
};

typedef struct t2n_name_table t2n_name_table;
struct t2n_graph {
  t2n_module *mod;
  t2n_block *top;
  t2n_name_table *names;   /* debug name -> value */
  unsigned fresh;          /* counter for t2n_graph_fresh_name */
};

t2n_graph *t2n_graph_new(t2n_module *m);
t2n_block *t2n_block_new(t2n_graph *g, t2n_node *owner);
/* Adds a parameter to a block (graph inputs are the top block's). name may be
 * NULL for a fresh name. Returns NULL if the name is taken. */
t2n_value *t2n_block_add_param(t2n_block *b, const char *name, const t2n_type *ty);
void t2n_block_erase_param(t2n_block *b, int index); /* must have no uses */
/* Creates a detached node; attach it with t2n_node_insert_*. */
t2n_node *t2n_node_new(t2n_graph *g, const char *kind, int ninputs,
                       t2n_value *const *inputs, int noutputs);
/* Gives output i a name (NULL: fresh) and a type. Returns NULL on a clash. */
t2n_value *t2n_node_set_output(t2n_node *n, int i, const char *name, const t2n_type *ty);
t2n_block *t2n_node_add_block(t2n_node *n);
void t2n_node_add_input(t2n_node *n, t2n_value *v);
void t2n_node_set_input(t2n_node *n, int i, t2n_value *v);
void t2n_node_remove_input(t2n_node *n, int i);
void t2n_node_add_attr(t2n_node *n, const char *name, const char *raw);
const t2n_attr *t2n_node_attr(const t2n_node *n, const char *name);
void t2n_node_insert_before(t2n_node *n, t2n_node *pos);
void t2n_node_insert_after(t2n_node *n, t2n_node *pos);
void t2n_node_append(t2n_node *n, t2n_block *b);
void t2n_node_unlink(t2n_node *n);        /* detach; uses stay */
/* Unlinks n and drops its (and its blocks') uses of other values. Its outputs
 * must be unused. */
void t2n_node_erase(t2n_node *n);
void t2n_value_replace_all_uses(t2n_value *from, t2n_value *to);
/* ---- rewriting helpers (lib/IR/rewrite.c) ---- */
/* Appends an output of type ty to n (If, Loop, ...), which must be in a
 * block; named after `name` made unique (NULL: fresh). */
t2n_value *t2n_node_add_output(t2n_node *n, const char *name, const t2n_type *ty);
/* The node of b that holds u: u itself, the node owning the block u is nested
 * in, or b's return; NULL when u is not inside b. */
const t2n_node *t2n_block_holder(const t2n_block *b, const t2n_node *u);
/* True when u runs after n: u is held by a later node of n's block, or is
 * that block's return. */
int t2n_node_runs_after(const t2n_node *n, const t2n_node *u);
/* Makes every use of `from` that runs after n use `to`. Returns how many. */
int t2n_value_replace_uses_after(t2n_value *from, t2n_value *to, const t2n_node *n);
int t2n_node_is(const t2n_node *n, const char *kind);
/* True when n (or a node in its blocks) has an effect beyond its outputs:
 * t2n_op_has_effects of include/t2n/ops.h, which reads the op table. */
int t2n_node_has_side_effects(const t2n_node *n);
const char *t2n_graph_fresh_name(t2n_graph *g, const char *base);
t2n_value *t2n_graph_lookup(t2n_graph *g, const char *name);
int t2n_graph_rename(t2n_graph *g, t2n_value *v, const char *name); /* 0 on clash */
t2n_value *t2n_graph_input(t2n_graph *g, int i);
int t2n_graph_ninputs(const t2n_graph *g);
/* Constant helpers (prim::Constant); raw NULL means None. */
t2n_node *t2n_insert_constant(t2n_graph *g, t2n_node *before, const t2n_type *ty,
                              const char *raw);
t2n_node *t2n_insert_int(t2n_graph *g, t2n_node *before, int64_t v);
t2n_node *t2n_insert_bool(t2n_graph *g, t2n_node *before, int v);
t2n_node *t2n_insert_float(t2n_graph *g, t2n_node *before, double v);

/* Walks every node of a block and its nested blocks in textual order. */
typedef int (*t2n_node_fn)(t2n_node *n, void *ctx); /* non-zero stops */
int t2n_walk(t2n_block *b, t2n_node_fn fn, void *ctx);
/* The nodes of a block and its nested blocks, in textual order, for which
 * keep(n) is true: a malloc'd array of *count nodes (NULL when none), for
 * passes that collect first because a rewrite erases nodes a walk has yet
 * to visit. */
t2n_node **t2n_collect(t2n_block *b, int (*keep)(const t2n_node *n), int *count);

/* A set of nodes in the order they were added, for passes that remember
 * which nodes they have seen or remarked on (linear lookup: such sets are
 * small). Zero-initialise; free(s.v) when done. */
typedef struct t2n_node_set {
  const t2n_node **v;
  int n, cap;
} t2n_node_set;
/* Adds n unless it is there already: 1 when added, 0 when present. */
int t2n_node_set_add(t2n_node_set *s, const t2n_node *n);

/* Deep copy of the nodes of `src` into `dst` before `pos` (NULL: at the end),
 * mapping src's params to `args` and returning src's outputs through `outs`
 * (caller provides src->ret->ninputs slots). Used by inlining and folding. */
void t2n_clone_block_into(t2n_block *src, t2n_value *const *args, t2n_block *dst,
                          t2n_node *pos, t2n_value **outs);
/* Moves the nodes of `b` before `pos` (outputs remain defined by the moved nodes). */
void t2n_splice_block_before(t2n_block *b, t2n_node *pos);

/* ---- modules (lib/IR/module.c) ---- */
typedef enum { T2N_TEXT_GRAPH, T2N_TEXT_DUMP, T2N_TEXT_T2N } t2n_text_kind;

typedef struct t2n_method { const char *name; t2n_graph *graph; } t2n_method;
typedef enum { T2N_SLOT_ATTR, T2N_SLOT_PARAM, T2N_SLOT_BUFFER } t2n_slot_kind;
typedef struct t2n_slot { const char *name; const t2n_type *type; t2n_slot_kind kind; } t2n_slot;

typedef struct t2n_class {
  const char *name;          /* qualified name */
  t2n_slot *slots; int nslots;
  t2n_method *methods; int nmethods;
} t2n_class;

typedef struct t2n_function { const char *name; t2n_graph *graph; } t2n_function;

typedef struct t2n_object t2n_object;
typedef struct t2n_field {
  const char *name;
  const char *raw;           /* value text (torch literal syntax); NULL for objects */
  t2n_object *obj;           /* nested module object */
} t2n_field;

/* An object of the module tree. In a torch dump (T2N_TEXT_DUMP) the sections
 * are kept as printed: params and attrs raw, methods, submodules. */
struct t2n_object {
  const char *qualname;
  t2n_field *fields; int nfields;       /* t2n text; dump: attributes section */
  t2n_field *params; int nparams;       /* dump only: parameters section */
  t2n_method *methods; int nmethods;    /* dump only */
  t2n_object **subs; int nsubs;         /* dump only */
};

typedef struct t2n_type_table t2n_type_table;
typedef struct t2n_strtab t2n_strtab;
struct t2n_module {
  t2n_arena *arena;
  t2n_type_table *types;
  t2n_strtab *strings;
  t2n_text_kind kind;
  t2n_graph *graph;          /* T2N_TEXT_GRAPH */
  t2n_object *root;          /* T2N_TEXT_DUMP and T2N_TEXT_T2N */
  const char *weights;       /* T2N_TEXT_T2N: safetensors file name, or NULL */
  int version;               /* T2N_TEXT_T2N: format version */
  t2n_class **classes; int nclasses;
  t2n_function **functions; int nfunctions;
  int no_final_newline;      /* the input did not end in '\n' */
  size_t parsed_len;         /* bytes of text this module was parsed from */
  const char *source;        /* input text, for diagnostics; may be NULL */
  size_t source_len;
  const char *source_name;
};

t2n_module *t2n_module_new(void);
void t2n_module_free(t2n_module *m);
const char *t2n_intern(t2n_module *m, const char *s);
const char *t2n_intern_n(t2n_module *m, const char *s, size_t n);
t2n_class *t2n_module_class(t2n_module *m, const char *qualname);
t2n_function *t2n_module_function(t2n_module *m, const char *qualname);
/* Function by the short name used in `prim::Constant[name="f"]`. */
t2n_function *t2n_module_function_by_short_name(t2n_module *m, const char *name);
const t2n_field *t2n_object_field(const t2n_object *o, const char *name);
const t2n_method *t2n_class_method(const t2n_class *c, const char *name);
const t2n_slot *t2n_class_slot(const t2n_class *c, const char *name);
/* Every graph of the module (top graph, methods, functions) in print order. */
int t2n_module_graphs(t2n_module *m, t2n_graph ***out);

#endif
