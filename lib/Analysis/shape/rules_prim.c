/* Shape inference rules: constants, containers, prim ops, scalars, and the
 * size queries (size, dim, numel, len). */
#include "shape_internal.h"

void t2n_sh_r_constant(rc *c) {
  const t2n_attr *a = t2n_node_attr(c->n, "value");
  const t2n_type *ty = OTY(c, 0);
  if (c->n->noutputs != 1) return;
  if (!a) {
    if (c->n->nattrs == 0) c->out[0].kind = T2N_IV_NONE;
    return; /* Function constants (name=) */
  }
  if (ty && ty->kind == T2N_TY_TENSOR) {
    if (ty->rank >= 0) {
      t2n_sh_fact_from_type(c->f, ty, &c->out[0]);
      c->strides_set[0] = 1;
      return;
    }
    t2n_ival lit;
    if (t2n_ival_parse_literal(c->f->m, c->f->a, a->raw, ty, &lit) && lit.kind == T2N_IV_TENSOR &&
        lit.rank >= 0) {
      c->out[0] = lit;
      return;
    }
    if (a->raw[0] == '{') { /* a 0-dim tensor constant: {1.5} */
      t2n_ival *o = T(c, 0);
      o->rank = 0;
      o->dtype = ty->dtype;
      set_dev(o, "cpu");
    }
    return;
  }
  t2n_ival_parse_literal(c->f->m, c->f->a, a->raw, ty, &c->out[0]);
}

static t2n_ival *copy_ivals(t2n_shape_facts *f, int n, const t2n_ival *const *src) {
  t2n_ival *e = t2n_arena_alloc(f->a, sizeof *e * (size_t)(n + 1));
  for (int i = 0; i < n; i++) e[i] = *src[i];
  return e;
}

void t2n_sh_r_construct(rc *c, const t2n_sh_construct_params *p) {
  const t2n_ival *src[256];
  if (c->nin > 256) return;
  for (int i = 0; i < c->nin; i++) src[i] = IN(c, i);
  t2n_ival *o = &c->out[0];
  t2n_ival_set_unknown(o);
  o->kind = p->container;
  o->n = c->nin;
  o->elems = copy_ivals(c->f, c->nin, src);
}

void t2n_sh_r_unpack(rc *c) { /* ListUnpack, TupleUnpack */
  const t2n_ival *x = IN(c, 0);
  if ((x->kind == T2N_IV_LIST || x->kind == T2N_IV_TUPLE) && x->n == c->n->noutputs)
    for (int k = 0; k < x->n; k++) c->out[k] = x->elems[k];
}

void t2n_sh_r_tuple_index(rc *c) {
  const t2n_ival *x = IN(c, 0);
  int64_t i;
  if (x->kind != T2N_IV_TUPLE || !cint(c, 1, &i)) return;
  if (i < 0) i += x->n;
  if (i >= 0 && i < x->n) c->out[0] = x->elems[i];
}

void t2n_sh_r_tuple_slice(rc *c) { /* prim::TupleSlice[beg=, end=](t) */
  const t2n_ival *x = IN(c, 0);
  const t2n_attr *b = t2n_node_attr(c->n, "beg"), *e = t2n_node_attr(c->n, "end");
  if (x->kind != T2N_IV_TUPLE || !b || !e || b->kind != T2N_ATTR_INT || e->kind != T2N_ATTR_INT) return;
  if (b->i < 0 || e->i > x->n || b->i > e->i) return;
  t2n_ival *o = &c->out[0];
  o->kind = T2N_IV_TUPLE;
  o->n = (int)(e->i - b->i);
  o->elems = x->elems + b->i;
}

void t2n_sh_r_dtype(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->dtype >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = t->dtype;
  }
}

void t2n_sh_r_device(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->s) {
    c->out[0].kind = T2N_IV_DEVICE;
    c->out[0].s = t->s;
    c->out[0].slen = strlen(t->s);
  }
}

/* prim::type(device): `x.device.type`, the device without its index. */
void t2n_sh_r_device_type(rc *c) {
  const t2n_ival *d = IN(c, 0);
  if (d->kind != T2N_IV_DEVICE || !d->s) return;
  size_t l = 0;
  while (l < d->slen && d->s[l] != ':') l++;
  c->out[0].kind = T2N_IV_STR;
  c->out[0].s = d->s;
  c->out[0].slen = l;
}

