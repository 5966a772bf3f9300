/* Parser actions: build graphs, types and module structure while parsing. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "t2n/alloc.h"
#include "internal.h"
#include "t2n/limits.h"
#include "t2n/ops.h"

#define PUSH(ps, arr, n, cap, x)                                                   \
  do {                                                                             \
    if ((n) == (cap)) {                                                            \
      int nc_ = (cap) ? (cap) * 2 : 8;                                             \
      (arr) = t2n_arena_grow((ps)->mod->arena, (arr), sizeof *(arr) * (size_t)(cap), \
                             sizeof *(arr) * (size_t)nc_);                         \
      (cap) = nc_;                                                                 \
    }                                                                              \
    (arr)[(n)++] = (x);                                                            \
  } while (0)

/* Appends to an array that has a length but no capacity field (module
 * structure lists): the capacity is implicit, the next power of two (at
 * least 4) above the length, so appending stays linear even when other
 * allocations come between (a dump section of thousands of entries). */
#define APPEND1(ps, arr, n, x)                                                     \
  do {                                                                             \
    if ((n) == 0 || ((n) >= 4 && ((n) & ((n) - 1)) == 0))                          \
      (arr) = t2n_arena_grow((ps)->mod->arena, (arr), sizeof *(arr) * (size_t)(n), \
                             sizeof *(arr) * (size_t)((n) ? 2 * (n) : 4));         \
    (arr)[(n)++] = (x);                                                            \
  } while (0)

static void *alloc(t2n_pstate *ps, size_t n) { return t2n_arena_bump(ps->mod->arena, n); }

/* Newlines in [p, e), eight bytes at a time: a node's line is the count
 * since the previous node's, which is cheaper than a memchr call per line. */
static int count_newlines(const char *p, const char *e) {
  const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
  int n = 0;
  while (e - p >= 8) {
    /* Per-byte counts (0/1 flags summed in each byte) for up to 255 words,
     * then the eight bytes are added up in 16-bit lanes. */
    uint64_t acc = 0;
    for (int k = 0; k < 255 && e - p >= 8; k++, p += 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      w ^= ones * '\n'; /* a newline becomes a zero byte */
      uint64_t t = ((w & low7) + low7) | w; /* high bit clear exactly in zero bytes */
      acc += (~t & ~low7) >> 7;
    }
    acc = (acc & 0x00ff00ff00ff00ffull) + ((acc >> 8) & 0x00ff00ff00ff00ffull); /* 16-bit lanes */
    n += (int)((acc * 0x0001000100010001ull) >> 48);
  }
  for (; p < e; p++) n += *p == '\n';
  return n;
}

/* Line and column of a byte offset, for the one error a parse reports. */
void t2n_pos(t2n_pstate *ps, size_t off, int *line, int *col) {
  if (off > ps->len) off = ps->len;
  size_t start = off;
  while (start > 0 && ps->buf[start - 1] != '\n') start--;
  *line = 1 + count_newlines(ps->buf, ps->buf + start);
  *col = (int)(off - start) + 1;
}

void t2n_parse_error(t2n_pstate *ps, const t2n_loc *loc, const char *fmt, ...) {
  if (ps->failed) return; /* the first error is the one worth reading */
  ps->failed = 1;
  t2n_srcloc l = {ps->file, ps->buf, ps->len, 0, 0};
  if (loc) t2n_pos(ps, loc->start, &l.line, &l.col);
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(ps->diag, T2N_ERROR, &l, fmt, ap);
  va_end(ap);
}

static t2n_block *cur_block(t2n_pstate *ps) { return ps->blocks[ps->nblocks - 1]; }

/* ---- graphs ---- */
int t2n_build_graph_begin(t2n_pstate *ps) {
  if (ps->graph) PUSH(ps, ps->gstack, ps->ngstack, ps->capgstack, ps->graph);
  else if (!ps->in_with) ps->with_base = ps->ndone;
  ps->in_with = 0;
  t2n_graph *g = t2n_graph_new(ps->mod);
  ps->graph = g;
  ps->last_node = NULL;
  PUSH(ps, ps->blocks, ps->nblocks, ps->capblocks, g->top);
  return 1;
}

t2n_graph *t2n_build_graph_end(t2n_pstate *ps) {
  t2n_graph *g = ps->graph;
  for (int i = 0; i < ps->nargs; i++) t2n_node_add_input(g->top->ret, ps->args[i]);
  ps->nblocks--;
  ps->graph = ps->ngstack ? ps->gstack[--ps->ngstack] : NULL;
  PUSH(ps, ps->done, ps->ndone, ps->capdone, g);
  return g;
}

