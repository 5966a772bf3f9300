/* -fold-list-appends
 *
 * Matches: a prim::ListConstruct whose list is then changed by aten::append
 * nodes, or aten::_set_item(l, k, v) with k a constant in range (negative
 * from the end), in the same block (not inside an If or Loop), none of whose
 * results is used, where nothing else uses the list before the last of
 * them: the edits are not observed one by one, only their end result.
 *
 * Rewrites: one prim::ListConstruct of the elements the edits leave (the
 * original ones with each _set_item's element replaced and the appended ones
 * after them, in order), placed right after the last edit; every other use
 * of the list takes it; the edits and the old construct go. One rewrite per
 * folded list.
 *
 * Also matches aten::list(l) and aten::copy(l) (copies) of a prim::ListConstruct that nothing
 * mutates or aliases (t2n_list_is_unmutated): it becomes a new
 * prim::ListConstruct of the same elements, a fresh list just as the copy
 * was (instance_norm's size check copies input.size() this way); and
 * aten::__getitem__(l, k) of such a construct (or of a prim::unchecked_cast
 * of one), k a constant in range
 * (negative from the end), becomes element k (an unrolled `for o in outs`
 * reads outs[0], outs[1], ...). Constructs are merged before these folds
 * look at them (one sweep in block order).
 *
 * A use between the construct and the last append that only reads the
 * list (cat, len, ...: it neither writes, returns nor stores it), directly
 * or through a prim::unchecked_cast read only before the next append, gets
 * its own prim::ListConstruct of the elements appended by then: a tensor
 * list read by several cats as it grows (densenet's dense blocks) folds.
 *
 * Restrictions: any other use before the last edit (a call, an If or
 * Loop using the list, an op that may write or keep it), an edit whose
 * result is used, a _set_item at an index that is not a constant or out of
 * range (it raises), or an edit nested in a block, keeps the list as it is,
 * with a remark.
 *
 * Why: -unroll-loops turns `for ...: outs.append(y)` into a construct and a
 * row of appends; cat and stack, and the NNEF exporter, want the list whole.
 * swin's `shift_size = self.shift_size.copy()` then `shift_size[0] = 0`
 * (once the size check around it folds) becomes a list of constants whose
 * sum and items fold. */
#include <stdlib.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "t2n/ops.h"
#include "t2n/eval.h"
#include "t2n/ops.h"
#include "t2n/pass.h"

/* list(l) of a construct nothing mutates: a new list of the same elements. */
static t2n_node *fold_copy(t2n_pass_ctx *ctx, t2n_node *n) {
  t2n_value *l = n->inputs[0];
  const char *why = NULL;
  if (n->noutputs != 1 || !l->def || !t2n_node_is(l->def, "prim::ListConstruct")) return NULL;
  if (!t2n_list_is_unmutated(l, &why)) {
    t2n_remark(ctx, n, "%s(%%%s) left alone: the list may be changed (%s)", n->kind, l->name, why ? why : "?");
    return NULL;
  }
  t2n_node *nl = t2n_node_new(ctx->graph, "prim::ListConstruct", l->def->ninputs, l->def->inputs, 1);
  t2n_node_insert_before(nl, n);
  t2n_node_set_output(nl, 0, NULL, n->outputs[0]->type);
  nl->line = n->line;
  t2n_value *r = nl->outputs[0];
  const char *name = n->outputs[0]->name;
  t2n_replace_node(n, &r);
  t2n_graph_rename(ctx->graph, r, name);
  ctx->rewrites++;
  return nl;
}

/* l[k] of a construct nothing mutates, k a constant in range: element k. */
static void fold_index(t2n_pass_ctx *ctx, t2n_node *n) {
  t2n_value *l = t2n_skip_casts(n->inputs[0]); /* a list of an Optional: `if m is not None: m[k]` */
  t2n_ival k;
  const char *why = NULL;
  if (n->noutputs != 1 || !l->def || !t2n_node_is(l->def, "prim::ListConstruct")) return;
  if (!t2n_constant_value(ctx->mod, n->inputs[1], &k) || k.kind != T2N_IV_INT) return;
  int64_t len = l->def->ninputs, i = k.i < 0 ? k.i + len : k.i;
  if (i < 0 || i >= len) return; /* raises at run time: stays */
  if (!t2n_list_is_unmutated(l, &why)) {
    t2n_remark(ctx, n, "aten::__getitem__(%%%s) left alone: the list may be changed (%s)", l->name, why ? why : "?");
    return;
  }
  t2n_value *e = l->def->inputs[i];
  t2n_replace_node(n, &e);
  ctx->rewrites++;
}

