/* State shared by the scanner (lexer.l) and the parser (parser.y). Nothing
 * here is global: each parse owns one t2n_pstate. */
#ifndef T2N_PARSE_STATE_H
#define T2N_PARSE_STATE_H

#include "t2n/diag.h"
#include "t2n/ir.h"

typedef struct t2n_loc {
  uint32_t start, end; /* byte offsets into the input (< 2 GiB); see t2n_pos */
} t2n_loc;

typedef struct t2n_pstate {
  t2n_module *mod;
  t2n_diag *diag;
  const char *file;
  const char *buf;
  size_t len;
  /* scanner position */
  size_t off;
  size_t line_off;              /* the last node's offset, and its line */
  int line;
  /* scanner scratch for raw attribute values */
  char *raw;
  size_t rawlen, rawcap;
  int depth;
  size_t dattr_indent;          /* column of a dump section's entries */
  t2n_loc rawloc;
  /* parser context */
  t2n_graph *graph;             /* graph being read */
  t2n_block **blocks;           /* innermost block last */
  int nblocks, capblocks;
  t2n_node *last_node;          /* owner of a block that follows */
  t2n_graph **done;             /* graphs read so far, for `with` owners */
  int ndone, capdone;
  t2n_object **objs;            /* object tree being read */
  int nobjs, capobjs;
  t2n_graph **gstack;           /* enclosing graphs (a `with` graph nests) */
  int ngstack, capgstack;
  int with_base;                /* index in `done` of the current top graph */
  int in_with;                  /* the next graph is a `with` subgraph */
  int dfa_only;                 /* T2N_LEX_DFA_ONLY set: no hand-matched tokens (lexer.l) */
  /* the node being read: its outputs, head, value list and trailing text;
   * each list is used up by the node, block or graph that follows */
  struct t2n_out { const char *name; size_t len; const t2n_type *type; size_t off; } *outs;
  int nouts, capouts;
  t2n_value **args;             /* inputs, or the returns of a block or graph */
  int nargs, capargs;
  const char *hkind;            /* interned kind */
  int hop;                      /* its op id */
  size_t hoff;                  /* where the kind starts: the node's line */
  struct t2n_attrlist *hattrs;
  const char *hpyargs;
  int hbrackets;                /* "[]" printed even when empty */
  t2n_class *cls;               /* class being read */
  t2n_field *cont_field;        /* dump field whose value continues */
  char *cont;                   /* its text so far */
  size_t contlen, contcap;
  int failed;
} t2n_pstate;

/* 1-based line and column of byte offset `off`. */
void t2n_pos(t2n_pstate *ps, size_t off, int *line, int *col);
void t2n_parse_error(t2n_pstate *ps, const t2n_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
