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
  fuzz_check_reprint(m, &d, "accepted module");
  return 0;
}
