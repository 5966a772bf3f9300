/* Grammar for TorchScript graph text, torch module dumps and t2n module text
 * (docs/ir-format.md). Builds the IR directly; the first error stops the
 * parse and is reported as file:line:col with the source line and a caret. */
%define api.pure full
%define api.prefix {t2n_yy}
%define parse.error detailed
%locations
%expect 0
%param {void *scanner}
%parse-param {t2n_pstate *ps}

%code requires {
#include "parse_state.h"
#define T2N_YYLTYPE t2n_loc
#define T2N_YYLTYPE_IS_DECLARED 1
#define T2N_YYLTYPE_IS_TRIVIAL 0
typedef struct t2n_targ { int kind; int64_t dim; const char *key; const char *sval;
                          const int64_t *ints; int nints; const t2n_type *type; } t2n_targ;
typedef struct t2n_targlist { t2n_targ *v; int n, cap; } t2n_targlist;
typedef struct t2n_tylist { const t2n_type **v; const char **names; int n, cap; } t2n_tylist;
typedef struct t2n_intlist { int64_t *v; int n, cap; } t2n_intlist;
typedef struct t2n_attrlist { t2n_attr *v; int n, cap; } t2n_attrlist;
/* Dump and object entry lines, slot declarations: passed by pointer so that
 * every semantic value stays pointer-sized. */
typedef struct t2n_fieldtok { const char *name, *raw; } t2n_fieldtok;
typedef struct t2n_slottok { int kind; const char *name; } t2n_slottok;
}

