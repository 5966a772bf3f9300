/* The container of an export: a folder, a .tar or a gzip'd tar, written
 * with libarchive (Debian's libarchive-dev) under a temporary name beside
 * the target, renamed into place at commit. Nothing here knows what the
 * files hold.
 *
 * Reproducible bytes: entries come in the order they are added, each with
 * mode 0644, time 0, uid/gid 0 and no owner names; the gzip layer stores no
 * time stamp and no file name.
 *
 * Speed: libarchive writes the tar stream unblocked straight into
 * write_cb, which writes it to the file or hands it to the threaded gzip
 * writer (gzip.c): a weight's bytes are copied once, from the caller's
 * buffer (the mapped weights) to the file or the deflate blocks. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "gzip.h"
#include "t2n/archive.h"
#include "t2n/alloc.h"

/* ---- temporary names and cleanup ---- */

/* Paths to remove on a signal, most recent last (files, then the folders
 * holding them). Fixed storage: the handler may not allocate. */
enum { NCleanup = 4096, NPath = 4096 };
static char cleanup_paths[NCleanup][NPath];
static volatile sig_atomic_t ncleanup;
static int handlers_installed;

static void remove_tracked(void) {
  /* unlink and rmdir are async-signal-safe. */
  for (int i = ncleanup - 1; i >= 0; i--)
    if (unlink(cleanup_paths[i]) != 0) rmdir(cleanup_paths[i]);
}

static void on_signal(int sig) {
  remove_tracked();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void track_path(const char *path) {
  if (!handlers_installed) {
    handlers_installed = 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    t2n_on_fatal_exit(remove_tracked); /* and on running out of memory */
  }
  if (ncleanup >= NCleanup || strlen(path) >= NPath) return;
  snprintf(cleanup_paths[ncleanup], NPath, "%s", path);
  ncleanup = ncleanup + 1;
}

static void untrack_all(void) { ncleanup = 0; }

static char *temp_path(const char *path) {
  /* Beside the target (same folder, so the rename stays on one file
   * system), hidden, unique per process. */
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path + 1) : 0;
  size_t n = strlen(path) + 64;
  char *tmp = t2n_xmalloc(n);
  snprintf(tmp, n, "%.*s.%s.t2n-tmp-%ld", (int)dl, path, path + dl, (long)getpid());
  return tmp;
}

static int remove_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(sb.st_mode)) return unlink(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(path) + strlen(e->d_name) + 2;
    char *p = t2n_xmalloc(n);
    snprintf(p, n, "%s/%s", path, e->d_name);
    if (remove_tree(p) != 0) rc = -1;
    free(p);
  }
  closedir(d);
  return rmdir(path) == 0 ? rc : -1;
}

static void discard_path(const char *tmp) {
  remove_tree(tmp);
  untrack_all();
}

static int commit_path(const char *tmp, const char *path) {
  struct stat sb;
  int is_dir = stat(tmp, &sb) == 0 && S_ISDIR(sb.st_mode);
  struct stat old;
  int had_old = lstat(path, &old) == 0;
  if (!is_dir || !had_old) {
    /* A file replaces a file atomically; a folder goes where nothing is. */
    if (had_old && S_ISDIR(old.st_mode)) {
      errno = EISDIR;
      return -1;
    }
    if (rename(tmp, path) != 0) return -1;
    untrack_all();
    return 0;
  }
  if (!S_ISDIR(old.st_mode)) {
    errno = EEXIST;
    return -1;
  }
  /* A folder over an older folder: move the old one aside, put the new one
   * in place, then remove the old one (rename cannot replace a non-empty
   * folder in one step). */
  char *aside = t2n_xmalloc(strlen(tmp) + 8);
  sprintf(aside, "%s.old", tmp);
  if (rename(path, aside) != 0) {
    free(aside);
    return -1;
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    rename(aside, path);
    free(aside);
    errno = e;
    return -1;
  }
  untrack_all();
  remove_tree(aside);
  free(aside);
  return 0;
}


typedef enum { KIND_DIR, KIND_TAR, KIND_TGZ } container_kind;

