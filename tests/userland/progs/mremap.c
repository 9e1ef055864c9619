/* mremap(2) against Linux: growing in place, moving (MREMAP_MAYMOVE) with the
 * contents kept and the old range gone, a MAP_SHARED mapping moved while a
 * forked child writes to it (the frames move, they are not copied), moving
 * to a chosen address (MREMAP_FIXED), MREMAP_DONTUNMAP, shrinking, and the
 * errors (EINVAL, EFAULT, ENOMEM). Prints one line per check. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
static sigjmp_buf jb;
static void on_segv(int s) { (void)s; siglongjmp(jb, 1); }
static int readable(volatile char *p) {
  if (sigsetjmp(jb, 1)) return 0;
  (void)*p;
  return 1;
}
static const char *err(void *p) { return p == MAP_FAILED ? strerrorname_np(errno) : "ok"; }
static int filled(char *p, size_t n, char c) { for (size_t i = 0; i < n; i++) if (p[i] != c) return 0; return 1; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGSEGV, on_segv);

  /* Grow in place: the pages after are free. */
  char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(a + 4 * PG, 12 * PG);
  memset(a, 'a', 4 * PG);
  char *b = mremap(a, 4 * PG, 8 * PG, 0);
  printf("grow in place: %s same=%d kept=%d new zero=%d\n", err(b), b == a, filled(b, 4 * PG, 'a'), filled(b + 4 * PG, 4 * PG, 0));

  /* Blocked by a mapping right after: without MAYMOVE ENOMEM, with it a move. */
  char *guard = mmap(b + 8 * PG, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("guard: %s\n", err(guard));
  char *c = mremap(b, 8 * PG, 64 * PG, 0);
  printf("grow blocked: %s\n", err(c));
  c = mremap(b, 8 * PG, 64 * PG, MREMAP_MAYMOVE);
  printf("move: %s moved=%d kept=%d tail zero=%d old gone=%d\n", err(c), c != b, filled(c, 4 * PG, 'a'), filled(c + 4 * PG, 60 * PG, 0), !readable(b));
  c[63 * PG] = 'z';
  printf("write at the end: %c\n", c[63 * PG]);

  /* A shared mapping moves with its frames: a child still writing to the old frames is seen at the new place. */
  int *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  s[0] = 1;
  int pfd[2], qfd[2];
  pipe(pfd); pipe(qfd);
  pid_t k = fork();
  if (k == 0) {
    char x;
    read(pfd[0], &x, 1); /* the parent has moved its mapping */
    s[0] = 42;
    s[PG / sizeof(int)] = 43;
    write(qfd[1], "y", 1);
    _exit(0);
  }
  mmap(s + 2 * PG / sizeof(int), PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  int *s2 = mremap(s, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
  printf("shared move: %s moved=%d value=%d\n", err(s2), s2 != s, s2[0]);
  write(pfd[1], "x", 1);
  char y;
  read(qfd[0], &y, 1);
  waitpid(k, NULL, 0);
  printf("child's writes seen after the move: %d %d\n", s2[0], s2[PG / sizeof(int)]);

  /* MREMAP_FIXED: to a chosen address, replacing what was there. */
  char *d = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(d, 'd', 4 * PG);
  char *target = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *e = mremap(d, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, target + 2 * PG);
  printf("fixed: %s at=%d kept=%d old gone=%d\n", err(e), e == target + 2 * PG, filled(e, 4 * PG, 'd'), !readable(d));
  e[0] = 'w';
  printf("fixed: writable %c\n", e[0]);
  printf("fixed without MAYMOVE: %s\n", err(mremap(e, PG, PG, MREMAP_FIXED, target)));
  printf("fixed overlapping: %s\n", err(mremap(e, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, e + PG)));
  printf("fixed unaligned: %s\n", err(mremap(e, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, target + 1)));

  /* MREMAP_DONTUNMAP: the data moves, the old range stays mapped and reads zero. */
  char *f = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(f, 'f', 2 * PG);
  char *g = mremap(f, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
  if (g == MAP_FAILED) printf("dontunmap: %s\n", err(g));
  else printf("dontunmap: ok moved=%d kept=%d old mapped=%d old zero=%d\n", g != f, filled(g, 2 * PG, 'f'), readable(f), filled(f, 2 * PG, 0));
  printf("dontunmap resize: %s\n", err(mremap(g, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));

  /* Shrink: the tail goes. */
  char *h = mremap(c, 64 * PG, 2 * PG, 0);
  printf("shrink: %s same=%d tail gone=%d\n", err(h), h == c, !readable(c + 2 * PG));

  /* Errors. */
  printf("unaligned: %s\n", err(mremap(h + 1, PG, 2 * PG, MREMAP_MAYMOVE)));
  printf("zero new size: %s\n", err(mremap(h, PG, 0, MREMAP_MAYMOVE)));
  printf("bad flags: %s\n", err(mremap(h, PG, PG, 0x100)));
  printf("not mapped: %s\n", err(mremap(b, PG, 2 * PG, MREMAP_MAYMOVE)));
  printf("across two mappings: %s\n", err(mremap(target, 8 * PG, 16 * PG, MREMAP_MAYMOVE)));
  return 0;
}
