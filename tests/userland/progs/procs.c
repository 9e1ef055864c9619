// Processes, memory sharing and pipes, printed so that the transcript is
// the same natively and in Hako (no PIDs or times in the output): fork and
// copy-on-write, wait status encoding, WNOHANG/ECHILD, waitid, MAP_SHARED
// vs MAP_PRIVATE across fork, vfork, sessions and groups, pipe(7)
// semantics (EOF, EAGAIN, EPIPE, capacity, PIPE_BUF), poll on pipes and
// timeouts, and pthreads (clone, futex, CLONE_CHILD_CLEARTID via join).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/fsuid.h>

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int global = 1;

static void cow(void) {
  char *big = malloc(1 << 20);
  memset(big, 'a', 1 << 20);
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    global = 2;
    big[5000] = 'c';
    char msg[64];
    int n = snprintf(msg, sizeof msg, "child sees %d %c %c", global, big[0], big[5000]);
    write(p[1], msg, n);
    _exit(0);
  }
  close(p[1]);
  global = 3;
  big[5000] = 'p';
  char buf[64] = {0};
  read(p[0], buf, sizeof buf - 1);
  int st;
  waitpid(c, &st, 0);
  printf("%s; parent sees %d %c %c\n", buf, global, big[0], big[5000]);
  close(p[0]);
  free(big);
}

static void statuses(void) {
  int st, r0;
  pid_t c = fork();
  if (c == 0) _exit(3);
  pid_t w = waitpid(c, &st, 0);
  printf("exit 3: same=%d exited=%d code=%d raw=%#x\n", w == c, WIFEXITED(st), WEXITSTATUS(st), st);
  c = fork();
  if (c == 0) { kill(getpid(), SIGKILL); for (;;) pause(); }
  waitpid(c, &st, 0);
  printf("SIGKILL: signaled=%d sig=%d raw=%#x\n", WIFSIGNALED(st), WTERMSIG(st), st);
  c = fork();
  if (c == 0) { kill(getpid(), SIGTERM); for (;;) pause(); }
  waitpid(c, &st, 0);
  printf("SIGTERM: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  c = fork();
  if (c == 0) { struct timespec ts = {0, 100000000}; nanosleep(&ts, 0); _exit(0); }
  printf("WNOHANG while running: %d\n", waitpid(c, &st, WNOHANG));
  printf("wait: same=%d\n", wait(&st) == c);
  r0 = wait(&st);
  printf("no children: %d %s\n", r0, err(r0));
  c = fork();
  if (c == 0) _exit(9);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r = waitid(P_PID, c, &si, WEXITED);
  printf("waitid: r=%d signo=%d code=%d status=%d same=%d\n", r, si.si_signo, si.si_code, si.si_status, si.si_pid == c);
  c = fork();
  if (c == 0) _exit(1);
  usleep(50000);
  memset(&si, 0, sizeof si);
  r = waitid(P_ALL, 0, &si, WEXITED | WNOWAIT);
  printf("waitid WNOWAIT: r=%d code=%d status=%d\n", r, si.si_code, si.si_status);
  r0 = waitpid(c, &st, 0);
  printf("then waitpid: same=%d code=%d\n", r0 == c, WEXITSTATUS(st));
  r0 = waitid(P_ALL, 0, &si, 0);
  printf("waitid bad options: %d %s\n", r0, err(r0));
}

static void sharing(void) {
  int *sh = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int *pr = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *sh = 1; *pr = 1;
  pid_t c = fork();
  if (c == 0) { *sh = 42; *pr = 42; _exit(0); }
  waitpid(c, 0, 0);
  printf("MAP_SHARED after child write: %d; MAP_PRIVATE: %d\n", *sh, *pr);
  int *later = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  c = fork();
  if (c == 0) { later[1500] = 7; _exit(0); }
  waitpid(c, 0, 0);
  printf("MAP_SHARED page first touched by the child: %d\n", later[1500]);
  volatile int v = 10;
  c = vfork();
  if (c == 0) { v = 11; _exit(5); }
  int st;
  waitpid(c, &st, 0);
  printf("vfork: shared write %d, status %d\n", v, WEXITSTATUS(st));
}

static void ids(void) {
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    char out[128];
    int ppid_ok = getppid() != getpid();
    pid_t sid = setsid();
    int n = snprintf(out, sizeof out, "child: ppid_ok=%d setsid_is_pid=%d sid=%d pgrp=%d again=%s",
                     ppid_ok, sid == getpid(), getsid(0) == getpid(), getpgrp() == getpid(), err(setsid()));
    write(p[1], out, n);
    _exit(0);
  }
  close(p[1]);
  char buf[128] = {0};
  read(p[0], buf, sizeof buf - 1);
  waitpid(c, 0, 0);
  printf("%s\n", buf);
  close(p[0]);
  c = fork();
  if (c == 0) { pause(); _exit(0); }
  int r = setpgid(c, c);
  const char *e = err(r);
  printf("setpgid child: %s; its group is its pid: %d\n", e, getpgid(c) == c);
  pid_t c2 = fork();
  if (c2 == 0) { int x = setpgid(getppid(), getppid()); _exit(x < 0 && errno == ESRCH ? 0 : 1); }
  int st2;
  waitpid(c2, &st2, 0);
  printf("setpgid on the parent from a child: ESRCH=%d\n", WEXITSTATUS(st2) == 0);
  kill(c, SIGKILL);
  waitpid(c, 0, 0);
  r = getpgid(c);
  printf("getpgid gone: %s\n", err(r));
}

