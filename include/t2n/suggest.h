/* "Did you mean ...?" for unknown flags, passes and names (lib/Support/suggest.c). */
#ifndef T2N_SUGGEST_H
#define T2N_SUGGEST_H

/* The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be a likely misspelling (at most a third of the word's
 * length, and at least 1, edits away). */
const char *t2n_closest(const char *word, const char *const *cands, int n);

#endif
