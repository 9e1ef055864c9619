// Signals and threads: a thread-directed signal (pthread_kill) taken by sigwait in the
// worker, and a process-directed one (kill) that waits while every thread blocks it
// and is delivered once the main thread unblocks it. Compared with Linux.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
static volatile int who;
static pid_t tid2;
static void h(int sig) { who = (syscall(SYS_gettid) == tid2) ? 2 : 1; }
static void *worker(void *arg) {
  (void)arg;
  tid2 = syscall(SYS_gettid);
  sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR2);
  int sig;
  sigwait(&s, &sig);
  printf("worker sigwait got %d\n", sig);
  while (!who) usleep(1000);
  return NULL;
}
int main(void) {
  signal(SIGUSR1, h);
  sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); sigaddset(&s, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &s, NULL);
  pthread_t t;
  // The worker inherits USR1+USR2 blocked; it unblocks USR1 itself.
  pthread_create(&t, NULL, worker, NULL);
  while (!tid2) usleep(1000);
  usleep(20000);
  pthread_kill(t, SIGUSR2);
  kill(getpid(), SIGUSR1); // blocked here: must wait until someone unblocks
  usleep(20000);
  printf("who=%d (0: still pending)\n", who);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  printf("who=%d after unblock\n", who);
  pthread_join(t, NULL);
  return 0;
}
