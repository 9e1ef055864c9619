/* Sleeps and CPU-time timers against Linux:
 *   stop: a child's nanosleep(1 s) is stopped by SIGSTOP after 0.3 s and
 *         continued 0.5 s later; it sleeps only the time that was left
 *         (restart_syscall), so it ends after about 1 s, not 1.8 s. The same
 *         for clock_nanosleep, relative and TIMER_ABSTIME.
 *   eintr: a handler interrupts nanosleep(2 s) after 0.3 s: EINTR and a rem of
 *         about 1.7 s; SA_RESTART does not restart it.
 *   cont: SIGCONT to a running (not stopped) sleeper without a handler does
 *         not end the sleep early.
 *   itimer: ITIMER_VIRTUAL and ITIMER_PROF fire SIGVTALRM/SIGPROF while the
 *         process computes, not while it sleeps; disarmed they stop; getitimer
 *         reports what is left; ITIMER_REAL/alarm are unaffected.
 *   cputime: CLOCK_PROCESS_CPUTIME_ID counts the process's own computing, not
 *         a child's or time asleep; CLOCK_THREAD_CPUTIME_ID runs.
 * Times are printed in tenths of a second (rounded), counts as "some". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static int tenths(double s) { return (int)(s * 10 + 0.5); }
static void nothing(int s) { (void)s; }

/* The child sleeps 1 s one way; the parent stops it for 0.5 s; the child reports how long it took. */
static void stopped_sleep(const char *how) {
  int fds[2];
  pipe(fds);
  pid_t c = fork();
  if (c == 0) {
    double t0 = now();
    int r;
    if (!strcmp(how, "nanosleep")) {
      struct timespec ts = {1, 0}, rem = {0, 0};
      r = nanosleep(&ts, &rem);
    } else if (!strcmp(how, "clock_nanosleep")) {
      struct timespec ts = {1, 0};
      r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    } else {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_sec += 1;
      r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    int d = tenths(now() - t0);
    write(fds[1], &d, sizeof d);
    write(fds[1], &r, sizeof r);
    _exit(0);
  }
  usleep(300000);
  kill(c, SIGSTOP);
  int st;
  waitpid(c, &st, WUNTRACED);
  printf("%s: stopped=%d", how, WIFSTOPPED(st));
  usleep(500000);
  kill(c, SIGCONT);
  waitpid(c, &st, 0);
  int d, r;
  read(fds[0], &d, sizeof d);
  read(fds[0], &r, sizeof r);
  /* Linux ends at the original deadline: 1.0 s (a little more on a loaded machine); starting over would take 1.8 s. */
  printf(" returned %d after %s\n", r, d >= 10 && d <= 15 ? "about 1 s" : d >= 17 ? "the full time again" : "?");
  close(fds[0]);
  close(fds[1]);
}

static void eintr(int restart) {
  struct sigaction sa = {0};
  sa.sa_handler = nothing;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 300000}};
  setitimer(ITIMER_REAL, &it, NULL);
  struct timespec ts = {2, 0}, rem = {0, 0};
  double t0 = now();
  int r = nanosleep(&ts, &rem);
  int e = errno;
  /* Woken after about 0.3 s (later on a loaded machine), with the rest of the 2 s in rem. */
  int slept = tenths(now() - t0), left = tenths(rem.tv_sec + rem.tv_nsec / 1e9);
  printf("handler%s: nanosleep=%d %s after %s, slept + rem = %s\n", restart ? " (SA_RESTART)" : "", r, r ? (e == EINTR ? "EINTR" : strerror(e)) : "",
         slept >= 3 && slept <= 9 ? "about 0.3 s" : "?", slept + left >= 19 && slept + left <= 21 ? "2 s" : "?");
}

static void cont(void) {
  pid_t c = fork();
  if (c == 0) {
    struct timespec ts = {0, 600000000};
    double t0 = now();
    int r = nanosleep(&ts, NULL);
    printf("SIGCONT to a sleeper: %d after %d tenths\n", r, tenths(now() - t0));
    _exit(0);
  }
  usleep(200000);
  kill(c, SIGCONT);
  waitpid(c, NULL, 0);
}

