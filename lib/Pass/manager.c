/* The pass manager: a pipeline (a list of pass entries, alternatives kept
 * until run) and everything done around each pass. t2n-opt drives it from
 * argv (lib/Driver/opt.c); the exporter and bindings drive the same object.
 *
 * Around the passes, in order: the example inputs are parsed and checked
 * against the graph, the input is verified (passes may assume well-formed
 * IR), torch's reference outputs are computed (verify_semantics); after
 * each pass: its time and counts, the graph if it changed, the verifier
 * (verify_each), torch's outputs again (verify_semantics). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm_internal.h"
#include "t2n/alloc.h"
#include "t2n/examples.h"
#include "t2n/output.h"
#include "t2n/suggest.h"
#include "t2n/text.h"

double t2n_pm_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

t2n_pass_manager *t2n_pm_new(t2n_diag *d) {
  t2n_pass_manager *pm = t2n_xcalloc(1, sizeof *pm);
  pm->d = d;
  pm->cfg.semantics_atol = 1e-6;
  pm->t_start = t2n_pm_now();
  return pm;
}

void t2n_pm_free(t2n_pass_manager *pm) {
  if (!pm) return;
  t2n_pm_torch_free(pm);
  t2n_examples_free(&pm->popts);
  free(pm->entries);
  free(pm->runs);
  free(pm);
}

t2n_pm_config *t2n_pm_get_config(t2n_pass_manager *pm) { return &pm->cfg; }
t2n_pass_options *t2n_pm_pass_options(t2n_pass_manager *pm) { return &pm->popts; }
int t2n_pm_npasses(const t2n_pass_manager *pm) { return pm->nentries; }

void t2n_pm_clear(t2n_pass_manager *pm) {
  pm->nentries = 0;
  pm->hardens = 0;
}

int t2n_pm_nruns(const t2n_pass_manager *pm) { return pm->nruns; }

const char *t2n_pm_run_info(const t2n_pass_manager *pm, int i, int *rewrites) {
  if (i < 0 || i >= pm->nruns) return NULL;
  if (rewrites) *rewrites = pm->runs[i].rewrites;
  return pm->runs[i].pass->flag;
}

void t2n_pm_set_option(t2n_pass_manager *pm, t2n_pipeline_option opt, int on) {
  if ((int)opt >= 0 && opt < T2N_NPIPELINE_OPTIONS) pm->options[opt] = on;
}

static void push(t2n_pass_manager *pm, const t2n_pass_info *p, const t2n_pass_info *alt, int option) {
  T2N_GROW(pm->entries, pm->capentries, pm->nentries + 1);
  pm->entries[pm->nentries++] = (t2n_pm_entry){p, alt, option, -1};
}

int t2n_pm_add_pass(t2n_pass_manager *pm, const t2n_pass_info *p) {
  push(pm, p, NULL, 0);
  return 1;
}

int t2n_pm_add_pipeline(t2n_pass_manager *pm, const t2n_pipeline_info *pl) {
  if (strcmp(pl->flag, "harden") == 0) pm->hardens = 1;
  int first = pm->nentries;
  for (const t2n_pipeline_step *s = pl->steps; s->pass; s++) {
    if (s->repeat) {
      int to = -1;
      for (int i = first; i < pm->nentries && to < 0; i++)
        if (strcmp(pm->entries[i].pass->flag, s->pass) == 0) to = i;
      if (to < 0 || pm->nentries == first) T2N_UNREACHABLE("passes.def: T2N_REPEAT_FROM names no earlier step");
      pm->entries[pm->nentries - 1].repeat_to = to;
      continue;
    }
    const t2n_pass_info *p = t2n_pass_lookup(s->pass), *alt = s->alt ? t2n_pass_lookup(s->alt) : NULL;
    if (!p || (s->alt && !alt)) T2N_UNREACHABLE("passes.def: a pipeline names an unknown pass");
    push(pm, p, alt, s->option);
  }
  return 1;
}

/* Every pass and pipeline flag, for suggestions. */
static int all_flags(const char **out, int cap) {
  int n = 0, np, npl;
  const t2n_pass_info *t = t2n_pass_table(&np);
  const t2n_pipeline_info *pl = t2n_pipeline_table(&npl);
  for (int i = 0; i < np && n < cap; i++) out[n++] = t[i].flag;
  for (int i = 0; i < npl && n < cap; i++) out[n++] = pl[i].flag;
  return n;
}

int t2n_pm_add(t2n_pass_manager *pm, const char *flag) {
  const t2n_pipeline_info *pl = t2n_pipeline_lookup(flag);
  if (pl) return t2n_pm_add_pipeline(pm, pl);
  const t2n_pass_info *p = t2n_pass_lookup(flag);
  if (p) return t2n_pm_add_pass(pm, p);
  const char *flags[128];
  int n = all_flags(flags, 128);
  const char *near = t2n_closest(flag, flags, n);
  if (near) t2n_report(pm->d, T2N_ERROR, NULL, "unknown pass '-%s'; did you mean -%s?", flag, near);
  else t2n_report(pm->d, T2N_ERROR, NULL, "unknown pass '-%s' (see --help)", flag);
  return 0;
}

