/* Parser actions (builder.c): the grammar calls these to build the IR. */
#ifndef T2N_BUILDER_H
#define T2N_BUILDER_H

#include "parser.h"

enum { TARG_DIM, TARG_KEY, TARG_INTS, TARG_FIELD, TARG_TYPE };

int b_graph_begin(t2n_pstate *ps);
t2n_graph *b_graph_end(t2n_pstate *ps);
int b_with(t2n_pstate *ps, const t2n_loc *kind, t2n_graph *g);
/* `def` is a VALDEF, VALREF or VALDEFT token; ty is NULL for VALDEFT. */
int b_param(t2n_pstate *ps, const t2n_loc *def, const t2n_type *ty);
int b_params(t2n_pstate *ps, const t2n_loc *header);
int b_out(t2n_pstate *ps, const t2n_loc *def, const t2n_type *ty);
int b_ref(t2n_pstate *ps, const t2n_loc *valref);
int b_args(t2n_pstate *ps, const t2n_loc *args);
t2n_attrlist *b_attrs_add(t2n_pstate *ps, t2n_attrlist *l, const char *name, const char *raw);
void b_head(t2n_pstate *ps, const t2n_loc *kind, t2n_attrlist *attrs, const char *pyargs, int brackets);
void b_head_py(t2n_pstate *ps, const t2n_loc *loc, const char *pyop, t2n_attrlist *attrs,
               const char *pyargs);
int b_nodeline(t2n_pstate *ps, const t2n_loc *loc, t2n_attrlist *attrs, int with_attrs);
int b_node_begin(t2n_pstate *ps, const char *scope, const char *comment);
int b_block_begin(t2n_pstate *ps, const t2n_loc *loc);
void b_block_end(t2n_pstate *ps);
int b_no_args(t2n_pstate *ps, const t2n_loc *loc);
const t2n_type *b_untyped(t2n_pstate *ps);
int b_untyped_params(t2n_pstate *ps, const t2n_loc *args);

const t2n_type *b_type_leaf(t2n_pstate *ps, const char *name, size_t n, size_t off);
const t2n_type *b_type_text(t2n_pstate *ps, const char *s, size_t n, size_t off);
const t2n_type *b_type_list(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc);
const t2n_type *b_type_index(t2n_pstate *ps, const t2n_type *base, t2n_tylist *args, const t2n_loc *loc);
const t2n_type *b_type_optional(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc);
const t2n_type *b_type_call(t2n_pstate *ps, const char *name, t2n_targlist *args, const t2n_loc *loc);
const t2n_type *b_type_tuple(t2n_pstate *ps, t2n_tylist *elems, const t2n_loc *loc);
const t2n_type *b_type_angle(t2n_pstate *ps, const char *name, const char *inner, const t2n_loc *loc);
t2n_tylist *b_types_add(t2n_pstate *ps, t2n_tylist *l, const char *name, const t2n_type *ty);
t2n_targ *b_new_targ(t2n_pstate *ps, t2n_targ v);
t2n_targlist *b_targs_add(t2n_pstate *ps, t2n_targlist *l, const t2n_targ *a);
t2n_intlist *b_ints_add(t2n_pstate *ps, t2n_intlist *l, int64_t v);
const char *b_join3(t2n_pstate *ps, const char *a, const char *b, const char *c);

void b_dump_begin(t2n_pstate *ps, const char *qualname);
void b_dump_field(t2n_pstate *ps, int section, const char *name, const char *raw);
void b_dump_flush(t2n_pstate *ps);
int b_dump_cont(t2n_pstate *ps, int section, const char *line, const t2n_loc *loc);
void b_dump_method(t2n_pstate *ps, const char *name, t2n_graph *g);
void b_dump_end(t2n_pstate *ps);

int b_t2n_version(t2n_pstate *ps, const char *v, const t2n_loc *loc);
int b_t2n_weights(t2n_pstate *ps, const char *lit, const t2n_loc *loc);
int b_class_begin(t2n_pstate *ps, const char *name, const t2n_loc *loc);
void b_class_slot(t2n_pstate *ps, int kind, const char *name, const t2n_type *ty);
void b_class_method(t2n_pstate *ps, const char *name, t2n_graph *g);
int b_function(t2n_pstate *ps, const char *name, const t2n_loc *loc, t2n_graph *g);
void b_object_root(t2n_pstate *ps, const char *qualname);
void b_obj_field(t2n_pstate *ps, const char *name, const char *raw);
void b_obj_open(t2n_pstate *ps, const char *name, const char *qualname);
void b_obj_close(t2n_pstate *ps);

#endif
