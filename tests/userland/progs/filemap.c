// File-backed mmap(2) as POSIX and Linux define it: a MAP_PRIVATE mapping
// reads the file's bytes and zeros past its end in the last page; writes to
// it are copied on write, so they reach neither the file, nor another
// mapping, nor another process mapping the file; a write(2) or truncate to
// the file shows in mappings made after it. Prints what it sees; the test
// compares the output with Linux's.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
#define SIZE (3 * PG + 100)

static unsigned sum(const unsigned char *p, size_t n) {
  unsigned s = 0;
  for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static unsigned char *map(int fd, size_t len, int prot, int flags, off_t off) {
  unsigned char *p = mmap(0, len, prot, flags, fd, off);
  if (p == MAP_FAILED) { perror("mmap"); _exit(1); }
  return p;
}

int main(void) {
  static unsigned char buf[SIZE];
  for (int i = 0; i < SIZE; i++) buf[i] = (unsigned char)(i * 7 + i / PG);
  int fd = open("filemap.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, buf, SIZE) != SIZE) { perror("setup"); return 1; }

  unsigned char *a = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  unsigned char *b = map(fd, 4 * PG, PROT_READ, MAP_PRIVATE, 0);
  unsigned char *s = map(fd, 4 * PG, PROT_READ, MAP_SHARED, 0);
  unsigned char *o = map(fd, PG, PROT_READ, MAP_PRIVATE, 2 * PG); // an offset into the file
  printf("same as file: a %d b %d s %d o %d\n", !memcmp(a, buf, SIZE), !memcmp(b, buf, SIZE), !memcmp(s, buf, SIZE),
         !memcmp(o, buf + 2 * PG, PG));
  int zero = 1;
  for (int i = SIZE; i < 4 * PG; i++) zero &= a[i] == 0;
  printf("past the end of the file: zero %d\n", zero);

  a[10] = 0xAA;       // a file page
  a[3 * PG + 50] = 0xBB; // the last, partial page
  a[SIZE + 5] = 0xCC;    // past the end of the file, inside the last page
  printf("a sees its writes: %02x %02x %02x\n", a[10], a[3 * PG + 50], a[SIZE + 5]);
  printf("b s o unchanged: %02x %02x %02x %02x\n", b[10], s[10], b[3 * PG + 50], o[50]);

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    // The child sees the parent's private copy (fork copies the address space), and a fresh mapping sees the file.
    unsigned char *c = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
    printf("child: inherited %02x, fresh %02x %02x\n", a[10], c[10], c[SIZE + 5]);
    c[10] = 0x11;
    a[10] = 0x22;
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("parent after child wrote: a %02x b %02x\n", a[10], b[10]);

  unsigned char back[SIZE];
  if (pread(fd, back, SIZE, 0) != SIZE) return 1;
  printf("file unchanged: %d sum %08x\n", !memcmp(back, buf, SIZE), sum(back, SIZE));

  // The private mapping as a whole: the three writes and the file bytes (before the file shrinks: pages
  // past its end would raise SIGBUS on Linux).
  printf("sum a %08x\n", sum(a, 4 * PG));

  // A write to the file shows in a mapping made after it (the cache never hands out a stale page).
  unsigned char x = 0x5A;
  if (pwrite(fd, &x, 1, 20) != 1) return 1;
  unsigned char *d = map(fd, 4 * PG, PROT_READ, MAP_PRIVATE, 0);
  printf("after pwrite: new mapping %02x, sum %08x\n", d[20], sum(d, SIZE));
  // Shrunk: the rest of the new last page reads as zeros.
  if (ftruncate(fd, PG + 10) != 0) return 1;
  unsigned char *e = map(fd, 2 * PG, PROT_READ, MAP_PRIVATE, 0);
  zero = 1;
  for (int i = PG + 10; i < 2 * PG; i++) zero &= e[i] == 0;
  printf("after truncate: %02x %02x zero past end %d\n", e[20], e[PG + 9], zero);
  close(fd);
  unlink("filemap.data");
  return 0;
}