%code provides {
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                       \
  do {                                                                    \
    if (N) {                                                              \
      (Cur).start = YYRHSLOC(Rhs, 1).start;                               \
      (Cur).end = YYRHSLOC(Rhs, N).end;                                   \
    } else {                                                              \
      (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                     \
    }                                                                     \
  } while (0)
}

%initial-action { @$.start = @$.end = 0; }

%code {
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "t2n/alloc.h"
/* A deep parse grows bison's stacks through the one allocation path. */
#define YYMALLOC t2n_xmalloc
#define YYFREE free
#include "t2n/limits.h"
#define YYMAXDEPTH T2N_MAX_PARSE_DEPTH
int t2n_yylex(T2N_YYSTYPE *lval, T2N_YYLTYPE *lloc, void *scanner);
static void t2n_yyerror(T2N_YYLTYPE *loc, void *scanner, t2n_pstate *ps, const char *msg) {
  (void)scanner;
  /* bison lists no expected tokens when there are many; the common case of
   * a block that lacks its "-> (...)" line deserves a hint. */
  if (strcmp(msg, "memory exhausted") == 0) /* bison's stack reached YYMAXDEPTH */
    t2n_parse_error(ps, loc, "nested more than %d deep (the limit T2N_MAX_PARSE_DEPTH)", T2N_MAX_PARSE_DEPTH);
  else if (ps->nblocks > 1 && strcmp(msg, "syntax error, unexpected return") == 0)
    t2n_parse_error(ps, loc, "%s, expecting '->' to end the block", msg);
  else
    t2n_parse_error(ps, loc, "%s", msg);
}
#define CHECK(x) do { if (!(x)) YYABORT; } while (0)
/* Semantic values are kept pointer-sized: bison copies them on every shift
 * and reduction, so small values make the parser loop cheaper. */
#define NODE(scope, comment) CHECK(t2n_build_node_begin(ps, scope, comment))
#define TARG(...) t2n_build_new_targ(ps, (t2n_targ){__VA_ARGS__})
}

%union {
  const char *str;
  const t2n_type *type;
  t2n_targ *targ;
  t2n_targlist *targs;
  t2n_tylist *tys;
  t2n_intlist *ints;
  t2n_attrlist *attrs;
  t2n_node *node;
  t2n_graph *graph;
  t2n_fieldtok *field;
  t2n_slottok *slot;
}

%token VALREF "value name" KIND "operator kind" VALDEF "value definition"
%token VALDEFT "typed value definition" ARGS "value list" EQKIND "'=' operator kind"
%token EQKIND_A "'=' operator kind with attributes" BLOCKE "block header"
%token NODELINE "node" NODELINE_A "node with attributes"
%token <type> NODELINE_T "node with a known type"
%token GRAPHP "graph header" BLOCKP "block header with parameters"
%token <str> PYOP "python operator"
%token <str> PYARGS "python operator arguments" COMMENT "source comment" SCOPE "scope"
%token <str> IDENT "identifier" INT "integer" STRING "string"
%token <str> ATTR_NAME "attribute name" ATTR_VALUE "attribute value"
%token <str> BADCHAR "invalid character" UNTERMINATED "unterminated text"
%token <str> BADNAME "malformed quoted name"
%token <str> CONT "attribute continuation line"
%token <field> FIELD "attribute line" OBJ_OPEN "object field"
%token <slot> SLOT "slot declaration"
%token GRAPH "graph" RETURN "return" WITH "with" ARROW "->" BLOCK "block"
%token MODULE "module" PARAMS_OPEN "parameters {" ATTRS_OPEN "attributes {"
%token METHODS_OPEN "methods {" SUBMODULES_OPEN "submodules {" METHOD "method"
%token T2N_HEADER "t2n module" WEIGHTS "weights" CLASS "class" FUNCTION "function"
%token <str> OBJ_ROOT "object"
%token ATTR_OPEN "[" ATTR_CLOSE "]"

%type <type> type tatom
%type <targ> targ
%type <targs> targs
%type <tys> types
%type <ints> tints
%type <attrs> attrs attr_body attr_list
%type <graph> graph

%%

input
  : graph withs                    { ps->mod->kind = T2N_TEXT_GRAPH; ps->mod->graph = $1; }
  | dump_module                    { ps->mod->kind = T2N_TEXT_DUMP; }
  | t2n_text                       { ps->mod->kind = T2N_TEXT_T2N; }
  ;

/* ---- graphs ----
 * Value lists, node outputs and the node head are gathered in scratch space
 * in the parser state (each is used up by the node, block or graph that
 * follows), so the common node line costs no list allocations. The rules
 * are shaped for few reductions per line: a block is an item of the node
 * list that belongs to the node before it, and a node line lists its
 * optional parts as alternatives instead of through empty rules. */
graph: ghead nodes RETURN vals     { $$ = t2n_build_graph_end(ps); } ;
ghead
  : GRAPHP                         { CHECK(t2n_build_graph_begin(ps) && t2n_build_params(ps, &@1)); }
  | GRAPH ARGS ':'                 { CHECK(t2n_build_graph_begin(ps) && t2n_build_untyped_params(ps, &@2)); }
  | GRAPH '('                      { CHECK(t2n_build_graph_begin(ps)); }
    params_opt ')' ':'
  ;

withs
  : %empty
  | withs WITH KIND '=' graph      { CHECK(t2n_build_with(ps, &@3, $5)); }
  ;

params_opt: %empty | params ;
params
  : param
  | params ',' param
  ;
param
  : VALDEFT                        { CHECK(t2n_build_param(ps, &@1, NULL)); }
  | VALDEF type                    { CHECK(t2n_build_param(ps, &@1, $2)); }
  | VALREF ':' type                { CHECK(t2n_build_param(ps, &@1, $3)); }
  | VALREF                         { CHECK(t2n_build_param(ps, &@1, t2n_build_untyped(ps))); }
  ;

nodes
  : %empty
  | nodes node
  | nodes block
  ;

node
  : line                           { NODE(NULL, NULL); }
  | line SCOPE                     { NODE($2, NULL); }
  | line COMMENT                   { NODE(NULL, $2); }
  | line SCOPE COMMENT             { NODE($2, $3); }
  ;
line
  : nodehead vals
  | outs nodehead vals
  | NODELINE                       { CHECK(t2n_build_nodeline(ps, &@1, NULL, 0)); }
  | NODELINE_T                     { CHECK(t2n_build_nodeline_typed(ps, &@1, $1)); }
  | NODELINE_A attr_body vals      { CHECK(t2n_build_nodeline(ps, &@1, $2, 1)); }
  /* the last of several outputs scans as a node token too */
  | outs ',' NODELINE              { CHECK(t2n_build_nodeline(ps, &@3, NULL, 0)); }
  | outs ',' NODELINE_T            { CHECK(t2n_build_nodeline_typed(ps, &@3, $3)); }
  | outs ',' NODELINE_A attr_body vals { CHECK(t2n_build_nodeline(ps, &@3, $4, 1)); }
  ;

/* t2n_build_node_begin empties the output list it takes. */
outs
  : VALDEFT                        { CHECK(t2n_build_out(ps, &@1, NULL)); }
  | VALDEF type                    { CHECK(t2n_build_out(ps, &@1, $2)); }
  | VALREF ':' type                { CHECK(t2n_build_out(ps, &@1, $3)); }
  | VALREF                         { CHECK(t2n_build_out(ps, &@1, t2n_build_untyped(ps))); }
  | outs ',' VALDEFT               { CHECK(t2n_build_out(ps, &@3, NULL)); }
  | outs ',' VALDEF type           { CHECK(t2n_build_out(ps, &@3, $4)); }
  | outs ',' VALREF ':' type       { CHECK(t2n_build_out(ps, &@3, $5)); }
  | outs ',' VALREF                { CHECK(t2n_build_out(ps, &@3, t2n_build_untyped(ps))); }
  ;

nodehead
  : EQKIND                         { t2n_build_head(ps, &@1, NULL, NULL, 0); }
  | EQKIND_A attr_body             { t2n_build_head(ps, &@1, $2, NULL, 1); }
  | '=' KIND                       { t2n_build_head(ps, &@2, NULL, NULL, 0); }
  | '=' KIND attrs                 { t2n_build_head(ps, &@2, $3, NULL, 1); }
  | '=' PYOP PYARGS                { t2n_build_head_py(ps, &@2, $2, NULL, $3); }
  | '=' PYOP attrs PYARGS          { t2n_build_head_py(ps, &@2, $2, $3, $4); }
  ;

attrs: ATTR_OPEN attr_body         { $$ = $2; } ;
attr_body
  : ATTR_CLOSE                     { $$ = t2n_build_attrs_add(ps, NULL, NULL, NULL); }
  | attr_list ATTR_CLOSE           { $$ = $1; }
  ;
attr_list
  : ATTR_NAME ATTR_VALUE           { $$ = t2n_build_attrs_add(ps, NULL, $1, $2); }
  | attr_list ',' ATTR_NAME ATTR_VALUE { $$ = t2n_build_attrs_add(ps, $1, $3, $4); }
  ;

block: bhead nodes ARROW vals      { t2n_build_block_end(ps); } ;
bhead
  : BLOCKE                         { CHECK(t2n_build_block_begin(ps, &@1)); }
  | BLOCKP                         { CHECK(t2n_build_block_begin(ps, &@1) && t2n_build_params(ps, &@1)); }
  | BLOCK ARGS ':'                 { CHECK(t2n_build_block_begin(ps, &@1) && t2n_build_untyped_params(ps, &@2)); }
  | BLOCK '('                      { CHECK(t2n_build_block_begin(ps, &@1)); }
    params_opt ')' ':'
  ;

/* A parenthesized list of value names: one ARGS token as torch prints it,
 * or the pieces for other spacing. */
vals
  : ARGS                           { CHECK(t2n_build_args(ps, &@1)); }
  | '(' ')'                        { ps->nargs = 0; }
  | '(' refs ')'
  ;
refs
  : VALREF                         { ps->nargs = 0; CHECK(t2n_build_ref(ps, &@1)); }
  | refs ',' VALREF                { CHECK(t2n_build_ref(ps, &@3)); }
  ;

/* ---- types ---- */
type
  : tatom
  | type '[' ']'                   { $$ = t2n_build_type_list(ps, $1, &@$); }
  | type '[' types ']'             { CHECK($$ = t2n_build_type_index(ps, $1, $3, &@$)); }
  | type '?'                       { $$ = t2n_build_type_optional(ps, $1, &@$); }
  ;

tatom
  : IDENT                          { CHECK($$ = t2n_build_type_leaf(ps, ps->buf + @1.start, @1.end - @1.start, @1.start)); }
  | IDENT ARGS                     { CHECK(t2n_build_no_args(ps, &@2) && ($$ = t2n_build_type_call(ps, $1, NULL, &@$))); }
  | IDENT '(' ')'                  { CHECK($$ = t2n_build_type_call(ps, $1, NULL, &@$)); }
  | IDENT '(' targs ')'            { CHECK($$ = t2n_build_type_call(ps, $1, $3, &@$)); }
  | ARGS                           { CHECK(t2n_build_no_args(ps, &@1)); $$ = t2n_build_type_tuple(ps, NULL, &@$); }
  | '(' ')'                        { $$ = t2n_build_type_tuple(ps, NULL, &@$); }
  | '(' types ')'                  { $$ = t2n_build_type_tuple(ps, $2, &@$); }
  | IDENT '<' IDENT '>'            { $$ = t2n_build_type_angle(ps, $1, $3, &@$); }
  ;

types
  : type                           { $$ = t2n_build_types_add(ps, NULL, NULL, $1); }
  | types ',' type                 { $$ = t2n_build_types_add(ps, $1, NULL, $3); }
  ;

targs
  : targ                           { $$ = t2n_build_targs_add(ps, NULL, $1); }
  | targs ',' targ                 { $$ = t2n_build_targs_add(ps, $1, $3); }
  ;

targ
  : INT                            { $$ = TARG(.kind = T2N_TARG_DIM, .dim = strtoll($1, NULL, 10)); }
  | '*'                            { $$ = TARG(.kind = T2N_TARG_DIM, .dim = -1); }
  | IDENT '=' INT                  { $$ = TARG(.kind = T2N_TARG_KEY, .key = $1, .sval = $3); }
  | IDENT '=' IDENT                { $$ = TARG(.kind = T2N_TARG_KEY, .key = $1, .sval = $3); }
  | IDENT '=' IDENT ':' INT        { $$ = TARG(.kind = T2N_TARG_KEY, .key = $1, .sval = t2n_build_join3(ps, $3, ":", $5)); }
  | IDENT '=' '[' ']'              { $$ = TARG(.kind = T2N_TARG_INTS, .key = $1); }
  | IDENT '=' '[' tints ']'        { $$ = TARG(.kind = T2N_TARG_INTS, .key = $1, .ints = $4->v, .nints = $4->n); }
  | IDENT ':' type                 { $$ = TARG(.kind = T2N_TARG_FIELD, .key = $1, .type = $3); }
  | type                           { $$ = TARG(.kind = T2N_TARG_TYPE, .type = $1); }
  ;

tints
  : INT                            { $$ = t2n_build_ints_add(ps, NULL, strtoll($1, NULL, 10)); }
  | '*'                            { $$ = t2n_build_ints_add(ps, NULL, -1); }
  | tints ',' INT                  { $$ = t2n_build_ints_add(ps, $1, strtoll($3, NULL, 10)); }
  | tints ',' '*'                  { $$ = t2n_build_ints_add(ps, $1, -1); }
  ;

/* ---- torch module dumps ---- */
dump_module
  : MODULE IDENT '{'               { t2n_build_dump_begin(ps, $2); }
    PARAMS_OPEN dump_fields_p      { t2n_build_dump_flush(ps); }
    '}'
    ATTRS_OPEN dump_fields_a       { t2n_build_dump_flush(ps); }
    '}'
    METHODS_OPEN dump_methods '}'
    SUBMODULES_OPEN dump_subs '}'
    '}'                            { t2n_build_dump_end(ps); }
  ;
dump_fields_p
  : %empty
  | dump_fields_p FIELD            { t2n_build_dump_field(ps, 0, $2->name, $2->raw); }
  | dump_fields_p CONT             { CHECK(t2n_build_dump_cont(ps, 0, $2, &@2)); }
  ;
dump_fields_a
  : %empty
  | dump_fields_a FIELD            { t2n_build_dump_field(ps, 1, $2->name, $2->raw); }
  | dump_fields_a CONT             { CHECK(t2n_build_dump_cont(ps, 1, $2, &@2)); }
  ;
dump_methods: %empty | dump_methods dump_method ;
dump_method: METHOD IDENT '{' graph withs '}' { t2n_build_dump_method(ps, $2, $4); } ;
dump_subs: %empty | dump_subs dump_module ;

/* ---- t2n module text ---- */
t2n_text
  : T2N_HEADER INT                 { CHECK(t2n_build_t2n_version(ps, $2, &@2)); }
    weights_opt classes functions root_object
  ;
weights_opt: %empty | WEIGHTS STRING { CHECK(t2n_build_t2n_weights(ps, $2, &@2)); } ;
classes: %empty | classes class ;
class
  : CLASS IDENT '{'                { CHECK(t2n_build_class_begin(ps, $2, &@2)); }
    slots class_methods '}'
  ;
slots: %empty | slots SLOT type    { t2n_build_class_slot(ps, $2->kind, $2->name, $3); } ;
class_methods: %empty | class_methods METHOD IDENT '{' graph withs '}' { t2n_build_class_method(ps, $3, $5); } ;
functions: %empty | functions FUNCTION IDENT '{' graph withs '}' { CHECK(t2n_build_function(ps, $3, &@3, $5)); } ;
root_object
  : OBJ_ROOT                       { t2n_build_object_root(ps, $1); }
    obj_fields '}'
  ;
obj_fields
  : %empty
  | obj_fields FIELD               { t2n_build_obj_field(ps, $2->name, $2->raw); }
  | obj_fields OBJ_OPEN            { t2n_build_obj_open(ps, $2->name, $2->raw); }
    obj_fields '}'                 { t2n_build_obj_close(ps); }
  ;

%%
