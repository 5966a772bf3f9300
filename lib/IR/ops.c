/* The op table (include/t2n/ops.def) in memory, and the per-node queries of
 * include/t2n/ops.h. The table is read once, on first use: the `writes` and
 * `aliases` strings of every row are parsed into small arrays, and a hash
 * of the kind names gives t2n_op_lookup, which node creation calls. The
 * first use is not guarded against threads: the library is single-threaded
 * (a multi-threaded caller makes one node first). */
#include "internal.h"
#include "ops_internal.h"

#include <stdlib.h>
#include <string.h>

#include "t2n/diag.h"

static const char *const op_names[T2N_OP_COUNT] = {
    NULL,
#define T2N_OP(id, kind) kind,
#include "t2n/ops.def"
};

typedef struct raw_sig {
  int op;
  const char *overload;
  int nargs, vararg, nrets;
  unsigned effects;
  const char *writes, *aliases;
} raw_sig;

static const raw_sig raw_sigs[] = {
#define T2N_SIG(id, ov, na, va, nr, eff, w, al) {T2N_OP_##id, ov, na, va, nr, eff, w, al},
#include "t2n/ops.def"
};
#define NSIGS (sizeof raw_sigs / sizeof raw_sigs[0])

static const int reshape_ids[] = {
#define T2N_OP_RESHAPES(id) T2N_OP_##id,
#include "t2n/ops.def"
};

static const int stride_reader_ids[] = {
#define T2N_OP_READS_STRIDES(id) T2N_OP_##id,
#include "t2n/ops.def"
};

static const struct { int op, pure, keeps; } pure_rows[] = {
#define T2N_OP_PURE(id, pure_id, keeps_type) {T2N_OP_##id, T2N_OP_##pure_id, keeps_type},
#include "t2n/ops.def"
};

static t2n_op_sig sigs[NSIGS];
static int first_sig[T2N_OP_COUNT], nsigs_of[T2N_OP_COUNT];
static unsigned char reshapes[T2N_OP_COUNT], reads_strides[T2N_OP_COUNT];
#define HASH_SIZE 8192 /* a power of two above twice the number of kinds */
static int hash_slots[HASH_SIZE]; /* op id, 0 empty */
static int ready;

static uint32_t hash_str(const char *s, size_t n) { return t2n_map_hash(s, n); }

/* "I:CLASS ..." or "*" */
static int parse_writes(const char *s, t2n_op_write *out) {
  int n = 0;
  while (*s) {
    while (*s == ' ') s++;
    if (!*s) break;
    t2n_op_write w = {-1, T2N_MUT_ANY};
    if (*s == '*') s++;
    else {
      char *end;
      w.idx = (int)strtol(s, &end, 10);
      if (*end != ':') T2N_UNREACHABLE("ops.def: a writes entry is not I:CLASS");
      s = end + 1;
      size_t l = strcspn(s, " ");
      static const struct { const char *name; unsigned cls; } classes[] = {
          {"tensor", T2N_MUT_TENSOR}, {"list", T2N_MUT_LIST}, {"dict", T2N_MUT_DICT},
          {"elems", T2N_MUT_ELEMS}, {"any", T2N_MUT_ANY}};
      w.cls = 0;
      for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++)
        if (strlen(classes[k].name) == l && strncmp(s, classes[k].name, l) == 0) w.cls = classes[k].cls;
      if (!w.cls) T2N_UNREACHABLE("ops.def: unknown write class");
      s += l;
    }
    if (n == T2N_OP_MAX_TOKENS) T2N_UNREACHABLE("ops.def: too many writes in one row");
    out[n++] = w;
  }
  return n;
}

/* rK=aI, rK=*, aI=*, r*=*, a*=*, "*" */
static int parse_index(const char **s) {
  if (**s == '*') {
    (*s)++;
    return -1;
  }
  char *end;
  int v = (int)strtol(*s, &end, 10);
  if (end == *s) T2N_UNREACHABLE("ops.def: an aliases entry lacks an index");
  *s = end;
  return v;
}

static int parse_aliases(const char *s, t2n_op_alias *out, int *any) {
  int n = 0;
  *any = 0;
  while (*s) {
    while (*s == ' ') s++;
    if (!*s) break;
    t2n_op_alias a = {0, -1, -1};
    if (*s == '*') {
      *any = 1;
      s++;
      continue;
    }
    char side = *s++;
    int idx = parse_index(&s);
    if (*s++ != '=') T2N_UNREACHABLE("ops.def: an aliases entry lacks '='");
    if (side == 'r' && *s == 'a') {
      s++;
      a.kind = T2N_AL_SAME;
      a.out = idx;
      a.in = parse_index(&s);
    } else if (*s == '*') {
      s++;
      a.kind = side == 'r' ? T2N_AL_FROM_CONTAINER : T2N_AL_ESCAPES;
      if (side == 'r') a.out = idx;
      else a.in = idx;
    } else
      T2N_UNREACHABLE("ops.def: unreadable aliases entry");
    if (n == T2N_OP_MAX_TOKENS) T2N_UNREACHABLE("ops.def: too many aliases in one row");
    out[n++] = a;
  }
  return n;
}

