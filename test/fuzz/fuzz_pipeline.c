/* libFuzzer target: the whole pipeline. Parse, verify, run -harden, verify
 * again, print, parse the printed text, print it again and compare. A pass
 * may refuse an input with an error, but it must never crash, leave IR the
 * verifier rejects, or print text that does not read back. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "t2n/pass.h"
#include "t2n/text.h"

/* The -harden pipeline's passes, in order (an alternative's first choice,
 * as t2n-opt runs it without --no-freeze), each checked by the verifier:
 * the pass manager would report invalid IR as an error, which here is a
 * finding. */
static int run_harden(t2n_module *m, t2n_graph *g, t2n_diag *d) {
  const t2n_pipeline_info *p = t2n_pipeline_lookup("harden");
  FUZZ_CHECK(p != NULL, "no -harden pipeline");
  t2n_pass_options opts;
  memset(&opts, 0, sizeof opts);
  for (const t2n_pipeline_step *s = p->steps; s->pass; s++) {
    const t2n_pass_info *info = t2n_pass_lookup(s->pass);
    FUZZ_CHECK(info != NULL, "-harden names an unknown pass");
    t2n_pass_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.mod = m;
    ctx.graph = g;
    ctx.diag = d;
    ctx.opts = &opts;
    ctx.pass_name = info->flag;
    int errors0 = d->nerrors;
    if (info->run(&ctx) || d->nerrors > errors0) return 1;
    FUZZ_CHECK(t2n_verify_module(m, d) == 0, "a pass left invalid IR");
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  t2n_diag d;
  fuzz_diag(&d);
  t2n_module *m = t2n_parse((const char *)data, size, "<fuzz>", &d);
  if (!m) return 0;
  t2n_graph *g = t2n_module_target_graph(m, NULL, &d);
  if (!g || t2n_verify_module(m, &d) != 0 || run_harden(m, g, &d) != 0) {
    t2n_module_free(m);
    return 0;
  }
  fuzz_check_reprint(m, &d, "hardened module");
  return 0;
}
