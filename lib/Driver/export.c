/* t2n-export: a JIT-only model to an NNEF archive tract runs.
 *
 *   load (.jit through the libtorch backend, t2n module text, or graph text)
 *   -> run_pipeline: -harden when calls, Ifs, attributes or assertions are left, then
 *      -infer-shapes, the verifier after each pass
 *   -> t2n_nnef_lower (lib/NNEF) -> t2n_nnef_write (graph.nnef + .dat files,
 *      a folder, .tar or .tgz written under a temporary name)
 *   -> --check-io: utils/t2n-check-io runs the export in tract and the
 *      input model in torch (t2n-run) on the same seeded random inputs.
 *
 * The options table below gives --help and the option list of
 * docs/exporting-jit-only-models.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export_internal.h"
#include "t2n/examples.h"
#include "t2n/alloc.h"
#include "t2n/nnef.h"
#include "t2n/options.h"
#include "t2n/pass.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

/* Options read from include/t2n/options.def (their help text too). */
static const t2n_option_id table_ids[] = {T2N_O_DYNAMIC_AXIS, T2N_O_TARGET};
#define TABLE_OPTIONS(X) /* printed by table_usage() */

/* OPTION(spelling, value placeholder or NULL, help) */
#define EXPORT_OPTIONS(X)                                                                                      \
  X("-o", "OUT", "output: OUT.nnef.tgz / OUT.tgz a gzip'd tar, OUT.tar a tar, anything else a folder")      \
  X("--method", "NAME", "method of the root module to export (default forward)")                            \
  X("--submodule", "PATH", "with a .jit input: export this submodule (a.b.c)")                              \
  X("--weights", "FILE", "safetensors weights of a graph-text input (module text names its own)")           \
  X("--input-shape", "NAME=1x576[:f32]", "example tensor input: the NNEF input's shape (repeatable)")       \
  X("--input-value", "NAME=VALUE", "a scalar input's value, specialised into the export (repeatable)")      \
  X("--example-inputs", "FILE", "example inputs by name from a safetensors file")                           \
  X("--input-names", "A,B", "NNEF names of the tensor inputs, in order (default: the graph's names)")       \
  X("--output-names", "A,B", "NNEF names of the outputs, tuples flattened (default: the graph's names)")    \
  X("--no-harden", NULL, "do not run -harden even when calls, Ifs, attributes or assertions are left")                  \
  X("--tract-version", "V", "record 'written for tract V' as a comment in graph.nnef")                      \
  X("--compression-level", "N", "gzip level of a .tgz: 0 (default) store, at copy speed; 1 Huffman only; 2-9 zlib's") \
  X("--quiet", NULL, "no summary line and no progress line")                                                \
  X("--check-io", NULL, "run the export in tract and the input in torch on the same random inputs and "     \
                        "compare each output (utils/t2n-check-io; needs the libtorch backend and tract)")    \
  X("--check-tolerance", "X", "--check-io tolerance (default 1e-4; relative above magnitude 1)")            \
  X("--pass-remarks", NULL, "say why candidates a pass looked at were left alone (as t2n-opt)")            \
  X("--diagnostics", "FILE.json", "write the passes run, their rewrite counts and the export's size")       \
  X("--print", NULL, "print graph.nnef to stdout instead of writing OUT (no weights are written)")           \
  X("--split-input-file", NULL, "with --print: export each '// -----' separated chunk on its own (tests)")   \
  TABLE_OPTIONS(X)                                                                                              \
  X("--help", NULL, "print this help")                                                                      \
  X("--version", NULL, "print the version")

typedef struct export_args {
  const char *input, *output, *method, *submodule, *weights, *diagnostics, *tract_version;
  const char *input_names, *output_names;
  int no_harden, quiet, check_io, print, split_input;
  double tolerance;
  int compression_level;      /* --compression-level, 0 unless given */
  t2n_pass_manager *pm;       /* runs the export pipeline (lib/Pass) */
  t2n_pass_options *popts;    /* the manager's: examples, method */
  void *torch;                /* a .jit input's backend handle (the manager owns it) */
  t2n_diag *diag;
  t2n_dynamic_axis *dyn;      /* --dynamic-axis, in order */
  int ndyn;
  t2n_nnef_target target;     /* --target */
  /* the user's --input-value / --input-shape flags, passed on to t2n-run */
  const char **passthru;
  int npassthru;
} export_args;