static t2n_node *find_unmatched(t2n_block *b, const char *kind) {
  for (t2n_node *n = b->first; n; n = n->next) {
    if (!n->subgraph && strcmp(n->kind, kind) == 0) return n;
    for (int i = 0; i < n->nblocks; i++) {
      t2n_node *r = find_unmatched(n->blocks[i], kind);
      if (r) return r;
    }
  }
  return NULL;
}

/* `with K_i = graph`: the owner is the most recently read graph of this
 * family that still has an unmatched node spelled K_i, so nested subgraphs
 * (printed right after their parent subgraph) find the right owner. */
int t2n_build_with(t2n_pstate *ps, const t2n_loc *loc, t2n_graph *g) {
  const char *kind = t2n_intern_n(ps->mod, ps->buf + loc->start, loc->end - loc->start);
  const char *us = strrchr(kind, '_');
  if (!us || !us[1] || strspn(us + 1, "0123456789") != strlen(us + 1)) {
    t2n_parse_error(ps, loc, "subgraph name '%s' does not end in _N", kind);
    return 0;
  }
  for (int i = ps->ndone - 2; i >= ps->with_base; i--) {
    t2n_node *n = find_unmatched(ps->done[i]->top, kind);
    if (n) {
      n->subgraph = g;
      t2n_node_set_kind(n, t2n_intern_n(ps->mod, kind, (size_t)(us - kind)));
      return 1;
    }
  }
  t2n_parse_error(ps, loc, "no node '%s' takes this subgraph", kind);
  return 0;
}

/* The first c in [p, e), or NULL: for the short runs inside one token, where
 * a loop beats a call to memchr. */
static const char *find_char(const char *p, const char *e, char c) {
  for (; p < e; p++)
    if (*p == c) return p;
  return NULL;
}

/* The " : " between a value's name and its type. Names hold no ':' other
 * than in "::", but may hold spaces. */
static const char *find_colon_sep(const char *p, const char *e) {
  for (; e - p >= 3; p++)
    if (p[0] == ' ' && p[1] == ':' && p[2] == ' ') return p;
  return NULL;
}

/* A definition token is "%name" (VALDEF, VALREF) or "%name : Type" (VALDEFT,
 * whose type is a plain name with [] and ? suffixes): splits it, and reads
 * the type in the second case. */
static int split_def(t2n_pstate *ps, const t2n_loc *loc, const char **name, size_t *len,
                     const t2n_type **ty) {
  const char *p = ps->buf + loc->start + 1, *e = ps->buf + loc->end;
  const char *sp = find_colon_sep(p, e);
  *name = p;
  *len = (size_t)((sp ? sp : e) - p);
  if (sp) *ty = t2n_build_type_text(ps, sp + 3, (size_t)(e - sp - 3), (size_t)(sp + 3 - ps->buf));
  return *ty != NULL;
}

int t2n_build_param(t2n_pstate *ps, const t2n_loc *loc, const t2n_type *ty) {
  const char *name;
  size_t len;
  if (!split_def(ps, loc, &name, &len, &ty)) return 0;
  if (!t2n_block_add_param_n(cur_block(ps), name, len, ty)) {
    t2n_parse_error(ps, loc, "redefinition of value '%%%.*s'", (int)len, name);
    return 0;
  }
  return 1;
}

/* A GRAPHP or BLOCKP token: "graph(%a : T,\n      %b : U):" or
 * "block0(%a : T, %b : U):"; each parameter is "%name : Type" up to the next
 * ',' or ')', which neither names nor plain types contain. */
int t2n_build_params(t2n_pstate *ps, const t2n_loc *loc) {
  const char *p = find_char(ps->buf + loc->start, ps->buf + loc->end, '(') + 1;
  const char *e = ps->buf + loc->end - 2;
  while (p < e) {
    const char *q = p;
    while (*q != ',' && *q != ')') q++;
    t2n_loc def = {(size_t)(p - ps->buf), (size_t)(q - ps->buf)};
    if (!t2n_build_param(ps, &def, NULL)) return 0;
    p = q + 1;
    while (p < e && *p != '%') p++;
  }
  return 1;
}

