// cgroup namespaces (cgroup_namespaces(7)) in Hako: move into a group,
// unshare(CLONE_NEWCGROUP), and print /proc/self/cgroup and /proc/1/cgroup
// (and the parent's, left at the root) as the new namespace sees them, then mount cgroup2 and look at its root.
// Usage: cgns GROUPDIR MNT   (GROUPDIR an existing empty cgroup directory)
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *label, const char *path) {
  char buf[256] = "";
  FILE *f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof buf, f)) { printf("%s: unreadable\n", label); return; }
  fclose(f);
  printf("%s: %s", label, buf);
}

static int put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int r = fputs(text, f) < 0 ? -1 : 0;
  return fclose(f) || r ? -1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  char p[512];
  snprintf(p, sizeof p, "%s/cgroup.procs", argv[1]);
  if (put(p, "0")) { perror("join"); return 1; }
  show("before", "/proc/self/cgroup");
  if (unshare(CLONE_NEWCGROUP)) { perror("unshare"); return 1; }
  show("after unshare", "/proc/self/cgroup");
  snprintf(p, sizeof p, "/proc/%d/cgroup", (int)getppid());
  show("parent", p);
  snprintf(p, sizeof p, "%s/sub", argv[1]);
  if (mkdir(p, 0755)) { perror("mkdir"); return 1; }
  snprintf(p, sizeof p, "%s/sub/cgroup.procs", argv[1]);
  if (put(p, "0")) { perror("move"); return 1; }
  show("in sub", "/proc/self/cgroup");
  mkdir(argv[2], 0755);
  if (mount("none", argv[2], "cgroup2", 0, NULL)) { perror("mount"); return 1; }
  snprintf(p, sizeof p, "%s/sub", argv[2]);
  struct stat st;
  printf("mount root is the namespace root: %s\n", stat(p, &st) == 0 ? "yes" : "no");
  return 0;
}
