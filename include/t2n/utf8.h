/* UTF-8 validity (lib/Support/utf8.c): torch writes names and strings as
 * UTF-8, and the safetensors format requires its header to be UTF-8. */
#ifndef T2N_UTF8_H
#define T2N_UTF8_H

#include <stddef.h>

/* The offset of the first byte that is not part of well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF), or n when all
 * of buf[0..n) is. */
size_t t2n_utf8_check(const char *buf, size_t n);

#endif