int t2n_build_out(t2n_pstate *ps, const t2n_loc *loc, const t2n_type *ty) {
  struct t2n_out o;
  if (!split_def(ps, loc, &o.name, &o.len, &ty)) return 0;
  o.type = ty;
  o.off = loc->start;
  T2N_GROW(ps->outs, ps->capouts, ps->nouts + 1);
  ps->outs[ps->nouts++] = o;
  return 1;
}

static int push_ref(t2n_pstate *ps, const char *name, size_t len, size_t off) {
  t2n_value *v = t2n_names_get(ps->graph->names, name, len);
  if (!v) {
    t2n_loc loc = {off, off + len + 1};
    t2n_parse_error(ps, &loc, "use of undefined value '%%%.*s'", (int)len, name);
    return 0;
  }
  T2N_GROW(ps->args, ps->capargs, ps->nargs + 1);
  ps->args[ps->nargs++] = v;
  return 1;
}

int t2n_build_ref(t2n_pstate *ps, const t2n_loc *loc) {
  return push_ref(ps, ps->buf + loc->start + 1, loc->end - loc->start - 1, loc->start);
}

/* An ARGS token: "(%a, %b, %c)". Value names never hold ',', ')' or spaces. */
/* Calls fn on each "%name" of an ARGS token, "(%a, %b)"; stops at a failure. */
static int each_in_list(t2n_pstate *ps, const t2n_loc *list,
                        int (*fn)(t2n_pstate *ps, const t2n_loc *name)) {
  const char *p = ps->buf + list->start + 1, *e = ps->buf + list->end - 1;
  while (p < e) {
    const char *q = p + 1;
    while (q < e && *q != ',') q++;
    t2n_loc name = {(size_t)(p - ps->buf), (size_t)(q - ps->buf)};
    if (!fn(ps, &name)) return 0;
    p = q + 2;
  }
  return 1;
}

int t2n_build_args(t2n_pstate *ps, const t2n_loc *loc) {
  ps->nargs = 0;
  return each_in_list(ps, loc, t2n_build_ref);
}

t2n_attrlist *t2n_build_attrs_add(t2n_pstate *ps, t2n_attrlist *l, const char *name, const char *raw) {
  if (!l) l = alloc(ps, sizeof *l);
  if (name) {
    t2n_attr a = {0};
    a.name = t2n_intern(ps->mod, name);
    a.raw = raw;
    t2n_attr_classify(ps->mod, &a);
    PUSH(ps, l->v, l->n, l->cap, a);
  }
  return l;
}

void t2n_build_head(t2n_pstate *ps, const t2n_loc *kind, t2n_attrlist *attrs, const char *pyargs,
            int brackets) {
  ps->hoff = kind->start;
  ps->hkind = t2n_intern_kind(ps->mod, ps->buf + kind->start, kind->end - kind->start, &ps->hop);
  ps->hattrs = attrs;
  ps->hpyargs = pyargs;
  ps->hbrackets = brackets;
}

void t2n_build_head_py(t2n_pstate *ps, const t2n_loc *loc, const char *pyop, t2n_attrlist *attrs,
               const char *pyargs) {
  ps->hoff = loc->start;
  ps->hkind = t2n_intern_kind(ps->mod, pyop, strlen(pyop), &ps->hop);
  ps->hattrs = attrs;
  ps->hpyargs = pyargs;
  ps->hbrackets = attrs != NULL;
}

/* A NODELINE token, "%out : Type = ns::kind(%a, %b)", or a NODELINE_A
 * token, "%out : Type = ns::kind" whose attributes and inputs the grammar
 * has read: split at the fixed separators and handled like the pieces. */
int t2n_build_nodeline(t2n_pstate *ps, const t2n_loc *loc, t2n_attrlist *attrs, int with_attrs) {
  const char *s = ps->buf + loc->start, *e = ps->buf + loc->end;
  const char *ty = find_colon_sep(s, e) + 3;
  const char *eq = find_char(ty, e, '=');
  const char *kind = eq + 2;
  const char *paren = with_attrs ? e : find_char(kind, e, '(');
  t2n_loc def = {loc->start, (size_t)(eq - 1 - ps->buf)};
  t2n_loc k = {(size_t)(kind - ps->buf), (size_t)(paren - ps->buf)};
  if (!t2n_build_out(ps, &def, NULL)) return 0;
  t2n_build_head(ps, &k, attrs, NULL, with_attrs);
  if (with_attrs) return 1;
  t2n_loc args = {k.end, loc->end};
  return t2n_build_args(ps, &args);
}