/* prim::requires_grad(t), as the scripted module runs in torch's default
 * grad mode (aten::is_grad_enabled is True, t2n_sh_r_global_mode): an
 * example input does not require grad; a module parameter (a tensor read
 * from the weights, as -freeze makes them) does, as an nn.Parameter does
 * by default. The checks that ask (MultiheadAttention's and
 * TransformerEncoderLayer's fast path) then take the composite path, which
 * computes the same function as the fused one and is made of ops the
 * exporters lower. Anything else (a tensor computed here) is unknown. */
static int weights_constant(const t2n_node *n) {
  const t2n_attr *a = t2n_node_attr(n, "value");
  return a && a->raw && strncmp(a->raw, "tensor(", 7) == 0;
}

void t2n_sh_r_requires_grad(rc *c) {
  const t2n_value *v = c->n->inputs[0];
  const t2n_ival *t = ctensor(c, 0);
  if (!t) return;
  while (v->def && v->def->op == T2N_OP_prim_unchecked_cast && v->def->ninputs == 1) v = v->def->inputs[0];
  int r;
  if (v->param_of && !v->param_of->owner && c->f->depth == 0) r = 0; /* an input: examples are plain tensors */
  else if (v->def->op == T2N_OP_prim_Constant && weights_constant(v->def)) r = 1;
  else return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = r;
}

void t2n_sh_r_is_device(rc *c, const t2n_sh_is_device_params *p) { /* is_cuda, is_cpu, is_mps, is_meta */
  const t2n_ival *t = ctensor(c, 0);
  if (!t || !t->s) return;
  size_t l = strlen(p->device);
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = strncmp(t->s, p->device, l) == 0 && (t->s[l] == 0 || t->s[l] == ':');
}

void t2n_sh_r_layout(rc *c) {
  if (ctensor(c, 0)) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = 0; /* torch.strided */
  }
}

/* Same value (and object) as input 0: prim::data, detach, alias, casts. */
void t2n_sh_r_identity(rc *c) {
  c->out[0] = *IN(c, 0);
  c->out_obj = fact_obj(c->f, c->n->inputs[0]);
  c->strides_set[0] = 1;
}

/* aten::copy of a list or dict (copy.t, copy.Dict_*): a fresh container of
 * the same elements; copy(self, src, non_blocking) of tensors: self's shape,
 * dtype and device (src broadcasts into it). */
void t2n_sh_r_copy(rc *c) {
  if (is_tensor_arg(c, 0)) {
    t2n_sh_r_same_preserve(c);
    return;
  }
  c->out[0] = *IN(c, 0);
  c->strides_set[0] = 1;
}

void t2n_sh_r_num_to_tensor(rc *c) {
  const t2n_ival *x = IN(c, 0);
  const t2n_type *ty = TY(c, 0);
  t2n_ival *o = T(c, 0);
  o->rank = 0;
  set_dev(o, "cpu");
  if (x->kind == T2N_IV_BOOL || t2n_type_is(ty, "bool")) o->dtype = T2N_DT_BOOL;
  else if (x->kind == T2N_IV_INT || t2n_type_is(ty, "int")) o->dtype = T2N_DT_INT64;
  else if (x->kind == T2N_IV_FLOAT || t2n_type_is(ty, "float")) o->dtype = T2N_DT_FLOAT64;
  /* A 0-dim tensor made from a known number carries it (n = 1, i / f). */
  if (x->kind == T2N_IV_INT || x->kind == T2N_IV_BOOL || x->kind == T2N_IV_FLOAT) {
    o->n = 1;
    o->i = x->i;
    o->f = x->kind == T2N_IV_FLOAT ? x->f : (double)x->i;
  }
}

/* aten::Bool / Int / Float (p->sop: the conversion), aten::item, ScalarImplicit. */
void t2n_sh_r_convert(rc *c, const t2n_sh_convert_params *p) {
  if (is_tensor_arg(c, 0)) {
    const t2n_ival *t = ctensor(c, 0);
    if (!has_value(t)) {
      why_data(c);
      return;
    }
    t2n_ival v;
    tensor_value(t, &v);
    if (!p->sop.set) {
      c->out[0] = v;
      return;
    }
    t2n_scalar_unary(p->sop.op, &v, OTY(c, 0), &c->out[0]);
    return;
  }
  if (!p->sop.set) {
    c->out[0] = *IN(c, 0);
    return;
  }
  t2n_scalar_unary(p->sop.op, IN(c, 0), OTY(c, 0), &c->out[0]);
}

