/* t2n-opt: read IR text (or a .jit through the libtorch backend), run the
 * passes named by flags in order, print the result. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "t2n/examples.h"
#include "t2n/pass.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

typedef struct opt_args {
  const char *input, *output, *method, *submodule, *diagnostics;
  const char **passes;
  int npasses;
  int print_after_all, verify_each, time_passes, no_freeze, split_input, verify_semantics;
  double semantics_atol;
  t2n_pass_options popts;
} opt_args;

static void usage(FILE *out) {
  fputs("usage: t2n-opt [PASSES] [OPTIONS] INPUT [-o OUTPUT]\n\n"
        "Reads TorchScript graph text, a torch module dump or t2n module text\n"
        "(INPUT '-' is stdin), runs the passes in the order given and prints the\n"
        "result. With no pass the input is printed back unchanged.\n\n"
        "Passes:\n", out);
  int n;
  const t2n_pass_info *t = t2n_pass_table(&n);
  for (int i = 0; i < n; i++) fprintf(out, "  -%-34s %s\n", t[i].flag, t[i].summary);
  const t2n_pipeline_info *p = t2n_pipeline_table(&n);
  if (n) fputs("\nPipelines:\n", out);
  for (int i = 0; i < n; i++) fprintf(out, "  -%-34s %s\n", p[i].flag, p[i].summary);
  fputs("\nOptions:\n"
        "  -o FILE                             write the output to FILE (nothing is written on error)\n"
        "  --method NAME                       method of the root module to transform (default forward)\n"
        "  --submodule PATH                    with a .jit input: import this submodule (a.b.c)\n"
        "  --input-shape NAME=1x576[:f32]      example tensor input (dtype f32 f64 f16 bf16 i64 i32 i16 i8 u8 bool)\n"
        "  --input-value NAME=VALUE            example scalar input (int, float, True/False, None)\n"
        "  --example-inputs FILE.safetensors   example inputs by name\n"
        "  --resolvable=PATTERN                classes under PATTERN count as resolvable (repeatable)\n"
        "  --no-freeze                         -harden: inline unresolvable calls instead of freezing\n"
        "  --verify-each                       run the IR verifier after every pass\n"
        "  --split-input-file                  treat each '// -----' separated chunk as its own input\n"
        "  --verify-semantics                  run the graph in torch before the passes and after each one\n"
        "                                      on the example inputs; stop at the first pass that changes\n"
        "                                      the outputs (needs the libtorch backend)\n"
        "  --semantics-atol X                  tolerance for --verify-semantics (default 1e-6)\n"
        "  --print-ir-after-all                print the IR to stderr after every pass\n"
        "  --time-passes                       print the time each pass took to stderr\n"
        "  --pass-remarks                      say why candidates a pass looked at were left alone\n"
        "  --diagnostics=FILE.json             write per-pass rewrite counts as JSON\n"
        "  --help, --version\n", out);
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

static int add_pass(opt_args *o, const char *flag, t2n_diag *d) {
  const t2n_pipeline_info *p = t2n_pipeline_lookup(flag);
  if (p) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", p->passes);
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
      char *alt = strchr(s, '|');
      if (alt) {
        *alt = 0;
        /* resolved when the pipeline runs: remember both through a marker */
        char *both = malloc(strlen(s) + strlen(alt + 1) + 2);
        sprintf(both, "%s|%s", s, alt + 1);
        o->passes = realloc(o->passes, sizeof *o->passes * (size_t)(o->npasses + 1));
        o->passes[o->npasses++] = both;
        continue;
      }
      if (!add_pass(o, s, d)) return 0;
    }
    return 1;
  }
  if (!t2n_pass_lookup(flag)) {
    t2n_report(d, T2N_ERROR, NULL, "unknown pass '-%s' (see --help)", flag);
    return 0;
  }
  o->passes = realloc(o->passes, sizeof *o->passes * (size_t)(o->npasses + 1));
  o->passes[o->npasses++] = strdup(flag);
  return 1;
}

