/* Parsing of example-input options. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/examples.h"
#include "t2n/alloc.h"

static const struct { const char *name; t2n_dtype dt; } short_names[] = {
    {"f32", T2N_DT_FLOAT32}, {"f64", T2N_DT_FLOAT64}, {"f16", T2N_DT_FLOAT16},
    {"bf16", T2N_DT_BFLOAT16}, {"i64", T2N_DT_INT64}, {"i32", T2N_DT_INT32},
    {"i16", T2N_DT_INT16}, {"i8", T2N_DT_INT8}, {"u8", T2N_DT_UINT8},
    {"bool", T2N_DT_BOOL}, {"F32", T2N_DT_FLOAT32}, {"F64", T2N_DT_FLOAT64},
    {"F16", T2N_DT_FLOAT16}, {"BF16", T2N_DT_BFLOAT16}, {"I64", T2N_DT_INT64},
    {"I32", T2N_DT_INT32}, {"I16", T2N_DT_INT16}, {"I8", T2N_DT_INT8},
    {"U8", T2N_DT_UINT8}, {"BOOL", T2N_DT_BOOL}};

t2n_dtype t2n_dtype_from_short(const char *s) {
  for (size_t i = 0; i < sizeof short_names / sizeof short_names[0]; i++)
    if (strcmp(short_names[i].name, s) == 0) return short_names[i].dt;
  return t2n_dtype_from_name(s);
}

static t2n_example *add(t2n_pass_options *o, const char *name, size_t n) {
  o->examples = t2n_xrealloc(o->examples, sizeof *o->examples * (size_t)(o->nexamples + 1));
  t2n_example *e = &o->examples[o->nexamples++];
  memset(e, 0, sizeof *e);
  char *nm = t2n_xmalloc(n + 1);
  memcpy(nm, name, n);
  nm[n] = 0;
  e->name = nm;
  return e;
}

int t2n_example_parse_shape(t2n_pass_options *o, const char *spec, t2n_diag *d) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec) {
    t2n_report(d, T2N_ERROR, NULL, "--input-shape expects NAME=DIMS[:DTYPE], e.g. x=1x576:f32, not '%s'", spec);
    return 0;
  }
  t2n_example *e = add(o, spec, (size_t)(eq - spec));
  e->is_tensor = 1;
  e->dtype = T2N_DT_FLOAT32;
  const char *p = eq + 1, *colon = strchr(p, ':');
  if (colon) {
    e->dtype = t2n_dtype_from_short(colon + 1);
    if (e->dtype < 0) {
      t2n_report(d, T2N_ERROR, NULL, "unknown dtype '%s' in --input-shape", colon + 1);
      return 0;
    }
  }
  const char *end = colon ? colon : p + strlen(p);
  e->rank = 0;
  int64_t count = 1;
  if (p == end || (end - p == 2 && strncmp(p, "[]", 2) == 0)) return 1; /* scalar tensor */
  while (p < end) {
    char *q;
    long long v = *p >= '0' && *p <= '9' ? strtoll(p, &q, 10) : (q = (char *)p, -1);
    /* A dimension is digits; "1x" (nothing after the last x) and "0x-1" are
     * malformed. */
    if (q == p || v < 0 || q > end || e->rank == T2N_MAX_RANK || (q < end && (*q != 'x' || q + 1 == end))) {
      t2n_report(d, T2N_ERROR, NULL, "bad dimensions in --input-shape '%s' (use e.g. 2x1x128)", spec);
      return 0;
    }
    /* strtoll saturates at LLONG_MAX: a size that does not fit reads as it. */
    if (v == LLONG_MAX || (v > 0 && count > INT64_MAX / v)) {
      t2n_report(d, T2N_ERROR, NULL, "--input-shape '%s': the element count overflows int64", spec);
      return 0;
    }
    if (v > 0) count *= v;
    e->sizes[e->rank++] = v;
    p = q < end ? q + 1 : q;
  }
  return 1;
}