void t2n_sh_r_needs_data(rc *c) { why_data(c); }

void t2n_sh_r_getattr(rc *c) {
  const t2n_object *obj = fact_obj(c->f, c->n->inputs[0]);
  const t2n_attr *a = t2n_node_attr(c->n, "name");
  if (!a || a->kind != T2N_ATTR_STRING) return;
  if (!obj) {
    why(c, T2N_WHY_OTHER,
        t2n_sh_fmtstr(c->f, "attribute '%s' of an object the graph does not know (no module text, or not frozen)",
                      a->s));
    return;
  }
  for (int i = 0; i < c->f->nwritten; i++)
    if (strcmp(c->f->written[i], a->s) == 0) {
      why(c, T2N_WHY_OTHER,
          t2n_sh_fmtstr(c->f, "module attribute '%s' is written by prim::SetAttr (lift it with -lift-state)", a->s));
      return;
    }
  const t2n_field *fl = t2n_object_field(obj, a->s);
  if (!fl)
    for (int i = 0; i < obj->nparams; i++)
      if (strcmp(obj->params[i].name, a->s) == 0) fl = &obj->params[i];
  if (!fl) return;
  if (fl->obj) {
    c->out_obj = fl->obj;
    return;
  }
  /* tensor("KEY") with no type tells nothing of the tensor */
  if (!t2n_ival_parse_literal(c->f->m, c->f->a, fl->raw, OTY(c, 0), &c->out[0]) ||
      (c->out[0].kind == T2N_IV_TENSOR && c->out[0].rank < 0)) {
    t2n_ival_set_unknown(&c->out[0]);
    return;
  }
  if (c->out[0].kind == T2N_IV_TENSOR) {
    t2n_sh_tf_contig(c->f, &c->out[0]);
    c->strides_set[0] = 1;
  }
}

void t2n_sh_r_uninitialized(rc *c) {
  why(c, T2N_WHY_OTHER, "prim::Uninitialized (a value only read on a path that raised)");
}

static int type_may_be_none(const t2n_type *t) {
  if (!t) return 1;
  if (t->kind == T2N_TY_OPTIONAL || t->kind == T2N_TY_UNION) return 1;
  return t2n_type_is(t, "NoneType") || t2n_type_is(t, "Any");
}

/* The objects tensor value v may be: itself, and, where its op may return
 * an input (a view, contiguous(), to(), unchecked_cast: the op table's
 * output alias), what that input may be, back to the graph's inputs
 * (each example is a tensor of its own). Returns how many were put in
 * out[cap], or -1 when not known (a block output, an element of a
 * container, a constant: -freeze may give one parameter several, ...). */
static int objects_of(const rc *c, const t2n_value *v, const t2n_value **out, int cap) {
  int n = 0;
  for (;;) {
    if (!t2n_type_is_tensor(v->type) || n == cap) return -1;
    out[n++] = v;
    if (v->param_of) return !v->param_of->owner && c->f->depth == 0 ? n : -1;
    const t2n_node *d = v->def;
    if (!d || !d->op || d->nblocks || d->op == T2N_OP_prim_Constant || t2n_op_output_from_container(d, v->index))
      return -1;
    int a = t2n_op_output_aliases(d, v->index);
    if (a == -1) return n; /* a new tensor */
    if (a < 0 || a >= d->ninputs) return -1;
    v = d->inputs[a];
  }
}

/* Are a and b surely different objects (no object both may be)? */
static int different_objects(const rc *c, const t2n_value *a, const t2n_value *b) {
  const t2n_value *oa[16], *ob[16];
  int na = objects_of(c, a, oa, 16), nb = objects_of(c, b, ob, 16);
  if (na < 0 || nb < 0) return 0;
  for (int i = 0; i < na; i++)
    for (int j = 0; j < nb; j++)
      if (oa[i] == ob[j]) return 0;
  return 1;
}