static void init(void) {
  if (ready) return;
  for (int op = 1; op < T2N_OP_COUNT; op++) {
    uint32_t h = hash_str(op_names[op], strlen(op_names[op])) & (HASH_SIZE - 1);
    while (hash_slots[h]) h = (h + 1) & (HASH_SIZE - 1);
    hash_slots[h] = op;
    first_sig[op] = -1;
  }
  for (size_t i = 0; i < NSIGS; i++) {
    const raw_sig *r = &raw_sigs[i];
    t2n_op_sig *s = &sigs[i];
    /* Rows of one kind are adjacent in the files: a kind is a range. */
    if (first_sig[r->op] < 0) first_sig[r->op] = (int)i;
    else if (first_sig[r->op] + nsigs_of[r->op] != (int)i) T2N_UNREACHABLE("ops.def: rows of one kind are not adjacent");
    nsigs_of[r->op]++;
    s->nargs = r->nargs;
    s->vararg = r->vararg;
    s->nrets = r->nrets;
    s->effects = r->effects;
    s->nwrites = parse_writes(r->writes, s->writes);
    s->naliases = parse_aliases(r->aliases, s->aliases, &s->alias_any);
  }
  for (size_t i = 0; i < sizeof reshape_ids / sizeof reshape_ids[0]; i++) reshapes[reshape_ids[i]] = 1;
  for (size_t i = 0; i < sizeof stride_reader_ids / sizeof stride_reader_ids[0]; i++)
    reads_strides[stride_reader_ids[i]] = 1;
  ready = 1;
}

int t2n_op_lookup(const char *kind) {
  init();
  size_t n = strlen(kind);
  uint32_t h = hash_str(kind, n) & (HASH_SIZE - 1);
  for (int op; (op = hash_slots[h]) != 0; h = (h + 1) & (HASH_SIZE - 1))
    if (strcmp(op_names[op], kind) == 0) return op;
  return T2N_OP_UNKNOWN;
}

const char *t2n_op_name(int op) { return op > 0 && op < T2N_OP_COUNT ? op_names[op] : NULL; }

void t2n_node_set_kind(t2n_node *n, const char *kind) {
  n->kind = kind;
  n->op = t2n_op_lookup(kind);
}

int t2n_op_sigs(const t2n_node *n, const t2n_op_sig **out, int *count) {
  init();
  if (n->op <= 0 || n->op >= T2N_OP_COUNT || first_sig[n->op] < 0) return 0;
  const t2n_op_sig *s = &sigs[first_sig[n->op]];
  int k = nsigs_of[n->op], fits = 0;
  for (int i = 0; i < k; i++) fits += t2n_op_sig_fits(&s[i], n);
  *out = s;
  *count = k;
  return fits ? 1 : 2;
}

int t2n_op_sig_fits(const t2n_op_sig *s, const t2n_node *n) {
  return s->vararg ? n->ninputs >= s->nargs : n->ninputs == s->nargs;
}

