/* t2n-bench: parse+print throughput in one process, the way torch's side of
 * utils/bench-parse is measured (torch._C.parse_ir + str(graph) in Python).
 *
 *   t2n-bench [--repeat N] FILE...
 *
 * Reads every file first, parses and prints each once untimed (checking the
 * output equals the input, and warming caches and the allocator the way the
 * torch side is warmed by its first parses), then parses and prints each N
 * times into memory, timed. Prints bytes, seconds and MB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "t2n/options.h"
#include "t2n/text.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char usage[] = "usage: t2n-bench [--repeat N] FILE...\n";

int main(int argc, char **argv) {
  int repeat = 1, first = 1;
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    fputs("\nParses and prints each FILE N times in memory and reports the throughput.\n", stdout);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    t2n_print_version(stdout, "t2n-bench");
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--repeat") == 0) {
    repeat = atoi(argv[2]);
    first = 3;
  }
  if (first >= argc || repeat < 1) {
    fputs(usage, stderr);
    return 1;
  }
  t2n_diag d;
  t2n_diag_init(&d);
  d.prog = "t2n-bench";
  int n = argc - first, bad = 0;
  char **bufs = calloc((size_t)n, sizeof *bufs);
  size_t *lens = calloc((size_t)n, sizeof *lens), total = 0;
  for (int i = 0; i < n; i++) {
    if (!t2n_read_file(argv[first + i], &bufs[i], &lens[i], &d)) return 1;
    total += lens[i];
  }
  for (int i = 0; i < n; i++) { /* untimed: check and warm up */
    t2n_module *m = t2n_parse(bufs[i], lens[i], argv[first + i], &d);
    if (!m) {
      bad++;
      continue;
    }
    size_t len;
    char *out = t2n_module_to_string(m, &len);
    if (len != lens[i] || memcmp(out, bufs[i], len) != 0) {
      fprintf(stderr, "t2n-bench: %s does not round-trip\n", argv[first + i]);
      bad++;
    }
    free(out);
    t2n_module_free(m);
  }
  double t0 = now();
  for (int r = 0; r < repeat; r++)
    for (int i = 0; i < n; i++) {
      t2n_module *m = t2n_parse(bufs[i], lens[i], argv[first + i], &d);
      if (!m) continue; /* counted above */
      size_t len;
      free(t2n_module_to_string(m, &len));
      t2n_module_free(m);
    }
  double secs = now() - t0;
  double mb = (double)total * repeat / 1e6;
  printf("files %d bytes %zu repeat %d seconds %.6f MB/s %.3f failures %d\n", n, total, repeat, secs,
         mb / secs, bad);
  for (int i = 0; i < n; i++) free(bufs[i]);
  free(bufs);
  free(lens);
  return bad ? 1 : 0;
}