struct t2n_container {
  container_kind kind;
  char *path, *tmp;
  t2n_diag *diag;
  struct archive *ar;        /* tar kinds */
  int fd;                    /* tar kinds: the file written, or -1 */
  int level;                 /* .tgz: compression level 0-9 */
  t2n_gzip *gz;              /* .tgz: the gzip writer, made at the first byte */
  FILE *file;                /* folder kind: the file being written */
  char *name;                /* entry being written, for messages */
  size_t left;               /* bytes still expected for it */
  int failed;
  int direct;                /* the target is a device or FIFO: written in place */
  int discard;               /* aborting: write_cb drops what libarchive still writes */
};

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static int fail(t2n_container *c, const char *what, const char *why) {
  if (!c->failed)
    t2n_report(c->diag, T2N_ERROR, NULL, "cannot write '%s'%s%s: %s", c->path, what ? " " : "", what ? what : "", why);
  c->failed = 1;
  return -1;
}

/* Threads deflating a .tgz: one per online CPU, at most 8. */
static int deflate_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static la_ssize_t write_cb(struct archive *a, void *arg, const void *buf, size_t n) {
  t2n_container *c = arg;
  int err = 0;
  if (c->discard) return (la_ssize_t)n;
  if (c->kind == KIND_TGZ) {
    if (!c->gz && !(c->gz = t2n_gzip_open(c->fd, c->level, deflate_threads()))) err = ENOMEM;
    if (!err) err = t2n_gzip_write(c->gz, buf, n);
  } else {
    for (const char *p = buf, *e = p + n; p < e && !err;) {
      ssize_t w = write(c->fd, p, (size_t)(e - p));
      if (w > 0) p += w;
      else if (w < 0 && errno == EINTR) continue;
      else err = w < 0 ? errno : EIO;
    }
  }
  if (err) {
    archive_set_error(a, err, "%s", strerror(err));
    return -1;
  }
  return (la_ssize_t)n;
}

t2n_container *t2n_container_open(const char *path, t2n_diag *d) {
  t2n_container *c = t2n_xcalloc(1, sizeof *c);
  c->diag = d;
  c->fd = -1;
  c->level = 0;
  c->kind = ends_with(path, ".tgz") || ends_with(path, ".tar.gz") ? KIND_TGZ : ends_with(path, ".tar") ? KIND_TAR : KIND_DIR;
  struct stat sb;
  char *real = NULL;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
    /* A device or FIFO (-o /dev/null, a pipe) is written in place as a tar
     * stream: renaming a temporary onto it would replace the device by a
     * regular file. */
    c->direct = 1;
    if (c->kind == KIND_DIR) c->kind = KIND_TAR;
    c->path = t2n_xstrdup(path);
    c->tmp = t2n_xstrdup(path);
  } else {
    /* A symlink is followed: the file or folder it names is replaced and
     * the link kept. */
    struct stat lb;
    if (lstat(path, &lb) == 0 && S_ISLNK(lb.st_mode)) real = realpath(path, NULL);
    c->path = real ? real : t2n_xstrdup(path);
    c->tmp = temp_path(c->path);
    track_path(c->tmp);
  }
  if (c->kind == KIND_DIR) {
    if (mkdir(c->tmp, 0755) != 0) {
      fail(c, NULL, strerror(errno));
      t2n_container_abort(c);
      return NULL;
    }
    return c;
  }
  c->ar = archive_write_new();
  c->fd = open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (c->fd < 0) {
    fail(c, NULL, strerror(errno));
    t2n_container_abort(c);
    return NULL;
  }
  /* pax_restricted is ustar unless a name is too long for it. No blocking:
   * the stream goes to write_cb as the tar writer makes it. */
  int r = archive_write_set_format_pax_restricted(c->ar);
  if (r == ARCHIVE_OK) r = archive_write_set_bytes_per_block(c->ar, 0);
  if (r == ARCHIVE_OK) r = archive_write_open2(c->ar, c, NULL, write_cb, NULL, NULL);
  if (r != ARCHIVE_OK) {
    fail(c, NULL, archive_error_string(c->ar) ? archive_error_string(c->ar) : "libarchive error");
    t2n_container_abort(c);
    return NULL;
  }
  return c;
}

void t2n_container_set_compression(t2n_container *c, int level) {
  c->level = level < 0 ? 0 : level > 9 ? 9 : level;
}