/* A NODELINE_T token, "%out : T(...) = ns::kind(%a, %b)", whose type `ty`
 * the scanner found by its spelling: the type ends at its first ')'. */
int t2n_build_nodeline_typed(t2n_pstate *ps, const t2n_loc *loc, const t2n_type *ty) {
  const char *s = ps->buf + loc->start, *e = ps->buf + loc->end;
  const char *colon = find_colon_sep(s, e);
  const char *kind = find_char(colon + 3, e, ')') + 4; /* past ") = " */
  const char *paren = find_char(kind, e, '(');
  t2n_loc def = {loc->start, (size_t)(colon - ps->buf)};
  t2n_loc k = {(size_t)(kind - ps->buf), (size_t)(paren - ps->buf)};
  if (!t2n_build_out(ps, &def, ty)) return 0;
  t2n_build_head(ps, &k, NULL, NULL, 0);
  t2n_loc args = {k.end, loc->end};
  return t2n_build_args(ps, &args);
}

int t2n_build_node_begin(t2n_pstate *ps, const char *scope, const char *comment) {
  t2n_graph *g = ps->graph;
  int nout = ps->nouts;
  ps->nouts = 0;
  t2n_node *n = t2n_node_create(g, ps->hkind, ps->hop, ps->nargs, ps->args, nout);
  t2n_node_append(n, cur_block(ps));
  for (int i = 0; i < nout; i++) {
    const struct t2n_out *o = &ps->outs[i];
    if (!t2n_node_set_output_n(n, i, o->name, o->len, o->type)) {
      t2n_loc l = {o->off, o->off + o->len + 1};
      t2n_parse_error(ps, &l, "redefinition of value '%%%.*s'", (int)o->len, o->name);
      return 0;
    }
  }
  if (ps->hattrs) {
    n->attrs = ps->hattrs->v;
    n->nattrs = ps->hattrs->n;
  }
  n->has_attr_brackets = ps->hbrackets;
  n->pyop_args = ps->hpyargs;
  n->scope = scope;
  n->source = comment;
  ps->line += count_newlines(ps->buf + ps->line_off, ps->buf + ps->hoff);
  ps->line_off = ps->hoff;
  n->line = ps->line;
  ps->last_node = n;
  return 1;
}

/* A block belongs to the node printed before it at the same level. */
int t2n_build_block_begin(t2n_pstate *ps, const t2n_loc *loc) {
  if (!ps->last_node) {
    t2n_parse_error(ps, loc, "block without a node to belong to");
    return 0;
  }
  if (ps->nblocks > T2N_MAX_NESTING) { /* the graph's own block is not nested */
    t2n_parse_error(ps, loc, "blocks nested more than %d deep (the limit T2N_MAX_NESTING)", T2N_MAX_NESTING);
    return 0;
  }
  t2n_block *b = t2n_node_add_block(ps->last_node);
  PUSH(ps, ps->blocks, ps->nblocks, ps->capblocks, b);
  ps->last_node = NULL;
  return 1;
}

void t2n_build_block_end(t2n_pstate *ps) {
  t2n_block *b = cur_block(ps);
  for (int i = 0; i < ps->nargs; i++) t2n_node_add_input(b->ret, ps->args[i]);
  ps->nblocks--;
  ps->last_node = b->owner;
}

/* Values printed without types (torch's type verbosity set to none) get the
 * untyped type, spelled "" and printed as nothing. */
const t2n_type *t2n_build_untyped(t2n_pstate *ps) {
  (void)ps;
  return t2n_type_builtin("", 0);
}

/* "(%a, %b):" after graph or blockN: parameters without types. */
static int untyped_param(t2n_pstate *ps, const t2n_loc *name) {
  return t2n_build_param(ps, name, t2n_build_untyped(ps));
}

int t2n_build_untyped_params(t2n_pstate *ps, const t2n_loc *loc) { return each_in_list(ps, loc, untyped_param); }

/* "()" reads as an empty value list; where a value list cannot stand, only
 * the empty one is accepted. */
int t2n_build_no_args(t2n_pstate *ps, const t2n_loc *loc) {
  if (loc->end - loc->start == 2) return 1;
  t2n_parse_error(ps, loc, "expected '(' and a parameter or type, not a value list");
  return 0;
}

/* ---- types ---- */
static t2n_type proto(t2n_type_kind k, const char *name) {
  t2n_type t = {0};
  t.kind = k;
  t.name = name;
  t.dtype = T2N_DT_UNKNOWN;
  t.rank = -1;
  t.requires_grad = -1;
  return t;
}

