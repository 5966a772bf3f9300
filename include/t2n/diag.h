/* Diagnostics: user errors as `file:line:col: error: msg` plus the source
 * line and a caret; remarks and warnings in the same form. Internal bugs
 * abort through T2N_UNREACHABLE instead. */
#ifndef T2N_DIAG_H
#define T2N_DIAG_H

#include <stdarg.h>
#include <stdio.h>

typedef enum { T2N_ERROR, T2N_WARNING, T2N_REMARK, T2N_NOTE } t2n_severity;

typedef struct t2n_srcloc {
  const char *file;      /* display name */
  const char *buf;       /* whole source text, for quoting the line (may be NULL) */
  size_t len;
  int line, col;         /* 1-based; 0 when unknown */
} t2n_srcloc;

typedef struct t2n_diag {
  FILE *out;             /* stderr by default */
  int nerrors;
  int remarks;           /* print remarks (--pass-remarks) */
  const char *prog;      /* prefix of messages without a location ("t2n-opt"); "t2n" by default */
} t2n_diag;

void t2n_diag_init(t2n_diag *d);
void t2n_report(t2n_diag *d, t2n_severity sev, const t2n_srcloc *loc,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void t2n_vreport(t2n_diag *d, t2n_severity sev, const t2n_srcloc *loc,
                 const char *fmt, va_list ap);

/* The column (1-based) of `word` on line `line` of buf, else of the line's
 * first non-blank character; 0 when the line is not there. Nodes record
 * their line; this points the caret at the op on it. */
int t2n_srcloc_column(const char *buf, size_t len, int line, const char *word);

/* A plain message of the tool ("t2n-opt: dce 0.1 ms ..."), with the same
 * prefix as its errors. */
void t2n_say(t2n_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define T2N_UNREACHABLE(msg) t2n_fatal_internal(__FILE__, __LINE__, msg)
_Noreturn void t2n_fatal_internal(const char *file, int line, const char *msg);

#endif
