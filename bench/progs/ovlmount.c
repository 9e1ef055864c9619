// ovlmount N LOWER BASE — mounts a tmpfs at BASE, then N overlays of LOWER
// (each with its own upper/work in the tmpfs) and prints the mean time of
// one mount(2) in microseconds; then touches one file in each merged tree
// (a copy-up of the parent directory) and prints that mean too. The same
// static binary runs natively and in Hako (bench/overlay.ts).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: ovlmount N LOWER BASE\n"); return 2; }
  int n = atoi(argv[1]);
  const char *lower = argv[2], *base = argv[3];
  if (mount("tmpfs", base, "tmpfs", 0, "mode=755") < 0) { perror("mount tmpfs"); return 1; }
  char p[512], data[2048];
  double mount_us = 0, touch_us = 0;
  for (int i = 0; i < n; i++) {
    snprintf(p, sizeof p, "%s/%d", base, i); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/u", base, i); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/w", base, i); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/m", base, i); mkdir(p, 0755);
    snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s/%d/u,workdir=%s/%d/w", lower, base, i, base, i);
    double t0 = now_us();
    if (mount("overlay", p, "overlay", 0, data) < 0) { perror("mount overlay"); return 1; }
    mount_us += now_us() - t0;
  }
  for (int i = 0; i < n; i++) {
    snprintf(p, sizeof p, "%s/%d/m/etc/bench-%d", base, i, i);
    double t0 = now_us();
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) { perror(p); return 1; }
    close(fd);
    touch_us += now_us() - t0;
  }
  printf("%d %.1f %.1f\n", n, mount_us / n, touch_us / n);
  return 0;
}