static void usage(FILE *out) {
  fputs("usage: t2n-export INPUT -o OUT [OPTIONS]\n\n"
        "Exports a TorchScript model to NNEF for tract. INPUT is a .jit archive\n"
        "(libtorch backend), t2n module text (weights from the safetensors file it\n"
        "names) or one graph text with --weights. Runs -harden when the graph still\n"
        "has calls, Ifs, attributes or assertions, then -prepare-export (when built in) and\n"
        "-infer-shapes, then lowers every op\n"
        "(docs/nnef-ops.md lists them). Nothing is written on error, and an older\n"
        "OUT is left as it was.\n\nOptions:\n", out);
#define X(flag, val, help)                                                                                     \
  {                                                                                                            \
    char left[64];                                                                                             \
    snprintf(left, sizeof left, "%s%s%s", flag, val ? " " : "", val ? val : "");                              \
    fprintf(out, "  %-34s %s\n", left, help);                                                                  \
  }
  EXPORT_OPTIONS(X)
#undef X
  int n;
  const t2n_option_info *tab = t2n_option_table(&n);
  for (size_t k = 0; k < sizeof table_ids / sizeof table_ids[0]; k++) {
    const t2n_option_info *t = &tab[table_ids[k]];
    char left[64];
    snprintf(left, sizeof left, "%s %s", t->name, t->metavar);
    fprintf(out, "  %-34s %s\n", left, t->help);
  }
}

static int take(int argc, char **argv, int *i, const char *name, const char **val, t2n_diag *d) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != 0) return 0;
  if (*i + 1 >= argc) {
    t2n_report(d, T2N_ERROR, NULL, "option '%s' needs a value", name);
    *val = NULL;
    return 1;
  }
  *val = argv[++*i];
  return 1;
}

/* --dynamic-axis and --target, spelt as options.def has them. */
static int take_table(int argc, char **argv, int *i, export_args *o, t2n_diag *d, int *ok) {
  int n;
  const t2n_option_info *tab = t2n_option_table(&n);
  const char *v;
  *ok = 1;
  if (take(argc, argv, i, tab[T2N_O_DYNAMIC_AXIS].name, &v, d)) {
    o->dyn = t2n_xrealloc(o->dyn, sizeof *o->dyn * (size_t)(o->ndyn + 1));
    if (!v || !t2n_dynamic_axis_parse(v, &o->dyn[o->ndyn], d)) *ok = 0;
    else o->ndyn++;
    return 1;
  }
  if (take(argc, argv, i, tab[T2N_O_TARGET].name, &v, d)) {
    if (v && strcmp(v, "tract") == 0) o->target = T2N_TARGET_TRACT;
    else if (v && strcmp(v, "khronos") == 0) o->target = T2N_TARGET_KHRONOS;
    else {
      if (v) t2n_report(d, T2N_ERROR, NULL, "--target expects tract or khronos, not '%s'", v);
      *ok = 0;
    }
    return 1;
  }
  return 0;
}

static void passthru(export_args *o, const char *flag, const char *v) {
  o->passthru = t2n_xrealloc(o->passthru, sizeof *o->passthru * (size_t)(o->npassthru + 2));
  o->passthru[o->npassthru++] = flag;
  o->passthru[o->npassthru++] = v;
}

static int parse_args(int argc, char **argv, export_args *o, t2n_diag *d, int *exit_now) {
  const char *v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      *exit_now = 1;
      return 1;
    }
    if (strcmp(a, "--version") == 0) {
      printf("t2n-export %s\n", T2N_VERSION);
      *exit_now = 1;
      return 1;
    }
#define STR(flag, field)                                                                                       \
  if (take(argc, argv, &i, flag, &v, d)) {                                                                     \
    if (!v) return 0;                                                                                          \
    o->field = v;                                                                                              \
    continue;                                                                                                  \
  }
    STR("-o", output)
    STR("--method", method)
    STR("--submodule", submodule)
    STR("--weights", weights)
    STR("--diagnostics", diagnostics)
    STR("--tract-version", tract_version)
    STR("--input-names", input_names)
    STR("--output-names", output_names)
