/* Memory and EFAULT behaviour a libc program sees: anonymous mmap, munmap,
 * MAP_FIXED replacement, mprotect, brk growth, bad pointers in syscalls,
 * and a final fault chosen by argv[1]. Prints only address-independent facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>

/* Runs a call and prints its result and errno (evaluated in that order). */
#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; printf("%s: %ld errno %d\n", label, r_, e_); } while (0)

int main(int argc, char **argv) {
  const size_t mb = 1 << 20;
  char *p = mmap(0, mb, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  printf("fresh page zero: %d\n", p[mb - 1]);
  memset(p, 7, mb);
  printf("filled: %d %d\n", p[0], p[mb - 1]);
  char *f = mmap(p + 8192, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed same address: %d, replaced page zero: %d, neighbour kept: %d\n", f == p + 8192, p[8192], p[8191]);
  SHOW("mprotect ro", mprotect(p, 4096, PROT_READ));
  SHOW("read into ro page", read(0, p, 1));
  SHOW("write from bad pointer", write(1, (void *)8, 4));
  SHOW("open bad path pointer", open((const char *)16, O_RDONLY));
  SHOW("mprotect unaligned", mprotect(p + 1, 4096, PROT_READ));
  SHOW("mprotect beyond the mapping", mprotect(p, 2 * mb, PROT_READ));
  SHOW("munmap", munmap(p, mb));
  SHOW("write from unmapped", write(1, p, 4));
  SHOW("munmap unaligned", munmap(p + 5, 4096));
  char *b0 = (char *)syscall(SYS_brk, 0);
  printf("brk grow: %d\n", (char *)syscall(SYS_brk, b0 + (1 << 20)) == b0 + (1 << 20));
  b0[(1 << 20) - 1] = 5;
  printf("brk memory: %d %d\n", b0[0], b0[(1 << 20) - 1]);
  char *big = malloc(32 * mb);
  memset(big, 3, 32 * mb);
  printf("malloc 32 MiB: %d\n", big[32 * mb - 1]);
  free(big);
  char *m2 = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m2 + 4096, 4096);
  m2[0] = 1; m2[8192] = 2;
  printf("hole punched, ends still there: %d %d\n", m2[0], m2[8192]);
  fflush(stdout);
  if (argc > 1 && !strcmp(argv[1], "hole")) m2[4096] = 1;
  if (argc > 1 && !strcmp(argv[1], "ro")) { mprotect(m2, 4096, PROT_READ); m2[0] = 9; }
  if (argc > 1 && !strcmp(argv[1], "none")) { mprotect(m2, 4096, PROT_NONE); return m2[0]; }
  if (argc > 1 && !strcmp(argv[1], "abort")) abort();
  return 3;
}
