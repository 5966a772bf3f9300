/* The pass manager's use of the libtorch backend: the handle passes ask for
 * (made, and libtorch loaded, only on the first request: a pipeline whose
 * conditions the native evaluator decides never pays for it) and
 * --verify-semantics, which runs the graph in torch before the passes and
 * after each one and stops at the first pass that changes the outputs. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm_internal.h"
#include "t2n/alloc.h"
#include "t2n/examples.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

void t2n_pm_set_torch(t2n_pass_manager *pm, void *torch) {
  t2n_pm_torch_free(pm);
  pm->torch = torch;
  pm->torch_tried = pm->torch_given = 1;
}

#ifdef T2N_HAVE_TORCH
void *t2n_pm_torch_get(void *arg) {
  t2n_pass_manager *pm = arg;
  if (pm->torch_tried) return pm->torch;
  pm->torch_tried = 1;
  double t0 = t2n_pm_now();
  t2n_torch *t = t2n_torch_new_empty();
  t2n_module *m = pm->cur;
  const char *input = pm->cfg.input_path;
  char *path = t ? t2n_module_weights_path(m, input) : NULL;
  /* Missing weights are not an error here: the passes only ask torch
   * about conditions, and say so in a remark when it cannot answer.
   * --verify-semantics needs them (t2n_pm_semantics_begin says so). */
  if (path && access(path, R_OK) == 0 && t2n_torch_read_weights(t, path, pm->d) != 0) {
    t2n_torch_free(t);
    t = NULL;
  }
  free(path);
  pm->torch = t;
  pm->torch_loaded = t != NULL;
  pm->t_torch += t2n_pm_now() - t0;
  return t;
}

void t2n_pm_torch_free(t2n_pass_manager *pm) {
  if (pm->torch) t2n_torch_free(pm->torch);
  pm->torch = NULL;
  pm->torch_tried = pm->torch_given = 0;
}

static void *sem_run(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s) {
  if (!s->inputs || s->ninputs != t2n_graph_ninputs(g)) {
    /* A pass that adds inputs (-lift-state) needs new ones; lifted state
     * defaults to the module's values, so the run means the same thing. */
    if (s->inputs) t2n_torch_values_free(s->inputs);
    s->inputs = t2n_torch_make_inputs(pm->torch, g, pm->popts.examples, pm->popts.nexamples, T2N_EXAMPLE_SEED, pm->d);
    s->ninputs = t2n_graph_ninputs(g);
    if (!s->inputs) return NULL;
  }
  return t2n_torch_run(pm->torch, m, g, s->inputs, pm->d);
}

int t2n_pm_semantics_begin(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s) {
  if (!pm->cfg.verify_semantics) return 1;
  if (!t2n_pm_torch_get(pm)) {
    t2n_report(pm->d, T2N_ERROR, NULL, "--verify-semantics: the libtorch backend is not available");
    return 0;
  }
  s->ref = sem_run(pm, m, g, s);
  if (!s->ref) {
    t2n_report(pm->d, T2N_ERROR, NULL, "--verify-semantics: torch cannot run the input graph");
    return 0;
  }
  return 1;
}

int t2n_pm_semantics_check(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s, const char *pass) {
  if (!pm->cfg.verify_semantics) return 1;
  t2n_diag *d = pm->d;
  t2n_torch_values *out = sem_run(pm, m, g, s);
  if (!out) {
    t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: torch cannot run the graph after -%s", pass);
    return 0;
  }
  double atol = pm->cfg.semantics_atol, diff = 0;
  char why[512] = "";
  if (t2n_torch_values_count(out) != t2n_torch_values_count(s->ref)) {
    /* The pass changed the outputs' interface (-lift-state adds the state):
     * compare the outputs the graph had, then take the new run as reference. */
    if (t2n_torch_values_count(out) < t2n_torch_values_count(s->ref)) {
      t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: -%s removed graph outputs", pass);
      t2n_torch_values_free(out);
      return 0;
    }
    t2n_say(d, "--verify-semantics: -%s added outputs; comparing from here on its outputs", pass);
    t2n_torch_values_free(s->ref);
    s->ref = out;
    return 1;
  }
  int same = t2n_torch_values_compare(s->ref, out, atol, &diff, why, sizeof why);
  if (pm->cfg.time_passes || pm->remarks_on) t2n_say(d, "--verify-semantics: after -%s max abs diff %g", pass, diff);
  t2n_torch_values_free(out);
  if (!same) {
    t2n_report(d, T2N_ERROR, NULL, "--verify-semantics: -%s changed the outputs: %s (max abs diff %g, tolerance %g)",
               pass, why, diff, atol);
    return 0;
  }
  return 1;
}

void t2n_pm_semantics_end(t2n_pm_sem *s) {
  if (s->inputs) t2n_torch_values_free(s->inputs);
  if (s->ref) t2n_torch_values_free(s->ref);
  s->inputs = s->ref = NULL;
}
#else
void *t2n_pm_torch_get(void *arg) { return NULL; }
void t2n_pm_torch_free(t2n_pass_manager *pm) { pm->torch = NULL; }
int t2n_pm_semantics_begin(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s) {
  if (!pm->cfg.verify_semantics) return 1;
  t2n_report(pm->d, T2N_ERROR, NULL, "--verify-semantics needs the libtorch backend; this t2n was built without it");
  return 0;
}
int t2n_pm_semantics_check(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s, const char *pass) {
  return 1;
}
void t2n_pm_semantics_end(t2n_pm_sem *s) {}
#endif
