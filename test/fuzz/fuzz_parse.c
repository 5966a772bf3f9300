/* libFuzzer target: the graph / module dump / t2n module text parser.
 * Any input must be accepted or rejected with a located error (never a
 * crash or an out-of-bounds read: the build has ASan and UBSan), and what
 * the printer writes for an accepted input must parse back and print the
 * same bytes again (a printed module is text t2n reads). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "t2n/ir.h"
#include "t2n/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  t2n_diag d;
  fuzz_diag(&d);
  t2n_module *m = t2n_parse((const char *)data, size, "<fuzz>", &d);
  if (!m) {
    FUZZ_CHECK(d.nerrors > 0, "rejected without an error");
    return 0;
  }
  size_t n1;
  char *p1 = t2n_module_to_string(m, &n1);
  t2n_module_free(m);
  FUZZ_CHECK(p1 != NULL, "accepted input does not print");
  t2n_module *m2 = t2n_parse(p1, n1, "<printed>", &d);
  FUZZ_CHECK(m2 != NULL, "printed text does not parse back");
  size_t n2;
  char *p2 = t2n_module_to_string(m2, &n2);
  t2n_module_free(m2);
  FUZZ_CHECK(p2 && n1 == n2 && memcmp(p1, p2, n1) == 0, "printing is not stable");
  free(p1);
  free(p2);
  return 0;
}
