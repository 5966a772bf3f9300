/* Checks a TorchScript archive (.jit, .pt: a zip file) before anything reads
 * it (lib/Support/jit_archive.c): the zip structure lies within the file, no
 * entry name is absolute or climbs out with "..", and the records torch needs
 * (data.pkl, constants.pkl) are there. A stranger's file is refused with the
 * file, the entry and the rule, instead of reaching libtorch's reader. */
#ifndef T2N_JIT_ARCHIVE_H
#define T2N_JIT_ARCHIVE_H

#include "t2n/diag.h"

/* 1 when the archive passes; 0 after reporting. */
int t2n_check_jit_archive(const char *path, t2n_diag *d);

#endif