void t2n_sh_r_is(rc *c, const t2n_sh_is_params *p) { /* __is__, __isnot__ (p->negate) */
  const t2n_ival *a = IN(c, 0), *b = IN(c, 1);
  int an = a->kind == T2N_IV_NONE, bn = b->kind == T2N_IV_NONE;
  int a_some = (a->kind != T2N_IV_UNKNOWN && !an) || !type_may_be_none(TY(c, 0));
  int b_some = (b->kind != T2N_IV_UNKNOWN && !bn) || !type_may_be_none(TY(c, 1));
  int r = -1;
  /* The same SSA value is the same object (`query is key` in
   * MultiheadAttention's self-attention check). */
  if (c->nin == 2 && c->n->inputs[0] == c->n->inputs[1]) r = 1;
  else if (an && bn) r = 1;
  else if (c->nin == 2 && different_objects(c, c->n->inputs[0], c->n->inputs[1])) r = 0;
  else if ((an && b_some) || (bn && a_some)) r = 0;
  if (r < 0) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = p->negate ? !r : r;
}

void t2n_sh_r_size(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (!t || t->rank < 0) return;
  if (c->nin >= 2) {
    int64_t d;
    if (!cint(c, 1, &d) || !wrap_dim(d, t->rank, &d) || t->rank == 0) return;
    if (t->sizes[d] >= 0) {
      c->out[0].kind = T2N_IV_INT;
      c->out[0].i = t->sizes[d];
    }
    return;
  }
  t2n_ival *e = t2n_arena_alloc(c->f->a, sizeof *e * (size_t)(t->rank + 1));
  for (int i = 0; i < t->rank; i++) {
    t2n_ival_set_unknown(&e[i]);
    if (t->sizes[i] >= 0) {
      e[i].kind = T2N_IV_INT;
      e[i].i = t->sizes[i];
    }
  }
  c->out[0].kind = T2N_IV_LIST;
  c->out[0].n = t->rank;
  c->out[0].elems = e;
}

void t2n_sh_r_dim(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  if (t && t->rank >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = t->rank;
  }
}

void t2n_sh_r_numel(rc *c) {
  const t2n_ival *t = ctensor(c, 0);
  int64_t n = t ? numel_of(t) : -1;
  if (n >= 0) {
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = n;
  }
}

/* The number of distinct keys of a prim::DictConstruct nothing changes:
 * -1 when a key is not a known constant. */
static int64_t dict_len(const rc *c, const t2n_value *d) {
  const t2n_node *dc = d->def;
  if (!dc || dc->op != T2N_OP_prim_DictConstruct || dc->ninputs % 2 || t2n_sh_is_mutated(c->f, d)) return -1;
  int64_t n = 0;
  for (int i = 0; i < dc->ninputs; i += 2) {
    const t2n_ival *k = fact(c->f, dc->inputs[i]);
    if (!t2n_ival_is_complete(k)) return -1;
    int dup = 0;
    for (int j = 0; j < i && !dup; j += 2) {
      int e = t2n_ival_equal(k, fact(c->f, dc->inputs[j]));
      if (e < 0) return -1;
      dup = e;
    }
    n += !dup;
  }
  return n;
}

void t2n_sh_r_len(rc *c) {
  const t2n_ival *x = IN(c, 0);
  int64_t dn = dict_len(c, c->n->inputs[0]);
  if (dn >= 0) { /* len(getattr(m, "_forward_hooks", {})) */
    c->out[0].kind = T2N_IV_INT;
    c->out[0].i = dn;
    return;
  }
  if (x->kind == T2N_IV_TENSOR) {
    if (x->rank > 0 && x->sizes[0] >= 0) {
      c->out[0].kind = T2N_IV_INT;
      c->out[0].i = x->sizes[0];
    }
    return;
  }
  t2n_scalar_unary(T2N_SOP_STR_LEN, x, OTY(c, 0), &c->out[0]);
}

void t2n_sh_r_getitem(rc *c) {
  const t2n_ival *x = IN(c, 0);
  int64_t i;
  if (!cint(c, 1, &i)) return;
  if (x->kind == T2N_IV_LIST || x->kind == T2N_IV_TUPLE) {
    if (i < 0) i += x->n;
    if (i >= 0 && i < x->n) c->out[0] = x->elems[i];
  } else if (x->kind == T2N_IV_STR) {
    if (i < 0) i += (int64_t)x->slen;
    if (i >= 0 && i < (int64_t)x->slen) {
      c->out[0].kind = T2N_IV_STR;
      c->out[0].s = x->s + i;
      c->out[0].slen = 1;
    }
  }
}

