/* Shared by the libFuzzer targets: a diagnostics sink that drops messages
 * (a rejection is an expected outcome, not a finding) and the checks whose
 * failure is one. A finding aborts, so libFuzzer saves the input. */
#ifndef T2N_FUZZ_COMMON_H
#define T2N_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "t2n/diag.h"

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

#endif