/* Does n, a node of the construct's block, only read input i (a list): it
 * neither writes it, nor returns it or a view of it, nor stores it? Such a
 * read sees the list as it is at n, so a copy of that state can stand in. */
static int reads_only(const t2n_node *n, int i) {
  if (t2n_op_mutates_input(n, i) || t2n_op_input_escapes(n, i) || n->nblocks) return 0;
  for (int o = 0; o < n->noutputs; o++) {
    int a = t2n_op_output_aliases(n, o);
    if (a == i || a == T2N_OP_ALIAS_ANY) return 0;
  }
  return 1;
}

/* An edit of list (input 0 of t): an append, or a _set_item of a list. */
static int is_edit(const t2n_node *t, const t2n_value *list) {
  if (!t->ninputs || t->inputs[0] != list) return 0;
  if (t2n_node_is(t, "aten::append")) return t->ninputs == 2;
  return t2n_node_is(t, "aten::_set_item") && t->ninputs == 3 && list->type && list->type->kind == T2N_TY_LIST;
}

/* The elements after the first k edits, into *out (grown as needed), or
 * why not (a _set_item at an index that is not a constant, or out of
 * range). Returns the count, or -1 with *why. */
static int replay(t2n_pass_ctx *ctx, const t2n_node *l, t2n_node *const *edits, int k, t2n_value ***out, int *cap,
                  const char **why) {
  int n = l->ninputs;
  T2N_GROW(*out, *cap, n + k + 1);
  for (int i = 0; i < n; i++) (*out)[i] = l->inputs[i];
  for (int j = 0; j < k; j++) {
    const t2n_node *e = edits[j];
    if (e->ninputs == 2) {
      (*out)[n++] = e->inputs[1];
      continue;
    }
    t2n_ival iv;
    if (!t2n_constant_value(ctx->mod, e->inputs[1], &iv) || iv.kind != T2N_IV_INT) {
      *why = "a _set_item at an index that is not a constant";
      return -1;
    }
    int64_t i = iv.i < 0 ? iv.i + n : iv.i;
    if (i < 0 || i >= n) {
      *why = "a _set_item out of range (it raises)";
      return -1;
    }
    (*out)[i] = e->inputs[2];
  }
  return n;
}

/* How many of the appends run before n (a node of their block). */
static int appends_before(t2n_node *const *apps, int napp, const t2n_node *n) {
  int k = 0;
  while (k < napp && t2n_node_runs_after(apps[k], n)) k++;
  return k;
}

/* One read of the list before its last append: node `at` (of the block)
 * reads the list as input `index` when k appends have run. */
typedef struct snap {
  t2n_node *at;
  int index, k;
} snap;

/* Checks a use of the list that runs before the last append: a pure read in
 * the block, or a prim::unchecked_cast (an alias) whose every use is a pure
 * read in the block before the next append. Returns why not, NULL if fine. */
static const char *check_early_use(t2n_node *const *apps, int napp, t2n_node *u, int index, snap *out) {
  int k = appends_before(apps, napp, u);
  if (u->op == T2N_OP_prim_unchecked_cast && u->noutputs == 1) {
    const t2n_value *c = u->outputs[0];
    for (int j = 0; j < c->nuses; j++) {
      const t2n_node *r = c->uses[j].user;
      if (r->parent != u->parent || !reads_only(r, c->uses[j].index)) return r->kind;
      if (k < napp && t2n_node_runs_after(apps[k], r)) return "a read through a cast after a later append";
    }
  } else if (!reads_only(u, index)) {
    return u->kind;
  }
  out->at = u;
  out->index = index;
  out->k = k;
  return NULL;
}