void t2n_sh_r_contains(rc *c) {
  const t2n_ival *l = IN(c, 0), *x = IN(c, 1);
  if (l->kind == T2N_IV_STR && x->kind == T2N_IV_STR) {
    int found = 0;
    for (size_t i = 0; !found && i + x->slen <= l->slen; i++)
      if (memcmp(l->s + i, x->s, x->slen) == 0) found = 1;
    c->out[0].kind = T2N_IV_BOOL;
    c->out[0].i = found;
    return;
  }
  if (l->kind != T2N_IV_LIST && l->kind != T2N_IV_TUPLE) return;
  int any_unknown = 0;
  for (int i = 0; i < l->n; i++) {
    int e = t2n_ival_equal(&l->elems[i], x);
    if (e == 1) {
      c->out[0].kind = T2N_IV_BOOL;
      c->out[0].i = 1;
      return;
    }
    if (e < 0) any_unknown = 1;
  }
  if (any_unknown) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = 0;
}

void t2n_sh_r_scalar_unary(rc *c, const t2n_sh_scalar_unary_params *p) { t2n_scalar_unary(p->op, IN(c, 0), OTY(c, 0), &c->out[0]); }

/* prim::min / prim::max: of two scalars, or of a list. */
void t2n_sh_r_prim_minmax(rc *c, const t2n_sh_prim_minmax_params *p) {
  if (c->nin == 2) {
    t2n_scalar_binary(c->f->a, p->op, IN(c, 0), IN(c, 1), OTY(c, 0), &c->out[0]);
    return;
  }
  const t2n_ival *l = IN(c, 0);
  if (l->kind != T2N_IV_LIST || l->n == 0) return;
  t2n_ival acc = l->elems[0];
  for (int i = 1; i < l->n; i++) {
    t2n_ival r;
    if (!t2n_scalar_binary(c->f->a, p->op, &acc, &l->elems[i], NULL, &r)) return;
    acc = r;
  }
  c->out[0] = acc;
}

void t2n_sh_r_range_length(rc *c) {
  int64_t lo, hi, step;
  if (!cint(c, 0, &lo) || !cint(c, 1, &hi) || !cint(c, 2, &step) || step == 0) return;
  int64_t n = 0;
  if (step > 0 && lo < hi) n = (hi - lo - 1) / step + 1;
  else if (step < 0 && lo > hi) n = (lo - hi - 1) / (-step) + 1;
  c->out[0].kind = T2N_IV_INT;
  c->out[0].i = n;
}

void t2n_sh_r_derive_index(rc *c) {
  int64_t idx, start, step;
  if (!cint(c, 0, &idx) || !cint(c, 1, &start) || !cint(c, 2, &step)) return;
  c->out[0].kind = T2N_IV_INT;
  c->out[0].i = start + idx * step;
}

void t2n_sh_r_is_floating_point(rc *c, const t2n_sh_is_floating_point_params *p) { /* is_floating_point, is_complex, is_signed */
  const t2n_ival *t = ctensor(c, 0);
  if (!t || t->dtype < 0) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = p->test == DTEST_FLOAT     ? dt_is_float(t->dtype)
              : p->test == DTEST_COMPLEX ? dt_is_complex(t->dtype)
                            : (t->dtype != T2N_DT_UINT8 && t->dtype != T2N_DT_BOOL);
}

/* prim::is_nested(t): a tensor whose shape is known is dense: every shape
 * rule makes strided tensors, and example inputs are strided. */
void t2n_sh_r_is_nested(rc *c) {
  if (!ctensor(c, 0) || ctensor(c, 0)->rank < 0) return;
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = 0;
}

/* The global modes a scripted model asks about, as an inference run sees
 * them. Grad mode (p->autocast 0): aten::is_grad_enabled is True, torch's default: the branches
 * it chooses between (MultiheadAttention's and TransformerEncoderLayer's
 * fused fast path, or the composite path) compute the same function, and
 * the composite one is made of ops the exporters lower. p->autocast 1:
 * autocast is off (aten::is_autocast_enabled, is_autocast_cpu_enabled). */
void t2n_sh_r_global_mode(rc *c, const t2n_sh_global_mode_params *p) {
  c->out[0].kind = T2N_IV_BOOL;
  c->out[0].i = !p->autocast;
}

void t2n_sh_r_nothing(rc *c) { (void)c; }