#undef STR
    if (take(argc, argv, &i, "--input-shape", &v, d)) {
      if (!v || !(t2n_example_add_spec(o->popts, T2N_EXAMPLE_SHAPE, v), 1)) return 0;
      passthru(o, "--input-shape", v);
      continue;
    }
    if (take(argc, argv, &i, "--input-value", &v, d)) {
      if (!v || !(t2n_example_add_spec(o->popts, T2N_EXAMPLE_VALUE, v), 1)) return 0;
      passthru(o, "--input-value", v);
      continue;
    }
    if (take(argc, argv, &i, "--example-inputs", &v, d)) {
      if (!v || !(t2n_example_add_spec(o->popts, T2N_EXAMPLE_FILE, v), 1)) return 0;
      passthru(o, "--example-inputs", v);
      continue;
    }
    if (take(argc, argv, &i, "--compression-level", &v, d)) {
      char *end;
      long lv = v ? strtol(v, &end, 10) : -1;
      if (!v || *end || end == v || lv < 0 || lv > 9) {
        t2n_report(d, T2N_ERROR, NULL, "--compression-level expects a number from 0 to 9");
        return 0;
      }
      o->compression_level = (int)lv;
      continue;
    }
    if (take(argc, argv, &i, "--check-tolerance", &v, d)) {
      char *end;
      if (!v || (o->tolerance = strtod(v, &end), *end) || !(o->tolerance > 0)) {
        t2n_report(d, T2N_ERROR, NULL, "--check-tolerance expects a positive number");
        return 0;
      }
      continue;
    }
    int ok;
    if (take_table(argc, argv, &i, o, d, &ok)) {
      if (!ok) return 0;
      continue;
    }
    if (strcmp(a, "--no-harden") == 0) { o->no_harden = 1; continue; }
    if (strcmp(a, "--quiet") == 0) { o->quiet = 1; continue; }
    if (strcmp(a, "--check-io") == 0) { o->check_io = 1; continue; }
    if (strcmp(a, "--print") == 0) { o->print = 1; continue; }
    if (strcmp(a, "--pass-remarks") == 0) { d->remarks = 1; continue; }
    if (strcmp(a, "--split-input-file") == 0) { o->split_input = 1; continue; }
    if (a[0] == '-' && a[1]) {
      t2n_report(d, T2N_ERROR, NULL, "unknown option '%s' (see --help)", a);
      return 0;
    }
    if (o->input) {
      t2n_report(d, T2N_ERROR, NULL, "more than one input ('%s' and '%s')", o->input, a);
      return 0;
    }
    o->input = a;
  }
  if (!o->input) {
    t2n_report(d, T2N_ERROR, NULL, "no input file (see --help)");
    return 0;
  }
  if (o->split_input && !o->print) {
    t2n_report(d, T2N_ERROR, NULL, "--split-input-file needs --print");
    return 0;
  }
  if (o->ndyn && o->target == T2N_TARGET_KHRONOS) {
    t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis needs --target=tract: standard NNEF has no symbols in shapes");
    return 0;
  }
  if (!o->output && !o->print) {
    t2n_report(d, T2N_ERROR, NULL, "no output: give -o OUT.nnef.tgz (see --help)");
    return 0;
  }
  return 1;
}

static t2n_module *load(export_args *o, t2n_diag *d) {
  return t2n_load_input(o->input, o->submodule, o->pm, &o->torch,
                        "dump the model with utils/t2n-dump and export the module text", d);
}

/* ---- weights ---- */
/* The weights file of the input: --weights, else the one module text names
 * (relative to the text's folder). NULL when there is none. malloc'ed. */
static char *weights_path(const export_args *o, const t2n_module *m) {
  if (o->weights) return t2n_xstrdup(o->weights);
  return t2n_module_weights_path(m, o->input);
}

