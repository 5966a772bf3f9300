/* Safe outputs: see include/t2n/output.h for the rules. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "t2n/output.h"
#include "t2n/alloc.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40 /* as the kernel's limit on nested symlinks */


static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return t2n_xstrdup(".");
  if (slash == path) return t2n_xstrdup("/");
  char *d = t2n_xstrdup(path);
  d[slash - path] = 0;
  return d;
}

/* Follows symlinks to the file finally written (which may not exist yet: a
 * dangling link names the file to create). *st gets its lstat, *exists 0 if
 * there is none. NULL after reporting. */
static char *resolve(const char *path, struct stat *st, int *exists, t2n_diag *d) {
  char *cur = t2n_xstrdup(path);
  for (int hops = 0;; hops++) {
    if (lstat(cur, st) != 0) {
      if (errno == ENOENT) {
        *exists = 0;
        return cur;
      }
      t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
      free(cur);
      return NULL;
    }
    *exists = 1;
    if (!S_ISLNK(st->st_mode)) return cur;
    if (hops == MAX_LINKS) {
      t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': too many levels of symbolic links", path);
      free(cur);
      return NULL;
    }
    char link[PATH_MAX];
    ssize_t n = readlink(cur, link, sizeof link - 1);
    if (n < 0) {
      t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
      free(cur);
      return NULL;
    }
    link[n] = 0;
    char *next;
    if (link[0] == '/') {
      next = t2n_xstrdup(link);
    } else { /* relative to the link's own folder */
      char *dir = dir_of(cur);
      next = t2n_xmalloc(strlen(dir) + (size_t)n + 2);
      sprintf(next, "%s/%s", dir, link);
      free(dir);
    }
    free(cur);
    cur = next;
  }
}

/* A temporary beside `target` from `mk` (mkstemp or mkdtemp style). */
static char *temp_name(const char *target) {
  size_t n = strlen(target);
  char *t = t2n_xmalloc(n + sizeof ".tmp.XXXXXX");
  memcpy(t, target, n);
  memcpy(t + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
  return t;
}

/* Outputs being written, whose temporaries the out-of-memory exit removes
 * (t2n/alloc.h): a failed run leaves no partial file. */
enum { MaxOpen = 16 };
static t2n_output *open_outputs[MaxOpen];

static void remove_temporaries(void) {
  for (int i = 0; i < MaxOpen; i++)
    if (open_outputs[i] && open_outputs[i]->path && !open_outputs[i]->direct) unlink(open_outputs[i]->path);
}

static void track(t2n_output *o) {
  t2n_on_fatal_exit(remove_temporaries);
  for (int i = 0; i < MaxOpen; i++)
    if (!open_outputs[i]) {
      open_outputs[i] = o;
      return;
    }
}

static void untrack(t2n_output *o) {
  for (int i = 0; i < MaxOpen; i++)
    if (open_outputs[i] == o) open_outputs[i] = NULL;
}

static mode_t umask_bits(void) {
  mode_t u = umask(0);
  umask(u);
  return u;
}
static mode_t default_mode(void) { return 0666 & ~umask_bits(); }

int t2n_output_open(t2n_output *o, const char *path, t2n_diag *d) {
  memset(o, 0, sizeof *o);
  if (!path || strcmp(path, "-") == 0) {
    o->is_stdout = o->direct = 1;
    o->f = stdout;
    return 1;
  }
  struct stat st;
  int exists;
  o->target = resolve(path, &st, &exists, d);
  if (!o->target) return 0;
  if (exists && S_ISDIR(st.st_mode)) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': is a directory", path);
    free(o->target);
    o->target = NULL;
    return 0;
  }
  if (exists && !S_ISREG(st.st_mode)) {
    /* A device, FIFO or socket: write in place; there is nothing to keep. */
    o->direct = 1;
    o->path = t2n_xstrdup(o->target);
    o->f = fopen(o->path, "wb");
  } else {
    o->path = temp_name(o->target);
    int fd = mkstemp(o->path);
    if (fd >= 0) {
      /* mkstemp makes the file 0600: give it the mode the target would have. */
      if (fchmod(fd, exists ? (st.st_mode & 07777) : default_mode()) != 0) { /* not fatal */ }
      o->f = fdopen(fd, "wb");
      if (o->f) track(o);
      if (!o->f) {
        close(fd);
        unlink(o->path);
      }
    }
  }
  if (!o->f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(o->target);
    free(o->path);
    memset(o, 0, sizeof *o);
    return 0;
  }
  return 1;
}

int t2n_output_close_file(t2n_output *o) {
  if (!o->f) return 1;
  int ok;
  if (o->is_stdout) ok = fflush(o->f) == 0 && !ferror(o->f);
  else ok = (fflush(o->f) == 0) & !ferror(o->f) & (fclose(o->f) == 0);
  o->f = NULL;
  return ok;
}

static void release(t2n_output *o) {
  untrack(o);
  free(o->target);
  free(o->path);
  memset(o, 0, sizeof *o);
}

int t2n_output_commit(t2n_output *o, t2n_diag *d) {
  int err = 0;
  if (!t2n_output_close_file(o)) err = errno ? errno : EIO;
  if (!err && !o->direct && rename(o->path, o->target) != 0) err = errno;
  if (err) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", o->is_stdout ? "<stdout>" : o->target,
               strerror(err));
    if (!o->direct) unlink(o->path);
    release(o);
    return 0;
  }
  release(o);
  return 1;
}

void t2n_output_abort(t2n_output *o) {
  if (o->f && !o->is_stdout) fclose(o->f);
  o->f = NULL;
  if (o->path && !o->direct) unlink(o->path);
  release(o);
}

/* Writes in chunks, each one a write T2N_FAIL_WRITE can fail. */
static int write_all(FILE *f, const char *p, size_t n) {
  enum { Chunk = 1 << 16 };
  while (n) {
    size_t k = n < Chunk ? n : Chunk;
    if (t2n_write_fault() || fwrite(p, 1, k, f) != k) return 0;
    p += k;
    n -= k;
  }
  return 1;
}

int t2n_write_file(const char *path, const void *buf, size_t n, t2n_diag *d) {
  t2n_output o;
  if (!t2n_output_open(&o, path, d)) return 0;
  errno = 0;
  if (!write_all(o.f, buf, n)) {
    int e = errno ? errno : EIO;
    t2n_report(d, T2N_ERROR, NULL, "cannot write '%s': %s", path && strcmp(path, "-") ? path : "<stdout>",
               strerror(e));
    t2n_output_abort(&o);
    return 0;
  }
  return t2n_output_commit(&o, d);
}
