/* Diagnostics printed the way compilers print them:
 *   file:line:col: error: message
 *   <the source line>
 *       ^
 */
#include "t2n/diag.h"

#include <stdlib.h>
#include <string.h>

void t2n_diag_init(t2n_diag *d) {
  d->out = stderr;
  d->nerrors = 0;
  d->remarks = 0;
  d->prog = "t2n";
}

static const char *prog(const t2n_diag *d) { return d && d->prog ? d->prog : "t2n"; }

void t2n_say(t2n_diag *d, const char *fmt, ...) {
  FILE *out = d && d->out ? d->out : stderr;
  va_list ap;
  va_start(ap, fmt);
  fprintf(out, "%s: ", prog(d));
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  va_end(ap);
}

static const char *sev_name(t2n_severity s) {
  switch (s) {
  case T2N_ERROR: return "error";
  case T2N_WARNING: return "warning";
  case T2N_REMARK: return "remark";
  case T2N_NOTE: return "note";
  }
  return "error";
}

static void quote_line(FILE *out, const t2n_srcloc *loc) {
  if (!loc->buf || loc->line <= 0) return;
  const char *p = loc->buf, *end = loc->buf + loc->len;
  for (int l = 1; l < loc->line && p < end; p++)
    if (*p == '\n') l++;
  if (p > end) return;
  const char *e = memchr(p, '\n', (size_t)(end - p));
  if (!e) e = end;
  int col = loc->col > 0 ? loc->col : 1;
  /* A line of megabytes (a big constant) is quoted as a window around the
   * caret, marked with "..." where it is cut. */
  enum { Window = 80 };
  const char *lo = p, *hi = e;
  if (col - 1 > Window) lo = p + (col - 1 - Window);
  if (hi - (p + col - 1) > Window) hi = p + col - 1 + Window;
  if (lo > e) lo = e;
  if (hi < lo) hi = lo;
  int cut_lo = lo > p;
  if (cut_lo) fputs("...", out);
  fwrite(lo, 1, (size_t)(hi - lo), out);
  if (hi < e) fputs("...", out);
  fputc('\n', out);
  for (int i = cut_lo ? -2 : 1; i < col - (int)(lo - p); i++) {
    const char *c = lo + i - 1;
    fputc(i >= 1 && c < e && *c == '\t' ? '\t' : ' ', out);
  }
  fputs("^\n", out);
}

int t2n_srcloc_column(const char *buf, size_t len, int line, const char *word) {
  if (!buf || line <= 0) return 0;
  const char *p = buf, *end = buf + len;
  for (int l = 1; l < line && p < end; p++)
    if (*p == '\n') l++;
  if (p >= end) return 0;
  const char *e = memchr(p, '\n', (size_t)(end - p));
  if (!e) e = end;
  size_t wl = word ? strlen(word) : 0;
  for (const char *q = p; wl && q + wl <= e; q++)
    if (memcmp(q, word, wl) == 0) return (int)(q - p) + 1;
  for (const char *q = p; q < e; q++)
    if (*q != ' ' && *q != '\t') return (int)(q - p) + 1;
  return 0;
}

void t2n_vreport(t2n_diag *d, t2n_severity sev, const t2n_srcloc *loc,
                 const char *fmt, va_list ap) {
  FILE *out = d && d->out ? d->out : stderr;
  if (sev == T2N_REMARK && d && !d->remarks) return;
  if (loc && loc->file) {
    fprintf(out, "%s:", loc->file);
    if (loc->line > 0) {
      fprintf(out, "%d:", loc->line);
      if (loc->col > 0) fprintf(out, "%d:", loc->col);
    }
    fputc(' ', out);
  } else {
    fprintf(out, "%s: ", prog(d));
  }
  fprintf(out, "%s: ", sev_name(sev));
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  if (loc) quote_line(out, loc);
  if (sev == T2N_ERROR && d) d->nerrors++;
}

void t2n_report(t2n_diag *d, t2n_severity sev, const t2n_srcloc *loc,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(d, sev, loc, fmt, ap);
  va_end(ap);
}

_Noreturn void t2n_fatal_internal(const char *file, int line, const char *msg) {
  fprintf(stderr, "t2n: internal error at %s:%d: %s\n", file, line, msg);
  abort();
}
