/* Module-walking helpers for the inliners, -freeze and -lift-state: class
 * name demangling and resolvability, attribute chains back to `self`, the
 * object tree, field values in torch literal syntax, callee lookup and
 * call inlining. See module_util.h. */
#include "module_util.h"
#include "t2n/alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/ops.h"

/* ---- class names ---- */

const char *t2n_mu_demangle(t2n_module *m, const char *q) {
  if (strncmp(q, "__torch__.", 10) == 0) q += 10;
  size_t n = strlen(q);
  char *out = t2n_arena_alloc(m->arena, n + 1), *o = out;
  const char *p = q;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    int mangle = len > 16 && strncmp(p, "___torch_mangle_", 16) == 0 && dot &&
                 strspn(p + 16, "0123456789") == len - 16;
    if (!mangle) {
      if (o != out) *o++ = '.';
      memcpy(o, p, len);
      o += len;
    }
    if (!dot) break;
    p = dot + 1;
  }
  *o = 0;
  return out;
}

const char *t2n_mu_module_path(t2n_module *m, const char *qualname) {
  const char *d = t2n_mu_demangle(m, qualname);
  const char *dot = strrchr(d, '.');
  return dot ? t2n_intern_n(m, d, (size_t)(dot - d)) : "";
}

static int glob(const char *p, const char *s, size_t n) {
  for (; *p; p++) {
    if (*p == '*') {
      while (p[1] == '*') p++;
      for (size_t k = 0; k <= n; k++)
        if (glob(p + 1, s + k, n - k)) return 1;
      return 0;
    }
    if (!n || *p != *s) return 0;
    s++, n--;
  }
  return n == 0;
}

int t2n_mu_pattern_covers(const char *pattern, const char *name) {
  if (strncmp(pattern, "__torch__.", 10) == 0) pattern += 10;
  char pat[512];
  snprintf(pat, sizeof pat, "%s", pattern);
  size_t pl = strlen(pat);
  while (pl && pat[pl - 1] == '.') pat[--pl] = 0;
  if (!pl) return 0;
  size_t n = strlen(name);
  for (size_t k = 1; k <= n; k++)
    if ((k == n || name[k] == '.') && glob(pat, name, k)) return 1;
  return 0;
}

int t2n_mu_class_resolvable(t2n_module *m, const t2n_pass_options *opts, const char *qualname,
                            const char **why) {
  const char *d = t2n_mu_demangle(m, qualname);
  if (t2n_mu_pattern_covers("torch.nn", d)) {
    if (why) *why = "torch.nn";
    return 1;
  }
  for (int i = 0; opts && i < opts->nresolvable; i++)
    if (t2n_mu_pattern_covers(opts->resolvable[i], d)) {
      if (why) *why = opts->resolvable[i];
      return 1;
    }
  return 0;
}

/* ---- receivers, attribute paths and the object tree ---- */

t2n_value *t2n_mu_self(t2n_graph *g) {
  if (!g || t2n_graph_ninputs(g) < 1) return NULL;
  t2n_value *s = t2n_graph_input(g, 0);
  return s->type && s->type->kind == T2N_TY_CLASS ? s : NULL;
}

int t2n_mu_attr_chain(t2n_graph *g, const t2n_value *v, const char **names, int max) {
  t2n_value *self = t2n_mu_self(g);
  if (!self) return -1;
  const char *rev[64];
  int n = 0;
  while (v != self) {
    const t2n_node *d = v->def;
    if (!d || !t2n_node_is(d, "prim::GetAttr") || d->ninputs != 1 || n == 64) return -1;
    const t2n_attr *a = t2n_node_attr(d, "name");
    if (!a || a->kind != T2N_ATTR_STRING) return -1;
    rev[n++] = a->s;
    v = d->inputs[0];
  }
  if (n > max) return -1;
  for (int i = 0; i < n; i++) names[i] = rev[n - 1 - i];
  return n;
}

