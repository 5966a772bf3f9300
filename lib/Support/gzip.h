/* A gzip writer that deflates on several threads (lib/Support/gzip.c), for
 * the .nnef.tgz container. Internal to lib/Support. */
#ifndef T2N_SUPPORT_GZIP_H
#define T2N_SUPPORT_GZIP_H
#include <stddef.h>

typedef struct t2n_gzip t2n_gzip;

/* Writes one gzip member to fd (not closed). level: 0 stores, 1 (the
 * fast one that still compresses) entropy-codes only, 2-9 are zlib's levels.
 * threads: deflating threads (at least 1). NULL when out of memory. */
t2n_gzip *t2n_gzip_open(int fd, int level, int threads);
/* 0 on success, else an errno value (and every later call fails). */
int t2n_gzip_write(t2n_gzip *z, const void *data, size_t n);
/* Ends the member, waits for the threads and frees z; 0 or an errno. */
int t2n_gzip_close(t2n_gzip *z);
/* Frees z without finishing the member. */
void t2n_gzip_free(t2n_gzip *z);

#endif