static const t2n_type *intern_at(t2n_pstate *ps, const t2n_loc *loc, const t2n_type *p) {
  return t2n_type_intern(ps->mod, ps->buf + loc->start, loc->end - loc->start, p);
}

static const t2n_type **elems1(t2n_pstate *ps, const t2n_type *e) {
  const t2n_type **v = alloc(ps, sizeof *v);
  v[0] = e;
  return v;
}

/* A type named by one word: a scalar, a tensor or a qualified class name. */
const t2n_type *t2n_build_type_leaf(t2n_pstate *ps, const char *name, size_t n, size_t off) {
  const t2n_type *t = t2n_type_lookup(ps->mod, name, n);
  if (t) return t;
  t2n_type p;
  /* Qualified names are classes; legacy "...Tensor" names are accepted as torch
   * prints them. */
  if (!t2n_type_classify(name, n, &p) && !memchr(name, '.', n) &&
      !(n > 6 && memcmp(name + n - 6, "Tensor", 6) == 0)) {
    t2n_loc loc = {off, off + n};
    t2n_parse_error(ps, &loc, "unknown type '%.*s'", (int)n, name);
    return NULL;
  }
  p.name = name;
  return t2n_type_intern(ps->mod, name, n, &p);
}

/* A word with "[]" and "?" suffixes, as in a VALDEFT token ("int[]?"). */
const t2n_type *t2n_build_type_text(t2n_pstate *ps, const char *s, size_t n, size_t off) {
  const t2n_type *t = t2n_type_lookup(ps->mod, s, n);
  if (t) return t;
  int opt = n > 1 && s[n - 1] == '?';
  int list = !opt && n > 2 && s[n - 1] == ']' && s[n - 2] == '[';
  if (!opt && !list) return t2n_build_type_leaf(ps, s, n, off);
  const t2n_type *e = t2n_build_type_text(ps, s, n - (opt ? 1 : 2), off);
  if (!e) return NULL;
  t2n_type p = proto(opt ? T2N_TY_OPTIONAL : T2N_TY_LIST, NULL);
  p.nelems = 1;
  p.elems = elems1(ps, e);
  return t2n_type_intern(ps->mod, s, n, &p);
}

const t2n_type *t2n_build_type_list(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc) {
  t2n_type p = proto(T2N_TY_LIST, NULL);
  p.nelems = 1;
  p.elems = elems1(ps, elem);
  return intern_at(ps, loc, &p);
}

const t2n_type *t2n_build_type_optional(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc) {
  t2n_type p = proto(T2N_TY_OPTIONAL, NULL);
  p.nelems = 1;
  p.elems = elems1(ps, elem);
  return intern_at(ps, loc, &p);
}

const t2n_type *t2n_build_type_index(t2n_pstate *ps, const t2n_type *base, t2n_tylist *args,
                             const t2n_loc *loc) {
  if (base->kind == T2N_TY_TENSOR && args->n == 1 && t2n_type_is(args->v[0], "Undefined")) {
    t2n_type p = *base;
    p.undefined = 1;
    return intern_at(ps, loc, &p);
  }
  if (base->name && (strcmp(base->name, "Future") == 0 || strcmp(base->name, "RRef") == 0)) {
    t2n_type p = proto(T2N_TY_GENERIC, base->name);
    p.nelems = args->n;
    p.elems = args->v;
    return intern_at(ps, loc, &p);
  }
  t2n_parse_error(ps, loc, "type '%s' takes no [arguments]", base->text);
  return NULL;
}

const t2n_type *t2n_build_type_tuple(t2n_pstate *ps, t2n_tylist *elems, const t2n_loc *loc) {
  t2n_type p = proto(T2N_TY_TUPLE, NULL);
  if (elems) {
    p.nelems = elems->n;
    p.elems = elems->v;
  }
  return intern_at(ps, loc, &p);
}

const t2n_type *t2n_build_type_angle(t2n_pstate *ps, const char *name, const char *inner,
                             const t2n_loc *loc) {
  t2n_type p = proto(T2N_TY_GENERIC, name);
  p.nelems = 1;
  p.elems = elems1(ps, t2n_type_get(ps->mod, inner));
  return intern_at(ps, loc, &p);
}

/* A symbolic dimension, SS(-2), as torch prints shapes with symbolic sizes:
 * read as an unknown size (the spelling keeps the text). */