static int load_weights(export_args *o, t2n_module *m, t2n_safetensors *st, int *have, t2n_diag *d) {
  *have = 0;
#ifdef T2N_HAVE_TORCH
  if (o->torch) { /* the input was an archive */
    /* Its tensors stream from the archive's own mapping (or from libtorch's
     * memory when they had to be read), without a safetensors copy. */
    const t2n_torch_weight *ws;
    const void *map;
    size_t map_size;
    int n = t2n_torch_weights(o->torch, &ws, &map, &map_size, d);
    if (n < 0) return 0;
    t2n_safetensors_view(st, map, map_size);
    for (int i = 0; i < n; i++)
      if (!t2n_safetensors_view_add(st, ws[i].name, ws[i].dtype, ws[i].rank, ws[i].sizes, ws[i].data, ws[i].nbytes,
                                    d)) {
        t2n_safetensors_free(st);
        return 0;
      }
    *have = 1;
    return 1;
  }
#endif
  char *p = weights_path(o, m);
  if (!p) return 1;
  if (access(p, R_OK) != 0) {
    t2n_report(d, T2N_ERROR, NULL, "cannot read the weights '%s': %s", p, strerror(errno));
    free(p);
    return 0;
  }
  int ok = t2n_safetensors_read(p, st, d);
  free(p);
  *have = ok;
  return ok;
}

/* ---- the pipeline ---- */
typedef struct pass_stat { const char *flag; int rewrites; } pass_stat;

/* -harden runs when the graph holds anything it removes (flat.c's table:
 * a buffer's GetAttr alone needs -freeze) or an aten::warn. */
static int node_needs_harden(t2n_node *n, void *ctx) {
  (void)ctx;
  return t2n_node_is_harden_leftover(n) || t2n_node_is(n, "aten::warn");
}

/* The export pipeline: -harden (when needed), -prepare-export, then
 * -infer-shapes, run by the library pass manager as t2n-opt runs its
 * passes (the verifier after each one). The passes run are copied into *st
 * for the --diagnostics JSON. */
static int run_pipeline(t2n_module *m, t2n_graph *g, export_args *o, t2n_diag *d, pass_stat **st, int *nst) {
  t2n_pass_manager *pm = o->pm;
  t2n_pm_clear(pm);
  int ok = 1;
  if (!o->no_harden && t2n_walk(g->top, node_needs_harden, NULL)) ok = t2n_pm_add(pm, "harden");
  if (ok && t2n_pipeline_lookup("prepare-export")) ok = t2n_pm_add(pm, "prepare-export");
  if (ok) ok = t2n_pm_add(pm, "infer-shapes");
  if (!ok) return 1;
  int rc = t2n_pm_run(pm, m);
  int n = t2n_pm_nruns(pm);
  *st = t2n_xrealloc(*st, sizeof **st * (size_t)(*nst + n + 1));
  for (int i = 0; i < n; i++) {
    (*st)[*nst].flag = t2n_pm_run_info(pm, i, &(*st)[*nst].rewrites);
    (*nst)++;
  }
  return rc;
}

/* ---- names ---- */
static const char **split_names(const char *s, int *n) {
  *n = 0;
  if (!s) return NULL;
  const char **out = NULL;
  char *copy = t2n_xstrdup(s), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    out = t2n_xrealloc(out, sizeof *out * (size_t)(*n + 1));
    out[(*n)++] = t2n_xstrdup(t);
  }
  free(copy);
  return out;
}

static void free_names(const char **v, int n) {
  for (int i = 0; i < n; i++) free((void *)v[i]);
  free(v);
}

static void write_diagnostics(const char *path, int ok, const pass_stat *st, int n, const t2n_nnef_graph *g,
                              t2n_diag *d) {
  FILE *f = fopen(path, "w");
  if (!f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
    return;
  }
  fprintf(f, "{\n  \"ok\": %s,\n  \"errors\": %d,\n  \"passes\": [", ok ? "true" : "false", d->nerrors);
  for (int i = 0; i < n; i++)
    fprintf(f, "%s\n    {\"pass\": \"%s\", \"rewrites\": %d}", i ? "," : "", st[i].flag, st[i].rewrites);
  size_t bytes = 0;
  for (int i = 0; g && i < g->nvars; i++) bytes += g->vars[i].nbytes;
  fprintf(f, "\n  ],\n  \"nnef\": {\"ops\": %d, \"variables\": %d, \"weight_bytes\": %zu, \"inputs\": %d, \"outputs\": %d}\n}\n",
          g ? g->nops : 0, g ? g->nvars : 0, bytes, g ? g->ninputs : 0, g ? g->noutputs : 0);
  fclose(f);
}

