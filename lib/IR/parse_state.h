/* State shared by the scanner (lexer.l) and the parser (parser.y). Nothing
 * here is global: each parse owns one t2n_pstate. */
#ifndef T2N_PARSE_STATE_H
#define T2N_PARSE_STATE_H

#include "t2n/diag.h"
#include "t2n/ir.h"

typedef struct t2n_loc {
  int first_line, first_column, last_line, last_column;
  size_t start, end; /* byte offsets into the input */
} t2n_loc;

typedef struct t2n_pstate {
  t2n_module *mod;
  t2n_diag *diag;
  const char *file;
  const char *buf;
  size_t len;
  /* scanner position */
  int line, col;
  size_t off;
  /* scanner scratch for raw attribute values */
  char *raw;
  size_t rawlen, rawcap;
  int depth;
  t2n_loc rawloc;
  /* parser context */
  t2n_graph *graph;             /* graph being read */
  t2n_block **blocks;           /* innermost block last */
  int nblocks, capblocks;
  t2n_node **nodes;             /* nodes whose blocks are being read */
  int nnodes, capnodes;
  t2n_graph **done;             /* graphs read so far, for `with` owners */
  int ndone, capdone;
  t2n_object **objs;            /* object tree being read */
  int nobjs, capobjs;
  t2n_graph **gstack;           /* enclosing graphs (a `with` graph nests) */
  int ngstack, capgstack;
  int with_base;                /* index in `done` of the current top graph */
  int in_with;                  /* the next graph is a `with` subgraph */
  t2n_class *cls;               /* class being read */
  int failed;
} t2n_pstate;

void t2n_parse_error(t2n_pstate *ps, const t2n_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
