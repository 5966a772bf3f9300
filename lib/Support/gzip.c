/* A gzip writer that deflates on several threads.
 *
 * Why: single-threaded zlib deflates float weights at a few tens of MB/s,
 * far under the disk's speed, so a model of gigabytes would spend minutes
 * in compression. The stream is cut into blocks of BLOCK input bytes; each
 * block is deflated on its own (no back-references into the block before)
 * by whichever thread is free and ends with a sync flush, which closes its
 * last deflate block on a byte boundary without marking it final. Written
 * one after the other, the blocks form one valid deflate stream; the last
 * block is finished with Z_FINISH. The CRC-32 of the whole member is
 * combined from the blocks' CRCs (crc32_combine). The output depends only on
 * the input and the level, never on the thread count or timing: one gzip
 * member, mtime 0.
 *
 * Level 1 codes each block with Huffman codes only (Z_HUFFMAN_ONLY): on
 * float weights, string matching finds almost nothing (what levels 2-9 add
 * is under 1% of the size) and costs most of the time.
 *
 * Level 0 (the default) needs no deflate and no thread: stored blocks are
 * a 5-byte header per 65535 bytes, so t2n_gzip_write hands the caller's
 * buffer (the mapped weights) to writev between those headers and the
 * bytes are copied once, by the kernel, as for a .tar. Through zlib's
 * level 0 they were copied three times and the whole export ran at a fifth
 * of the .tar's speed. CRCs come from libdeflate (carry-less multiply, six
 * times zlib's crc32 here); crc32_combine stays zlib's. */
#include "t2n/alloc.h"
#include "gzip.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#define BLOCK (1u << 20)
#define STORED_MAX 65535u /* bytes in one stored deflate block */
#define STORED_IOV 256    /* stored blocks per writev: 16 MB */
#define NSLOT 6 /* blocks in flight: being filled, queued, deflating, written */

enum { FREE, QUEUED, BUSY, DONE };

typedef struct slot {
  unsigned char *in, *out;
  size_t nin, nout;
  unsigned long crc;
  int last, state, err;
} slot;

struct t2n_gzip {
  int fd, level, nthreads, err;
  pthread_t *threads;
  int nstarted;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  slot slots[NSLOT];
  uint64_t filling;  /* the block being filled; blocks before it are submitted */
  uint64_t next_job; /* the next submitted block a thread takes */
  uint64_t written;  /* blocks written to fd */
  int stop;
  unsigned long crc;
  uint64_t total;
  size_t out_cap;
};

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int deflate_block(z_stream *zs, slot *s, size_t cap) {
  if (deflateReset(zs) != Z_OK) return ENOMEM;
  zs->next_in = s->in;
  zs->avail_in = (uInt)s->nin;
  zs->next_out = s->out;
  zs->avail_out = (uInt)cap;
  int r = deflate(zs, s->last ? Z_FINISH : Z_SYNC_FLUSH);
  /* cap is deflateBound plus room for the flush marker: one call does it. */
  if ((s->last && r != Z_STREAM_END) || (!s->last && r != Z_OK) || zs->avail_in) return EIO;
  s->nout = cap - zs->avail_out;
  s->crc = libdeflate_crc32(0, s->in, s->nin);
  return 0;
}

static void *worker(void *arg) {
  t2n_gzip *z = arg;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  int level = z->level, strategy = Z_DEFAULT_STRATEGY;
  if (level == 1) strategy = Z_HUFFMAN_ONLY;
  int init = deflateInit2(&zs, level, Z_DEFLATED, -15, 8, strategy) == Z_OK;
  pthread_mutex_lock(&z->mu);
  for (;;) {
    while (!z->stop && z->next_job == z->filling) pthread_cond_wait(&z->work, &z->mu);
    if (z->next_job == z->filling) break; /* stopping, nothing queued */
    slot *s = &z->slots[z->next_job++ % NSLOT];
    s->state = BUSY;
    pthread_mutex_unlock(&z->mu);
    int err = init ? deflate_block(&zs, s, z->out_cap) : ENOMEM;
    pthread_mutex_lock(&z->mu);
    s->err = err;
    s->state = DONE;
    pthread_cond_broadcast(&z->done);
  }
  pthread_mutex_unlock(&z->mu);
  if (init) deflateEnd(&zs);
  return NULL;
}

/* The member header: deflate, no name, mtime 0, OS 3 (Unix). */
static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

