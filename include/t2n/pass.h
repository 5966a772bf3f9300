/* Passes and the pass manager (lib/Transforms, lib/Pass). The list of passes
 * is include/t2n/passes.def: one row per pass with its flag, what it needs
 * and a one-line summary, its statistics, and the pipelines. */
#ifndef T2N_PASS_H
#define T2N_PASS_H

#include "t2n/diag.h"
#include "t2n/ir.h"
#include "t2n/limits.h"

/* Example inputs given on the command line (--input-shape, --input-value,
 * --example-inputs). Name matches a graph input's debug name with or without
 * its ".N" suffix, or a lifted state input. */
typedef struct t2n_example {
  const char *name;
  int is_tensor;
  t2n_dtype dtype;
  int rank;
  int64_t sizes[T2N_MAX_RANK];
  int is_scalar_value;   /* --input-value */
  int is_none;           /* --input-value NAME=None (an Optional input left out) */
  int scalar_is_float;
  int scalar_is_bool;    /* True / False */
  int64_t ival;
  double fval;
  const void *data;      /* tensor data from --example-inputs, or NULL */
  size_t nbytes;
  const char *origin;    /* the option that gave it, for messages ("--input-shape x=1x2") */
} t2n_example;

/* An example-input option as given, parsed and checked against the graph by
 * t2n_examples_apply (include/t2n/examples.h) once the graph is known. */
typedef enum { T2N_EXAMPLE_SHAPE, T2N_EXAMPLE_VALUE, T2N_EXAMPLE_FILE } t2n_example_spec_kind;
typedef struct t2n_example_spec {
  t2n_example_spec_kind kind;
  const char *text;          /* NAME=DIMS[:DTYPE], NAME=VALUE or a path */
} t2n_example_spec;

typedef struct t2n_pass_options {
  const char **resolvable;   /* extra --resolvable patterns */
  int nresolvable;
  const char *method;        /* method to transform in module text (default forward) */
  t2n_example_spec *specs;   /* the example-input options, in order */
  int nspecs;
  int specs_parsed;          /* examples made from specs (once per run of a tool) */
  t2n_example *examples;     /* parsed from specs, plus lifted state's defaults */
  int nexamples;
  /* The libtorch backend (a t2n_torch *) for a pass that needs tensor data:
   * made (and libtorch loaded) on the first call, NULL when unavailable.
   * Passes call t2n_pass_torch(ctx) rather than this directly. */
  void *(*get_torch)(void *arg);
  void *torch_arg;
  struct t2n_safetensors **example_files; /* files the examples point into */
  int nexample_files;
  int freeze_warned;         /* -freeze said it cannot freeze (once per run: -harden freezes twice) */
} t2n_pass_options;

/* What a pass needs around it (the `needs` column of passes.def). */
enum {
  T2N_NEEDS_NOTHING = 0,
  T2N_NEEDS_EXAMPLES = 1 << 0,
  T2N_NEEDS_TORCH = 1 << 1,
  T2N_NEEDS_STATE_NAMES = 1 << 2,
};

/* Named statistics (T2N_STAT rows): ctx->stats[T2N_STAT_ID]. */
typedef enum {
#define T2N_STAT(pass, id, key, summary) T2N_STAT_##id,
#include "t2n/passes.def"
  T2N_NSTATS
} t2n_stat_id;

/* Pipeline options (T2N_OPTION rows), picking between alternatives. */
typedef enum {
#define T2N_OPTION(id, name, summary) T2N_POPT_##id,
#include "t2n/passes.def"
  T2N_NPIPELINE_OPTIONS
} t2n_pipeline_option;

typedef struct t2n_pass_ctx {
  t2n_module *mod;
  t2n_graph *graph;          /* the graph being transformed */
  t2n_diag *diag;
  const t2n_pass_options *opts;
  int rewrites;              /* bumped by each rewrite a pass makes */
  const char *pass_name;
  long stats[T2N_NSTATS + 1]; /* the pass's named statistics */
} t2n_pass_ctx;

/* A pass returns 0 on success, non-zero after reporting an error. */
typedef int (*t2n_pass_fn)(t2n_pass_ctx *ctx);

typedef struct t2n_pass_info {
  const char *flag;          /* "dce" for -dce */
  t2n_pass_fn run;
  unsigned needs;            /* T2N_NEEDS_* */
  const char *summary;
} t2n_pass_info;

#define T2N_PASS(flag, fn, needs, summary) int fn(t2n_pass_ctx *ctx);
#include "t2n/passes.def"

typedef struct t2n_stat_info {
  const char *pass;          /* flag of the pass keeping it */
  const char *key;           /* its --diagnostics key */
  const char *summary;
} t2n_stat_info;
const t2n_stat_info *t2n_stat_table(int *n);

typedef struct t2n_pipeline_option_info {
  const char *name;          /* "no-freeze": t2n-opt --no-freeze */
  const char *summary;
} t2n_pipeline_option_info;
const t2n_pipeline_option_info *t2n_pipeline_option_table(int *n);

/* One step of a pipeline: `pass`, or `alt` when option `option` is set;
 * or, with `repeat`, no pass: the steps from the first step of `pass` up to
 * here run again while a round of them rewrote anything (at most
 * T2N_MAX_PIPELINE_ROUNDS rounds in all). */
typedef struct t2n_pipeline_step {
  const char *pass;
  const char *alt;           /* NULL: no alternative */
  int option;                /* a t2n_pipeline_option when alt is set */
  int repeat;
} t2n_pipeline_step;

