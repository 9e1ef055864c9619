// File syscalls checked against Linux: run natively (as root, in a scratch
// directory) and in Hako, the output must match line for line. Each line is
// "label: result" with the errno name on failure. Covers open flags, umask,
// O_APPEND/pwrite/preadv/pwritev, holes (SEEK_DATA/SEEK_HOLE), renameat2
// flags, the rename/rmdir/link/unlink error cases, utimensat, statx and
// fstatat with AT_EMPTY_PATH, record locks (POSIX and OFD), and permission
// checks as an unprivileged user (setresuid/setresgid, then back to root):
// owner/group/other classes, search permission, sticky directories,
// chmod/chown/utimes ownership rules, set-group-ID directories and root's
// execute rule.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <grp.h>

static void show(const char *label, long r) {
  if (r < 0) printf("%s: %s\n", label, strerrorname_np(errno));
  else printf("%s: %ld\n", label, r);
}
#define T(label, expr) show(label, (long)(expr))

static void put(const char *path, const char *text, int mode) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
  if (fd >= 0) { if (write(fd, text, strlen(text)) < 0) perror("write"); close(fd); }
  chmod(path, mode);
}

static void mode_of(const char *label, const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0) { show(label, -1); return; }
  printf("%s: %o %u:%u nlink=%lu size=%lld\n", label, st.st_mode, st.st_uid, st.st_gid, (unsigned long)st.st_nlink, (long long)st.st_size);
}

static void as_user(int uid, int gid) {
  gid_t none[1] = { 0 };
  if (setgroups(0, none) < 0) perror("setgroups");
  if (setresgid(gid, gid, 0) < 0) perror("setresgid");
  if (setresuid(uid, uid, 0) < 0) perror("setresuid");
}

static void as_root(void) {
  if (setresuid(0, 0, 0) < 0) perror("setresuid root");
  if (setresgid(0, 0, 0) < 0) perror("setresgid root");
}