int t2n_example_parse_value(t2n_pass_options *o, const char *spec, t2n_diag *d) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1]) {
    t2n_report(d, T2N_ERROR, NULL, "--input-value expects NAME=VALUE (a number, True, False or None), not '%s'", spec);
    return 0;
  }
  t2n_example *e = add(o, spec, (size_t)(eq - spec));
  e->is_scalar_value = 1;
  char *q;
  long long iv = strtoll(eq + 1, &q, 10);
  if (*q == 0) {
    e->ival = iv;
    e->fval = (double)iv;
    return 1;
  }
  if (strcmp(eq + 1, "None") == 0) { e->is_none = 1; return 1; }
  if (strcmp(eq + 1, "True") == 0 || strcmp(eq + 1, "true") == 0) { e->ival = 1; e->scalar_is_bool = 1; return 1; }
  if (strcmp(eq + 1, "False") == 0 || strcmp(eq + 1, "false") == 0) { e->ival = 0; e->scalar_is_bool = 1; return 1; }
  double fv = strtod(eq + 1, &q);
  if (*q != 0 || q == eq + 1) {
    t2n_report(d, T2N_ERROR, NULL, "--input-value '%s' is not a number", spec);
    return 0;
  }
  e->scalar_is_float = 1;
  e->fval = fv;
  return 1;
}

int t2n_example_load_safetensors(t2n_pass_options *o, const char *path, t2n_diag *d) {
  t2n_safetensors *st = t2n_xcalloc(1, sizeof *st);
  if (!t2n_safetensors_read(path, st, d)) {
    free(st);
    return 0;
  }
  for (int i = 0; i < st->ntensors; i++) {
    const t2n_st_tensor *t = &st->tensors[i];
    t2n_example *e = add(o, t->name, strlen(t->name));
    e->is_tensor = 1;
    e->dtype = t->dtype;
    e->rank = t->rank;
    memcpy(e->sizes, t->sizes, sizeof e->sizes);
    e->data = t->data;
    e->nbytes = t->nbytes;
  }
  /* The file stays mapped for the run: examples point into it. */
  o->example_files = t2n_xrealloc(o->example_files, sizeof *o->example_files * (size_t)(o->nexample_files + 1));
  o->example_files[o->nexample_files++] = st;
  return 1;
}

/* The parsed examples only; the specs stay (each module of a
 * --split-input-file run parses them again). */
static void clear_examples(t2n_pass_options *o) {
  for (int i = 0; i < o->nexamples; i++) {
    free((void *)o->examples[i].name);
    free((void *)o->examples[i].origin);
  }
  free(o->examples);
  for (int i = 0; i < o->nexample_files; i++) {
    t2n_safetensors_free(o->example_files[i]);
    free(o->example_files[i]);
  }
  free(o->example_files);
  o->examples = NULL;
  o->nexamples = 0;
  o->example_files = NULL;
  o->nexample_files = 0;
}

void t2n_examples_free(t2n_pass_options *o) {
  clear_examples(o);
  free(o->specs);
  o->specs = NULL;
  o->nspecs = 0;
  o->specs_parsed = 0;
}

void t2n_example_add_spec(t2n_pass_options *o, t2n_example_spec_kind kind, const char *text) {
  o->specs = t2n_xrealloc(o->specs, sizeof *o->specs * (size_t)(o->nspecs + 1));
  o->specs[o->nspecs].kind = kind;
  o->specs[o->nspecs].text = text;
  o->nspecs++;
}

/* ---- checking the examples against the graph ---- */

static int name_matches(const char *ex, const char *vname) {
  if (strcmp(ex, vname) == 0) return 1;
  size_t n = strlen(ex);
  const char *rest = vname + n;
  return strncmp(ex, vname, n) == 0 && rest[0] == '.' && rest[1] && strspn(rest + 1, "0123456789") == strlen(rest + 1);
}