/* ---- --check-io ---- */
#ifndef T2N_SOURCE_DIR
#define T2N_SOURCE_DIR "."
#endif

/* The folder of this executable (for t2n-run beside it). */
static char *exe_dir(void) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return t2n_xstrdup(".");
  buf[n] = 0;
  char *slash = strrchr(buf, '/');
  if (slash) *slash = 0;
  return t2n_xstrdup(buf);
}

static int check_io(export_args *o, const t2n_nnef_graph *g, const char **tnames, const char *ref_outputs,
                    t2n_diag *d) {
  const char *py = getenv("T2N_PYTHON");
  char pybuf[4096], script[4096], run[4096], tol[64];
  if (!py) {
    snprintf(pybuf, sizeof pybuf, "%s/.venv/bin/python", T2N_SOURCE_DIR);
    py = access(pybuf, X_OK) == 0 ? pybuf : "python3";
  }
  snprintf(script, sizeof script, "%s/utils/t2n-check-io", T2N_SOURCE_DIR);
  char *dir = exe_dir();
  snprintf(run, sizeof run, "%s/t2n-run", dir);
  free(dir);
  snprintf(tol, sizeof tol, "%g", o->tolerance > 0 ? o->tolerance : 1e-4);
  int cap = 32 + 2 * g->ninputs + o->npassthru;
  const char **argv = t2n_xcalloc((size_t)cap, sizeof *argv);
  char **owned = t2n_xcalloc((size_t)g->ninputs + 1, sizeof *owned);
  int k = 0;
  argv[k++] = py;
  argv[k++] = script;
  argv[k++] = o->output;
  argv[k++] = "--t2n-run";
  argv[k++] = run;
  argv[k++] = "--tolerance";
  argv[k++] = tol;
  if (ref_outputs && ref_outputs[0]) argv[k++] = "--ref-outputs", argv[k++] = ref_outputs;
  for (int i = 0; i < g->ninputs; i++) {
    const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, g->inputs[i]);
    char buf[1024];
    int p = snprintf(buf, sizeof buf, "%s=%s:", t->name, tnames[i]);
    for (int r = 0; r < t->rank && p < (int)sizeof buf - 24; r++)
      p += snprintf(buf + p, sizeof buf - (size_t)p, "%s%lld", r ? "x" : "", (long long)t->sizes[r]);
    if (t->rank == 0) p += snprintf(buf + p, sizeof buf - (size_t)p, "scalar");
    snprintf(buf + p, sizeof buf - (size_t)p, ":%s", t2n_nnef_dtype_name(t->dtype));
    owned[i] = t2n_xstrdup(buf);
    argv[k++] = "--input";
    argv[k++] = owned[i];
  }
  argv[k++] = "--";
  argv[k++] = o->input;
  if (o->method) argv[k++] = "--method", argv[k++] = o->method;
  if (o->submodule) argv[k++] = "--submodule", argv[k++] = o->submodule;
  if (o->weights) argv[k++] = "--weights", argv[k++] = o->weights;
  for (int i = 0; i < o->npassthru; i += 2)
    if (strcmp(o->passthru[i], "--input-value") == 0) argv[k++] = o->passthru[i], argv[k++] = o->passthru[i + 1];
  argv[k] = NULL;
  fflush(stdout);
  fflush(stderr);
  /* tract aborts the process on some bad graphs: always a child. */
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "t2n-export: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0, rc = 1;
  if (pid > 0 && waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status)) rc = WEXITSTATUS(status);
    else t2n_report(d, T2N_ERROR, NULL, "--check-io: the checker died (signal %d)", WTERMSIG(status));
  }
  if (rc == 0) {
    /* ok */
  } else if (rc == 1) {
    t2n_report(d, T2N_ERROR, NULL, "--check-io: the export's outputs differ from torch's (tolerance %s)", tol);
  } else {
    t2n_report(d, T2N_ERROR, NULL, "--check-io: the check could not run (exit %d)", rc);
  }
  for (int i = 0; i < g->ninputs; i++) free(owned[i]);
  free(owned);
  free(argv);
  return rc == 0 ? 0 : 1;
}