const char *t2n_mu_attr_path(t2n_graph *g, const t2n_value *v, const char *extra) {
  const char *names[64];
  int n = t2n_mu_attr_chain(g, v, names, 64);
  if (n < 0) return NULL;
  size_t len = 5 + (extra ? strlen(extra) + 1 : 0);
  for (int i = 0; i < n; i++) len += strlen(names[i]) + 1;
  char *buf = t2n_xmalloc(len);
  strcpy(buf, "self");
  for (int i = 0; i < n; i++) strcat(strcat(buf, "."), names[i]);
  if (extra) strcat(strcat(buf, "."), extra);
  const char *r = t2n_intern(g->mod, buf);
  free(buf);
  return r;
}

t2n_object *t2n_mu_object_of(t2n_graph *g, const t2n_value *v) {
  t2n_module *m = g->mod;
  if (m->kind != T2N_TEXT_T2N || !m->root) return NULL;
  const char *names[64];
  int n = t2n_mu_attr_chain(g, v, names, 64);
  if (n < 0) return NULL;
  t2n_object *o = m->root;
  for (int i = 0; i < n && o; i++) {
    const t2n_field *f = t2n_object_field(o, names[i]);
    o = f ? f->obj : NULL;
  }
  return o;
}

static t2n_class *class_of_type(t2n_module *m, const t2n_value *v) {
  if (!v->type || v->type->kind != T2N_TY_CLASS) return NULL;
  return t2n_module_class(m, v->type->text);
}

t2n_class *t2n_mu_class_of(t2n_graph *g, const t2n_value *v) {
  t2n_class *c = class_of_type(g->mod, v);
  if (c) return c;
  t2n_object *o = t2n_mu_object_of(g, v);
  return o ? t2n_module_class(g->mod, o->qualname) : NULL;
}

/* ---- field values ---- */

typedef struct rd { t2n_module *m; const char *p; } rd;

static void ws(rd *r) {
  while (*r->p == ' ' || *r->p == '\t') r->p++;
}

static int eat(rd *r, const char *s) {
  ws(r);
  size_t n = strlen(s);
  if (strncmp(r->p, s, n) != 0) return 0;
  r->p += n;
  return 1;
}

/* A torch string literal at r->p: unescaped into *s. */
static int read_string(rd *r, const char **s, size_t *n) {
  ws(r);
  const char *q = r->p;
  if (*q != '"' && *q != '\'') return 0;
  char quote = *q;
  const char *e = q + 1;
  while (*e && *e != quote) e += (*e == '\\' && e[1]) ? 2 : 1;
  if (*e != quote) return 0;
  char *lit = t2n_arena_strndup(r->m->arena, q, (size_t)(e + 1 - q));
  if (quote == '\'') { /* not torch's, but harmless: read as double-quoted */
    lit[0] = '"';
    lit[e - q] = '"';
  }
  if (!t2n_unescape_string(r->m, lit, s, n)) return 0;
  r->p = e + 1;
  return 1;
}

static int read_value(rd *r, t2n_ival *out, const char **key, int depth);

static int read_seq(rd *r, char close, t2n_ival *out, int depth) {
  t2n_ival tmp[256];
  int n = 0, trailing_comma = 0;
  ws(r);
  if (*r->p == close) {
    r->p++;
    out->n = 0;
    return 1;
  }
  for (;;) {
    if (n == 256 || !read_value(r, &tmp[n++], NULL, depth + 1)) return 0;
    ws(r);
    if (*r->p == ',') {
      r->p++;
      ws(r);
      if (*r->p == close) {
        trailing_comma = 1;
        r->p++;
        break;
      }
      continue;
    }
    if (*r->p != close) return 0;
    r->p++;
    break;
  }
  (void)trailing_comma;
  out->n = n;
  out->elems = t2n_arena_alloc(r->m->arena, sizeof *out->elems * (size_t)(n ? n : 1));
  memcpy(out->elems, tmp, sizeof *tmp * (size_t)n);
  return 1;
}

