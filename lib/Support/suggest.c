/* Suggestions by Levenshtein distance, as compilers make for misspelt flags. */
#include "t2n/suggest.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WORD 128 /* longer words are not flags anyone typed */

/* Edit distance counting a swap of two neighbours as one edit ("-dec" is
 * one edit from "-dce"): the optimal-string-alignment distance. */
static int distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAX_WORD || lb > MAX_WORD) return MAX_WORD;
  static int m[MAX_WORD + 1][MAX_WORD + 1];
  for (size_t i = 0; i <= la; i++) m[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) m[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int best = m[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (m[i - 1][j] + 1 < best) best = m[i - 1][j] + 1;
      if (m[i][j - 1] + 1 < best) best = m[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && m[i - 2][j - 2] + 1 < best)
        best = m[i - 2][j - 2] + 1;
      m[i][j] = best;
    }
  return m[la][lb];
}

const char *t2n_closest(const char *word, const char *const *cands, int n) {
  const char *best = NULL;
  int bestd = 0;
  int limit = (int)strlen(word) / 3;
  if (limit < 1) limit = 1;
  for (int i = 0; i < n; i++) {
    int dd = distance(word, cands[i]);
    if (dd <= limit && (!best || dd < bestd)) {
      best = cands[i];
      bestd = dd;
    }
  }
  return best;
}