/* The t2n name of each NNEF input, in order (tensor inputs, self skipped). */
static const char **t2n_input_names(t2n_graph *tg, int *n) {
  *n = 0;
  const char **out = t2n_xcalloc((size_t)tg->top->nparams + 1, sizeof *out);
  for (int i = 0; i < tg->top->nparams; i++)
    if (t2n_type_is_tensor(tg->top->params[i]->type)) out[(*n)++] = tg->top->params[i]->name;
  return out;
}

/* A probe of --dynamic-axis: the pipeline and the lowering of a fresh copy
 * of the input (module text printed before the pipeline ran). */
typedef struct probe_arg {
  export_args *o;
  const char *text;
  size_t len;
  const t2n_safetensors *w;
  const t2n_lower_options *lo;
} probe_arg;

static t2n_nnef_graph *lower_probe(void *arg, t2n_module **keep, t2n_diag *d) {
  probe_arg *pa = arg;
  pass_stat *st = NULL;
  int nst = 0;
  *keep = t2n_parse(pa->text, pa->len, pa->o->input, d);
  if (*keep) {
    /* Later messages quote source lines, as t2n_parse_file keeps them. */
    (*keep)->source = t2n_arena_strndup((*keep)->arena, pa->text, pa->len);
    (*keep)->source_len = pa->len;
    (*keep)->source_name = t2n_intern(*keep, pa->o->input);
  }
  t2n_graph *g = *keep ? t2n_module_target_graph(*keep, pa->o->method, d) : NULL;
  t2n_nnef_graph *ng = NULL;
  if (g && !run_pipeline(*keep, g, pa->o, d, &st, &nst)) ng = t2n_nnef_lower(*keep, g, pa->o->popts, pa->w, pa->lo, d);
  free(st);
  return ng;
}

/* Exports one module: pipeline, lowering, then writing (or with --print,
 * graph.nnef on stdout). Returns 0 on success. */
