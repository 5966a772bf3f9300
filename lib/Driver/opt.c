/* t2n-opt: read IR text (or a .jit through the libtorch backend), run the
 * passes named by flags in order through the pass manager, print the
 * result. This file is argv handling; the work is in lib/Pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "t2n/examples.h"
#include "t2n/alloc.h"
#include "t2n/options.h"
#include "t2n/output.h"
#include "t2n/pass.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

#define PROG "t2n-opt"

typedef struct opt_args {
  const char *input, *output, *submodule;
  int split_input;
  const char **remark_passes; /* --pass-remarks=A,B (split into its own copy) */
  int nremark_passes;
  char *remark_buf;
  const char **resolvable;
  int nresolvable;
} opt_args;

static void usage(FILE *out) {
  fputs("usage: t2n-opt [PASSES] [OPTIONS] INPUT [-o OUTPUT]\n\n"
        "Reads TorchScript graph text, a torch module dump or t2n module text\n"
        "(INPUT '-' is stdin), runs the passes in the order given and prints the\n"
        "result. With no pass the input is verified and printed back unchanged.\n\n"
        "Passes:\n", out);
  int n;
  const t2n_pass_info *t = t2n_pass_table(&n);
  for (int i = 0; i < n; i++) fprintf(out, "  -%-35s %s\n", t[i].flag, t[i].summary);
  const t2n_pipeline_info *p = t2n_pipeline_table(&n);
  if (n) fputs("\nPipelines:\n", out);
  for (int i = 0; i < n; i++) fprintf(out, "  -%-35s %s\n", p[i].flag, p[i].summary);
  fputs("\nOptions:\n", out);
  t2n_options_help(out, T2N_TOOL_OPT);
}

/* --pass-remarks=A,B: each name must be a pass. */
static int set_remark_filter(opt_args *o, const char *list, t2n_diag *d) {
  free(o->remark_buf);
  free(o->remark_passes);
  o->remark_buf = t2n_xstrdup(list);
  o->remark_passes = NULL;
  o->nremark_passes = 0;
  for (char *s = o->remark_buf, *next; s; s = next) {
    next = strchr(s, ',');
    if (next) *next++ = 0;
    if (!*s) continue;
    if (*s == '-') s++;
    if (!t2n_pass_lookup(s)) {
      t2n_report(d, T2N_ERROR, NULL, "--pass-remarks: '%s' is not a pass (see --help)", s);
      return 0;
    }
    o->remark_passes = t2n_xrealloc(o->remark_passes, sizeof *o->remark_passes * (size_t)(o->nremark_passes + 1));
    o->remark_passes[o->nremark_passes++] = s;
  }
  return 1;
}

/* Returns 0 after an error, 1 to go on, 2 when done (--help, --version). */
static int parse_args(int argc, char **argv, opt_args *o, t2n_pass_manager *pm, t2n_diag *d) {
  t2n_pm_config *c = t2n_pm_get_config(pm);
  t2n_pass_options *po = t2n_pm_pass_options(pm);
  t2n_args a;
  t2n_args_init(&a, argc, argv, T2N_TOOL_OPT);
  const char *v;
  for (;;) {
    t2n_option_id id = t2n_args_next(&a, &v, d);
    if (id == T2N_O_END) break;
    if (t2n_option_examples(id, v, po)) continue;
    switch (id) {
    case T2N_O_ERROR: return 0;
    case T2N_O_HELP: usage(stdout); return 2;
    case T2N_O_VERSION: t2n_print_version(stdout, PROG); return 2;
    case T2N_O_OUTPUT: o->output = v; break;
    case T2N_O_METHOD: po->method = v; break;
    case T2N_O_SUBMODULE: o->submodule = v; break;
    case T2N_O_DIAGNOSTICS: c->diagnostics = v; break;
    case T2N_O_RESOLVABLE:
      o->resolvable = t2n_xrealloc(o->resolvable, sizeof(char *) * (size_t)(o->nresolvable + 1));
      o->resolvable[o->nresolvable++] = v;
      break;
    case T2N_O_PRINT_IR: c->print_ir_after_all = 1; break;
    case T2N_O_VERIFY_EACH: c->verify_each = 1; break;
    case T2N_O_SPLIT_INPUT: o->split_input = 1; break;
    case T2N_O_VERIFY_SEMANTICS: c->verify_semantics = 1; break;
    case T2N_O_SEMANTICS_ATOL: {
      char *end;
      double x = strtod(v, &end);
      if (!*v || *end || !(x >= 0)) {
        t2n_report(d, T2N_ERROR, NULL, "--semantics-atol expects a non-negative number, not '%s'", v);
        return 0;
      }
      c->semantics_atol = x;
      break;
    }
    case T2N_O_TIME_PASSES: c->time_passes = 1; break;
    case T2N_O_REQUIRE_FLAT: c->require_flat = 1; break;
    case T2N_O_PASS_REMARKS:
      d->remarks = 1;
      if (v && !set_remark_filter(o, v, d)) return 0;
      break;
    case T2N_O_PIPELINE_OPTION: t2n_pm_set_option(pm, (t2n_pipeline_option)a.pipeline_option, 1); break;
    case T2N_O_PASS:
      if (!t2n_pm_add(pm, v)) return 0;
      break;
    case T2N_O_POSITIONAL:
      if (o->input) {
        t2n_report(d, T2N_ERROR, NULL, "more than one input ('%s' and '%s')", o->input, v);
        return 0;
      }
      o->input = v;
      break;
    default:
      t2n_report(d, T2N_ERROR, NULL, "option '%s' does not apply to t2n-opt", argv[a.i - 1]);
      return 0;
    }
  }
  if (!o->input) {
    t2n_report(d, T2N_ERROR, NULL, "no input file (see --help)");
    return 0;
  }
  po->resolvable = o->resolvable;
  po->nresolvable = o->nresolvable;
  c->input_path = o->input;
  c->report_leftovers = 1;
  c->any_example_names = o->split_input;
  c->remark_passes = o->remark_passes;
  c->nremark_passes = o->nremark_passes;
  return 1;
}