static int is_symbolic_dim(const t2n_targ *a) {
  if (a->kind != T2N_TARG_TYPE) return 0;
  const t2n_type *t = a->type;
  return t->kind == T2N_TY_GENERIC && t->name && strcmp(t->name, "SS") == 0;
}

static int tensor_args(t2n_pstate *ps, t2n_type *p, t2n_targlist *args, const t2n_loc *loc) {
  int ndims = 0;
  for (int i = 0; args && i < args->n; i++) {
    if (is_symbolic_dim(&args->v[i])) {
      args->v[i].kind = T2N_TARG_DIM;
      args->v[i].dim = -1;
    }
    if (args->v[i].kind == T2N_TARG_DIM) ndims++;
  }
  int64_t *sizes = alloc(ps, sizeof(int64_t) * (size_t)(ndims + 1));
  int k = 0;
  int64_t count = 1;
  p->rank = ndims;
  for (int i = 0; args && i < args->n; i++) {
    t2n_targ *a = &args->v[i];
    switch (a->kind) {
    case T2N_TARG_DIM:
      /* strtoll saturates: a size that does not fit int64 reads as the max. */
      if (a->dim == INT64_MAX || (a->dim > 0 && count > INT64_MAX / a->dim)) {
        t2n_parse_error(ps, loc, "tensor type's element count overflows int64");
        return 0;
      }
      if (a->dim > 0) count *= a->dim;
      sizes[k++] = a->dim;
      break;
    case T2N_TARG_INTS:
      if (strcmp(a->key, "strides") != 0) goto bad;
      {
        int64_t *st = alloc(ps, sizeof(int64_t) * (size_t)(a->nints + 1));
        memcpy(st, a->ints, sizeof(int64_t) * (size_t)a->nints);
        p->strides = st;
        if (a->nints != ndims) {
          t2n_parse_error(ps, loc, "tensor type has %d sizes but %d strides", ndims, a->nints);
          return 0;
        }
      }
      break;
    case T2N_TARG_KEY:
      if (strcmp(a->key, "requires_grad") == 0) p->requires_grad = atoi(a->sval);
      else if (strcmp(a->key, "device") == 0) p->device = a->sval;
      else goto bad;
      break;
    default:
    bad:
      t2n_parse_error(ps, loc, "unexpected argument '%s' in tensor type", a->key ? a->key : "?");
      return 0;
    }
  }
  p->sizes = sizes;
  return 1;
}

const t2n_type *t2n_build_type_call(t2n_pstate *ps, const char *name, t2n_targlist *args,
                            const t2n_loc *loc) {
  t2n_dtype dt = t2n_dtype_from_name(name);
  size_t nl = strlen(name);
  if (dt < 0 && nl > 6 && strcmp(name + nl - 6, "Tensor") == 0) { /* FloatTensor(...) */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(nl - 6), name);
    dt = t2n_dtype_from_name(tmp);
  }
  if (dt >= 0 || strcmp(name, "Tensor") == 0) {
    t2n_type p = proto(T2N_TY_TENSOR, "Tensor");
    p.dtype = dt;
    if (!tensor_args(ps, &p, args, loc)) return NULL;
    return intern_at(ps, loc, &p);
  }
  int nf = 0, nt = 0, n = args ? args->n : 0;
  if (strcmp(name, "SS") == 0) { /* a symbolic size inside a tensor type */
    if (!(n == 1 && args->v[0].kind == T2N_TARG_DIM)) {
      t2n_parse_error(ps, loc, "SS takes one integer");
      return NULL;
    }
    t2n_type p = proto(T2N_TY_GENERIC, name);
    return intern_at(ps, loc, &p);
  }
  for (int i = 0; i < n; i++) {
    if (args->v[i].kind == T2N_TARG_FIELD) nf++;
    else if (args->v[i].kind == T2N_TARG_TYPE) nt++;
  }
  if (nf + nt != n || (nf && nt)) {
    t2n_parse_error(ps, loc, "bad arguments for type '%s'", name);
    return NULL;
  }
  t2n_type_kind k = T2N_TY_GENERIC;
  if (strcmp(name, "Dict") == 0) {
    if (nt != 2) {
      t2n_parse_error(ps, loc, "Dict takes two types");
      return NULL;
    }
    k = T2N_TY_DICT;
  } else if (strcmp(name, "Union") == 0) {
    k = T2N_TY_UNION;

  } else if (strcmp(name, "NamedTuple") != 0 && strcmp(name, "Await") != 0 && !strchr(name, '.')) {
    t2n_parse_error(ps, loc, "unknown type '%s'", name);
    return NULL;
  }
  t2n_type p = proto(k, name);
  p.nelems = n;
  p.elems = alloc(ps, sizeof *p.elems * (size_t)(n + 1));
  if (nf) p.field_names = alloc(ps, sizeof *p.field_names * (size_t)(n + 1));
  for (int i = 0; i < n; i++) {
    p.elems[i] = args->v[i].type;
    if (nf) p.field_names[i] = args->v[i].key;
  }
  return intern_at(ps, loc, &p);
}