/* writev of every byte of iov[0..n), resumed after a short write. */
static int writev_all(int fd, struct iovec *iov, int n) {
  while (n) {
    ssize_t w = writev(fd, iov, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    while (n && (size_t)w >= iov->iov_len) w -= (ssize_t)iov->iov_len, iov++, n--;
    if (n) iov->iov_base = (char *)iov->iov_base + w, iov->iov_len -= (size_t)w;
  }
  return 0;
}

/* Level 0: p[0..n) as non-final stored blocks, each a header (BFINAL 0,
 * BTYPE 00, byte-aligned; LEN and its complement) and the caller's bytes. */
static int store(t2n_gzip *z, const unsigned char *p, size_t n) {
  z->crc = libdeflate_crc32((uint32_t)z->crc, p, n);
  z->total += n;
  unsigned char hdr[STORED_IOV][5];
  struct iovec iov[2 * STORED_IOV];
  while (n) {
    int k = 0;
    for (; n && k < STORED_IOV; k++) {
      size_t len = n < STORED_MAX ? n : STORED_MAX;
      hdr[k][0] = 0;
      hdr[k][1] = (unsigned char)len, hdr[k][2] = (unsigned char)(len >> 8);
      hdr[k][3] = (unsigned char)~len, hdr[k][4] = (unsigned char)(~len >> 8);
      iov[2 * k] = (struct iovec){hdr[k], 5};
      iov[2 * k + 1] = (struct iovec){(void *)p, len};
      p += len;
      n -= len;
    }
    int err = writev_all(z->fd, iov, 2 * k);
    if (err) return err;
  }
  return 0;
}

t2n_gzip *t2n_gzip_open(int fd, int level, int threads) {
  t2n_gzip *z = t2n_xcalloc(1, sizeof *z);
  if (!z) return NULL;
  z->fd = fd;
  z->level = level < 0 ? 1 : level > 9 ? 9 : level;
  z->nthreads = threads < 1 ? 1 : threads;
  z->out_cap = deflateBound(NULL, BLOCK) + 64;
  pthread_mutex_init(&z->mu, NULL);
  pthread_cond_init(&z->work, NULL);
  pthread_cond_init(&z->done, NULL);
  z->crc = crc32(0L, Z_NULL, 0);
  if (z->level == 0) {
    z->err = write_all(fd, gzip_header, sizeof gzip_header);
    return z;
  }
  for (int i = 0; i < NSLOT; i++) {
    z->slots[i].in = t2n_xmalloc(BLOCK);
    z->slots[i].out = t2n_xmalloc(z->out_cap);
    if (!z->slots[i].in || !z->slots[i].out) goto oom;
  }
  z->threads = t2n_xcalloc((size_t)z->nthreads, sizeof *z->threads);
  if (!z->threads) goto oom;
  for (int i = 0; i < z->nthreads; i++) {
    if (pthread_create(&z->threads[i], NULL, worker, z) != 0) break;
    z->nstarted++;
  }
  if (!z->nstarted) goto oom;
  z->err = write_all(fd, gzip_header, sizeof gzip_header);
  return z;
oom:
  t2n_gzip_free(z);
  return NULL;
}

/* Writes out the oldest submitted block, waiting for it when `wait`.
 * Returns 1 when one was written. Called with the mutex held. */
static int drain_one(t2n_gzip *z, int wait) {
  if (z->written == z->filling) return 0;
  slot *s = &z->slots[z->written % NSLOT];
  while (s->state != DONE) {
    if (!wait) return 0;
    pthread_cond_wait(&z->done, &z->mu);
  }
  pthread_mutex_unlock(&z->mu);
  if (!z->err) z->err = s->err;
  if (!z->err) z->err = write_all(z->fd, s->out, s->nout);
  z->crc = crc32_combine(z->crc, s->crc, (z_off_t)s->nin);
  z->total += s->nin;
  pthread_mutex_lock(&z->mu);
  s->state = FREE;
  s->nin = 0;
  z->written++;
  return 1;
}

static void submit(t2n_gzip *z, int last) {
  pthread_mutex_lock(&z->mu);
  z->slots[z->filling % NSLOT].last = last;
  z->slots[z->filling % NSLOT].state = QUEUED;
  z->filling++;
  pthread_cond_signal(&z->work);
  while (drain_one(z, 0)) {}
  /* The next slot to fill must be free: wait for the oldest block. */
  while (z->filling - z->written >= NSLOT) drain_one(z, 1);
  pthread_mutex_unlock(&z->mu);
}

int t2n_gzip_write(t2n_gzip *z, const void *data, size_t n) {
  const unsigned char *p = data;
  if (z->level == 0) {
    if (!z->err && n) z->err = store(z, p, n);
    return z->err;
  }
  while (n && !z->err) {
    slot *s = &z->slots[z->filling % NSLOT];
    size_t k = BLOCK - s->nin < n ? BLOCK - s->nin : n;
    memcpy(s->in + s->nin, p, k);
    s->nin += k;
    p += k;
    n -= k;
    if (s->nin == BLOCK) submit(z, 0);
  }
  return z->err;
}

int t2n_gzip_close(t2n_gzip *z) {
  if (!z->err && z->level == 0) {
    /* An empty final stored block ends the deflate stream. */
    static const unsigned char last[5] = {1, 0, 0, 0xff, 0xff};
    z->err = write_all(z->fd, last, sizeof last);
  } else if (!z->err) {
    submit(z, 1);
    pthread_mutex_lock(&z->mu);
    while (drain_one(z, 1)) {}
    pthread_mutex_unlock(&z->mu);
  }
  if (!z->err) {
    unsigned char tail[8];
    uint32_t size = (uint32_t)z->total;
    for (int i = 0; i < 4; i++) tail[i] = (unsigned char)(z->crc >> (8 * i));
    for (int i = 0; i < 4; i++) tail[4 + i] = (unsigned char)(size >> (8 * i));
    z->err = write_all(z->fd, tail, sizeof tail);
  }
  int err = z->err;
  t2n_gzip_free(z);
  return err;
}

void t2n_gzip_free(t2n_gzip *z) {
  if (!z) return;
  pthread_mutex_lock(&z->mu);
  z->stop = 1;
  /* Blocks still queued are deflated and dropped. */
  pthread_cond_broadcast(&z->work);
  pthread_mutex_unlock(&z->mu);
  for (int i = 0; i < z->nstarted; i++) pthread_join(z->threads[i], NULL);
  free(z->threads);
  for (int i = 0; i < NSLOT; i++) {
    free(z->slots[i].in);
    free(z->slots[i].out);
  }
  pthread_mutex_destroy(&z->mu);
  pthread_cond_destroy(&z->work);
  pthread_cond_destroy(&z->done);
  free(z);
}