static int parse_args(int argc, char **argv, opt_args *o, t2n_diag *d, int *exit_now) {
  const char *v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      *exit_now = 1;
      return 1;
    }
    if (strcmp(a, "--version") == 0) {
      printf("t2n-opt %s\n", T2N_VERSION);
      *exit_now = 1;
      return 1;
    }
    if (take(argc, argv, &i, "-o", &v, d)) { if (!v) return 0; o->output = v; continue; }
    if (take(argc, argv, &i, "--method", &v, d)) { if (!v) return 0; o->method = v; continue; }
    if (take(argc, argv, &i, "--submodule", &v, d)) { if (!v) return 0; o->submodule = v; continue; }
    if (take(argc, argv, &i, "--diagnostics", &v, d)) { if (!v) return 0; o->diagnostics = v; continue; }
    if (take(argc, argv, &i, "--input-shape", &v, d)) {
      if (!v || !t2n_example_parse_shape(&o->popts, v, d)) return 0;
      continue;
    }
    if (take(argc, argv, &i, "--input-value", &v, d)) {
      if (!v || !t2n_example_parse_value(&o->popts, v, d)) return 0;
      continue;
    }
    if (take(argc, argv, &i, "--example-inputs", &v, d)) {
      if (!v || !t2n_example_load_safetensors(&o->popts, v, d)) return 0;
      continue;
    }
    if (take(argc, argv, &i, "--resolvable", &v, d)) {
      if (!v) return 0;
      o->popts.resolvable = realloc(o->popts.resolvable, sizeof(char *) * (size_t)(o->popts.nresolvable + 1));
      o->popts.resolvable[o->popts.nresolvable++] = v;
      continue;
    }
    if (strcmp(a, "--print-ir-after-all") == 0) { o->print_after_all = 1; continue; }
    if (strcmp(a, "--verify-each") == 0) { o->verify_each = 1; continue; }
    if (strcmp(a, "--split-input-file") == 0) { o->split_input = 1; continue; }
    if (strcmp(a, "--verify-semantics") == 0) { o->verify_semantics = 1; continue; }
    if (take(argc, argv, &i, "--semantics-atol", &v, d)) {
      char *end;
      if (!v || (o->semantics_atol = strtod(v, &end), *end) || o->semantics_atol < 0) {
        t2n_report(d, T2N_ERROR, NULL, "--semantics-atol expects a non-negative number");
        return 0;
      }
      continue;
    }
    if (strcmp(a, "--time-passes") == 0) { o->time_passes = 1; continue; }
    if (strcmp(a, "--pass-remarks") == 0) { d->remarks = 1; continue; }
    if (strcmp(a, "--no-freeze") == 0) { o->no_freeze = 1; continue; }
    if (a[0] == '-' && a[1] == '-' && a[2]) {
      t2n_report(d, T2N_ERROR, NULL, "unknown option '%s' (see --help)", a);
      return 0;
    }
    if (a[0] == '-' && a[1]) {
      if (!add_pass(o, a + 1, d)) return 0;
      continue;
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
  return 1;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static t2n_module *load(opt_args *o, t2n_diag *d) {
  if (ends_with(o->input, ".jit") || ends_with(o->input, ".pt") || ends_with(o->input, ".pth")) {
#ifdef T2N_HAVE_TORCH
    return t2n_torch_load(o->input, o->submodule, NULL, d, (t2n_torch **)&o->popts.torch);
#else
    t2n_report(d, T2N_ERROR, NULL, "reading '%s' needs the libtorch backend; this t2n was built without it "
               "(dump the model with utils/t2n-dump instead)", o->input);
    return NULL;
#endif
  }
  if (o->submodule) {
    t2n_report(d, T2N_ERROR, NULL, "--submodule applies to .jit inputs only");
    return NULL;
  }
  return t2n_parse_file(o->input, d);
}


static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_output(const char *path, const char *buf, size_t n, t2n_diag *d) {
  if (!path || strcmp(path, "-") == 0) {
    fwrite(buf, 1, n, stdout);
    return fflush(stdout) == 0;
  }
  /* Write next to the target and rename, so no partial file is left. */
  size_t l = strlen(path);
  char *tmp = malloc(l + 16);
  snprintf(tmp, l + 16, "%s.tmp%ld", path, (long)(rand() % 100000));
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return 0;
  }
  int ok = fwrite(buf, 1, n, f) == n;
  ok = (fclose(f) == 0) && ok;
  if (ok) ok = rename(tmp, path) == 0;
  if (!ok) {
    remove(tmp);
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
  }
  free(tmp);
  return ok;
}