static void creds(void) {
  pid_t c = fork();
  if (c == 0) {
    uid_t r, e, s;
    int x = setreuid(1000, 1001);
    getresuid(&r, &e, &s);
    printf("setreuid(1000,1001): %s -> %u %u %u\n", err(x), r, e, s);
    x = setreuid(-1, 1000);
    getresuid(&r, &e, &s);
    printf("setreuid(-1,1000): %s -> %u %u %u\n", err(x), r, e, s);
    x = setreuid(0, 0);
    printf("setreuid(0,0) unprivileged: %s\n", err(x));
    printf("setfsuid(-1) reports %d\n", setfsuid(-1));
    _exit(0);
  }
  waitpid(c, 0, 0);
}

static void pipes(void) {
  int p[2];
  int r = pipe2(p, 0x1);
  printf("pipe2 bad flags: %s\n", err(r));
  pipe2(p, O_NONBLOCK);
  char buf[70000];
  r = read(p[0], buf, 10);
  printf("empty nonblocking read: %s\n", err(r));
  printf("F_GETPIPE_SZ: %d\n", fcntl(p[1], F_GETPIPE_SZ));
  memset(buf, 'x', sizeof buf);
  long total = 0;
  for (;;) { ssize_t n = write(p[1], buf, 1000); if (n < 0) { printf("full after %ld: %s\n", total, err(-1)); break; } total += n; }
  r = write(p[1], buf, 4096);
  printf("write 4096 into a full pipe: %s\n", err(r));
  struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  r = poll(pf, 2, 0);
  printf("poll full: %d in=%#x out=%#x\n", r, pf[0].revents, pf[1].revents);
  r = read(p[0], buf, 3000);
  r = poll(pf, 2, 0);
  printf("after reading 3000: %d in=%#x out=%#x\n", r, pf[0].revents, pf[1].revents);
  r = read(p[0], buf, 1000);
  r = poll(pf, 2, 0);
  printf("after a whole page: %d in=%#x out=%#x\n", r, pf[0].revents, pf[1].revents);
  r = write(p[1], buf, 3000);
  printf("write 3000 into one free page: %d\n", r);
  long got = 0;
  for (;;) { ssize_t n = read(p[0], buf, sizeof buf); if (n <= 0) break; got += n; }
  printf("drained %ld\n", got);
  close(p[1]);
  printf("read after writer closed: %zd\n", read(p[0], buf, 10));
  pf[0].events = POLLIN;
  r = poll(pf, 1, 0);
  printf("poll hup: %d revents=%#x\n", r, pf[0].revents);
  close(p[0]);
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  r = write(p[1], "x", 1);
  printf("write without reader: %s\n", err(r));
  signal(SIGPIPE, SIG_DFL);
  close(p[1]);
  pipe(p);
  struct pollfd q = {p[0], POLLIN, 0};
  printf("poll timeout: %d\n", poll(&q, 1, 30));
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct timeval tv = {0, 20000};
  printf("select timeout: %d\n", select(p[0] + 1, &rs, 0, 0, &tv));
  pid_t c = fork();
  if (c == 0) { usleep(30000); write(p[1], "late", 4); _exit(0); }
  q.revents = 0;
  r = poll(&q, 1, 5000);
  printf("poll waits for a writer: %d revents=%#x\n", r, q.revents);
  printf("read: %zd\n", read(p[0], buf, 100));
  waitpid(c, 0, 0);
  // A blocking reader sleeps until a child writes; a blocking writer of 200000 bytes until a reader drains.
  c = fork();
  if (c == 0) { close(p[0]); char big[200000]; memset(big, 'y', sizeof big); ssize_t n = write(p[1], big, sizeof big); _exit(n == sizeof big ? 0 : 1); }
  close(p[1]);
  long sum = 0;
  for (;;) { ssize_t n = read(p[0], buf, sizeof buf); if (n <= 0) break; sum += n; }
  int st;
  waitpid(c, &st, 0);
  printf("big write through the pipe: %ld bytes, writer status %d\n", sum, WEXITSTATUS(st));
  close(p[0]);
  int d[2];
  pipe(d);
  c = fork();
  if (c == 0) { dup2(d[1], 1); close(d[0]); close(d[1]); write(1, "through dup2\n", 13); _exit(0); }
  close(d[1]);
  memset(buf, 0, 100);
  read(d[0], buf, 99);
  printf("child stdout via pipe: %s", buf);
  waitpid(c, 0, 0);
  close(d[0]);
}

static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *worker(void *arg) {
  for (int i = 0; i < 1000; i++) { pthread_mutex_lock(&mu); counter++; pthread_mutex_unlock(&mu); }
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return (void *)((long)arg * 2);
}

static void threads(void) {
  pthread_t th[4];
  for (long i = 0; i < 4; i++) pthread_create(&th[i], 0, worker, (void *)i);
  usleep(20000);
  pthread_mutex_lock(&mu);
  ready = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  long sum = 0;
  for (int i = 0; i < 4; i++) { void *r; pthread_join(th[i], &r); sum += (long)r; }
  printf("threads: counter=%d results=%ld\n", counter, sum);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  cow();
  statuses();
  sharing();
  ids();
  creds();
  pipes();
  threads();
  struct timespec a, b, ts = {0, 50000000};
  clock_gettime(CLOCK_MONOTONIC, &a);
  nanosleep(&ts, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("nanosleep 50ms: slept enough=%d\n", ms >= 50);
  return 0;
}