int main(void) {
  char buf[256];
  umask(022);

  // ---- open ----
  put("f", "hello\n", 0644);
  T("open excl existing", open("f", O_CREAT | O_EXCL | O_WRONLY, 0600));
  T("open directory on file", open("f", O_RDONLY | O_DIRECTORY));
  T("symlink", symlink("f", "sl"));
  T("open nofollow symlink", open("sl", O_RDONLY | O_NOFOLLOW));
  T("symlink loop a", symlink("loopb", "loopa"));
  T("symlink loop b", symlink("loopa", "loopb"));
  T("open loop", open("loopa", O_RDONLY));
  T("open creat through dangling dir", open("nodir/x", O_CREAT | O_WRONLY, 0644));
  T("open creat trailing slash", open("newfile/", O_CREAT | O_WRONLY, 0644));
  T("open dir for writing", open(".", O_WRONLY));
  T("open rdwr|accmode 3", open("f", 3));
  memset(buf, 'a', 255); buf[255] = 0;
  T("open long name", open(buf, O_RDONLY));
  umask(027);
  int fd = open("masked", O_CREAT | O_WRONLY, 0777);
  T("open masked", fd);
  close(fd);
  mode_of("masked mode", "masked");
  T("mkdir masked", mkdir("mdir", 01777));
  mode_of("mkdir mode", "mdir");
  umask(022);

  // ---- writes at offsets ----
  fd = open("w", O_CREAT | O_RDWR | O_TRUNC, 0644);
  T("write", write(fd, "0123456789", 10));
  T("pwrite", pwrite(fd, "AB", 2, 4));
  T("lseek cur", lseek(fd, 0, SEEK_CUR));
  T("pwrite past end", pwrite(fd, "Z", 1, 12));
  T("lseek end", lseek(fd, 0, SEEK_END));
  struct iovec iov[2] = { { "xy", 2 }, { "zw", 2 } };
  T("pwritev", pwritev(fd, iov, 2, 1));
  char a[3] = {0}, b[5] = {0};
  struct iovec riov[2] = { { a, 2 }, { b, 4 } };
  T("preadv", preadv(fd, riov, 2, 0));
  printf("preadv data: %s|%s\n", a, b);
  close(fd);
  fd = open("w", O_WRONLY | O_APPEND);
  T("lseek start", lseek(fd, 0, SEEK_SET));
  T("append write", write(fd, "END", 3));
  T("append offset", lseek(fd, 0, SEEK_CUR));
  close(fd);
  fd = open("w", O_RDONLY);
  T("read all", read(fd, buf, sizeof buf));
  for (int i = 0; i < 18; i++) if (buf[i] == 0) buf[i] = '.';
  printf("contents: %.18s\n", buf);
  T("write to rdonly", write(fd, "x", 1));
  T("ftruncate rdonly", ftruncate(fd, 0));
  close(fd);

  // ---- holes ----
  fd = open("sparse", O_CREAT | O_RDWR | O_TRUNC, 0644);
  T("sparse head", write(fd, "x", 1));
  T("sparse grow", ftruncate(fd, 100000));
  T("sparse tail", pwrite(fd, "y", 1, 90000));
  T("seek hole 0", lseek(fd, 0, SEEK_HOLE));
  T("seek data 4096", lseek(fd, 4096, SEEK_DATA));
  T("seek hole 90000", lseek(fd, 90000, SEEK_HOLE));
  T("seek data past end", lseek(fd, 100000, SEEK_DATA));
  struct stat st;
  fstat(fd, &st);
  printf("sparse blocks: %lld size %lld\n", (long long)st.st_blocks, (long long)st.st_size);
  T("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 40000, 10000));
  fstat(fd, &st);
  printf("allocated blocks: %lld size %lld\n", (long long)st.st_blocks, (long long)st.st_size);
  T("fallocate punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 36864, 8192));
  fstat(fd, &st);
  printf("punched blocks: %lld size %lld\n", (long long)st.st_blocks, (long long)st.st_size);
  T("fallocate punch without keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
  T("fallocate grow", fallocate(fd, 0, 100000, 5000));
  fstat(fd, &st);
  printf("grown size %lld\n", (long long)st.st_size);
  close(fd);

  // ---- open files outlive their names; O_TMPFILE ----
  fd = open("tmpdel", O_CREAT | O_RDWR, 0644);
  T("write before unlink", write(fd, "keep", 4));
  T("unlink open file", unlink("tmpdel"));
  fstat(fd, &st);
  printf("unlinked nlink %lu size %lld\n", (unsigned long)st.st_nlink, (long long)st.st_size);
  lseek(fd, 0, SEEK_SET);
  memset(buf, 0, 8);
  T("read after unlink", read(fd, buf, 8));
  printf("read: %s\n", buf);
  close(fd);
  fd = open(".", O_TMPFILE | O_RDWR, 0600);
  T("o_tmpfile", fd >= 0 ? 0 : -1);
  T("tmpfile write", write(fd, "anon", 4));
  fstat(fd, &st);
  printf("tmpfile nlink %lu mode %o size %lld\n", (unsigned long)st.st_nlink, st.st_mode, (long long)st.st_size);
  T("linkat empty path", linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
  close(fd);
  mode_of("named", "named");
  fd = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
  T("linkat excl tmpfile", linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
  close(fd);
  T("o_tmpfile rdonly", open(".", O_TMPFILE | O_RDONLY, 0600));
  T("o_tmpfile on file", open("f", O_TMPFILE | O_RDWR, 0600));

  // ---- rename, link, unlink, rmdir ----
  put("r1", "one", 0644); put("r2", "two", 0644);
  mkdir("d1", 0755); mkdir("d1/sub", 0755); mkdir("d2", 0755); put("d2/inner", "i", 0644);
  T("renameat2 noreplace", syscall(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r2", 1));
  T("renameat2 exchange", syscall(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r2", 2));
  fd = open("r1", O_RDONLY); buf[read(fd, buf, 10)] = 0; close(fd);
  printf("r1 now: %s\n", buf);
  T("renameat2 exchange missing", syscall(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "nothere", 2));
  T("renameat2 both flags", syscall(SYS_renameat2, AT_FDCWD, "r1", AT_FDCWD, "r2", 3));
  T("rename dir into itself", rename("d1", "d1/sub/x"));
  T("rename file over dir", rename("r1", "d1"));
  T("rename dir over file", rename("d1", "r1"));
  T("rename dir over nonempty", rename("d1", "d2"));
  T("rename dir over empty", rename("d2/../d1/sub", "mdir"));
  T("rename same", rename("r1", "r1"));
  T("rename dot", rename(".", "x"));
  T("rmdir nonempty", rmdir("d2"));
  T("rmdir dot", rmdir("d2/."));
  T("rmdir dotdot", rmdir("d2/.."));
  T("rmdir file", rmdir("r1"));
  T("unlink dir", unlink("d2"));
  T("unlink trailing slash", unlink("r1/"));
  T("link dir", link("d2", "d2link"));
  T("link existing", link("r1", "r2"));
  T("link", link("r1", "r1b"));
  mode_of("linked", "r1");
  T("linkat follow", linkat(AT_FDCWD, "sl", AT_FDCWD, "slf", AT_SYMLINK_FOLLOW));
  mode_of("linkat follow", "slf");
  T("linkat nofollow", linkat(AT_FDCWD, "sl", AT_FDCWD, "sln", 0));
  mode_of("linkat nofollow", "sln");
  T("unlink", unlink("r1b"));
  mode_of("unlinked", "r1");
  T("mkdir existing", mkdir("d2", 0755));
  T("mkdir over symlink", mkdir("sl", 0755));
  T("symlink existing", symlink("x", "r1"));
  T("readlink", readlink("sl", buf, sizeof buf));
  T("readlink file", readlink("r1", buf, sizeof buf));
  T("mknod fifo", mknod("fifo", S_IFIFO | 0644, 0));
  mode_of("fifo", "fifo");
  T("open fifo for writing, no reader", open("fifo", O_WRONLY | O_NONBLOCK));
  T("mknod null", mknod("null2", S_IFCHR | 0666, makedev(1, 3)));
  fd = open("null2", O_WRONLY);
  T("write null2", write(fd, "abc", 3));
  close(fd);
  T("mknod dir", mknod("xdir", S_IFDIR | 0755, 0));

  // ---- times and stat forms ----
  struct timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
  T("utimensat", utimensat(AT_FDCWD, "r1", ts, 0));
  stat("r1", &st);
  printf("times: %lld.%ld %lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  struct timespec omit[2] = { { 0, UTIME_OMIT }, { 3000, 0 } };
  T("utimensat omit", utimensat(AT_FDCWD, "r1", omit, 0));
  stat("r1", &st);
  printf("times: %lld %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
  struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
  T("utimensat bad nsec", utimensat(AT_FDCWD, "r1", bad, 0));
  T("utimensat nofollow", utimensat(AT_FDCWD, "sl", ts, AT_SYMLINK_NOFOLLOW));
  lstat("sl", &st);
  printf("link mtime: %lld\n", (long long)st.st_mtim.tv_sec);
  fd = open("r1", O_RDONLY);
  T("fstatat empty path", fstatat(fd, "", &st, AT_EMPTY_PATH));
  printf("empty path size: %lld\n", (long long)st.st_size);
  T("fstatat empty no flag", fstatat(fd, "", &st, 0));
  struct statx sx;
  T("statx empty path", statx(fd, "", AT_EMPTY_PATH, STATX_ALL, &sx));
  printf("statx: mode %o size %llu nlink %u mtime %lld basic %d\n", sx.stx_mode, (unsigned long long)sx.stx_size, sx.stx_nlink,
         (long long)sx.stx_mtime.tv_sec, (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
  T("statx bad flags", statx(AT_FDCWD, "r1", 0x80000000, STATX_ALL, &sx));
  close(fd);

  // ---- record locks ----
  fd = open("r1", O_RDWR);
  int fd2 = open("r1", O_RDWR);
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
  T("setlk", fcntl(fd, F_SETLK, &fl));
  struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
  T("getlk same process", fcntl(fd2, F_GETLK, &q));
  printf("getlk type: %s\n", q.l_type == F_UNLCK ? "unlck" : "locked");
  struct flock o = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  T("ofd setlk", fcntl(fd, F_OFD_SETLK, &o));
  struct flock oq = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 5 };
  T("ofd getlk other", fcntl(fd2, F_OFD_GETLK, &oq));
  printf("ofd getlk: type %d start %lld len %lld pid %d\n", oq.l_type, (long long)oq.l_start, (long long)oq.l_len, oq.l_pid);
  struct flock ow = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  T("ofd setlk conflict", fcntl(fd2, F_OFD_SETLK, &ow));
  struct flock ord = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  T("ofd setlk shared", fcntl(fd2, F_OFD_SETLK, &ord));
  struct flock ou = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
  T("ofd unlock", fcntl(fd, F_OFD_SETLK, &ou));
  T("ofd unlock 2", fcntl(fd2, F_OFD_SETLK, &ou));
  T("ofd setlk after unlock", fcntl(fd2, F_OFD_SETLK, &ow));
  struct flock opid = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 1 };
  T("ofd pid nonzero", fcntl(fd, F_OFD_SETLK, &opid));
  close(fd); close(fd2);
  fd = open("r1", O_RDONLY);
  T("wrlck on rdonly", fcntl(fd, F_SETLK, &fl));
  close(fd);
  // Closing any descriptor of the file drops the process's POSIX locks; OFD locks go with the description's last close.
  fd = open("r1", O_RDWR); fd2 = open("r1", O_RDONLY);
  struct flock pw = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
  T("posix lock again", fcntl(fd, F_SETLK, &pw));
  int fd3 = open("r1", O_RDWR);
  struct flock ow2 = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  T("ofd vs posix", fcntl(fd3, F_OFD_SETLK, &ow2));
  close(fd2);
  T("ofd after close released posix", fcntl(fd3, F_OFD_SETLK, &ow2));
  int fd4 = open("r1", O_RDWR);
  int fd3b = dup(fd3);
  close(fd3);
  T("ofd still held through dup", fcntl(fd4, F_OFD_SETLK, &ow2));
  close(fd3b);
  T("ofd after last close", fcntl(fd4, F_OFD_SETLK, &ow2));
  close(fd); close(fd4);

  // ---- permissions as an unprivileged user ----
  mkdir("priv", 0700); put("priv/secret", "s", 0644);
  put("mine", "m", 0600); put("gread", "g", 0640); chown("gread", 0, 100);
  put("everyone", "e", 0666); put("noexec", "#!/bin/sh\n", 0644);
  mkdir("sticky", 01777); chmod("sticky", 01777); put("sticky/rootfile", "r", 0666);
  mkdir("open", 0777); chmod("open", 0777); mkdir("sgid", 02777); chown("sgid", 0, 50); chmod("sgid", 02777);
  mkdir("noperm", 0);
  T("root access X_OK on 0644", access("noexec", X_OK));
  T("root access X_OK on dir 000", access("noperm", X_OK));
  T("root open 000 dir", open("noperm", O_RDONLY | O_DIRECTORY) >= 0 ? 0 : -1);
  put("open/setid", "", 06777);
  put("open/setgid-noexec", "", 02766);
  put("open/setid2", "abc", 04766);
  put("open/setgid-mygroup", "", 02766); chown("open/setgid-mygroup", 0, 100); chmod("open/setgid-mygroup", 02766);
  as_user(1000, 100);
  T("user read own-class 0600", open("mine", O_RDONLY));
  T("user read group 0640", open("gread", O_RDONLY) >= 0 ? 0 : -1);
  T("user write group 0640", open("gread", O_WRONLY));
  T("user search 0700 dir", open("priv/secret", O_RDONLY));
  T("user stat through 0700", stat("priv/secret", &st));
  T("user create in 0755", open("newfile", O_CREAT | O_WRONLY, 0644));
  T("user mkdir in 0755", mkdir("newdir", 0755));
  T("user access W_OK", access("mine", W_OK));
  T("user access R_OK everyone", access("everyone", R_OK | W_OK));
  T("user unlink in sticky", unlink("sticky/rootfile"));
  T("user create in sticky", open("sticky/userfile", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
  T("user rename own in sticky", rename("sticky/userfile", "sticky/userfile2"));
  T("user unlink own in sticky", unlink("sticky/userfile2"));
  T("user chmod root file", chmod("everyone", 0777));
  T("user chown root file", chown("everyone", 1000, 100));
  T("user utimes now on 0666", utimensat(AT_FDCWD, "everyone", NULL, 0));
  T("user utimes explicit", utimensat(AT_FDCWD, "everyone", ts, 0));
  T("user truncate 0666", truncate("everyone", 0));
  T("user mkdir in 0777", mkdir("open/u", 0755));
  mode_of("user dir", "open/u");
  T("user chown own to other group", chown("open/u", -1, 200));
  T("user chown own to own group", chown("open/u", -1, 100));
  T("user chown own to other user", chown("open/u", 0, -1));
  T("user chmod own", chmod("open/u", 0700));
  T("user create in sgid", mkdir("sgid/sub", 0755));
  mode_of("sgid sub", "sgid/sub");
  int uf = open("sgid/file", O_CREAT | O_WRONLY, 0755);
  T("user file in sgid", uf >= 0 ? 0 : -1);
  close(uf);
  mode_of("sgid file", "sgid/file");
  T("user chmod g+s foreign group", chmod("sgid/file", 02755));
  mode_of("sgid file after chmod", "sgid/file");
  T("user mknod char", mknod("open/dev", S_IFCHR | 0600, makedev(1, 3)));
  T("user chroot", chroot("open"));
  T("user faccessat eaccess", faccessat(AT_FDCWD, "mine", R_OK, AT_EACCESS));
  int sf = open("open/setid", O_WRONLY);
  T("user write to setid file", write(sf, "w", 1));
  close(sf);
  mode_of("setid after user write", "open/setid");
  sf = open("open/setgid-noexec", O_WRONLY);
  T("user write to setgid, no group x", write(sf, "w", 1));
  close(sf);
  mode_of("setgid-noexec after user write", "open/setgid-noexec");
  sf = open("open/setgid-mygroup", O_WRONLY);
  T("user write to setgid, own group, no x", write(sf, "w", 1));
  close(sf);
  mode_of("setgid-mygroup after user write", "open/setgid-mygroup");
  T("user truncate setid file", truncate("open/setid2", 0));
  mode_of("setid2 after user truncate", "open/setid2");
  as_root();
  put("open/suid", "x", 04755);
  sf = open("open/suid", O_WRONLY);
  T("root write keeps setid", write(sf, "r", 1));
  close(sf);
  mode_of("after root write", "open/suid");
  T("chown clears suid", chown("open/suid", 5, 5));
  mode_of("after chown", "open/suid");
  T("root faccessat", faccessat(AT_FDCWD, "mine", R_OK, AT_EACCESS));

  // ---- chroot: the root moves for path lookups; ".." stops there ----
  T("chroot", chroot("sgid"));
  T("chdir root", chdir("/"));
  mode_of("chroot /sub", "/sub");
  mode_of("chroot /../../sub", "/../../sub");
  T("chroot old path", access("/priv", F_OK));
  T("symlink absolute in chroot", symlink("/sub", "/abs"));
  mode_of("through absolute link", "/abs/.");
  return 0;
}
