/* The pass registry, built from include/t2n/passes.def. */
#include <stdarg.h>
#include <string.h>

#include "t2n/pass.h"
#include "t2n/srcloc.h"

static const t2n_pass_info table[] = {
#define T2N_PASS(flag, fn, needs, summary) {flag, fn, needs, summary},
#include "t2n/passes.def"
};

static const t2n_stat_info stats[] = {
#define T2N_STAT(pass, id, key, summary) {pass, key, summary},
#include "t2n/passes.def"
    {NULL, NULL, NULL}};

static const t2n_pipeline_option_info pipeline_options[] = {
#define T2N_OPTION(id, name, summary) {name, summary},
#include "t2n/passes.def"
    {NULL, NULL}};

/* Each pipeline's steps are a file-scope compound literal (static storage),
 * ended by an empty step. */
#define T2N_STEP(pass) {pass, NULL, 0, 0}
#define T2N_ALT(pass, alt, option) {pass, alt, T2N_POPT_##option, 0}
#define T2N_REPEAT_FROM(pass) {pass, NULL, 0, 1}
static const t2n_pipeline_info pipelines[] = {
#define T2N_PIPELINE(flag, summary, ...) {flag, summary, (const t2n_pipeline_step[]){__VA_ARGS__, {NULL, NULL, 0, 0}}},
#include "t2n/passes.def"
    {NULL, NULL, NULL}};
#undef T2N_STEP
#undef T2N_ALT
#undef T2N_REPEAT_FROM

const t2n_pipeline_info *t2n_pipeline_table(int *n) {
  *n = (int)(sizeof pipelines / sizeof pipelines[0]) - 1;
  return pipelines;
}

const t2n_pipeline_info *t2n_pipeline_lookup(const char *flag) {
  for (const t2n_pipeline_info *p = pipelines; p->flag; p++)
    if (strcmp(p->flag, flag) == 0) return p;
  return NULL;
}

const t2n_stat_info *t2n_stat_table(int *n) {
  *n = (int)(sizeof stats / sizeof stats[0]) - 1;
  return stats;
}

const t2n_pipeline_option_info *t2n_pipeline_option_table(int *n) {
  *n = (int)(sizeof pipeline_options / sizeof pipeline_options[0]) - 1;
  return pipeline_options;
}

const t2n_pass_info *t2n_pass_table(int *n) {
  *n = (int)(sizeof table / sizeof table[0]);
  return table;
}

const t2n_pass_info *t2n_pass_lookup(const char *flag) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].flag, flag) == 0) return &table[i];
  return NULL;
}

void *t2n_pass_torch(const t2n_pass_ctx *ctx) {
  const t2n_pass_options *o = ctx->opts;
  return o && o->get_torch ? o->get_torch(o->torch_arg) : NULL;
}

void t2n_remark(t2n_pass_ctx *ctx, const t2n_node *n, const char *fmt, ...) {
  if (!ctx->diag || !ctx->diag->remarks) return;
  t2n_srcloc l;
  t2n_node_srcloc(ctx->mod, n, &l);
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  t2n_report(ctx->diag, T2N_REMARK, &l, "[%s] %s", ctx->pass_name ? ctx->pass_name : "t2n", msg);
}