/* "%x.1 : Tensor, %sr : int" (malloc'ed). */
static char *list_inputs(t2n_graph *g) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = t2n_xopen_memstream(&buf, &len);
  int n = t2n_graph_ninputs(g);
  for (int i = 0; i < n; i++) {
    const t2n_value *v = t2n_graph_input(g, i);
    fprintf(f, "%s%%%s : %s", i ? ", " : "", v->name, v->type ? v->type->text : "?");
  }
  if (!n) fputs("none", f);
  fclose(f);
  return buf;
}

static void note_inputs(t2n_graph *g, t2n_diag *d) {
  char *l = list_inputs(g);
  t2n_report(d, T2N_NOTE, NULL, "the graph's inputs are: %s", l);
  free(l);
}

static int is_scalar(const t2n_type *t, const char *name) {
  return t && t->kind == T2N_TY_SCALAR && t->name && strcmp(t->name, name) == 0;
}

/* Why example `e` cannot stand for an input of type `ty`, or NULL. */
static const char *mismatch(const t2n_example *e, const t2n_type *ty) {
  if (!ty) return NULL;
  int optional = 0;
  if (ty->kind == T2N_TY_OPTIONAL && ty->nelems == 1) {
    optional = 1;
    ty = ty->elems[0];
  }
  if (e->is_none) return optional || is_scalar(ty, "NoneType") ? NULL : "None for an input that is not Optional";
  if (e->is_tensor) return ty->kind == T2N_TY_TENSOR ? NULL : "a tensor for an input that is not a Tensor";
  if (ty->kind == T2N_TY_TENSOR) return "a scalar value for a Tensor input (give its shape with --input-shape)";
  if (is_scalar(ty, "int")) {
    if (e->scalar_is_bool) return "a bool for an int input";
    if (e->scalar_is_float) return "a float for an int input";
  }
  if (is_scalar(ty, "float") && e->scalar_is_bool) return "a bool for a float input";
  if (is_scalar(ty, "bool") && !e->scalar_is_bool) return "a number for a bool input (use True or False)";
  return NULL;
}

int t2n_examples_check(const t2n_pass_options *o, t2n_graph *g, int allow_state_names, t2n_diag *d) {
  int errors = 0, n = t2n_graph_ninputs(g);
  for (int i = 0; i < o->nexamples; i++) {
    const t2n_example *e = &o->examples[i];
    const char *origin = e->origin ? e->origin : e->name;
    int found = -1;
    for (int k = 0; k < n && found < 0; k++)
      if (name_matches(e->name, t2n_graph_input(g, k)->name)) found = k;
    if (found < 0) {
      /* -lift-state makes inputs named after the state ("self.h") later. */
      if (allow_state_names == T2N_EXAMPLES_ANY_NAME) continue;
      if (allow_state_names && strncmp(e->name, "self.", 5) == 0) continue;
      t2n_report(d, T2N_ERROR, NULL, "%s: the graph has no input named '%s'", origin, e->name);
      errors++;
      continue;
    }
    for (int j = 0; j < i; j++)
      if (name_matches(o->examples[j].name, t2n_graph_input(g, found)->name)) {
        t2n_report(d, T2N_ERROR, NULL, "%s: input %%%s already has an example (%s)", origin,
                   t2n_graph_input(g, found)->name, o->examples[j].origin ? o->examples[j].origin : o->examples[j].name);
        errors++;
        break;
      }
    const t2n_value *v = t2n_graph_input(g, found);
    const char *why = mismatch(e, v->type);
    if (why) {
      t2n_report(d, T2N_ERROR, NULL, "%s: %s (%%%s : %s)", origin, why, v->name, v->type->text);
      errors++;
    }
  }
  if (errors) note_inputs(g, d);
  return errors == 0;
}