static int is_directory(const char *path) {
  struct stat st;
  return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static t2n_module *load(opt_args *o, t2n_pass_manager *pm, void **torch, t2n_diag *d) {
  return t2n_load_input(o->input, o->submodule, pm, torch, "dump the model with utils/t2n-dump instead", d);
}

/* Runs the pipeline on one module and appends its text to *out. With `o`,
 * the text's weights line is made to name weights that exist beside
 * o->output (written there from the archive `torch` of a .jit input). */
static int run_one(t2n_pass_manager *pm, t2n_module *m, char **out, size_t *outlen, const opt_args *o, void *torch,
                   t2n_diag *d) {
  if (t2n_pm_run(pm, m)) return 1;
  if (o && !t2n_place_weights(m, o->input, o->output, torch, d)) return 1;
  size_t n;
  char *text = t2n_module_to_string(m, &n);
  if (!text) return 1;
  *out = t2n_xrealloc(*out, *outlen + n + 1);
  memcpy(*out + *outlen, text, n);
  *outlen += n;
  (*out)[*outlen] = 0;
  free(text);
  return 0;
}

/* --split-input-file: each chunk between lines "// -----" is parsed and run
 * on its own; the other chunks are blanked (newlines kept) so that line
 * numbers in messages are those of the file. A failing chunk is reported
 * and the next one still runs, as mlir-opt does; the output of the chunks
 * that succeeded is printed, separated by "// -----". */
typedef struct split_state {
  t2n_pass_manager *pm;
  char **out;
  size_t *outlen;
  int first;
} split_state;

/* One chunk: its output joins the others after a "// -----" line; a
 * failing chunk adds nothing. */
static int split_chunk(t2n_module *m, int index, void *arg) {
  split_state *st = arg;
  size_t mark = *st->outlen;
  if (!st->first) {
    *st->out = t2n_xrealloc(*st->out, *st->outlen + 10);
    memcpy(*st->out + *st->outlen, "// -----\n", 9);
    *st->outlen += 9;
  }
  if (!m || run_one(st->pm, m, st->out, st->outlen, NULL, NULL, NULL)) {
    *st->outlen = mark; /* drop the separator of a chunk with no output */
    return 1;
  }
  st->first = 0;
  return 0;
}

static int run_split(opt_args *o, t2n_pass_manager *pm, t2n_diag *d, char **out, size_t *outlen) {
  char *buf;
  size_t len;
  if (is_directory(o->input)) {
    t2n_report(d, T2N_ERROR, NULL, "cannot read '%s': is a directory", o->input);
    return 1;
  }
  double t0 = t2n_pm_now();
  if (!t2n_read_file(o->input, &buf, &len, d)) return 1;
  t2n_pm_add_time(pm, "reading", t2n_pm_now() - t0);
  const char *name = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
  split_state st = {pm, out, outlen, 1};
  double parse_secs = 0;
  int rc = t2n_parse_split(buf, len, name, d, split_chunk, &st, &parse_secs);
  t2n_pm_add_time(pm, "parsing", parse_secs);
  free(buf);
  return rc;
}

int t2n_opt_main(int argc, char **argv) {
  t2n_diag d;
  t2n_diag_init(&d);
  d.prog = PROG;
  opt_args o;
  memset(&o, 0, sizeof o);
  t2n_pass_manager *pm = t2n_pm_new(&d);
  int rc = 1;
  char *out = NULL;
  size_t outlen = 0;
  int parsed = parse_args(argc, argv, &o, pm, &d);
  if (parsed == 2) rc = 0;
  if (parsed != 1) goto done;
  if (o.split_input) {
    rc = run_split(&o, pm, &d, &out, &outlen);
    /* As mlir-opt: the chunks that worked are printed even when others
     * failed, but a file output is only ever written whole. */
    if (rc && (!o.output || strcmp(o.output, "-") == 0) && outlen) t2n_write_file(NULL, out, outlen, &d);
  } else {
    double t0 = t2n_pm_now();
    void *torch = NULL; /* owned by pm */
    t2n_module *m = load(&o, pm, &torch, &d);
    t2n_pm_add_time(pm, "parsing", t2n_pm_now() - t0);
    if (!m) goto done;
    rc = run_one(pm, m, &out, &outlen, &o, torch, &d);
    t2n_module_free(m);
  }
  /* Nothing is written when anything failed. */
  if (rc == 0 && !t2n_write_file(o.output, out ? out : "", outlen, &d)) rc = 1;
  t2n_pm_report_times(pm);
done:
  t2n_pm_free(pm);
  free(out);
  free(o.resolvable);
  free(o.remark_passes);
  free(o.remark_buf);
  return rc ? 1 : 0;
}
