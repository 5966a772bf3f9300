/* Parser actions (builder.c): the grammar calls these to build the IR. */
#ifndef T2N_BUILDER_H
#define T2N_BUILDER_H

#include "parser.h"

enum { T2N_TARG_DIM, T2N_TARG_KEY, T2N_TARG_INTS, T2N_TARG_FIELD, T2N_TARG_TYPE };

int t2n_build_graph_begin(t2n_pstate *ps);
t2n_graph *t2n_build_graph_end(t2n_pstate *ps);
int t2n_build_with(t2n_pstate *ps, const t2n_loc *kind, t2n_graph *g);
/* `def` is a VALDEF, VALREF or VALDEFT token; ty is NULL for VALDEFT. */
int t2n_build_param(t2n_pstate *ps, const t2n_loc *def, const t2n_type *ty);
int t2n_build_params(t2n_pstate *ps, const t2n_loc *header);
int t2n_build_out(t2n_pstate *ps, const t2n_loc *def, const t2n_type *ty);
int t2n_build_ref(t2n_pstate *ps, const t2n_loc *valref);
int t2n_build_args(t2n_pstate *ps, const t2n_loc *args);
t2n_attrlist *t2n_build_attrs_add(t2n_pstate *ps, t2n_attrlist *l, const char *name, const char *raw);
void t2n_build_head(t2n_pstate *ps, const t2n_loc *kind, t2n_attrlist *attrs, const char *pyargs, int brackets);
void t2n_build_head_py(t2n_pstate *ps, const t2n_loc *loc, const char *pyop, t2n_attrlist *attrs,
               const char *pyargs);
int t2n_build_nodeline(t2n_pstate *ps, const t2n_loc *loc, t2n_attrlist *attrs, int with_attrs);
int t2n_build_nodeline_typed(t2n_pstate *ps, const t2n_loc *loc, const t2n_type *ty);
int t2n_build_node_begin(t2n_pstate *ps, const char *scope, const char *comment);
int t2n_build_block_begin(t2n_pstate *ps, const t2n_loc *loc);
void t2n_build_block_end(t2n_pstate *ps);
int t2n_build_no_args(t2n_pstate *ps, const t2n_loc *loc);
const t2n_type *t2n_build_untyped(t2n_pstate *ps);
int t2n_build_untyped_params(t2n_pstate *ps, const t2n_loc *args);

const t2n_type *t2n_build_type_leaf(t2n_pstate *ps, const char *name, size_t n, size_t off);
const t2n_type *t2n_build_type_text(t2n_pstate *ps, const char *s, size_t n, size_t off);
const t2n_type *t2n_build_type_list(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc);
const t2n_type *t2n_build_type_index(t2n_pstate *ps, const t2n_type *base, t2n_tylist *args, const t2n_loc *loc);
const t2n_type *t2n_build_type_optional(t2n_pstate *ps, const t2n_type *elem, const t2n_loc *loc);
const t2n_type *t2n_build_type_call(t2n_pstate *ps, const char *name, t2n_targlist *args, const t2n_loc *loc);
const t2n_type *t2n_build_type_tuple(t2n_pstate *ps, t2n_tylist *elems, const t2n_loc *loc);
const t2n_type *t2n_build_type_angle(t2n_pstate *ps, const char *name, const char *inner, const t2n_loc *loc);
t2n_tylist *t2n_build_types_add(t2n_pstate *ps, t2n_tylist *l, const char *name, const t2n_type *ty);
t2n_targ *t2n_build_new_targ(t2n_pstate *ps, t2n_targ v);
t2n_targlist *t2n_build_targs_add(t2n_pstate *ps, t2n_targlist *l, const t2n_targ *a);
t2n_intlist *t2n_build_ints_add(t2n_pstate *ps, t2n_intlist *l, int64_t v);
const char *t2n_build_join3(t2n_pstate *ps, const char *a, const char *b, const char *c);

void t2n_build_dump_begin(t2n_pstate *ps, const char *qualname);
void t2n_build_dump_field(t2n_pstate *ps, int section, const char *name, const char *raw);
void t2n_build_dump_flush(t2n_pstate *ps);
int t2n_build_dump_cont(t2n_pstate *ps, int section, const char *line, const t2n_loc *loc);
void t2n_build_dump_method(t2n_pstate *ps, const char *name, t2n_graph *g);
void t2n_build_dump_end(t2n_pstate *ps);

int t2n_build_t2n_version(t2n_pstate *ps, const char *v, const t2n_loc *loc);
int t2n_build_t2n_weights(t2n_pstate *ps, const char *lit, const t2n_loc *loc);
int t2n_build_class_begin(t2n_pstate *ps, const char *name, const t2n_loc *loc);
void t2n_build_class_slot(t2n_pstate *ps, int kind, const char *name, const t2n_type *ty);
void t2n_build_class_method(t2n_pstate *ps, const char *name, t2n_graph *g);
int t2n_build_function(t2n_pstate *ps, const char *name, const t2n_loc *loc, t2n_graph *g);
void t2n_build_object_root(t2n_pstate *ps, const char *qualname);
void t2n_build_obj_field(t2n_pstate *ps, const char *name, const char *raw);
void t2n_build_obj_open(t2n_pstate *ps, const char *name, const char *qualname);
void t2n_build_obj_close(t2n_pstate *ps);

#endif
