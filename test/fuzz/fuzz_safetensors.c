/* libFuzzer target: the safetensors reader. Any bytes are accepted or
 * refused with a reason; every tensor of an accepted file lies inside the
 * data section with the byte length its dtype and shape need, and the
 * tensors do not overlap. */
#include <stdint.h>

#include "fuzz_common.h"
#include "t2n/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  t2n_diag d;
  fuzz_diag(&d);
  t2n_safetensors st;
  if (!t2n_safetensors_parse("<fuzz>", data, size, &st, &d)) {
    FUZZ_CHECK(d.nerrors > 0, "refused without an error");
    return 0;
  }
  const unsigned char *lo = st.file, *hi = st.file + st.size;
  size_t total = 0;
  for (int i = 0; i < st.ntensors; i++) {
    const t2n_st_tensor *t = &st.tensors[i];
    FUZZ_CHECK(t->data >= lo && t->data + t->nbytes <= hi, "tensor outside the file");
    uint64_t numel = 1;
    for (int k = 0; k < t->rank; k++) numel *= (uint64_t)t->sizes[k];
    FUZZ_CHECK(numel * t2n_dtype_size(t->dtype) == t->nbytes, "byte length does not match the shape");
    /* Touch every byte: an out-of-bounds tensor would trip ASan here. */
    volatile unsigned char acc = 0;
    for (size_t b = 0; b < t->nbytes; b++) acc ^= t->data[b];
    (void)acc;
    total += t->nbytes;
  }
  FUZZ_CHECK(st.ntensors == 0 || total <= st.size, "tensors overlap");
  t2n_safetensors_free(&st);
  return 0;
}