/* Iterates the overloads that apply to n: those that fit, or all. */
#define FOR_SIGS(n, s)                                                                         \
  const t2n_op_sig *s##_all;                                                                   \
  int s##_cnt, s##_mode = t2n_op_sigs(n, &s##_all, &s##_cnt);                                   \
  for (const t2n_op_sig *s = s##_all; s##_mode && s < s##_all + s##_cnt; s++)                  \
    if (s##_mode == 2 || t2n_op_sig_fits(s, n))

int t2n_type_is_mutable(const t2n_type *t) {
  if (!t) return 1;
  switch (t->kind) {
  case T2N_TY_SCALAR: {
    static const char *const immutable[] = {"int", "float", "bool", "str", "complex", "NoneType", "Device",
                                            "Scalar", "SymInt", "SymFloat", "SymBool", "ScalarType",
                                            "Layout", "MemoryFormat", "QScheme", "number", "Dimname", NULL};
    for (int i = 0; immutable[i]; i++)
      if (strcmp(t->name, immutable[i]) == 0) return 0;
    return 1;
  }
  case T2N_TY_OPTIONAL: return t->nelems < 1 || t2n_type_is_mutable(t->elems[0]);
  case T2N_TY_TUPLE:
    for (int i = 0; i < t->nelems; i++)
      if (t2n_type_is_mutable(t->elems[i])) return 1;
    return 0;
  default: return 1;
  }
}

/* The part of a write class that can apply to a value of type t. */
static unsigned fit_class(unsigned cls, const t2n_type *t) {
  if (!cls || !t) return cls;
  if (!t2n_type_is_mutable(t)) return 0;
  switch (t->kind) {
  case T2N_TY_TENSOR: return cls & (T2N_MUT_TENSOR | T2N_MUT_ANY);
  case T2N_TY_LIST: return cls & (T2N_MUT_LIST | T2N_MUT_ELEMS | T2N_MUT_ANY);
  case T2N_TY_DICT: return cls & (T2N_MUT_DICT | T2N_MUT_ANY);
  case T2N_TY_TUPLE: return cls & (T2N_MUT_ELEMS | T2N_MUT_ANY);
  case T2N_TY_OPTIONAL: return t->nelems ? fit_class(cls, t->elems[0]) : cls;
  default: return cls; /* Any, unions, classes, generics: could be anything */
  }
}

unsigned t2n_op_effects(const t2n_node *n) {
  unsigned e = 0;
  int known = 0;
  FOR_SIGS(n, s) {
    e |= s->effects;
    known = 1;
  }
  return known ? e : T2N_EFF_UNKNOWN;
}

unsigned t2n_op_mutates_input(const t2n_node *n, int i) {
  if (i < 0 || i >= n->ninputs) return 0;
  unsigned cls = 0;
  int known = 0;
  FOR_SIGS(n, s) {
    known = 1;
    for (int k = 0; k < s->nwrites; k++)
      if (s->writes[k].idx == i || s->writes[k].idx < 0) cls |= s->writes[k].cls;
  }
  if (!known) cls = T2N_MUT_ANY;
  return fit_class(cls, n->inputs[i]->type);
}

int t2n_op_reshapes(const t2n_node *n) {
  init();
  return n->op > 0 && n->op < T2N_OP_COUNT && reshapes[n->op];
}

int t2n_op_pure_form(int op, int *keeps_type) {
  for (size_t i = 0; i < sizeof pure_rows / sizeof pure_rows[0]; i++)
    if (pure_rows[i].op == op) {
      if (keeps_type) *keeps_type = pure_rows[i].keeps;
      return pure_rows[i].pure;
    }
  return T2N_OP_UNKNOWN;
}

int t2n_op_pure_keeps_type(int pure) {
  for (size_t i = 0; i < sizeof pure_rows / sizeof pure_rows[0]; i++)
    if (pure_rows[i].pure == pure) return pure_rows[i].keeps;
  return 0;
}

int t2n_op_reads_strides(const t2n_node *n) {
  init();
  return n->op <= 0 || n->op >= T2N_OP_COUNT || reads_strides[n->op];
}

int t2n_op_has_effects(const t2n_node *n) {
  unsigned e = t2n_op_effects(n);
  if (e & (T2N_EFF_SIDE | T2N_EFF_RAISE | T2N_EFF_STATE | T2N_EFF_CALL | T2N_EFF_UNKNOWN)) return 1;
  for (int i = 0; i < n->ninputs; i++)
    if (t2n_op_mutates_input(n, i)) return 1;
  for (int b = 0; b < n->nblocks; b++)
    for (const t2n_node *c = n->blocks[b]->first; c; c = c->next)
      if (t2n_op_has_effects(c)) return 1;
  return 0;
}

int t2n_op_output_aliases(const t2n_node *n, int out) {
  int known = 0;
  FOR_SIGS(n, s) {
    known = 1;
    if (s->alias_any) return T2N_OP_ALIAS_ANY;
    for (int k = 0; k < s->naliases; k++) {
      const t2n_op_alias *a = &s->aliases[k];
      if (a->kind == T2N_AL_SAME && (a->out == out || a->out < 0))
        return a->in < 0 ? T2N_OP_ALIAS_ANY : a->in < n->ninputs ? a->in : -1;
    }
  }
  return known ? -1 : T2N_OP_ALIAS_ANY;
}

int t2n_op_output_from_container(const t2n_node *n, int out) {
  int known = 0;
  FOR_SIGS(n, s) {
    known = 1;
    if (s->alias_any) return 1;
    for (int k = 0; k < s->naliases; k++)
      if (s->aliases[k].kind == T2N_AL_FROM_CONTAINER && (s->aliases[k].out == out || s->aliases[k].out < 0))
        return 1;
  }
  return !known;
}

int t2n_op_input_escapes(const t2n_node *n, int i) {
  int known = 0;
  FOR_SIGS(n, s) {
    known = 1;
    if (s->alias_any) return 1;
    for (int k = 0; k < s->naliases; k++)
      if (s->aliases[k].kind == T2N_AL_ESCAPES && (s->aliases[k].in == i || s->aliases[k].in < 0)) return 1;
  }
  return !known;
}
