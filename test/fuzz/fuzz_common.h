/* Shared by the libFuzzer targets: a diagnostics sink that drops messages
 * (a rejection is an expected outcome, not a finding) and the checks whose
 * failure is one. A finding aborts, so libFuzzer saves the input. */
#ifndef T2N_FUZZ_COMMON_H
#define T2N_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/diag.h"
#include "t2n/text.h"

static inline void fuzz_diag(t2n_diag *d) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  t2n_diag_init(d);
  d->out = sink;
}

#define FUZZ_CHECK(cond, what)                                             \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "t2n fuzz finding: %s (%s:%d)\n", what, __FILE__, __LINE__); \
      abort();                                                             \
    }                                                                      \
  } while (0)

/* Prints m (and frees it), parses the text back and prints that again: it
 * must parse and give the same bytes (a printed module is text t2n reads).
 * `what` names m in a finding ("hardened module"). */
static inline void fuzz_check_reprint(t2n_module *m, t2n_diag *d, const char *what) {
  char msg[128];
  size_t n1, n2;
  char *p1 = t2n_module_to_string(m, &n1);
  t2n_module_free(m);
  snprintf(msg, sizeof msg, "the %s does not print", what);
  FUZZ_CHECK(p1 != NULL, msg);
  t2n_module *m2 = t2n_parse(p1, n1, "<printed>", d);
  snprintf(msg, sizeof msg, "the printed %s does not parse back", what);
  FUZZ_CHECK(m2 != NULL, msg);
  char *p2 = t2n_module_to_string(m2, &n2);
  t2n_module_free(m2);
  snprintf(msg, sizeof msg, "printing the %s is not stable", what);
  FUZZ_CHECK(p2 && n1 == n2 && memcmp(p1, p2, n1) == 0, msg);
  free(p1);
  free(p2);
}

#endif
