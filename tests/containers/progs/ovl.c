// ovl — what the overlay tests need and busybox lacks (getfattr, setfattr,
// a plain rename(2)):
//   ovl get [-h] NAME PATH...      value of NAME per path, or the error
//   ovl set [-h] [-c|-r] NAME VALUE PATH
//   ovl rm [-h] NAME PATH
//   ovl ls [-h] PATH...            names (sorted), overlayfs's own
//                                  bookkeeping other than opaque left out
//   ovl opq PATH                   " opaque" when trusted.overlay.opaque is "y"
//   ovl rename OLD NEW             rename(2), "ok" or the error (mv would copy on EXDEV)
//   ovl probe PATH                 error cases of the xattr syscalls themselves
//   ovl as ID CMD ARGS...          runs CMD with uid = gid = ID and no groups
// -h works on a symlink itself (l*xattr). Errors print strerror's text, so
// the same static binary gives the same words natively and in Hako.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <grp.h>
#include <unistd.h>

static int nofollow;

static ssize_t get(const char *p, const char *n, void *v, size_t s) { return nofollow ? lgetxattr(p, n, v, s) : getxattr(p, n, v, s); }
static int set(const char *p, const char *n, const void *v, size_t s, int f) { return nofollow ? lsetxattr(p, n, v, s, f) : setxattr(p, n, v, s, f); }
static ssize_t list(const char *p, char *b, size_t s) { return nofollow ? llistxattr(p, b, s) : listxattr(p, b, s); }

/** Bookkeeping the kernel adds on copy-up (origin, impure…) depends on its configuration: left out of listings. */
static int hidden(const char *n) {
  static const char *const book[] = { "origin", "impure", "redirect", "metacopy", "nlink", "upper", "uuid", "protattr", "index", 0 };
  if (strncmp(n, "trusted.overlay.", 16) != 0) return 0;
  for (int i = 0; book[i]; i++) if (strcmp(n + 16, book[i]) == 0) return 1;
  return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int do_ls(const char *p) {
  char buf[4096];
  ssize_t n = list(p, buf, sizeof buf);
  if (n < 0) { printf("%s: %s\n", p, strerror(errno)); return 1; }
  char *names[256];
  int k = 0;
  for (char *s = buf; s < buf + n && k < 256; s += strlen(s) + 1) if (!hidden(s)) names[k++] = s;
  qsort(names, k, sizeof names[0], cmp);
  printf("%s:", p);
  for (int i = 0; i < k; i++) printf(" %s", names[i]);
  printf("\n");
  return 0;
}

static void report(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

/** The syscalls' own error cases, on a scratch file PATH. */
static int do_probe(const char *p) {
  char big[65537], name[300], v[8];
  memset(big, 'x', sizeof big);
  memset(name, 'n', sizeof name);
  memcpy(name, "user.", 5);
  name[256] = 0;
  report("set user.a", setxattr(p, "user.a", "1", 1, 0));
  report("create existing", setxattr(p, "user.a", "2", 1, XATTR_CREATE));
  report("replace missing", setxattr(p, "user.b", "2", 1, XATTR_REPLACE));
  report("replace existing", setxattr(p, "user.a", "22", 2, XATTR_REPLACE));
  report("bad flags", setxattr(p, "user.a", "2", 1, 4));
  report("size query", getxattr(p, "user.a", NULL, 0));
  report("small buffer", getxattr(p, "user.a", v, 1));
  report("missing", getxattr(p, "user.zz", v, sizeof v));
  report("name 256", setxattr(p, name, "1", 1, 0));
  report("empty name", setxattr(p, "", "1", 1, 0));
  report("value 65537", setxattr(p, "user.big", big, sizeof big, 0));
  report("value 65536", setxattr(p, "user.big", big, 65536, 0));
  report("get 65536", getxattr(p, "user.big", big, sizeof big));
  report("unknown namespace", setxattr(p, "foo.a", "1", 1, 0));
  report("empty value", setxattr(p, "user.e", "", 0, 0));
  report("get empty", getxattr(p, "user.e", v, sizeof v));
  report("list size", listxattr(p, NULL, 0));
  report("list small", listxattr(p, v, 2));
  report("remove", removexattr(p, "user.a"));
  report("remove again", removexattr(p, "user.a"));
  int fd = open(p, O_RDONLY);
  report("fset", fsetxattr(fd, "user.f", "fd", 2, 0));
  report("fget", fgetxattr(fd, "user.f", v, sizeof v));
  report("flist", flistxattr(fd, NULL, 0));
  report("fremove", fremovexattr(fd, "user.f"));
  report("bad fd", fgetxattr(999, "user.f", v, sizeof v));
  close(fd);
  report("no such file", getxattr("/nonexistent", "user.a", v, sizeof v));
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 3) { fprintf(stderr, "usage: ovl get|set|rm|ls|opq|rename|probe ...\n"); return 2; }
  const char *cmd = argv[1];
  if (strcmp(cmd, "as") == 0 && argc >= 4) {
    int id = atoi(argv[2]);
    if (setgroups(0, NULL) < 0 || setgid(id) < 0 || setuid(id) < 0) { perror("ovl as"); return 126; }
    execvp(argv[3], argv + 3);
    perror("ovl as: exec");
    return 127;
  }
  if (strcmp(cmd, "rename") == 0 && argc == 4) {
    if (rename(argv[2], argv[3]) < 0) { printf("rename %s %s: %s\n", argv[2], argv[3], strerror(errno)); return 1; }
    printf("rename %s %s: ok\n", argv[2], argv[3]);
    return 0;
  }
  if (strcmp(cmd, "opq") == 0) {
    char v[8];
    ssize_t n = getxattr(argv[2], "trusted.overlay.opaque", v, sizeof v);
    if (n == 1 && v[0] == 'y') printf(" opaque");
    return 0;
  }
  int i = 2, flags = 0, rc = 0;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    if (strcmp(argv[i], "-h") == 0) nofollow = 1;
    else if (strcmp(argv[i], "-c") == 0) flags = XATTR_CREATE;
    else if (strcmp(argv[i], "-r") == 0) flags = XATTR_REPLACE;
  }
  if (strcmp(cmd, "ls") == 0) { for (; i < argc; i++) rc |= do_ls(argv[i]); return rc; }
  if (strcmp(cmd, "probe") == 0) return do_probe(argv[i]);
  if (i >= argc) return 2;
  const char *name = argv[i++];
  if (strcmp(cmd, "get") == 0) {
    for (; i < argc; i++) {
      char v[4096];
      ssize_t n = get(argv[i], name, v, sizeof v - 1);
      if (n < 0) { printf("%s: %s\n", argv[i], strerror(errno)); rc = 1; continue; }
      v[n] = 0;
      printf("%s: %s=\"%s\"\n", argv[i], name, v);
    }
    return rc;
  }
  if (strcmp(cmd, "set") == 0 && i + 1 < argc) {
    const char *value = argv[i];
    if (set(argv[i + 1], name, value, strlen(value), flags) < 0) { printf("set %s: %s\n", name, strerror(errno)); return 1; }
    return 0;
  }
  if (strcmp(cmd, "rm") == 0 && i < argc) {
    if ((nofollow ? lremovexattr(argv[i], name) : removexattr(argv[i], name)) < 0) { printf("rm %s: %s\n", name, strerror(errno)); return 1; }
    return 0;
  }
  return 2;
}