typedef struct pass_stat { const char *flag; int rewrites; double secs; } pass_stat;

static void write_diagnostics(const char *path, const pass_stat *st, int n, int froze, t2n_diag *d) {
  FILE *f = fopen(path, "w");
  if (!f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
    return;
  }
  fprintf(f, "{\n  \"frozen\": %s,\n  \"passes\": [", froze ? "true" : "false");
  for (int i = 0; i < n; i++)
    fprintf(f, "%s\n    {\"pass\": \"%s\", \"rewrites\": %d}", i ? "," : "", st[i].flag, st[i].rewrites);
  fprintf(f, "\n  ]\n}\n");
  fclose(f);
}

typedef struct sem_state {
  void *inputs, *ref; /* t2n_torch_values */
  int ninputs;
} sem_state;

#ifdef T2N_HAVE_TORCH
/* Passes that can ask the libtorch backend (a condition that needs tensor
 * data) get a handle; loading libtorch takes a moment, so only then. */
static int wants_torch(const opt_args *o) {
  if (o->verify_semantics) return 1;
  for (int i = 0; i < o->npasses; i++)
    if (strstr(o->passes[i], "fold-data-dependent-ifs")) return 1;
  return 0;
}

static void attach_torch(opt_args *o, t2n_module *m, t2n_diag *d) {
  if (o->popts.torch || !wants_torch(o)) return;
  t2n_torch *t = t2n_torch_new_empty();
  if (t && m->kind == T2N_TEXT_T2N && m->weights && strcmp(o->input, "-") != 0) {
    /* The weights file is named relative to the text file's folder. */
    const char *slash = strrchr(o->input, '/');
    size_t dl = slash ? (size_t)(slash - o->input + 1) : 0;
    char *path = malloc(dl + strlen(m->weights) + 1);
    memcpy(path, o->input, dl);
    strcpy(path + dl, m->weights);
    /* Missing weights are not an error here: the passes only ask torch
     * about conditions, and say so in a remark when it cannot answer. */
    if (access(path, R_OK) == 0 && t2n_torch_read_weights(t, path, d) != 0) {
      t2n_torch_free(t);
      t = NULL;
    }
    free(path);
  }
  o->popts.torch = t;
}

static void *sem_run(opt_args *o, t2n_module *m, t2n_graph *g, t2n_diag *d, sem_state *s) {
  if (!s->inputs || s->ninputs != t2n_graph_ninputs(g)) {
    /* A pass that adds inputs (-lift-state) needs new ones; lifted state
     * defaults to the module's values, so the run means the same thing. */
    if (s->inputs) t2n_torch_values_free(s->inputs);
    s->inputs = t2n_torch_make_inputs(o->popts.torch, g, o->popts.examples, o->popts.nexamples, T2N_EXAMPLE_SEED, d);
    s->ninputs = t2n_graph_ninputs(g);
    if (!s->inputs) return NULL;
  }
  return t2n_torch_run(o->popts.torch, m, g, s->inputs, d);
}

static int semantics_begin(opt_args *o, t2n_module *m, t2n_graph *g, t2n_diag *d, sem_state *s) {
  attach_torch(o, m, d);
  if (!o->verify_semantics) return 1;
  if (!o->popts.torch) {
    t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: the libtorch backend is not available");
    return 0;
  }
  s->ref = sem_run(o, m, g, d, s);
  if (!s->ref) {
    t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: torch cannot run the input graph");
    return 0;
  }
  return 1;
}