/* Float(2, 3) / Long() after tensor("KEY", */
static int read_tensor_type(rd *r, t2n_ival *out) {
  ws(r);
  const char *s = r->p;
  while (isalnum((unsigned char)*r->p)) r->p++;
  char name[32];
  size_t n = (size_t)(r->p - s);
  if (!n || n >= sizeof name) return 0;
  memcpy(name, s, n);
  name[n] = 0;
  out->dtype = t2n_dtype_from_name(name);
  if (out->dtype == T2N_DT_UNKNOWN || !eat(r, "(")) return 0;
  out->rank = 0;
  ws(r);
  if (*r->p == ')') {
    r->p++;
    return 1;
  }
  for (;;) {
    ws(r);
    char *e;
    long long v = strtoll(r->p, &e, 10);
    if (e == r->p || out->rank == 8) return 0;
    out->sizes[out->rank++] = v;
    r->p = e;
    if (eat(r, ",")) continue;
    return eat(r, ")");
  }
}

static int read_value(rd *r, t2n_ival *out, const char **key, int depth) {
  memset(out, 0, sizeof *out);
  out->rank = -1;
  out->dtype = T2N_DT_UNKNOWN;
  if (depth > 32) return 0;
  ws(r);
  const char *p = r->p;
  if (*p == '"' || *p == '\'') {
    out->kind = T2N_IV_STR;
    return read_string(r, &out->s, &out->slen);
  }
  if (*p == '[') {
    r->p++;
    out->kind = T2N_IV_LIST;
    return read_seq(r, ']', out, depth);
  }
  if (*p == '(') {
    r->p++;
    out->kind = T2N_IV_TUPLE;
    return read_seq(r, ')', out, depth);
  }
  if (eat(r, "None")) { out->kind = T2N_IV_NONE; return 1; }
  if (eat(r, "True")) { out->kind = T2N_IV_BOOL; out->i = 1; return 1; }
  if (eat(r, "False")) { out->kind = T2N_IV_BOOL; out->i = 0; return 1; }
  if (eat(r, "torch.device(")) {
    out->kind = T2N_IV_DEVICE;
    return read_string(r, &out->s, &out->slen) && eat(r, ")");
  }
  if (eat(r, "tensor(")) {
    out->kind = T2N_IV_TENSOR;
    const char *k;
    size_t kn;
    if (!read_string(r, &k, &kn)) return 0;
    if (key) *key = k;
    out->s = k; /* the key rides along, for tensors inside lists */
    out->slen = kn;
    if (eat(r, ",") && !read_tensor_type(r, out)) return 0;
    return eat(r, ")");
  }
  /* numbers: ints, then floats (1., 0.5, 1e-05, inf, -inf, nan) */
  char *e;
  long long iv = strtoll(p, &e, 10);
  if (e != p && !(*e && strchr(".eE", *e)) && !isalpha((unsigned char)*e)) {
    out->kind = T2N_IV_INT;
    out->i = iv;
    r->p = e;
    return 1;
  }
  double fv = strtod(p, &e);
  if (e != p) {
    out->kind = T2N_IV_FLOAT;
    out->f = fv;
    r->p = e;
    return 1;
  }
  return 0;
}

int t2n_mu_parse_value(t2n_module *m, const char *raw, t2n_ival *out, const char **key) {
  if (key) *key = NULL;
  if (!raw) return 0;
  rd r = {m, raw};
  if (!read_value(&r, out, key, 0)) return 0;
  ws(&r);
  return *r.p == 0;
}

const t2n_type *t2n_mu_tensor_type(t2n_module *m, const t2n_ival *iv) {
  if (iv->kind != T2N_IV_TENSOR || iv->rank < 0 || iv->dtype == T2N_DT_UNKNOWN)
    return t2n_type_get(m, "Tensor");
  return t2n_type_tensor(m, iv->dtype, iv->rank, iv->sizes, NULL);
}

/* ---- calls ---- */

int t2n_mu_is_call(const t2n_node *n) {
  return t2n_node_is(n, "prim::CallMethod") || t2n_node_is(n, "prim::CallFunction");
}

