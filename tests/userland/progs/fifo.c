/* Named pipes (fifo(7), open(2), pipe(7)): open rules with and without
 * O_NONBLOCK, data through the FIFO between processes, EOF and EPIPE, what
 * fstat says, an open that waits for a partner interrupted by a handler
 * (EINTR) or restarted (SA_RESTART), and data dropped when the last opener
 * closes. Prints one line per check; run natively and in Hako, the output
 * must be identical. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }
static void on_alarm(int s) { (void)s; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  unlink("ff");
  printf("mkfifo: %s\n", err(mkfifo("ff", 0640)));
  struct stat st;
  stat("ff", &st);
  printf("stat: fifo=%d mode=%o size=%ld\n", S_ISFIFO(st.st_mode), st.st_mode & 0777, (long)st.st_size);

  /* O_NONBLOCK: a reader opens at once, a writer without reader gets ENXIO. */
  int w = open("ff", O_WRONLY | O_NONBLOCK);
  printf("nonblock write open, no reader: %s\n", err(w));
  int r = open("ff", O_RDONLY | O_NONBLOCK);
  printf("nonblock read open: %s\n", err(r));
  char buf[64];
  printf("read with no writer: %zd\n", read(r, buf, sizeof buf));
  w = open("ff", O_WRONLY | O_NONBLOCK);
  printf("nonblock write open, with reader: %s\n", err(w));
  fstat(w, &st);
  printf("fstat: fifo=%d\n", S_ISFIFO(st.st_mode));
  printf("lseek: %s\n", err((int)lseek(w, 0, SEEK_SET)));
  printf("write: %zd\n", write(w, "hello", 5));
  ssize_t n = read(r, buf, sizeof buf);
  printf("read: %zd %.*s\n", n, (int)n, buf);
  n = read(r, buf, sizeof buf);
  printf("empty with writer: %zd %s\n", n, err((int)n));
  close(w);
  printf("after writer closed: %zd\n", read(r, buf, sizeof buf));
  /* Unread data goes with the last opener. */
  w = open("ff", O_WRONLY | O_NONBLOCK);
  write(w, "lost", 4);
  close(w); close(r);
  r = open("ff", O_RDONLY | O_NONBLOCK);
  w = open("ff", O_WRONLY | O_NONBLOCK);
  printf("after reopen: %zd\n", read(r, buf, sizeof buf));
  close(r);
  signal(SIGPIPE, SIG_IGN);
  n = write(w, "x", 1);
  printf("write without reader: %zd %s\n", n, err((int)n));
  close(w);

  /* Blocking opens meet: the child writes, the parent's read open waits for it. */
  pid_t c = fork();
  if (c == 0) {
    usleep(100000);
    int cw = open("ff", O_WRONLY);
    write(cw, "from child\n", 11);
    _exit(0);
  }
  r = open("ff", O_RDONLY);
  n = read(r, buf, sizeof buf);
  printf("blocking read open: %zd %.*s", n, (int)n, buf);
  printf("then EOF: %zd\n", read(r, buf, sizeof buf));
  waitpid(c, NULL, 0);
  close(r);

  /* The writer waits for a reader the same way. */
  c = fork();
  if (c == 0) {
    usleep(100000);
    int cr = open("ff", O_RDONLY);
    n = read(cr, buf, sizeof buf);
    printf("child read: %.*s", (int)n, buf);
    _exit(0);
  }
  w = open("ff", O_WRONLY);
  printf("blocking write open: %s\n", err(w));
  write(w, "to child\n", 9);
  close(w);
  waitpid(c, NULL, 0);

  /* O_RDWR never waits. */
  int rw = open("ff", O_RDWR);
  write(rw, "rw", 2);
  n = read(rw, buf, sizeof buf);
  printf("O_RDWR: %zd %.*s\n", n, (int)n, buf);
  close(rw);

  /* A waiting open interrupted by a handler: EINTR without SA_RESTART. */
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  r = open("ff", O_RDONLY);
  printf("interrupted open: %s\n", err(r));
  /* With SA_RESTART it waits on until a writer comes. */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  c = fork();
  if (c == 0) {
    usleep(1500000);
    int cw = open("ff", O_WRONLY);
    write(cw, "late\n", 5);
    _exit(0);
  }
  alarm(1);
  r = open("ff", O_RDONLY);
  n = read(r, buf, sizeof buf);
  printf("restarted open: %s %.*s", err(r), (int)n, buf);
  waitpid(c, NULL, 0);
  close(r);
  printf("unlink: %s\n", err(unlink("ff")));
  return 0;
}