static void fold(t2n_pass_ctx *ctx, t2n_node *l) {
  if (t2n_node_is(l, "aten::__getitem__") && l->ninputs == 2) {
    fold_index(ctx, l);
    return;
  }
  if ((t2n_node_is(l, "aten::list") || t2n_node_is(l, "aten::copy")) && l->ninputs == 1 && l->noutputs == 1 &&
      l->outputs[0]->type && l->outputs[0]->type->kind == T2N_TY_LIST) {
    t2n_node *nl = fold_copy(ctx, l);
    if (nl) fold(ctx, nl); /* the copy's own edits (swin's shift_size[0] = 0) */
    return;
  }
  if (!t2n_node_is(l, "prim::ListConstruct") || l->noutputs != 1) return;
  t2n_value *list = l->outputs[0];
  t2n_block *b = l->parent;
  /* The edits (appends, _set_items), in block order. */
  int napp = 0;
  for (int k = 0; k < list->nuses; k++) {
    const t2n_node *u = list->uses[k].user;
    if (is_edit(u, list) && list->uses[k].index == 0 && u->parent == b) napp++;
  }
  if (!napp) return;
  t2n_node **apps = t2n_xmalloc(sizeof *apps * (size_t)napp);
  snap *snaps = t2n_xmalloc(sizeof *snaps * (size_t)list->nuses);
  t2n_value **elems = NULL;
  int cap = 0;
  int nsnap = 0;
  int i = 0;
  for (t2n_node *t = l->next; t; t = t->next)
    if (is_edit(t, list)) apps[i++] = t;
  napp = i;
  const char *why = NULL;
  for (i = 0; i < napp && !why; i++)
    if (apps[i]->noutputs != 1 || apps[i]->outputs[0]->nuses)
      why = t2n_node_is(apps[i], "aten::append") ? "an append's result is used" : "a _set_item's result is used";
  int observed = 0; /* why is about a use before the last edit */
  if (!why) replay(ctx, l, apps, napp, &elems, &cap, &why);
  t2n_node *lastapp = napp ? apps[napp - 1] : NULL;
  /* A use after the last edit takes the folded list; one before it must
   * only read the list (densenet's layers cat the features built so far):
   * it gets a construct of the elements as they are by then. */
  for (int k = 0; lastapp && k < list->nuses && !why; k++) {
    t2n_node *u = list->uses[k].user;
    if (is_edit(u, list) && list->uses[k].index == 0 && u->parent == b) continue;
    const t2n_node *a = t2n_block_holder(b, u);
    if (a && (a == lastapp || t2n_node_runs_after(lastapp, a))) continue;
    if (!a || a != u) why = a ? a->kind : u->kind;
    else why = check_early_use(apps, napp, u, list->uses[k].index, &snaps[nsnap++]);
    observed = why != NULL;
  }
  if (why || !napp) {
    if (napp && observed)
      t2n_remark(ctx, l, "list %%%s left as built: it is observed before its last append (%s)", list->name, why);
    else if (napp)
      t2n_remark(ctx, l, "list %%%s left as built: %s", list->name, why);
    free(apps);
    free(snaps);
    free(elems);
    return;
  }
  for (i = 0; i < nsnap; i++) {
    int ne = replay(ctx, l, apps, snaps[i].k, &elems, &cap, &why);
    t2n_node *s = t2n_node_new(ctx->graph, "prim::ListConstruct", ne, elems, 1);
    t2n_node_insert_before(s, snaps[i].at);
    t2n_node_set_output(s, 0, NULL, list->type);
    s->line = l->line;
    s->source = l->source;
    s->scope = l->scope;
    t2n_node *at = snaps[i].at;
    if (at->op == T2N_OP_prim_unchecked_cast && at->outputs[0]->type == list->type) {
      /* a cast to the list's own type: its reads take the copy directly */
      t2n_value *v = s->outputs[0];
      t2n_replace_node(at, &v);
    } else {
      t2n_node_set_input(at, snaps[i].index, s->outputs[0]);
    }
    ctx->rewrites++;
  }
  int ne = replay(ctx, l, apps, napp, &elems, &cap, &why);
  t2n_node *nl = t2n_node_new(ctx->graph, "prim::ListConstruct", ne, elems, 1);
  t2n_node_insert_after(nl, apps[napp - 1]);
  t2n_node_set_output(nl, 0, NULL, list->type);
  nl->line = l->line;
  nl->source = l->source;
  nl->scope = l->scope;
  for (i = 0; i < napp; i++) t2n_node_erase(apps[i]);
  t2n_value *r = nl->outputs[0];
  const char *name = list->name;
  t2n_replace_node(l, &r);
  t2n_graph_rename(ctx->graph, r, name); /* the list keeps its name (free again now) */
  free(apps);
  free(snaps);
  free(elems);
  ctx->rewrites++;
}

static int is_list_source(const t2n_node *n) {
  return n->op == T2N_OP_prim_ListConstruct || n->op == T2N_OP_aten_list || n->op == T2N_OP_aten_copy ||
         n->op == T2N_OP_aten___getitem__;
}

int t2n_pass_fold_list_appends(t2n_pass_ctx *ctx) {
  /* Collected first: a fold erases the appends after the construct. */
  int nn;
  t2n_node **v = t2n_collect(ctx->graph->top, is_list_source, &nn);
  for (int i = 0; i < nn; i++) fold(ctx, v[i]);
  free(v);
  return 0;
}
