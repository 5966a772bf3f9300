/* The pass manager's state, shared by lib/Pass/manager.c and
 * lib/Pass/semantics.c (the torch backend and --verify-semantics). */
#ifndef T2N_PM_INTERNAL_H
#define T2N_PM_INTERNAL_H

#include "t2n/pass.h"

#define T2N_PM_MAX_PHASES 8

typedef struct t2n_pm_entry {
  const t2n_pass_info *pass;
  const t2n_pass_info *alt; /* run instead when options[option] is set */
  int option;
  int repeat_to; /* >= 0: after this entry, back to that one while the round rewrote */
} t2n_pm_entry;

typedef struct t2n_pm_runrec {
  const t2n_pass_info *pass;
  int rewrites;
  double secs;
  long stats[T2N_NSTATS + 1];
} t2n_pm_runrec;

typedef struct t2n_pm_phase {
  const char *name;
  double secs;
} t2n_pm_phase;

struct t2n_pass_manager {
  t2n_diag *d;
  t2n_pm_config cfg;
  t2n_pass_options popts;
  t2n_pm_entry *entries;
  int nentries, capentries;
  int options[T2N_NPIPELINE_OPTIONS + 1];
  t2n_pm_runrec *runs; /* the last t2n_pm_run's passes, for --diagnostics */
  int nruns, capruns;
  t2n_pm_phase phases[T2N_PM_MAX_PHASES];
  int nphases;
  double t_start, t_passes, t_torch;
  int remarks_on;       /* the caller's diag->remarks */
  t2n_module *cur;      /* the module being run (for its weights) */
  void *torch;          /* t2n_torch *, made on first need */
  int torch_tried, torch_loaded, torch_given;
  int hardens;          /* the pipeline includes -harden: report what it left (flat.c) */
};

/* The reference outputs of --verify-semantics. */
typedef struct t2n_pm_sem {
  void *inputs, *ref; /* t2n_torch_values */
  int ninputs;
} t2n_pm_sem;

/* The get_torch callback of t2n_pass_options (arg: the manager). */
void *t2n_pm_torch_get(void *pm);
void t2n_pm_torch_free(t2n_pass_manager *pm);
int t2n_pm_semantics_begin(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s);
int t2n_pm_semantics_check(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g, t2n_pm_sem *s, const char *pass);
void t2n_pm_semantics_end(t2n_pm_sem *s);
/* lib/Pass/flat.c: the warning (error with cfg.require_flat) listing what
 * -harden left in g that an exporter cannot take. Returns 0 after an error. */
int t2n_pm_report_leftovers(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g);

#endif
