/* Writing outputs safely (lib/Support/output.c), for every tool that writes.
 *
 * A regular file (or one that does not exist yet) is written to a temporary
 * created with mkstemp in the same folder and renamed onto the target at
 * commit, so a failed run leaves no file and an older output untouched, and
 * two runs never share a temporary. A symlink is followed: the file it points
 * to is replaced and the link kept. Anything else (a character device such as
 * /dev/null or /dev/full, a FIFO, a terminal) is written directly: renaming
 * onto it would replace the device by a regular file.
 *
 * utils/t2n-dump (Python) follows the same rules in its write_atomic(). */
#ifndef T2N_OUTPUT_H
#define T2N_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "t2n/diag.h"

typedef struct t2n_output {
  char *target;      /* the file finally written (symlinks resolved) */
  char *path;        /* where to write now: the temporary, or target itself */
  FILE *f;           /* open on `path` (NULL after t2n_output_close_file) */
  int direct;        /* not a regular file: written in place, nothing to rename */
  int is_stdout;     /* "-" or NULL: stdout */
} t2n_output;

/* Opens an output ("-" or NULL is stdout). Returns 0 after reporting. */
int t2n_output_open(t2n_output *o, const char *path, t2n_diag *d);
/* Closes the FILE (for writers that reopen o->path themselves, such as the
 * libtorch backend); returns 0 on a write error. */
int t2n_output_close_file(t2n_output *o);
/* Flushes, closes and renames the temporary onto the target. Returns 1 on
 * success; on failure reports, removes the temporary and returns 0. */
int t2n_output_commit(t2n_output *o, t2n_diag *d);
/* Drops the output: the temporary is removed, the target left as it was. */
void t2n_output_abort(t2n_output *o);

/* The whole buffer to `path` through the above. Returns 1 on success. */
int t2n_write_file(const char *path, const void *buf, size_t n, t2n_diag *d);

/* Directories and archives (the NNEF exporter's outputs) are written by
 * include/t2n/archive.h under the same rules. */

#endif