t2n_tylist *t2n_build_types_add(t2n_pstate *ps, t2n_tylist *l, const char *name, const t2n_type *ty) {
  if (!l) l = alloc(ps, sizeof *l);
  PUSH(ps, l->v, l->n, l->cap, ty);
  (void)name;
  return l;
}

t2n_targ *t2n_build_new_targ(t2n_pstate *ps, t2n_targ v) {
  t2n_targ *p = alloc(ps, sizeof *p);
  *p = v;
  return p;
}

t2n_targlist *t2n_build_targs_add(t2n_pstate *ps, t2n_targlist *l, const t2n_targ *a) {
  if (!l) l = alloc(ps, sizeof *l);
  PUSH(ps, l->v, l->n, l->cap, *a);
  return l;
}

t2n_intlist *t2n_build_ints_add(t2n_pstate *ps, t2n_intlist *l, int64_t v) {
  if (!l) l = alloc(ps, sizeof *l);
  PUSH(ps, l->v, l->n, l->cap, v);
  return l;
}

const char *t2n_build_join3(t2n_pstate *ps, const char *a, const char *b, const char *c) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  char *s = alloc(ps, la + lb + lc + 1);
  memcpy(s, a, la);
  memcpy(s + la, b, lb);
  memcpy(s + la + lb, c, lc);
  return s;
}

/* ---- module dumps and the object tree ---- */
static t2n_object *new_object(t2n_pstate *ps, const char *qualname) {
  t2n_object *o = alloc(ps, sizeof *o);
  o->qualname = t2n_intern(ps->mod, qualname);
  return o;
}

static t2n_field field(const char *name, const char *raw, t2n_object *obj) {
  t2n_field f = {name, raw, obj};
  return f;
}

void t2n_build_dump_begin(t2n_pstate *ps, const char *qualname) {
  t2n_object *o = new_object(ps, qualname);
  if (ps->nobjs) {
    t2n_object *p = ps->objs[ps->nobjs - 1];
    APPEND1(ps, p->subs, p->nsubs, o);
  } else {
    ps->mod->root = o;
  }
  PUSH(ps, ps->objs, ps->nobjs, ps->capobjs, o);
}

static void cont_add(t2n_pstate *ps, const char *s, size_t n) {
  if (ps->contlen + n + 1 > ps->contcap) {
    ps->contcap = (ps->contlen + n + 1) * 2;
    ps->cont = t2n_xrealloc(ps->cont, ps->contcap);
  }
  memcpy(ps->cont + ps->contlen, s, n);
  ps->contlen += n;
}

void t2n_build_dump_field(t2n_pstate *ps, int section, const char *name, const char *raw) {
  t2n_build_dump_flush(ps);
  t2n_object *o = ps->objs[ps->nobjs - 1];
  if (section == 0) APPEND1(ps, o->params, o->nparams, field(name, raw, NULL));
  else APPEND1(ps, o->fields, o->nfields, field(name, raw, NULL));
}

/* Continuation lines are gathered in a scratch buffer and copied into the
 * field once the value ends (joining per line would be quadratic on the
 * megabyte-long tensor values torch prints for lists of tensors). */
int t2n_build_dump_cont(t2n_pstate *ps, int section, const char *line, const t2n_loc *loc) {
  t2n_object *o = ps->objs[ps->nobjs - 1];
  t2n_field *f = section == 0 ? (o->nparams ? &o->params[o->nparams - 1] : NULL)
                              : (o->nfields ? &o->fields[o->nfields - 1] : NULL);
  if (!f) {
    /* Nothing to continue: an entry whose name starts with spaces. */
    const char *eq = strstr(line, " = ");
    if (strspn(line, " ") >= ps->dattr_indent && eq && eq >= line + ps->dattr_indent) {
      const char *name = line + ps->dattr_indent;
      t2n_build_dump_field(ps, section, t2n_arena_strndup(ps->mod->arena, name, (size_t)(eq - name)),
                   eq + 3);
      return 1;
    }
    t2n_parse_error(ps, loc, "expected 'name = value' in a module dump section");
    return 0;
  }
  if (ps->cont_field != f) {
    t2n_build_dump_flush(ps);
    ps->cont_field = f;
    ps->contlen = 0;
    cont_add(ps, f->raw, strlen(f->raw));
  }
  cont_add(ps, "\n", 1);
  cont_add(ps, line, strlen(line));
  return 1;
}

