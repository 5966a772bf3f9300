/* Passes and the pass manager (lib/Transforms). The list of passes is
 * include/t2n/passes.def: one row per pass, its flag and a one-line summary. */
#ifndef T2N_PASS_H
#define T2N_PASS_H

#include "t2n/diag.h"
#include "t2n/ir.h"

/* Example inputs given on the command line (--input-shape, --input-value,
 * --example-inputs). Name matches a graph input's debug name with or without
 * its ".N" suffix, or a lifted state input. */
typedef struct t2n_example {
  const char *name;
  int is_tensor;
  t2n_dtype dtype;
  int rank;
  int64_t sizes[8];
  int is_scalar_value;   /* --input-value */
  int is_none;           /* --input-value NAME=None (an Optional input left out) */
  int scalar_is_float;
  int64_t ival;
  double fval;
  const void *data;      /* tensor data from --example-inputs, or NULL */
  size_t nbytes;
} t2n_example;

typedef struct t2n_pass_options {
  const char **resolvable;   /* extra --resolvable patterns */
  int nresolvable;
  int freeze;                /* -harden: 1 unless --no-freeze */
  const char *method;        /* method to transform in module text (default forward) */
  t2n_example *examples;
  int nexamples;
  void *torch;               /* libtorch backend handle (t2n_torch *), or NULL */
  struct t2n_safetensors **example_files; /* files the examples point into */
  int nexample_files;
} t2n_pass_options;

typedef struct t2n_pass_ctx {
  t2n_module *mod;
  t2n_graph *graph;          /* the graph being transformed */
  t2n_diag *diag;
  const t2n_pass_options *opts;
  int rewrites;              /* bumped by each rewrite a pass makes */
  const char *pass_name;
  int froze;                 /* set by -freeze when the module was frozen */
} t2n_pass_ctx;

/* A pass returns 0 on success, non-zero after reporting an error. */
typedef int (*t2n_pass_fn)(t2n_pass_ctx *ctx);

typedef struct t2n_pass_info {
  const char *flag;          /* "dce" for -dce */
  t2n_pass_fn run;
  const char *summary;
} t2n_pass_info;

#define T2N_PASS(flag, fn, summary) int fn(t2n_pass_ctx *ctx);
#include "t2n/passes.def"

typedef struct t2n_pipeline_info {
  const char *flag;
  const char *passes;        /* comma-separated pass flags */
  const char *summary;
} t2n_pipeline_info;
const t2n_pipeline_info *t2n_pipeline_lookup(const char *flag);
const t2n_pipeline_info *t2n_pipeline_table(int *n);

/* t2n-opt's whole behaviour; tools/t2n-opt only calls this. */
int t2n_opt_main(int argc, char **argv);

const t2n_pass_info *t2n_pass_lookup(const char *flag);
const t2n_pass_info *t2n_pass_table(int *n);

/* A remark about a candidate a pass left alone (shown with --pass-remarks). */
void t2n_remark(t2n_pass_ctx *ctx, const t2n_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Verifier (lib/IR/verify.c): reports each problem through d, returns count. */
int t2n_verify_graph(t2n_graph *g, t2n_diag *d, const char *what);
int t2n_verify_module(t2n_module *m, t2n_diag *d);

#endif