typedef struct t2n_pipeline_info {
  const char *flag;
  const char *summary;
  const t2n_pipeline_step *steps; /* ended by a step whose pass is NULL */
} t2n_pipeline_info;
const t2n_pipeline_info *t2n_pipeline_lookup(const char *flag);
const t2n_pipeline_info *t2n_pipeline_table(int *n);

const t2n_pass_info *t2n_pass_lookup(const char *flag);
const t2n_pass_info *t2n_pass_table(int *n);

/* The libtorch backend handle for a pass (T2N_NEEDS_TORCH), made on first
 * use; NULL when the backend is not built or cannot be loaded. */
void *t2n_pass_torch(const t2n_pass_ctx *ctx);

/* ---- the pass manager (lib/Pass/manager.c) ----
 * Holds a pipeline and runs it on a module: checks the example inputs
 * against the graph, verifies the input (and after each pass with
 * verify_each), compares with torch after each pass (verify_semantics),
 * times passes, prints the IR after each pass, filters remarks and collects
 * per-pass counts for the --diagnostics JSON. t2n-opt is argv handling over
 * it; the exporter and a Python binding drive the same object. */
typedef struct t2n_pass_manager t2n_pass_manager;

typedef struct t2n_pm_config {
  int verify_each;           /* run the verifier after every pass */
  int verify_semantics;      /* compare torch's outputs after every pass */
  double semantics_atol;     /* its tolerance (default 1e-6) */
  int time_passes;           /* print each pass's time, and the phases' at t2n_pm_report_times */
  int print_ir_after_all;    /* print the transformed graph after each pass that changed it */
  const char *diagnostics;   /* write the per-pass counts as JSON here (NULL: no) */
  const char *input_path;    /* the input file, to find module text's weights ("-": stdin) */
  int any_example_names;     /* an example naming no input is no error (--split-input-file:
                              * one set of options for many graphs) */
  const char *const *remark_passes; /* with diag->remarks: only these passes' remarks (NULL: all) */
  int nremark_passes;
  int report_leftovers;      /* after a pipeline with -harden: warn about what an exporter
                              * cannot take (t2n-opt; the exporter's lowering says it itself) */
  int require_flat;          /* ... and make that an error (--require-flat) */
} t2n_pm_config;

t2n_pass_manager *t2n_pm_new(t2n_diag *d);
void t2n_pm_free(t2n_pass_manager *pm);
t2n_pm_config *t2n_pm_get_config(t2n_pass_manager *pm);
/* The options passes see: examples (their specs), --resolvable, method. */
t2n_pass_options *t2n_pm_pass_options(t2n_pass_manager *pm);
/* Appends a pass or a pipeline by flag ("dce", "harden"); an unknown flag is
 * an error that suggests the closest one. Returns 0 after reporting. */
int t2n_pm_add(t2n_pass_manager *pm, const char *flag);
/* 1 when n is a kind -harden removes and an exporter cannot take (a call,
 * If, Loop, TupleIndex, prim::data, raise, GetAttr, SetAttr: the table of
 * lib/Pass/flat.c, which --require-flat and the leftovers warning use too). */
int t2n_node_is_harden_leftover(const t2n_node *n);
int t2n_pm_add_pass(t2n_pass_manager *pm, const t2n_pass_info *p);
int t2n_pm_add_pipeline(t2n_pass_manager *pm, const t2n_pipeline_info *p);
int t2n_pm_npasses(const t2n_pass_manager *pm);
/* Drops the pipeline (options, examples and the backend stay), so one
 * manager can run a different pipeline on the next module. */
void t2n_pm_clear(t2n_pass_manager *pm);
/* The passes the last t2n_pm_run ran, in order: flag and rewrite count. */
int t2n_pm_nruns(const t2n_pass_manager *pm);
const char *t2n_pm_run_info(const t2n_pass_manager *pm, int i, int *rewrites);
void t2n_pm_set_option(t2n_pass_manager *pm, t2n_pipeline_option opt, int on);
/* A backend handle the caller already has (a .jit input's); the manager
 * frees it. Without one, a handle is made when a pass or check needs it. */
void t2n_pm_set_torch(t2n_pass_manager *pm, void *torch);
/* Adds `secs` to a phase reported by --time-passes ("parsing"). */
void t2n_pm_add_time(t2n_pass_manager *pm, const char *phase, double secs);
/* Runs the pipeline on `m` (graph `method` of pass options, default
 * forward). With no pass, the input is still checked (the verifier). Returns
 * 0 on success; errors are reported through the manager's t2n_diag. */
int t2n_pm_run(t2n_pass_manager *pm, t2n_module *m);
/* With time_passes: the phases, the torch backend's load and the total. */
void t2n_pm_report_times(t2n_pass_manager *pm);
/* Monotonic seconds, for callers timing their own phases. */
double t2n_pm_now(void);

/* t2n-opt's whole behaviour; tools/t2n-opt only calls this. */
int t2n_opt_main(int argc, char **argv);

/* A remark about a candidate a pass left alone (shown with --pass-remarks). */
void t2n_remark(t2n_pass_ctx *ctx, const t2n_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Verifier (lib/IR/verify.c): reports each problem through d, returns count. */
/* Whether prim::Loop n unrolls (-unroll-loops): 0 and its trip count, or 1
 * and why not (in why). */
int t2n_loop_unroll_blocker(t2n_module *m, const t2n_node *n, int64_t *trip, char *why, size_t nwhy);
int t2n_verify_graph(t2n_graph *g, t2n_diag *d, const char *what);
int t2n_verify_module(t2n_module *m, t2n_diag *d);

#endif