static int semantics_check(opt_args *o, t2n_module *m, t2n_graph *g, t2n_diag *d, sem_state *s,
                           const char *pass) {
  if (!o->verify_semantics) return 1;
  void *out = sem_run(o, m, g, d, s);
  if (!out) {
    t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: torch cannot run the graph after -%s", pass);
    return 0;
  }
  double atol = o->semantics_atol, diff = 0;
  char why[512] = "";
  if (t2n_torch_values_count(out) != t2n_torch_values_count(s->ref)) {
    /* The pass changed the outputs' interface (-lift-state adds the state):
     * compare the outputs the graph had, then take the new run as reference. */
    if (t2n_torch_values_count(out) < t2n_torch_values_count(s->ref)) {
      t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: -%s removed graph outputs", pass);
      t2n_torch_values_free(out);
      return 0;
    }
    fprintf(stderr, "t2n-opt: --verify-semantics: -%s added outputs; comparing from here on its outputs\n", pass);
    t2n_torch_values_free(s->ref);
    s->ref = out;
    return 1;
  }
  int same = t2n_torch_values_compare(s->ref, out, atol, &diff, why, sizeof why);
  if (o->time_passes || d->remarks)
    fprintf(stderr, "t2n-opt: --verify-semantics: after -%s max abs diff %g\n", pass, diff);
  t2n_torch_values_free(out);
  if (!same) {
    t2n_report(d, T2N_ERROR, NULL,
               "--verify-semantics: -%s changed the outputs: %s (max abs diff %g, tolerance %g)", pass, why, diff,
               atol);
    return 0;
  }
  return 1;
}

static void semantics_end(sem_state *s) {
  if (s->inputs) t2n_torch_values_free(s->inputs);
  if (s->ref) t2n_torch_values_free(s->ref);
}
#else
static int semantics_begin(opt_args *o, t2n_module *m, t2n_graph *g, t2n_diag *d, sem_state *s) {
  if (!o->verify_semantics) return 1;
  t2n_report(d, T2N_ERROR, NULL, "--verify-semantics needs the libtorch backend; this t2n was built without it");
  return 0;
}
static int semantics_check(opt_args *o, t2n_module *m, t2n_graph *g, t2n_diag *d, sem_state *s, const char *p) {
  return 1;
}
static void semantics_end(sem_state *s) {}
#endif

/* Runs the pass list on one module; returns 0 on success. The printed
 * result is appended to *out. */
static int run_passes(opt_args *o, t2n_module *m, t2n_diag *d, char **out, size_t *outlen) {
  int errors0 = d->nerrors;
  t2n_graph *g = o->npasses ? t2n_module_target_graph(m, o->method, d) : NULL;
  if (o->npasses && !g) return 1;
  /* Passes may assume well-formed IR (If arity, dominance): check the input
   * first so malformed text is an error, not undefined behaviour. */
  if (o->npasses && t2n_verify_module(m, d)) {
    t2n_report(d, T2N_ERROR, NULL, "the input is not valid IR; no pass was run");
    return 1;
  }
  sem_state sem = {0};
  if (o->npasses && !semantics_begin(o, m, g, d, &sem)) return 1;
  pass_stat *st = calloc((size_t)(o->npasses > 0 ? o->npasses : 0) + 1, sizeof *st);
  int froze = 0;
  for (int i = 0; i < o->npasses; i++) {
    const char *flag = o->passes[i];
    char *bar = strchr(flag, '|');
    char pick[128];
    if (bar) {
      if (o->no_freeze) snprintf(pick, sizeof pick, "%s", bar + 1);
      else snprintf(pick, sizeof pick, "%.*s", (int)(bar - flag), flag);
      flag = pick;
    }
    const t2n_pass_info *p = t2n_pass_lookup(flag);
    if (!p) {
      t2n_report(d, T2N_ERROR, NULL, "unknown pass '-%s'", flag);
      break;
    }
    t2n_pass_ctx ctx = {m, g, d, &o->popts, 0, p->flag, 0};
    double t0 = now();
    int err = p->run(&ctx);
    st[i].flag = p->flag;
    st[i].rewrites = ctx.rewrites;
    st[i].secs = now() - t0;
    if (ctx.froze && !err) froze = 1;
    if (o->time_passes)
      fprintf(stderr, "t2n-opt: %-34s %9.3f ms  %d rewrites\n", p->flag, st[i].secs * 1e3, ctx.rewrites);
    if (err || d->nerrors > errors0) break;
    if (o->print_after_all) {
      fprintf(stderr, "// -----// IR after -%s //----- //\n", p->flag);
      t2n_print_module(stderr, m);
    }
    if (o->verify_each && t2n_verify_module(m, d)) {
      t2n_report(d, T2N_ERROR, NULL, "the IR is invalid after -%s", p->flag);
      break;
    }
    if (!semantics_check(o, m, g, d, &sem, p->flag)) break;
  }
  semantics_end(&sem);
  if (o->diagnostics && d->nerrors == errors0) write_diagnostics(o->diagnostics, st, o->npasses, froze, d);
  free(st);
  if (d->nerrors > errors0) return 1;
  size_t n;
  char *text = t2n_module_to_string(m, &n);
  if (!text) return 1;
  *out = realloc(*out, *outlen + n + 1);
  memcpy(*out + *outlen, text, n);
  *outlen += n;
  (*out)[*outlen] = 0;
  free(text);
  return 0;
}

