/* The container an export is written into (lib/Support/archive.c): a
 * folder, a .tar, or a gzip'd tar, chosen by the path's ending. It knows
 * nothing of NNEF. Everything is written under a temporary name beside the
 * target and renamed into place at commit, so a failed or interrupted run
 * leaves nothing and never replaces an older output (SIGINT, SIGTERM and
 * SIGHUP remove what was written so far). */
#ifndef T2N_ARCHIVE_H
#define T2N_ARCHIVE_H

#include <stddef.h>

#include "t2n/diag.h"

/* A container of named files: a folder, a .tar, or a gzip'd tar (.tgz,
 * .tar.gz), chosen by the path's ending. Written with libarchive under a
 * temporary name; t2n_container_commit renames it into place. Entries are
 * written in the order given, with fixed metadata (mode 0644, time 0, no
 * owner), so the same contents give the same bytes. */
typedef struct t2n_container t2n_container;
t2n_container *t2n_container_open(const char *path, t2n_diag *d);
/* The gzip level of a .tgz, before the first entry: 0 stores (t2n-export's
 * default, as torch_to_nnef's: copy speed), 1 entropy-codes only, at several
 * times zlib -1's speed with the same size on float weights; 2-9 are zlib's
 * levels. Deflated on every
 * CPU; the bytes depend only on the contents and the level. */
void t2n_container_set_compression(t2n_container *c, int level);
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