/* Creates the folders of a relative entry name under the temporary folder. */
static int make_parents(t2n_container *c, const char *full) {
  char *p = t2n_xstrdup(full);
  for (char *s = p + strlen(c->tmp) + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0755) == 0) track_path(p);
    else if (errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  free(p);
  return 0;
}

int t2n_container_begin(t2n_container *c, const char *name, size_t size) {
  if (c->failed) return -1;
  if (!name[0] || name[0] == '/' || strstr(name, "..")) return fail(c, name, "bad entry name");
  free(c->name);
  c->name = t2n_xstrdup(name);
  c->left = size;
  if (c->kind == KIND_DIR) {
    size_t n = strlen(c->tmp) + strlen(name) + 2;
    char *full = t2n_xmalloc(n);
    snprintf(full, n, "%s/%s", c->tmp, name);
    if (make_parents(c, full) != 0 || !(c->file = fopen(full, "wb"))) {
      free(full);
      return fail(c, name, strerror(errno));
    }
    track_path(full);
    free(full);
    return 0;
  }
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_size(e, (la_int64_t)size);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, 0, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  int r = archive_write_header(c->ar, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK) return fail(c, name, archive_error_string(c->ar));
  return 0;
}

int t2n_container_write(t2n_container *c, const void *data, size_t n) {
  if (c->failed) return -1;
  if (t2n_write_fault()) return fail(c, c->name, strerror(errno));
  if (n > c->left) return fail(c, c->name, "more data than announced");
  c->left -= n;
  if (c->kind == KIND_DIR) {
    if (n && fwrite(data, 1, n, c->file) != n) return fail(c, c->name, strerror(errno));
    return 0;
  }
  const char *p = data;
  while (n) {
    la_ssize_t w = archive_write_data(c->ar, p, n);
    if (w <= 0) return fail(c, c->name, archive_error_string(c->ar));
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int t2n_container_end(t2n_container *c) {
  if (c->failed) return -1;
  if (c->left) return fail(c, c->name, "less data than announced");
  if (c->kind == KIND_DIR) {
    int r = fclose(c->file);
    c->file = NULL;
    if (r != 0) return fail(c, c->name, strerror(errno));
    return 0;
  }
  if (archive_write_finish_entry(c->ar) != ARCHIVE_OK) return fail(c, c->name, archive_error_string(c->ar));
  return 0;
}

int t2n_container_add(t2n_container *c, const char *name, const void *data, size_t n) {
  if (t2n_container_begin(c, name, n) || t2n_container_write(c, data, n) || t2n_container_end(c)) return -1;
  return 0;
}

static void release(t2n_container *c) {
  c->discard = 1; /* archive_write_free closes an open archive: write nothing more */
  if (c->file) fclose(c->file);
  if (c->ar) archive_write_free(c->ar);
  t2n_gzip_free(c->gz);
  if (c->fd >= 0) close(c->fd);
  free(c->name);
  free(c->path);
  free(c->tmp);
  free(c);
}

int t2n_container_commit(t2n_container *c) {
  if (!c->failed && c->ar) {
    if (archive_write_close(c->ar) != ARCHIVE_OK) fail(c, NULL, archive_error_string(c->ar));
    if (!c->failed && c->kind == KIND_TGZ && !c->gz && !(c->gz = t2n_gzip_open(c->fd, c->level, 1)))
      fail(c, NULL, strerror(ENOMEM));
    if (!c->failed && c->gz) {
      int err = t2n_gzip_close(c->gz);
      if (err) fail(c, NULL, strerror(err));
    }
    c->gz = NULL;
    int fd = c->fd;
    c->fd = -1;
    if (close(fd) != 0 && !c->failed) fail(c, NULL, strerror(errno));
  }
  if (!c->failed && !c->direct && commit_path(c->tmp, c->path) != 0) fail(c, NULL, strerror(errno));
  int rc = c->failed ? -1 : 0;
  if (c->failed && !c->direct) discard_path(c->tmp);
  release(c);
  return rc;
}

void t2n_container_abort(t2n_container *c) {
  if (c->file) {
    fclose(c->file);
    c->file = NULL;
  }
  if (c->ar) {
    c->discard = 1;
    archive_write_free(c->ar);
    c->ar = NULL;
  }
  if (!c->direct) discard_path(c->tmp);
  release(c);
}