static int find_callee(t2n_graph *g, t2n_node *call, t2n_mu_callee *out, const char **why, int tree) {
  t2n_module *m = g->mod;
  memset(out, 0, sizeof *out);
  if (t2n_node_is(call, "prim::CallMethod")) {
    const t2n_attr *a = t2n_node_attr(call, "name");
    if (!a || a->kind != T2N_ATTR_STRING || call->ninputs < 1) {
      *why = "the call has no method name or receiver";
      return 0;
    }
    t2n_class *c = tree ? t2n_mu_class_of(g, call->inputs[0]) : class_of_type(m, call->inputs[0]);
    if (!c) {
      *why = "the receiver's class is not in the module text";
      return 0;
    }
    const t2n_method *mm = t2n_class_method(c, a->s);
    if (!mm) {
      *why = "the receiver's class has no such method";
      return 0;
    }
    out->graph = mm->graph;
    out->qualname = c->name;
    size_t l = strlen(c->name) + strlen(a->s) + 2;
    char *nm = t2n_arena_alloc(m->arena, l);
    snprintf(nm, l, "%s.%s", c->name, a->s);
    out->name = nm;
    out->first_arg = 0;
    return 1;
  }
  if (t2n_node_is(call, "prim::CallFunction")) {
    const t2n_node *fc = call->ninputs ? call->inputs[0]->def : NULL;
    const t2n_attr *a = fc && t2n_node_is(fc, "prim::Constant") ? t2n_node_attr(fc, "name") : NULL;
    if (!a || a->kind != T2N_ATTR_STRING) {
      *why = "the callee is not a prim::Constant[name=...] function";
      return 0;
    }
    int nargs = call->ninputs - 1, best = -1;
    t2n_function *pick = NULL;
    for (int i = 0; i < m->nfunctions; i++) {
      t2n_function *f = m->functions[i];
      const char *q = f->name, *dot = strrchr(q, '.');
      if (strcmp(dot ? dot + 1 : q, a->s) != 0) continue;
      t2n_block *top = f->graph->top;
      if (top->nparams != nargs) continue;
      int score = 0;
      for (int k = 0; k < nargs; k++) score += top->params[k]->type == call->inputs[k + 1]->type;
      if (score > best) best = score, pick = f;
    }
    if (!pick) {
      *why = t2n_module_function_by_short_name(m, a->s)
                 ? "no function of that name takes this many arguments"
                 : "the function is not in the module text";
      return 0;
    }
    out->graph = pick->graph;
    out->name = out->qualname = pick->name;
    out->first_arg = 1;
    return 1;
  }
  *why = "not a call";
  return 0;
}

int t2n_mu_find_callee(t2n_graph *g, t2n_node *call, t2n_mu_callee *out, const char **why) {
  const char *w;
  return find_callee(g, call, out, why ? why : &w, 1);
}

void t2n_mu_erase_dead_chain(t2n_value *v) {
  while (v && !v->nuses && v->def && v->def->noutputs == 1 && v->def->parent) {
    t2n_node *d = v->def;
    t2n_value *next = NULL;
    if (t2n_node_is(d, "prim::GetAttr")) next = d->inputs[0];
    else if (!(t2n_node_is(d, "prim::Constant") && t2n_node_attr(d, "name"))) return;
    t2n_node_erase(d);
    v = next;
  }
}

int t2n_mu_inline_call(t2n_graph *g, t2n_node *call, const t2n_mu_callee *c, const char **why) {
  t2n_block *src = c->graph->top;
  int nargs = call->ninputs - c->first_arg;
  if (src->nparams != nargs) {
    *why = "the call passes a different number of arguments than the callee takes";
    return -1;
  }
  if (src->ret->ninputs != call->noutputs) {
    *why = "the callee returns a different number of values than the call has outputs";
    return -1;
  }
  if (c->graph == g) {
    *why = "the call is recursive";
    return -1;
  }
  t2n_value **outs = t2n_arena_alloc(g->mod->arena, sizeof *outs * (size_t)(call->noutputs + 1));
  t2n_clone_block_into(src, call->inputs + c->first_arg, call->parent, call, outs);
  for (int i = 0; i < call->noutputs; i++) t2n_value_replace_all_uses(call->outputs[i], outs[i]);
  t2n_value *head = call->ninputs ? call->inputs[0] : NULL;
  t2n_node_erase(call);
  t2n_mu_erase_dead_chain(head);
  return 0;
}

typedef struct contains_ctx {
  t2n_graph *g;
  t2n_mu_node_pred pred;
  void *arg;
  int depth, found;
} contains_ctx;