void t2n_pm_add_time(t2n_pass_manager *pm, const char *phase, double secs) {
  for (int i = 0; i < pm->nphases; i++)
    if (strcmp(pm->phases[i].name, phase) == 0) {
      pm->phases[i].secs += secs;
      return;
    }
  if (pm->nphases < T2N_PM_MAX_PHASES) pm->phases[pm->nphases++] = (t2n_pm_phase){phase, secs};
}

static const t2n_pass_info *resolve(const t2n_pass_manager *pm, const t2n_pm_entry *e) {
  return e->alt && pm->options[e->option] ? e->alt : e->pass;
}

/* --pass-remarks=A,B: remarks of the other passes stay quiet. */
static int remarks_wanted(const t2n_pass_manager *pm, const t2n_pass_info *p) {
  if (!pm->remarks_on) return 0;
  if (!pm->cfg.remark_passes) return 1;
  for (int i = 0; i < pm->cfg.nremark_passes; i++)
    if (strcmp(pm->cfg.remark_passes[i], p->flag) == 0) return 1;
  return 0;
}

static char *graph_text(const t2n_graph *g) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = t2n_xopen_memstream(&buf, &len);
  t2n_print_graph(f, g, 0);
  fclose(f);
  return buf;
}

static void record(t2n_pass_manager *pm, const t2n_pass_ctx *ctx, const t2n_pass_info *p, double secs) {
  T2N_GROW(pm->runs, pm->capruns, pm->nruns + 1);
  t2n_pm_runrec *r = &pm->runs[pm->nruns++];
  r->pass = p;
  r->rewrites = ctx->rewrites;
  r->secs = secs;
  memcpy(r->stats, ctx->stats, sizeof r->stats);
  pm->t_passes += secs;
}

/* The --diagnostics JSON: {"frozen": bool, "passes": [{"pass", "rewrites",
 * and the pass's own statistics}]}. */
static int write_diagnostics(t2n_pass_manager *pm) {
  int nstats;
  const t2n_stat_info *stats = t2n_stat_table(&nstats);
  cJSON *root = cJSON_CreateObject(), *list = cJSON_CreateArray();
  int frozen = 0;
  for (int i = 0; i < pm->nruns; i++) {
    const t2n_pm_runrec *r = &pm->runs[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "pass", r->pass->flag);
    cJSON_AddNumberToObject(o, "rewrites", r->rewrites);
    for (int k = 0; k < nstats; k++)
      if (strcmp(stats[k].pass, r->pass->flag) == 0) cJSON_AddNumberToObject(o, stats[k].key, (double)r->stats[k]);
    cJSON_AddItemToArray(list, o);
    if (r->stats[T2N_STAT_FROZEN]) frozen = 1;
  }
  cJSON_AddBoolToObject(root, "frozen", frozen);
  cJSON_AddItemToObject(root, "passes", list);
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  if (!text) t2n_out_of_memory(); /* cJSON_Print fails only when memory does */
  size_t n = strlen(text);
  text = t2n_xrealloc(text, n + 2);
  text[n++] = '\n';
  int ok = t2n_write_file(pm->cfg.diagnostics, text, n, pm->d);
  free(text);
  return ok;
}

/* Is entry i the first of repeated steps (T2N_REPEAT_FROM)? */
static int starts_repeat(const t2n_pass_manager *pm, int i) {
  for (int j = i; j < pm->nentries; j++)
    if (pm->entries[j].repeat_to == i) return 1;
  return 0;
}

static int needs_of(const t2n_pass_manager *pm) {
  int needs = 0;
  for (int i = 0; i < pm->nentries; i++) needs |= (int)resolve(pm, &pm->entries[i])->needs;
  return needs;
}

