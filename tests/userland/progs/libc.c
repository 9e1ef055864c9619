/* A glibc-static program exercising what libc start-up and common calls
 * need from the kernel: IRELATIVE/IFUNC string functions, malloc through
 * brk and mmap (>= 128 KiB), realloc through mremap, stdio, directory
 * reading, file stat, time conversion, long double printf, environment. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  printf("argc=%d argv0=%s env HOME=%s\n", argc, argv[0], getenv("HOME"));
  char *small = malloc(100);
  strcpy(small, "brk memory");
  char *big = malloc(1 << 20);
  memset(big, 'x', 1 << 20);
  big = realloc(big, 8 << 20);
  big[(8 << 20) - 1] = 'y';
  printf("%s, big[0]=%c last=%c len=%zu\n", small, big[0], big[(8 << 20) - 1], strlen(small));
  free(big);
  printf("%.10Lf %Le %g %a\n", 1.0L / 3, 2.5e300L * 1e10L, strtod("6.02214076e23", 0), 1.0);
  char *names[64];
  int n = 0;
  DIR *d = opendir("/bin");
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("/bin has %d entries, first %s\n", n, n ? names[0] : "-");
  struct stat st;
  int sr = stat("/bin/libc", &st);
  printf("stat /bin/libc: %d size>0:%d mode=%o nlink=%lu\n", sr, st.st_size > 0, st.st_mode & 07777, (unsigned long)st.st_nlink);
  char cwd[256];
  printf("cwd=%s\n", getcwd(cwd, sizeof cwd));
  time_t t = 1700000000;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %A", &tm);
  printf("gmtime: %s\n", buf);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("monotonic ok: %d\n", ts.tv_sec >= 0);
  printf("pagesize=%ld\n", sysconf(_SC_PAGESIZE));
  FILE *f = fopen("/bin/libc", "rb");
  unsigned char magic[4];
  size_t got = fread(magic, 1, 4, f);
  printf("fread=%zu magic=%02x%c%c%c\n", got, magic[0], magic[1], magic[2], magic[3]);
  fclose(f);
  printf("fopen missing: %p\n", (void *)fopen("/nope", "r"));
  return 0;
}