int t2n_examples_apply(t2n_pass_options *o, t2n_graph *g, int allow_state_names, t2n_diag *d) {
  /* Parsed once: with --split-input-file the later inputs keep the defaults
   * -lift-state registered for earlier ones (see lift-state.c). */
  if (o->specs_parsed) return t2n_examples_check(o, g, allow_state_names, d);
  o->specs_parsed = 1;
  clear_examples(o);
  int errors0 = d->nerrors;
  for (int i = 0; i < o->nspecs; i++) {
    const t2n_example_spec *s = &o->specs[i];
    int first = o->nexamples;
    const char *opt = s->kind == T2N_EXAMPLE_SHAPE ? "--input-shape" : s->kind == T2N_EXAMPLE_VALUE ? "--input-value" : "--example-inputs";
    int ok = s->kind == T2N_EXAMPLE_SHAPE   ? t2n_example_parse_shape(o, s->text, d)
             : s->kind == T2N_EXAMPLE_VALUE ? t2n_example_parse_value(o, s->text, d)
                                            : t2n_example_load_safetensors(o, s->text, d);
    if (!ok) continue;
    for (int k = first; k < o->nexamples; k++) {
      t2n_example *e = &o->examples[k];
      char *origin = NULL;
      size_t olen = 0;
      FILE *f = t2n_xopen_memstream(&origin, &olen);
      if (s->kind == T2N_EXAMPLE_FILE) fprintf(f, "%s %s: tensor '%s'", opt, s->text, e->name);
      else fprintf(f, "%s %s", opt, s->text);
      fclose(f);
      e->origin = origin;
    }
  }
  if (d->nerrors > errors0) {
    note_inputs(g, d);
    return 0;
  }
  return t2n_examples_check(o, g, allow_state_names, d);
}

static int complete_tensor_type(const t2n_type *t) {
  if (!t || t->kind != T2N_TY_TENSOR || t->rank < 0 || t->dtype == T2N_DT_UNKNOWN) return 0;
  for (int i = 0; i < t->rank; i++)
    if (t->sizes[i] < 0) return 0;
  return 1;
}

int t2n_examples_missing(const t2n_pass_options *o, t2n_graph *g, const char *who, int as_error, t2n_diag *d) {
  int missing = 0, n = t2n_graph_ninputs(g);
  for (int k = 0; k < n; k++) {
    const t2n_value *v = t2n_graph_input(g, k);
    if (!v->type || t2n_example_for(o, v->name)) continue;
    const char *dot = strrchr(v->name, '.');
    int base = dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1) ? (int)(dot - v->name) : (int)strlen(v->name);
    if (v->type->kind == T2N_TY_OPTIONAL) {
      /* Not an error: the checks on it (`mask is None`) just stay. */
      const t2n_type *e = v->type->nelems == 1 ? v->type->elems[0] : NULL;
      int tensor = e && e->kind == T2N_TY_TENSOR;
      if (tensor)
        t2n_report(d, T2N_WARNING, NULL,
                   "no example for the optional input %%%s : %s: %s leaves the checks on it (`is None`) in the "
                   "graph (give --input-value %.*s=None, or --input-shape %.*s=DIMS for a tensor)",
                   v->name, v->type->text, who, base, v->name, base, v->name);
      else
        t2n_report(d, T2N_WARNING, NULL,
                   "no example for the optional input %%%s : %s: %s leaves the checks on it (`is None`) in the "
                   "graph (give --input-value %.*s=None, or its value)", v->name, v->type->text, who, base, v->name);
      continue;
    }
    if (v->type->kind != T2N_TY_TENSOR || complete_tensor_type(v->type)) continue;
    t2n_report(d, as_error ? T2N_ERROR : T2N_WARNING, NULL,
               "no example for the tensor input %%%s : %s, which %s needs (give --input-shape %.*s=DIMS or "
               "--example-inputs)", v->name, v->type->text, who, base, v->name);
    missing++;
  }
  return missing;
}

const t2n_example *t2n_example_for(const t2n_pass_options *o, const char *name) {
  for (int i = 0; i < o->nexamples; i++)
    if (strcmp(o->examples[i].name, name) == 0) return &o->examples[i];
  const char *dot = strrchr(name, '.');
  if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
    size_t n = (size_t)(dot - name);
    for (int i = 0; i < o->nexamples; i++)
      if (strlen(o->examples[i].name) == n && strncmp(o->examples[i].name, name, n) == 0) return &o->examples[i];
  }
  return NULL;
}
