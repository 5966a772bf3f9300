/* Safe output: a result is written under a temporary name beside its final
 * path and renamed into place at the end, so a failed or interrupted run
 * leaves nothing and never replaces an older output. An interrupt (SIGINT,
 * SIGTERM, SIGHUP) removes what the run had written so far.
 *
 * Kept small and apart from its users (lib/Support/archive.c) so it can
 * be swapped for the shared helper of the library pass manager. */
#include "t2n/output.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths to remove on a signal, most recent last (files, then the folders
 * holding them). Fixed storage: the handler may not allocate. */
enum { NCleanup = 4096, NPath = 4096 };
static char cleanup_paths[NCleanup][NPath];
static volatile sig_atomic_t ncleanup;
static int handlers_installed;

static void on_signal(int sig) {
  /* unlink and rmdir are async-signal-safe. */
  for (int i = ncleanup - 1; i >= 0; i--)
    if (unlink(cleanup_paths[i]) != 0) rmdir(cleanup_paths[i]);
  signal(sig, SIG_DFL);
  raise(sig);
}

void t2n_output_track(const char *path) {
  if (!handlers_installed) {
    handlers_installed = 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
  }
  if (ncleanup >= NCleanup || strlen(path) >= NPath) return;
  snprintf(cleanup_paths[ncleanup], NPath, "%s", path);
  ncleanup = ncleanup + 1;
}

static void untrack_all(void) { ncleanup = 0; }

char *t2n_output_temp_path(const char *path) {
  /* Beside the target (same folder, so the rename stays on one file
   * system), hidden, unique per process. */
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path + 1) : 0;
  size_t n = strlen(path) + 64;
  char *tmp = malloc(n);
  if (!tmp) return NULL;
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
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", path, e->d_name);
    if (remove_tree(p) != 0) rc = -1;
    free(p);
  }
  closedir(d);
  return rmdir(path) == 0 ? rc : -1;
}

void t2n_output_discard(const char *tmp) {
  remove_tree(tmp);
  untrack_all();
}

int t2n_output_commit(const char *tmp, const char *path) {
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
  char *aside = malloc(strlen(tmp) + 8);
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