static int contains_fn(t2n_node *n, void *p) {
  contains_ctx *c = p;
  if (c->pred(c->g, n, c->arg)) return c->found = 1;
  if (t2n_mu_is_call(n) && c->depth < 32) {
    t2n_mu_callee ce;
    const char *why;
    if (find_callee(c->g, n, &ce, &why, 0) && ce.graph != c->g) {
      contains_ctx sub = {ce.graph, c->pred, c->arg, c->depth + 1, 0};
      t2n_walk(ce.graph->top, contains_fn, &sub);
      if (sub.found) return c->found = 1;
    }
  }
  return 0;
}

int t2n_mu_body_contains(t2n_graph *callee, t2n_mu_node_pred pred, void *arg) {
  contains_ctx c = {callee, pred, arg, 0, 0};
  t2n_walk(callee->top, contains_fn, &c);
  return c.found;
}

typedef struct nodevec { t2n_node **v; int n, cap; } nodevec;

static void nv_push(nodevec *nv, t2n_node *n) {
  T2N_GROW(nv->v, nv->cap, nv->n + 1);
  nv->v[nv->n++] = n;
}

static int nv_has(const nodevec *nv, const t2n_node *n) {
  for (int i = 0; i < nv->n; i++)
    if (nv->v[i] == n) return 1;
  return 0;
}

static int collect_calls(t2n_node *n, void *p) {
  if (t2n_mu_is_call(n)) nv_push(p, n);
  return 0;
}

int t2n_mu_inline_rounds(t2n_pass_ctx *ctx, t2n_mu_inline_pred pred, void *arg, int max_rounds) {
  t2n_graph *g = ctx->graph;
  nodevec remarked = {0};
  int total = 0, round;
  for (round = 0; round < max_rounds; round++) {
    nodevec calls = {0};
    t2n_walk(g->top, collect_calls, &calls);
    int done = 0;
    for (int i = 0; i < calls.n; i++) {
      t2n_node *call = calls.v[i];
      t2n_mu_callee c;
      const char *why = NULL;
      int ok = t2n_mu_find_callee(g, call, &c, &why);
      if (ok && pred && !pred(ctx, call, &c, &why, arg)) ok = 0;
      if (ok && t2n_mu_inline_call(g, call, &c, &why) == 0) {
        done++;
        continue;
      }
      if (!nv_has(&remarked, call)) {
        nv_push(&remarked, call);
        const t2n_attr *a = t2n_node_attr(call, "name");
        if (!a && call->ninputs && call->inputs[0]->def) a = t2n_node_attr(call->inputs[0]->def, "name");
        t2n_remark(ctx, call, "%s%s%s left alone: %s", call->kind,
                   a && a->kind == T2N_ATTR_STRING ? " " : "",
                   a && a->kind == T2N_ATTR_STRING ? a->s : "", why ? why : "not inlined");
      }
    }
    free(calls.v);
    total += done;
    ctx->rewrites += done;
    if (!done) break;
  }
  if (round == max_rounds)
    t2n_report(ctx->diag, T2N_WARNING, NULL, "-%s: stopped inlining after %d rounds; calls may remain",
               ctx->pass_name ? ctx->pass_name : "inline", max_rounds);
  free(remarked.v);
  return total;
}

const t2n_node *t2n_mu_mutating_user(const t2n_value *v) { return t2n_value_writer(v, T2N_ALIAS_DEEP); }

/* ---- misc ---- */

t2n_value *t2n_mu_add_output(t2n_node *n, const char *name, const t2n_type *ty) {
  t2n_graph *g = n->parent->graph;
  n->outputs = t2n_arena_grow(g->mod->arena, n->outputs, sizeof *n->outputs * (size_t)n->noutputs,
                              sizeof *n->outputs * (size_t)(n->noutputs + 1));
  t2n_value *v = t2n_node_set_output(n, n->noutputs, t2n_graph_fresh_name(g, name), ty);
  n->noutputs++;
  return v;
}

const char *t2n_mu_where(t2n_module *m, const t2n_node *n) {
  if (n && n->source && *n->source) {
    const char *s = n->source, *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
  }
  if (n && n->line) {
    char buf[32];
    snprintf(buf, sizeof buf, "line %d", n->line);
    return t2n_intern(m, buf);
  }
  return "?";
}