void t2n_build_dump_flush(t2n_pstate *ps) {
  if (!ps->cont_field) return;
  ps->cont_field->raw = t2n_arena_strndup(ps->mod->arena, ps->cont, ps->contlen);
  ps->cont_field = NULL;
}

void t2n_build_dump_method(t2n_pstate *ps, const char *name, t2n_graph *g) {
  t2n_object *o = ps->objs[ps->nobjs - 1];
  t2n_method m = {t2n_intern(ps->mod, name), g};
  APPEND1(ps, o->methods, o->nmethods, m);
}

void t2n_build_dump_end(t2n_pstate *ps) { ps->nobjs--; }

int t2n_build_t2n_version(t2n_pstate *ps, const char *v, const t2n_loc *loc) {
  if (strcmp(v, "1") != 0) {
    t2n_parse_error(ps, loc, "unsupported t2n module text version %s (this t2n reads version 1)", v);
    return 0;
  }
  ps->mod->version = 1;
  return 1;
}

int t2n_build_t2n_weights(t2n_pstate *ps, const char *lit, const t2n_loc *loc) {
  const char *s;
  size_t n;
  if (!t2n_unescape_string(ps->mod, lit, &s, &n)) {
    t2n_parse_error(ps, loc, "bad string literal");
    return 0;
  }
  ps->mod->weights = s;
  return 1;
}

int t2n_build_class_begin(t2n_pstate *ps, const char *name, const t2n_loc *loc) {
  if (t2n_module_class(ps->mod, name)) {
    t2n_parse_error(ps, loc, "redefinition of class '%s'", name);
    return 0;
  }
  t2n_class *c = alloc(ps, sizeof *c);
  c->name = t2n_intern(ps->mod, name);
  APPEND1(ps, ps->mod->classes, ps->mod->nclasses, c);
  ps->cls = c;
  return 1;
}

void t2n_build_class_slot(t2n_pstate *ps, int kind, const char *name, const t2n_type *ty) {
  t2n_class *c = ps->cls;
  t2n_slot s = {t2n_intern(ps->mod, name), ty, (t2n_slot_kind)kind};
  APPEND1(ps, c->slots, c->nslots, s);
}

void t2n_build_class_method(t2n_pstate *ps, const char *name, t2n_graph *g) {
  t2n_class *c = ps->cls;
  t2n_method m = {t2n_intern(ps->mod, name), g};
  APPEND1(ps, c->methods, c->nmethods, m);
}

int t2n_build_function(t2n_pstate *ps, const char *name, const t2n_loc *loc, t2n_graph *g) {
  if (t2n_module_function(ps->mod, name)) {
    t2n_parse_error(ps, loc, "redefinition of function '%s'", name);
    return 0;
  }
  t2n_function *f = alloc(ps, sizeof *f);
  f->name = t2n_intern(ps->mod, name);
  f->graph = g;
  APPEND1(ps, ps->mod->functions, ps->mod->nfunctions, f);
  return 1;
}

void t2n_build_object_root(t2n_pstate *ps, const char *qualname) {
  t2n_object *o = new_object(ps, qualname);
  ps->mod->root = o;
  PUSH(ps, ps->objs, ps->nobjs, ps->capobjs, o);
}

void t2n_build_obj_field(t2n_pstate *ps, const char *name, const char *raw) {
  t2n_object *o = ps->objs[ps->nobjs - 1];
  APPEND1(ps, o->fields, o->nfields, field(name, raw, NULL));
}

void t2n_build_obj_open(t2n_pstate *ps, const char *name, const char *qualname) {
  t2n_object *o = ps->objs[ps->nobjs - 1];
  t2n_object *c = new_object(ps, qualname);
  APPEND1(ps, o->fields, o->nfields, field(name, NULL, c));
  PUSH(ps, ps->objs, ps->nobjs, ps->capobjs, c);
}

void t2n_build_obj_close(t2n_pstate *ps) { ps->nobjs--; }