/* --split-input-file: each chunk between lines "// -----" is parsed on its
 * own; the other chunks are blanked (newlines kept) so that line numbers in
 * messages are those of the file. */
static int run_split(opt_args *o, t2n_diag *d, char **out, size_t *outlen) {
  char *buf;
  size_t len;
  if (!t2n_read_file(o->input, &buf, &len, d)) return 1;
  const char *name = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
  int rc = 0, first = 1;
  size_t start = 0;
  while (start <= len) {
    size_t end = start;
    for (;;) { /* find the next separator line */
      const char *nl = memchr(buf + end, '\n', len - end);
      size_t lend = nl ? (size_t)(nl - buf) : len;
      if (lend - end >= 8 && strncmp(buf + end, "// -----", 8) == 0) break;
      if (!nl) { end = len; break; }
      end = lend + 1;
    }
    char *chunk = malloc(len + 1);
    for (size_t i = 0; i < len; i++) chunk[i] = (i >= start && i < end) || buf[i] == '\n' ? buf[i] : ' ';
    chunk[len] = 0;
    if (!first) {
      *out = realloc(*out, *outlen + 10);
      memcpy(*out + *outlen, "// -----\n", 9);
      *outlen += 9;
    }
    first = 0;
    t2n_module *m = t2n_parse(chunk, len, name, d);
    if (m) {
      m->source = t2n_arena_strndup(m->arena, chunk, len);
      m->source_len = len;
      m->source_name = t2n_intern(m, name);
      rc |= run_passes(o, m, d, out, outlen);
      t2n_module_free(m);
    } else {
      rc = 1;
    }
    free(chunk);
    if (end >= len) break;
    const char *nl = memchr(buf + end, '\n', len - end);
    start = nl ? (size_t)(nl - buf) + 1 : len + 1;
  }
  free(buf);
  return rc;
}

int t2n_opt_main(int argc, char **argv) {
  t2n_diag d;
  t2n_diag_init(&d);
  opt_args o;
  memset(&o, 0, sizeof o);
  int exit_now = 0, rc = 1;
  char *out = NULL;
  size_t outlen = 0;
  if (!parse_args(argc, argv, &o, &d, &exit_now)) goto done;
  if (exit_now) {
    rc = 0;
    goto done;
  }
  o.popts.freeze = !o.no_freeze;
  o.popts.method = o.method;
  if (!o.semantics_atol) o.semantics_atol = 1e-6;
  if (o.split_input) {
    rc = run_split(&o, &d, &out, &outlen);
  } else {
    t2n_module *m = load(&o, &d);
    if (!m) goto done;
    rc = run_passes(&o, m, &d, &out, &outlen);
    t2n_module_free(m);
  }
  /* Nothing is written when anything failed. */
  if (rc == 0 && !write_output(o.output, out ? out : "", outlen, &d)) rc = 1;
done:
#ifdef T2N_HAVE_TORCH
  if (o.popts.torch) t2n_torch_free(o.popts.torch);
#endif
  free(out);
  for (int i = 0; i < o.npasses; i++) free((void *)o.passes[i]);
  free(o.passes);
  free(o.popts.resolvable);
  t2n_examples_free(&o.popts);
  return rc ? 1 : 0;
}
