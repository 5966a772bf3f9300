/* Safe output (lib/Support/output.c) and the archive container
 * (lib/Support/archive.c). Neither knows anything of NNEF. */
#ifndef T2N_OUTPUT_H
#define T2N_OUTPUT_H

#include <stddef.h>

#include "t2n/diag.h"

/* The temporary name a result for `path` is written under: beside it,
 * hidden, unique per process. malloc'ed. */
char *t2n_output_temp_path(const char *path);
/* Removes `path` if the process is interrupted before commit or discard. */
void t2n_output_track(const char *path);
/* Renames tmp (a file or a folder) to path, replacing an older output of
 * the same kind. Returns 0, or -1 with errno set (tmp is left). */
int t2n_output_commit(const char *tmp, const char *path);
/* Removes tmp (recursively). */
void t2n_output_discard(const char *tmp);

/* A container of named files: a folder, a .tar, or a gzip'd tar (.tgz,
 * .tar.gz), chosen by the path's ending. Written with libarchive under a
 * temporary name; t2n_container_commit renames it into place. Entries are
 * written in the order given, with fixed metadata (mode 0644, time 0, no
 * owner), so the same contents give the same bytes. */
typedef struct t2n_container t2n_container;
t2n_container *t2n_container_open(const char *path, t2n_diag *d);
/* Streams one file of `size` bytes: begin, then writes summing to size. */
int t2n_container_begin(t2n_container *c, const char *name, size_t size);
int t2n_container_write(t2n_container *c, const void *data, size_t n);
int t2n_container_end(t2n_container *c);
int t2n_container_add(t2n_container *c, const char *name, const void *data, size_t n);
/* Finishes and renames into place; 0 on success. Frees c either way. */
int t2n_container_commit(t2n_container *c);
/* Removes everything written. Frees c. */
void t2n_container_abort(t2n_container *c);

#endif
