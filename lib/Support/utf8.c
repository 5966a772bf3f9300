/* UTF-8 validity: see include/t2n/utf8.h. ASCII, nearly all of every real
 * input, is checked 32 bytes per step (the high bits of four words at once):
 * a byte-at-a-time loop was a sixth of parsing small graphs. */
#include "t2n/utf8.h"

#include <stdint.h>
#include <string.h>

static uint64_t rd8(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

size_t t2n_utf8_check(const char *buf, size_t n) {
  const unsigned char *s = (const unsigned char *)buf;
  const uint64_t HI = 0x8080808080808080ull;
  size_t i = 0;
  while (i < n) {
    /* Skip a run of ASCII in wide steps, then bytes up to the next non-ASCII. */
    while (n - i >= 32 && ((rd8(s + i) | rd8(s + i + 8) | rd8(s + i + 16) | rd8(s + i + 24)) & HI) == 0) i += 32;
    while (n - i >= 8 && (rd8(s + i) & HI) == 0) i += 8;
    if (i >= n) break;
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    unsigned c = s[i];
    int k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (k < 0 || n - i <= (size_t)k) return i;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
    else if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (int j = 2; j <= k; j++)
      if ((s[i + j] & 0xc0) != 0x80) return i;
    i += (size_t)k + 1;
  }
  return n;
}