static volatile sig_atomic_t vt, prof, alrm;
static void on_vt(int s) { (void)s; vt++; }
static void on_prof(int s) { (void)s; prof++; }
static void on_alrm(int s) { (void)s; alrm++; }
static volatile unsigned long sink;
static void spin_until(volatile sig_atomic_t *c, int n) {
  double t0 = now();
  while (*c < n && now() - t0 < 60) for (int i = 0; i < 10000; i++) sink += i;
}
static void spin_for(double secs) {
  double t0 = now();
  while (now() - t0 < secs) for (int i = 0; i < 10000; i++) sink += i;
}

static void itimers(void) {
  signal(SIGVTALRM, on_vt);
  signal(SIGPROF, on_prof);
  signal(SIGALRM, on_alrm);
  struct itimerval it = {{0, 10000}, {0, 10000}}, cur;
  setitimer(ITIMER_VIRTUAL, &it, NULL);
  setitimer(ITIMER_PROF, &it, NULL);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("armed: interval %ld us, value %s\n", (long)cur.it_interval.tv_usec, cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0 ? "set" : "zero");
  spin_until(&vt, 5);
  spin_until(&prof, 5);
  printf("computing: SIGVTALRM %s, SIGPROF %s\n", vt >= 5 ? "fired" : "missing", prof >= 5 ? "fired" : "missing");
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_VIRTUAL, &off, &cur);
  printf("old value had interval %ld us\n", (long)cur.it_interval.tv_usec);
  setitimer(ITIMER_PROF, &off, NULL);
  int v0 = vt, p0 = prof;
  spin_for(0.3);
  getitimer(ITIMER_PROF, &cur);
  printf("disarmed: %s, getitimer %ld.%06ld\n", vt == v0 && prof == p0 ? "no more signals" : "still firing", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
  /* A one-shot virtual timer does not run while the process sleeps. */
  struct itimerval once = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_VIRTUAL, &once, NULL);
  v0 = vt;
  usleep(300000);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("asleep: %s, still armed %d\n", vt == v0 ? "no SIGVTALRM" : "SIGVTALRM", cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0);
  spin_until(&vt, v0 + 1);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("then computing: %s, one-shot disarmed %d\n", vt == v0 + 1 ? "one SIGVTALRM" : "?", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
  printf("ITIMER_REAL untouched: %d\n", alrm);
  /* Children do not inherit itimers (fork(2)); exec keeps them (tested by the count staying 0 here). */
  setitimer(ITIMER_VIRTUAL, &it, NULL);
  pid_t c = fork();
  if (c == 0) {
    struct itimerval k;
    getitimer(ITIMER_VIRTUAL, &k);
    printf("child after fork: armed %d\n", k.it_value.tv_sec > 0 || k.it_value.tv_usec > 0);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  setitimer(ITIMER_VIRTUAL, &off, NULL);
}

/* CPU clocks count the process's own time: not a child's, not time asleep. */
static double secs(struct timespec a, struct timespec b) { return (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9; }
static void cputime(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  pid_t c = fork();
  if (c == 0) { spin_for(0.5); _exit(0); }
  waitpid(c, NULL, 0);
  usleep(200000);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  printf("a child's and a sleep's time are not the process's: %s\n", secs(a, b) < 0.1 ? "yes" : "no");
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  spin_for(0.3);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  printf("its own computing is: %s\n", secs(a, b) > 0.02 ? "yes" : "no");
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  printf("thread clock runs: %d\n", b.tv_sec > 0 || b.tv_nsec > 0);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *what = argc > 1 ? argv[1] : "all";
  if (!strcmp(what, "stop") || !strcmp(what, "all")) {
    stopped_sleep("nanosleep");
    stopped_sleep("clock_nanosleep");
    stopped_sleep("clock_nanosleep abs");
  }
  if (!strcmp(what, "eintr") || !strcmp(what, "all")) { eintr(0); eintr(1); }
  if (!strcmp(what, "cont") || !strcmp(what, "all")) cont();
  if (!strcmp(what, "itimer") || !strcmp(what, "all")) itimers();
  if (!strcmp(what, "cputime") || !strcmp(what, "all")) cputime();
  return 0;
}
