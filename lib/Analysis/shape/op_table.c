/* Native shape inference: the shape table of rules.def laid out for lookup
 * (an array indexed by op id, so a node's rule is found without comparing
 * strings), and the dispatch that hands each rule its own parameters. */
#include <string.h>

#include "shape_internal.h"

/* Rows by op id; a kind without a row has rule T2N_SH_NO_RULE. Two rows for
 * one id are a -Woverride-init warning. */
static const t2n_sh_row by_op[T2N_OP_COUNT] = {
#define SHAPE_OP(id, r) [T2N_OP_##id] = {.rule = T2N_SH_RULE_##r},
#define SHAPE_OP_P(id, r, ...) [T2N_OP_##id] = {.rule = T2N_SH_RULE_##r, .p.r = {__VA_ARGS__}},
#include "rules.def"
};

/* Rows for kinds the op table has no id for, matched by name. */
static const struct {
  const char *kind;
  t2n_sh_row row;
} by_kind[] = {
#define SHAPE_KIND(k, r) {k, {.rule = T2N_SH_RULE_##r}},
#include "rules.def"
};

static const t2n_sh_row *row_of(int op, const char *kind) {
  if (op > T2N_OP_UNKNOWN && op < T2N_OP_COUNT)
    return by_op[op].rule != T2N_SH_NO_RULE ? &by_op[op] : NULL;
  for (size_t i = 0; kind && i < sizeof by_kind / sizeof by_kind[0]; i++)
    if (strcmp(by_kind[i].kind, kind) == 0) return &by_kind[i].row;
  return NULL;
}

const t2n_sh_row *t2n_sh_lookup_rule(const t2n_node *n) { return row_of(n->op, n->kind); }

int t2n_shape_has_rule(const char *kind) { return row_of(t2n_op_lookup(kind), kind) != NULL; }

void t2n_sh_apply_rule(const t2n_sh_row *r, rc *c) {
  switch (r->rule) {
  case T2N_SH_NO_RULE: break;
#define SHAPE_RULE(rule)                                                                                              \
  case T2N_SH_RULE_##rule: t2n_sh_r_##rule(c); break;
#define SHAPE_RULE_P(rule, fields)                                                                                    \
  case T2N_SH_RULE_##rule: t2n_sh_r_##rule(c, &r->p.rule); break;
#include "rules.def"
  }
}