static int export_module(export_args *o, t2n_module *m, t2n_diag *d) {
  int rc = 1, have_w = 0;
  t2n_nnef_graph *ng = NULL;
  t2n_safetensors w;
  memset(&w, 0, sizeof w);
  pass_stat *st = NULL;
  int nst = 0;
  t2n_lower_options lo = {0};
  char ref_outputs[4096] = "";
  char *text = NULL;
  t2n_graph *g = t2n_module_target_graph(m, o->method, d);
  if (!g) goto done;
  if (!load_weights(o, m, &w, &have_w, d)) goto done;
  /* t2n-run names the reference outputs after the input's return values;
   * the passes may rename them, so they are taken now. */
  for (int i = 0; g->top->ret && i < g->top->ret->ninputs; i++) {
    size_t l = strlen(ref_outputs);
    snprintf(ref_outputs + l, sizeof ref_outputs - l, "%s%s", i ? "," : "", g->top->ret->inputs[i]->name);
  }
  size_t text_len = 0;
  if (o->ndyn) {
    /* The axes are checked before any pass runs, so a misspelt name is the
     * first error, not a failure further down. */
    if (!t2n_examples_apply(o->popts, g, o->split_input ? T2N_EXAMPLES_ANY_NAME : 0, d) ||
        !t2n_export_dynamic_check(o->popts, g, o->dyn, o->ndyn, d))
      goto done;
    /* Probes parse the input file again (messages then point into it), or
     * a printed copy of a .jit's module, stdin, or a --split-input-file chunk. */
    int reread = !o->split_input && strcmp(o->input, "-") != 0 && !t2n_input_is_archive(o->input);
    if (reread ? !t2n_read_file(o->input, &text, &text_len, d) : !(text = t2n_module_to_string(m, &text_len))) goto done;
  }
  if (run_pipeline(m, g, o, d, &st, &nst)) goto done;
  lo.input_names = split_names(o->input_names, &lo.ninput_names);
  lo.output_names = split_names(o->output_names, &lo.noutput_names);
  lo.tract_version = o->tract_version;
  lo.standard_only = o->target == T2N_TARGET_KHRONOS;
  ng = t2n_nnef_lower(m, g, o->popts, have_w ? &w : NULL, &lo, d);
  if (!ng) goto done;
  if (o->ndyn) {
    probe_arg pa = {o, text, text_len, have_w ? &w : NULL, &lo};
    if (t2n_export_dynamic(o->popts, g, o->dyn, o->ndyn, ng, lower_probe, &pa, d)) goto done;
  }
  if (o->target == T2N_TARGET_KHRONOS && t2n_khronos_rewrite(ng, d)) goto done;
  if (o->print) {
    t2n_nnef_print(stdout, ng);
    rc = fflush(stdout) != 0;
    goto done;
  }
  if (t2n_nnef_write(ng, o->output, !o->quiet, o->compression_level, d)) goto done;
  if (!o->quiet) {
    size_t bytes = 0;
    for (int i = 0; i < ng->nvars; i++) bytes += ng->vars[i].nbytes;
    fprintf(stderr, "t2n-export: wrote %s (%d NNEF ops, %d inputs, %d outputs, %d variables, %.1f MB of weights)\n",
            o->output, ng->nops, ng->ninputs, ng->noutputs, ng->nvars, (double)bytes / 1e6);
  }
  rc = 0;
  if (o->check_io) {
    int n;
    const char **tn = t2n_input_names(g, &n);
    if (n != ng->ninputs) {
      t2n_report(d, T2N_ERROR, NULL, "--check-io: %d NNEF inputs for %d tensor inputs", ng->ninputs, n);
      rc = 1;
    } else {
      rc = check_io(o, ng, tn, ref_outputs, d);
    }
    free(tn);
  }
done:
  /* Written on failure too: which passes ran, and how far the export got. */
  if (o->diagnostics) write_diagnostics(o->diagnostics, rc == 0, st, nst, ng, d);
  t2n_nnef_graph_free(ng);
  if (have_w) t2n_safetensors_free(&w);
  free_names(lo.input_names, lo.ninput_names);
  free_names(lo.output_names, lo.noutput_names);
  free(st);
  free(text);
  return rc;
}

/* --split-input-file (tests): each chunk between "// -----" lines is
 * exported on its own, the others blanked so line numbers stay those of
 * the file. Used with --print. */
static int split_chunk(t2n_module *m, int index, void *arg) {
  export_args *o = arg;
  if (index) fputs("// -----\n", stdout);
  return !m || export_module(o, m, o->diag);
}

static int export_split(export_args *o, t2n_diag *d) {
  char *buf;
  size_t len;
  if (!t2n_read_file(o->input, &buf, &len, d)) return 1;
  const char *name = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
  int rc = t2n_parse_split(buf, len, name, d, split_chunk, o, NULL);
  free(buf);
  return rc;
}

int t2n_export_main(int argc, char **argv) {
  t2n_diag d;
  t2n_diag_init(&d);
  d.prog = "t2n-export";
  export_args o;
  memset(&o, 0, sizeof o);
  o.compression_level = 0;
  int exit_now = 0, rc = 1;
  o.diag = &d;
  o.pm = t2n_pm_new(&d);
  o.popts = t2n_pm_pass_options(o.pm);
  if (!parse_args(argc, argv, &o, &d, &exit_now)) goto done;
  if (exit_now) {
    rc = 0;
    goto done;
  }
  o.popts->method = o.method;
  t2n_pm_config *cfg = t2n_pm_get_config(o.pm);
  cfg->verify_each = 1;
  cfg->input_path = o.input;
  /* --split-input-file: one set of example options for many graphs. */
  cfg->any_example_names = o.split_input;
  if (o.split_input) {
    rc = export_split(&o, &d);
  } else {
    t2n_module *m = load(&o, &d);
    if (!m) goto done;
    rc = export_module(&o, m, &d);
    t2n_module_free(m);
  }
done:
  t2n_pm_free(o.pm); /* frees the examples and the backend */
  free(o.passthru);
  for (int i = 0; i < o.ndyn; i++) free((void *)o.dyn[i].input), free((void *)o.dyn[i].symbol);
  free(o.dyn);
  return rc ? 1 : 0;
}
