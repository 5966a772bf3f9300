/* Parsing of example-input options. */
#include <stdlib.h>
#include <string.h>

#include "t2n/examples.h"

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
  o->examples = realloc(o->examples, sizeof *o->examples * (size_t)(o->nexamples + 1));
  t2n_example *e = &o->examples[o->nexamples++];
  memset(e, 0, sizeof *e);
  char *nm = malloc(n + 1);
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
  if (p == end || (end - p == 2 && strncmp(p, "[]", 2) == 0)) return 1; /* scalar tensor */
  while (p < end) {
    char *q;
    long long v = strtoll(p, &q, 10);
    if (q == p || v < 0 || e->rank == 8 || (q < end && *q != 'x')) {
      t2n_report(d, T2N_ERROR, NULL, "bad dimensions in --input-shape '%s' (use e.g. 2x1x128)", spec);
      return 0;
    }
    e->sizes[e->rank++] = v;
    p = q < end ? q + 1 : q;
  }
  return 1;
}

int t2n_example_parse_value(t2n_pass_options *o, const char *spec, t2n_diag *d) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1]) {
    t2n_report(d, T2N_ERROR, NULL, "--input-value expects NAME=NUMBER, not '%s'", spec);
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
  if (strcmp(eq + 1, "True") == 0 || strcmp(eq + 1, "true") == 0) { e->ival = 1; return 1; }
  if (strcmp(eq + 1, "False") == 0 || strcmp(eq + 1, "false") == 0) { e->ival = 0; return 1; }
  double fv = strtod(eq + 1, &q);
  if (*q != 0) {
    t2n_report(d, T2N_ERROR, NULL, "--input-value '%s' is not a number", spec);
    return 0;
  }
  e->scalar_is_float = 1;
  e->fval = fv;
  return 1;
}

int t2n_example_load_safetensors(t2n_pass_options *o, const char *path, t2n_diag *d) {
  t2n_safetensors *st = calloc(1, sizeof *st);
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
  o->example_files = realloc(o->example_files, sizeof *o->example_files * (size_t)(o->nexample_files + 1));
  o->example_files[o->nexample_files++] = st;
  return 1;
}

void t2n_examples_free(t2n_pass_options *o) {
  for (int i = 0; i < o->nexamples; i++) free((void *)o->examples[i].name);
  free(o->examples);
  for (int i = 0; i < o->nexample_files; i++) {
    t2n_safetensors_free(o->example_files[i]);
    free(o->example_files[i]);
  }
  free(o->example_files);
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
