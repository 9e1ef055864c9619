/* execve(2) from a thread that is not the thread-group leader: every other
 * thread is destroyed, and the program continues in the calling thread,
 * which takes over the process's PID ("the PID stays that of the thread
 * group"): getpid() is unchanged, gettid() == getpid(), the parent is the
 * same, the process has one thread, and the parent's wait sees the new
 * program's exit status. Prints one line per check. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[256];
static char argpid[32], argppid[32], argtid[32];

static int threads(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "Threads:", 8)) n = atoi(line + 8);
  if (f) fclose(f);
  return n;
}

static void *worker(void *arg) {
  (void)arg;
  snprintf(argtid, sizeof argtid, "%ld", (long)syscall(SYS_gettid));
  printf("thread: tid is the pid: %d, threads: %d\n", (long)syscall(SYS_gettid) == getpid(), threads());
  fflush(stdout);
  char *argv[] = {self, "after", argpid, argppid, argtid, NULL};
  execv(self, argv);
  perror("execv");
  return NULL;
}

static void *sleeper(void *arg) { (void)arg; for (;;) pause(); return NULL; }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "after")) {
    printf("after exec: same pid %d, tid is the pid %d, old thread id gone %d, same parent %d, threads %d\n",
           getpid() == atoi(argv[2]), (long)syscall(SYS_gettid) == getpid(), atoi(argv[4]) != getpid(),
           getppid() == atoi(argv[3]), threads());
    return 7;
  }
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  pid_t c = fork();
  if (c == 0) {
    snprintf(argpid, sizeof argpid, "%d", getpid());
    snprintf(argppid, sizeof argppid, "%d", getppid());
    pthread_t a, b;
    pthread_create(&a, NULL, sleeper, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(b, NULL);
    printf("not reached\n");
    return 1;
  }
  int st;
  pid_t w = waitpid(c, &st, 0);
  printf("parent: waited the same pid %d, exit status %d\n", w == c, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
