/* Shape rules of signal ops: stft and the complex views. */
#include "shape_internal.h"
#include "t2n/limits.h"

/* stft(self, n_fft, hop_length, win_length, window, normalized, onesided,
 *      return_complex[, align_to_window]) and
 * stft.center(self, n_fft, hop_length, win_length, window, center, pad_mode,
 *      normalized, onesided, return_complex[, align_to_window]):
 * [B?, n_fft / 2 + 1 (onesided) or n_fft, frames], complex, or real with a
 * trailing axis of 2 when return_complex is False. */
void t2n_sh_r_stft(rc *c) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  set_dev(o, x->s);
  int base = TY(c, 6) && t2n_type_is(TY(c, 6), "str") ? 2 : 0;
  int cplx = 0, onesided = !dt_is_complex(x->dtype), center = 0;
  if (!cnone(c, 7 + base) && !cbool(c, 7 + base, &cplx)) return;
  if (!cnone(c, 6 + base) && !cbool(c, 6 + base, &onesided)) return;
  if (base && !cbool(c, 5, &center)) return;
  t2n_dtype real = dt_to_real(x->dtype);
  o->dtype = cplx ? (real == T2N_DT_FLOAT64 ? T2N_DT_COMPLEX128 : T2N_DT_COMPLEX64) : real;
  int64_t nfft, hop;
  if (!cint(c, 1, &nfft) || nfft < 1) return;
  hop = nfft / 4;
  if (!cnone(c, 2) && !cint(c, 2, &hop)) return;
  if (x->rank < 1 || x->rank > 2 || hop < 1) return;
  int r = 0;
  if (x->rank == 2) o->sizes[r++] = x->sizes[0];
  o->sizes[r++] = onesided ? nfft / 2 + 1 : nfft;
  int64_t len = x->sizes[x->rank - 1];
  if (len >= 0) len += center ? 2 * (nfft / 2) : 0;
  o->sizes[r++] = len < nfft ? -1 : 1 + (len - nfft) / hop; /* torch refuses a signal shorter than n_fft */
  if (!cplx) o->sizes[r++] = 2;
  o->rank = r;
}

/* view_as_real(complex [..]) -> real [.., 2];
 * view_as_complex(real [.., 2]) -> complex [..] (p->to_complex). */
void t2n_sh_r_view_as_real(rc *c, const t2n_sh_view_as_real_params *p) {
  const t2n_ival *x = ctensor(c, 0);
  t2n_ival *o = T(c, 0);
  if (!x) return;
  set_dev(o, x->s);
  if (!p->to_complex) {
    o->dtype = dt_to_real(x->dtype);
    if (x->rank < 0 || x->rank + 1 > T2N_MAX_RANK) return;
    for (int i = 0; i < x->rank; i++) o->sizes[i] = x->sizes[i];
    o->sizes[x->rank] = 2;
    o->rank = x->rank + 1;
    return;
  }
  o->dtype = x->dtype == T2N_DT_FLOAT64 ? T2N_DT_COMPLEX128 : x->dtype == T2N_DT_FLOAT16 ? T2N_DT_COMPLEX32
                                                                                        : T2N_DT_COMPLEX64;
  if (x->rank < 1) return;
  for (int i = 0; i + 1 < x->rank; i++) o->sizes[i] = x->sizes[i];
  o->rank = x->rank - 1;
}