int t2n_pm_run(t2n_pass_manager *pm, t2n_module *m) {
  t2n_diag *d = pm->d;
  int errors0 = d->nerrors;
  pm->remarks_on = d->remarks;
  pm->nruns = 0;
  pm->cur = m;
  if (!pm->nentries) {
    /* The verifier runs even with no pass (docs/ir-format.md). */
    if (t2n_verify_module(m, d)) t2n_report(d, T2N_ERROR, NULL, "the input is not valid IR");
    /* Example inputs given with no pass are still checked: a bad file or a
     * misspelt name is an error whether or not a pass reads it. */
    if (pm->popts.nspecs && d->nerrors == errors0) {
      t2n_graph *g = t2n_module_target_graph(m, pm->popts.method, d);
      int names = pm->cfg.any_example_names ? T2N_EXAMPLES_ANY_NAME : 0;
      if (g) t2n_examples_apply(&pm->popts, g, names, d);
    }
    pm->cur = NULL;
    return d->nerrors > errors0;
  }
  t2n_graph *g = t2n_module_target_graph(m, pm->popts.method, d);
  if (!g) return 1;
  int needs = needs_of(pm);
  /* Passes may assume well-formed IR (If arity, dominance): check the input
   * first so malformed text is an error, not undefined behaviour. */
  if (t2n_verify_module(m, d)) {
    t2n_report(d, T2N_ERROR, NULL, "the input is not valid IR; no pass was run");
    return 1;
  }
  int names = pm->cfg.any_example_names ? T2N_EXAMPLES_ANY_NAME : (needs & T2N_NEEDS_STATE_NAMES) != 0;
  if (!t2n_examples_apply(&pm->popts, g, names, d)) return 1;
  /* A tensor input with neither an example nor a complete type, where a
   * pass reads the examples: a warning (an error when torch must run the
   * graph). Said once, for the first such pass. Inputs added later by
   * -lift-state default to the module's values. */
  for (int i = 0; i < pm->nentries; i++) {
    const t2n_pass_info *p = resolve(pm, &pm->entries[i]);
    if (!(p->needs & T2N_NEEDS_EXAMPLES)) continue;
    char who[128];
    snprintf(who, sizeof who, "-%s", p->flag);
    if (t2n_examples_missing(&pm->popts, g, who, pm->cfg.verify_semantics, d) && pm->cfg.verify_semantics) return 1;
    break;
  }
  t2n_pm_sem sem;
  memset(&sem, 0, sizeof sem);
  if (!t2n_pm_semantics_begin(pm, m, g, &sem)) {
    t2n_pm_semantics_end(&sem);
    return 1;
  }
  /* Rewrites since the start of the repeated steps being run; rounds run. */
  int round_rewrites = 0, rounds = 1;
  for (int i = 0; i < pm->nentries; i++) {
    const t2n_pass_info *p = resolve(pm, &pm->entries[i]);
    if (starts_repeat(pm, i)) round_rewrites = 0;
    d->remarks = remarks_wanted(pm, p);
    pm->popts.get_torch = (p->needs & T2N_NEEDS_TORCH) ? t2n_pm_torch_get : NULL;
    pm->popts.torch_arg = pm;
    char *before = pm->cfg.print_ir_after_all ? graph_text(g) : NULL;
    t2n_pass_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.mod = m;
    ctx.graph = g;
    ctx.diag = d;
    ctx.opts = &pm->popts;
    ctx.pass_name = p->flag;
    double t0 = t2n_pm_now(), torch0 = pm->t_torch;
    int err = p->run(&ctx);
    /* The backend's load is its own line, not the pass's. */
    double secs = t2n_pm_now() - t0 - (pm->t_torch - torch0);
    d->remarks = pm->remarks_on;
    pm->popts.get_torch = NULL;
    record(pm, &ctx, p, secs);
    if (pm->cfg.time_passes) t2n_say(d, "%-34s %9.3f ms  %d rewrites", p->flag, secs * 1e3, ctx.rewrites);
    if (err || d->nerrors > errors0) {
      free(before);
      break;
    }
    if (before) {
      char *after = graph_text(g);
      if (strcmp(before, after) != 0) {
        fprintf(stderr, "// -----// IR after -%s //----- //\n", p->flag);
        fputs(after, stderr);
      }
      free(after);
      free(before);
    }
    if (pm->cfg.verify_each && t2n_verify_module(m, d)) {
      t2n_report(d, T2N_ERROR, NULL, "the IR is invalid after -%s", p->flag);
      break;
    }
    /* A lifted-state example ("self.h") must name an input by now. */
    if ((p->needs & T2N_NEEDS_STATE_NAMES) && !t2n_examples_check(&pm->popts, g, pm->cfg.any_example_names ? T2N_EXAMPLES_ANY_NAME : 0, d)) break;
    if (!t2n_pm_semantics_check(pm, m, g, &sem, p->flag)) break;
    round_rewrites += ctx.rewrites;
    int to = pm->entries[i].repeat_to;
    if (to >= 0) {
      if (round_rewrites && rounds < T2N_MAX_PIPELINE_ROUNDS) {
        rounds++;
        i = to - 1;
      } else {
        rounds = 1;
      }
      round_rewrites = 0;
    }
  }
  t2n_pm_semantics_end(&sem);
  d->remarks = pm->remarks_on;
  /* Once, at the end: later passes may still remove what -harden left. */
  if (pm->hardens && pm->cfg.report_leftovers && d->nerrors == errors0) t2n_pm_report_leftovers(pm, m, g);
  pm->cur = NULL;
  if (pm->cfg.diagnostics && d->nerrors == errors0) write_diagnostics(pm);
  return d->nerrors > errors0;
}

void t2n_pm_report_times(t2n_pass_manager *pm) {
  if (!pm->cfg.time_passes) return;
  for (int i = 0; i < pm->nphases; i++)
    t2n_say(pm->d, "%-34s %9.3f ms", pm->phases[i].name, pm->phases[i].secs * 1e3);
  if (pm->torch_loaded) t2n_say(pm->d, "%-34s %9.3f ms", "torch backend (load)", pm->t_torch * 1e3);
  t2n_say(pm->d, "%-34s %9.3f ms", "passes", pm->t_passes * 1e3);
  t2n_say(pm->d, "%-34s %9.3f ms", "total", (t2n_pm_now() - pm->t_start) * 1e3);
}
