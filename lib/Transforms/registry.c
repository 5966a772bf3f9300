/* The pass registry, built from include/t2n/passes.def. */
#include <stdarg.h>
#include <string.h>

#include "t2n/pass.h"

static const t2n_pass_info table[] = {
#define T2N_PASS(flag, fn, summary) {flag, fn, summary},
#include "t2n/passes.def"
};

static const t2n_pipeline_info pipelines[] = {
#define T2N_PIPELINE(flag, passes, summary) {flag, passes, summary},
#include "t2n/passes.def"
    {NULL, NULL, NULL}};

const t2n_pipeline_info *t2n_pipeline_table(int *n) {
  *n = (int)(sizeof pipelines / sizeof pipelines[0]) - 1;
  return pipelines;
}

const t2n_pipeline_info *t2n_pipeline_lookup(const char *flag) {
  for (const t2n_pipeline_info *p = pipelines; p->flag; p++)
    if (strcmp(p->flag, flag) == 0) return p;
  return NULL;
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

void t2n_remark(t2n_pass_ctx *ctx, const t2n_node *n, const char *fmt, ...) {
  if (!ctx->diag || !ctx->diag->remarks) return;
  t2n_module *m = ctx->mod;
  t2n_srcloc l = {m->source_name ? m->source_name : "<input>", m->source, m->source_len, n ? n->line : 0, 0};
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  t2n_report(ctx->diag, T2N_REMARK, &l, "[%s] %s", ctx->pass_name ? ctx->pass_name : "t2n", msg);
}
