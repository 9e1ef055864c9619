// Signal semantics probe: each subcommand exercises one part of signal(7),
// sigaction(2), sigreturn(2), sigaltstack(2), alarm(2)/setitimer(2) and
// prints what it observes with write(2) (async-signal-safe, unbuffered), so
// the output can be compared byte for byte between Linux and Hako. Values
// that differ between runs (addresses, PIDs) are printed relative or as
// comparisons. Built with gcc -static (glibc) and musl-gcc -static.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/select.h>
#include <poll.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static void say(const char *fmt, ...) {
  char b[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  if (write(1, b, n) < 0) _exit(99);
}

static void on(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h;
  sa.sa_flags = flags | SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL)) { say("sigaction: %d\n", errno); _exit(98); }
}

static volatile sig_atomic_t hits, depth;

/* Sends sig to this process from a child once this process is blocked (state S in /proc/PID/stat,
 * proc(5)); returns the child, to be reaped. A timer armed just before a blocking call can fire
 * before the call is reached when the host is loaded, and the probe would then see another story. */
static pid_t signal_when_blocked(int sig) {
  pid_t parent = getpid(), c = fork();
  if (c != 0) return c;
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)parent);
  for (;;) {
    int fd = open(path, O_RDONLY);
    int n = fd < 0 ? -1 : (int)read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *p = strrchr(buf, ')');
    if (p && p[1] == ' ' && p[2] == 'S') break;
    usleep(1000);
  }
  kill(parent, sig);
  _exit(0);
}
static sigjmp_buf jb;
static uintptr_t base;

/* ---- siginfo of raise and kill ---- */
static void h_info(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  hits++;
  say("handler sig=%d signo=%d code=%d pid_is_self=%d uid=%d\n", sig, si->si_signo, si->si_code, si->si_pid == getpid(), (int)si->si_uid);
}
static int t_info(void) {
  on(SIGUSR1, h_info, 0);
  on(SIGUSR2, h_info, 0);
  say("raise -> %d\n", raise(SIGUSR1));
  say("kill -> %d\n", kill(getpid(), SIGUSR2));
  say("kill 0 -> %d\n", kill(getpid(), 0));
  errno = 0;
  int r = kill(getpid(), 65);
  say("kill bad sig -> %d errno=%d\n", r, errno);
  say("hits=%d\n", hits);
  return 0;
}

/* ---- SIGSEGV: si_code, si_addr, trapno, err; siglongjmp out ---- */
static void h_segv(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  say("SIGSEGV sig=%d code=%d addr=base+%#lx trapno=%lld err=%lld cr2_is_addr=%d rip_ok=%d\n", sig, si->si_code,
      (unsigned long)((uintptr_t)si->si_addr - base), (long long)uc->uc_mcontext.gregs[REG_TRAPNO],
      (long long)uc->uc_mcontext.gregs[REG_ERR], (uintptr_t)uc->uc_mcontext.gregs[REG_CR2] == (uintptr_t)si->si_addr,
      uc->uc_mcontext.gregs[REG_RIP] != 0);
  siglongjmp(jb, 1);
}
static int t_segv(void) {
  on(SIGSEGV, h_segv, 0);
  char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  base = (uintptr_t)p;
  munmap(p + 4096, 4096);
  mprotect(p + 8192, 4096, PROT_READ);
  if (!sigsetjmp(jb, 1)) { *(volatile char *)(p + 4096 + 12) = 1; say("no fault?\n"); }
  if (!sigsetjmp(jb, 1)) { say("read hole %d\n", *(volatile char *)(p + 4096 + 40)); }
  if (!sigsetjmp(jb, 1)) { *(volatile char *)(p + 8192 + 7) = 1; say("no fault?\n"); }
  base = 0;
  if (!sigsetjmp(jb, 1)) { *(volatile int *)16 = 1; say("no fault?\n"); }
  sigset_t m;
  sigprocmask(SIG_SETMASK, NULL, &m);
  say("after longjmp: SIGSEGV blocked=%d\n", sigismember(&m, SIGSEGV));
  return 0;
}

/* ---- a SIGSEGV handler that fixes the page and returns: the write is retried ---- */
static char *fixpage;
static void h_fix(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  hits++;
  say("fixing sig=%d code=%d off=%ld\n", sig, si->si_code, (long)((char *)si->si_addr - fixpage));
  mprotect(fixpage, 4096, PROT_READ | PROT_WRITE);
}
static int t_fix(void) {
  on(SIGSEGV, h_fix, 0);
  fixpage = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  fixpage[100] = 42;
  say("value=%d hits=%d\n", fixpage[100], hits);
  return 0;
}

/* ---- SIGFPE: integer division by zero ---- */
static void h_fpe(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  say("SIGFPE sig=%d code=%d addr_is_rip=%d trapno=%lld\n", sig, si->si_code,
      (uintptr_t)si->si_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP], (long long)uc->uc_mcontext.gregs[REG_TRAPNO]);
  siglongjmp(jb, 1);
}
static int t_fpe(void) {
  on(SIGFPE, h_fpe, 0);
  volatile int zero = 0, x = 7;
  if (!sigsetjmp(jb, 1)) say("q=%d\n", x / zero);
  volatile long mn = INT64_MIN, m1 = -1;
  if (!sigsetjmp(jb, 1)) say("q=%ld\n", mn / m1);
  say("done\n");
  return 0;
}

/* ---- SIGILL and SIGTRAP ---- */
static void h_ill(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  say("sig=%d code=%d addr_is_rip=%d trapno=%lld\n", sig, si->si_code,
      (uintptr_t)si->si_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP], (long long)uc->uc_mcontext.gregs[REG_TRAPNO]);
  if (sig == SIGILL) uc->uc_mcontext.gregs[REG_RIP] += 2; // skip ud2 and return
}
static int t_ill(void) {
  on(SIGILL, h_ill, 0);
  on(SIGTRAP, h_ill, 0);
  __asm__ volatile("ud2");
  say("after ud2\n");
  __asm__ volatile("int3");
  say("after int3\n");
  return 0;
}

/* ---- registers and FPU state survive a handler that clobbers them ---- */
unsigned long before[10], after[10]; // global: the asm names them
unsigned char xin[16 * 16], xout[16 * 16];
long g_pid, g_tid;
static void h_clobber(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  hits++;
  volatile double d = 1.0;
  for (int i = 0; i < 50; i++) d = d * 1.5 + 0.25;
  volatile long double ld = 3.0L;
  for (int i = 0; i < 20; i++) ld = ld * ld / 2.5L;
  char buf[600];
  memset(buf, 0x5a, sizeof buf); // SSE stores
  say("handler %d d=%.3f nonzero=%d\n", sig, d, buf[599] != 0 && ld != 0);
}
static int t_regs(void) {
  on(SIGUSR1, h_clobber, 0);
  for (int i = 0; i < 256; i++) xin[i] = (unsigned char)(i * 7 + 3);
  g_pid = getpid();
  g_tid = syscall(SYS_gettid);
  __asm__ volatile(
      "sub $128, %%rsp\n\t"
      "push %%rbp\n\t"
      "push %%rbx\n\t"
      "movdqu xin+0(%%rip), %%xmm0\n\t movdqu xin+16(%%rip), %%xmm1\n\t movdqu xin+32(%%rip), %%xmm2\n\t movdqu xin+48(%%rip), %%xmm3\n\t"
      "movdqu xin+64(%%rip), %%xmm4\n\t movdqu xin+80(%%rip), %%xmm5\n\t movdqu xin+96(%%rip), %%xmm6\n\t movdqu xin+112(%%rip), %%xmm7\n\t"
      "movdqu xin+128(%%rip), %%xmm8\n\t movdqu xin+144(%%rip), %%xmm9\n\t movdqu xin+160(%%rip), %%xmm10\n\t movdqu xin+176(%%rip), %%xmm11\n\t"
      "movdqu xin+192(%%rip), %%xmm12\n\t movdqu xin+208(%%rip), %%xmm13\n\t movdqu xin+224(%%rip), %%xmm14\n\t movdqu xin+240(%%rip), %%xmm15\n\t"
      "mov g_pid(%%rip), %%rdi\n\t mov g_tid(%%rip), %%rsi\n\t mov $10, %%edx\n\t mov $234, %%eax\n\t"
      "mov $0x1111111111111111, %%rbx\n\t mov $0x2222222222222222, %%rbp\n\t"
      "mov $0x8888888888888888, %%r8\n\t mov $0x9999999999999999, %%r9\n\t mov $0xaaaaaaaaaaaaaaaa, %%r10\n\t"
      "mov $0xcccccccccccccccc, %%r12\n\t mov $0xdddddddddddddddd, %%r13\n\t mov $0xeeeeeeeeeeeeeeee, %%r14\n\t"
      "mov $0xffffffffffffffff, %%r15\n\t"
      "fldpi\n\t fld1\n\t"
      "syscall\n\t"
      "mov %%rbx, before+0(%%rip)\n\t mov %%rbp, before+8(%%rip)\n\t mov %%r8, before+16(%%rip)\n\t mov %%r9, before+24(%%rip)\n\t"
      "mov %%r10, before+32(%%rip)\n\t mov %%r12, before+40(%%rip)\n\t mov %%r13, before+48(%%rip)\n\t mov %%r14, before+56(%%rip)\n\t"
      "mov %%r15, before+64(%%rip)\n\t mov %%rax, before+72(%%rip)\n\t"
      "movdqu %%xmm0, xout+0(%%rip)\n\t movdqu %%xmm1, xout+16(%%rip)\n\t movdqu %%xmm2, xout+32(%%rip)\n\t movdqu %%xmm3, xout+48(%%rip)\n\t"
      "movdqu %%xmm4, xout+64(%%rip)\n\t movdqu %%xmm5, xout+80(%%rip)\n\t movdqu %%xmm6, xout+96(%%rip)\n\t movdqu %%xmm7, xout+112(%%rip)\n\t"
      "movdqu %%xmm8, xout+128(%%rip)\n\t movdqu %%xmm9, xout+144(%%rip)\n\t movdqu %%xmm10, xout+160(%%rip)\n\t movdqu %%xmm11, xout+176(%%rip)\n\t"
      "movdqu %%xmm12, xout+192(%%rip)\n\t movdqu %%xmm13, xout+208(%%rip)\n\t movdqu %%xmm14, xout+224(%%rip)\n\t movdqu %%xmm15, xout+240(%%rip)\n\t"
      "fstpt after+0(%%rip)\n\t fstpt after+16(%%rip)\n\t"
      "pop %%rbx\n\t"
      "pop %%rbp\n\t"
      "add $128, %%rsp\n\t"
      :
      :
      : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory", "cc",
        "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "st", "st(1)");
  const char *names[] = {"rbx", "rbp", "r8", "r9", "r10", "r12", "r13", "r14", "r15", "rax"};
  for (int i = 0; i < 10; i++) say("%s=%016lx\n", names[i], before[i]);
  say("xmm same=%d\n", memcmp(xin, xout, 256) == 0);
  long double one, pi;
  memcpy(&one, &after[0], 10);
  memcpy(&pi, &after[2], 10);
  say("x87 st0=%.15Lf st1=%.15Lf hits=%d\n", one, pi, hits);
  return 0;
}

/* ---- a handler interrupting a floating-point loop must not change its result ---- */
static void h_tick(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)si; (void)uc;
  hits++;
  volatile double junk = 0;
  for (int i = 1; i < 200; i++) junk += 1.0 / i;
  volatile long double lj = 1;
  for (int i = 1; i < 50; i++) lj *= 1.01L;
}
static volatile double sink;
__attribute__((noinline)) static double work(void) {
  double acc = 0;
  long double lacc = 0;
  for (int i = 1; i < 20000; i++) { acc += 1.0 / ((double)i * i); lacc += 1.0L / i; }
  sink = acc;
  return acc + (double)lacc;
}
static int t_fpu(void) {
  on(SIGALRM, h_tick, SA_RESTART);
  struct itimerval it = {{0, 2000}, {0, 2000}};
  setitimer(ITIMER_REAL, &it, NULL);
  double first = work();
  int same = 1, rounds = 1;
  while (hits < 5 && rounds < 100000) { same &= work() == first; rounds++; }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  say("result=%.17g same=%d interrupted=%d\n", first, same, hits >= 5);
  return 0;
}

/* ---- SA_RESETHAND, SA_NODEFER ---- */
static void h_once(int sig, siginfo_t *si, void *uc) { (void)si; (void)uc; say("once %d\n", sig); }
static int t_resethand(void) {
  on(SIGUSR1, h_once, SA_RESETHAND);
  raise(SIGUSR1);
  struct sigaction old;
  sigaction(SIGUSR1, NULL, &old);
  say("now default=%d\n", old.sa_handler == SIG_DFL);
  raise(SIGUSR1);
  say("not reached\n");
  return 0;
}
static void h_nest(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  int d = depth++;
  say("enter %d\n", d);
  if (d == 0) raise(sig);
  say("leave %d\n", d);
}
static int t_nodefer(int nodefer) {
  on(SIGUSR2, h_nest, nodefer ? SA_NODEFER : 0);
  raise(SIGUSR2);
  say("back\n");
  return 0;
}

/* ---- blocked, pending, unblocked; sigsuspend; ignoring ---- */
static void h_note(int sig, siginfo_t *si, void *uc) { (void)si; (void)uc; hits++; say("handled %d\n", sig); }
static int t_pending(void) {
  on(SIGUSR1, h_note, 0);
  sigset_t b, p, old;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR1);
  sigaddset(&b, SIGKILL);
  sigprocmask(SIG_BLOCK, &b, &old);
  raise(SIGUSR1);
  raise(SIGUSR1);
  sigpending(&p);
  say("pending usr1=%d hits=%d\n", sigismember(&p, SIGUSR1), hits);
  sigprocmask(SIG_SETMASK, NULL, &b);
  say("kill blocked=%d\n", sigismember(&b, SIGKILL));
  sigprocmask(SIG_SETMASK, &old, NULL);
  say("after unblock hits=%d\n", hits);
  sigpending(&p);
  say("pending usr1=%d\n", sigismember(&p, SIGUSR1));
  // sigsuspend: wait with USR1 unblocked, mask restored after.
  sigprocmask(SIG_BLOCK, &b, NULL);
  raise(SIGUSR1);
  sigset_t none;
  sigemptyset(&none);
  int r = sigsuspend(&none);
  say("sigsuspend=%d errno=%d\n", r, errno);
  sigprocmask(SIG_SETMASK, NULL, &b);
  say("usr1 blocked again=%d hits=%d\n", sigismember(&b, SIGUSR1), hits);
  // A pending signal set to SIG_IGN is discarded.
  raise(SIGUSR1);
  signal(SIGUSR1, SIG_IGN);
  sigpending(&p);
  say("ignored pending usr1=%d\n", sigismember(&p, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &b, NULL);
  raise(SIGUSR1);
  raise(SIGCHLD); // default: ignore
  raise(SIGURG);
  say("still here hits=%d\n", hits);
  // sigtimedwait takes a blocked signal synchronously.
  sigprocmask(SIG_BLOCK, &b, NULL);
  signal(SIGUSR1, SIG_DFL);
  raise(SIGUSR1);
  siginfo_t si;
  int s = sigwaitinfo(&b, &si);
  say("sigwaitinfo=%d code=%d\n", s, si.si_code);
  struct timespec ts = {0, 20000000};
  errno = 0;
  s = sigtimedwait(&b, &si, &ts);
  say("sigtimedwait=%d errno=%d\n", s, errno);
  return 0;
}

/* ---- sigaltstack: a stack overflow handled on the alternate stack ---- */
static char *alt;
static void h_alt(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  char here;
  stack_t cur;
  sigaltstack(NULL, &cur);
  say("overflow sig=%d on_alt=%d flags=%d\n", sig, &here > alt && &here < alt + 65536, cur.ss_flags);
  siglongjmp(jb, 1);
}
static int recurse(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  return recurse(n + 1) + pad[0];
}
static int t_altstack(void) {
  stack_t ss, old;
  alt = malloc(65536);
  ss.ss_sp = alt;
  ss.ss_size = 65536;
  ss.ss_flags = 0;
  say("sigaltstack=%d\n", sigaltstack(&ss, &old));
  say("old flags=%d\n", old.ss_flags);
  sigaltstack(NULL, &old);
  say("flags=%d size_ok=%d\n", old.ss_flags, old.ss_size == 65536);
  ss.ss_size = 100;
  errno = 0;
  int r = sigaltstack(&ss, NULL);
  say("small=%d errno=%d\n", r, errno);
  on(SIGSEGV, h_alt, SA_ONSTACK);
  struct rlimit { unsigned long cur, max; } rl = {1 << 20, 1 << 20};
  syscall(SYS_setrlimit, 3 /* RLIMIT_STACK */, &rl);
  if (!sigsetjmp(jb, 1)) recurse(0);
  say("back on the main stack\n");
  return 0;
}

/* ---- alarm, setitimer, pause ---- */
/* The repeating timer is disarmed by the handler of its last wanted expiry: disarming after the
 * pause() loop let one more expiry in whenever the process was descheduled for an interval first. */
static volatile sig_atomic_t stop_at;
static struct itimerval stopped;
static void h_alarm(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (++hits == stop_at) setitimer(ITIMER_REAL, &(struct itimerval){{0, 0}, {0, 0}}, &stopped);
  say("alarm sig=%d code=%d\n", sig, si->si_code);
}
static int t_alarm(void) {
  on(SIGALRM, h_alarm, 0);
  say("alarm(5)=%u\n", alarm(5));
  say("alarm(3)=%u\n", alarm(3));
  say("alarm(0)=%u\n", alarm(0));
  /* SIGALRM blocked from arming to sigsuspend: with pause() a one-shot timer that fires before
   * pause() is reached (a loaded host) leaves it waiting for ever. The repeating timer below may use pause(). */
  sigset_t alrm, old;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  sigprocmask(SIG_BLOCK, &alrm, &old);
  struct itimerval it = {{0, 0}, {0, 30000}}, cur;
  setitimer(ITIMER_REAL, &it, NULL);
  getitimer(ITIMER_REAL, &cur);
  say("armed=%d\n", cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000 && cur.it_value.tv_sec == 0);
  int r = sigsuspend(&old);
  say("sigsuspend=%d errno=%d hits=%d\n", r, errno, hits);
  sigprocmask(SIG_SETMASK, &old, NULL);
  getitimer(ITIMER_REAL, &cur);
  say("disarmed=%d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
  struct itimerval rep = {{0, 10000}, {0, 10000}};
  stop_at = 4;
  setitimer(ITIMER_REAL, &rep, NULL);
  while (hits < stop_at) pause();
  say("interval=%ld hits=%d\n", (long)stopped.it_interval.tv_usec, hits);
  errno = 0;
  r = setitimer(7, &rep, NULL);
  say("bad which=%d errno=%d\n", r, errno);
  return 0;
}

/* ---- SIGPIPE on a write to a pipe without readers ---- */
static int t_pipe(void) {
  int fd[2];
  if (pipe(fd)) return 97;
  close(fd[0]);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  int r = write(fd[1], "x", 1);
  say("ignored: write=%d errno=%d\n", r, errno);
  on(SIGPIPE, h_note, 0);
  errno = 0;
  r = write(fd[1], "x", 1);
  say("caught: write=%d errno=%d hits=%d\n", r, errno, hits);
  signal(SIGPIPE, SIG_DFL);
  r = write(fd[1], "x", 1);
  say("not reached %d\n", r);
  return 0;
}

/* ---- a blocking read interrupted by a handler: EINTR, or restarted with SA_RESTART ---- */
static int pfd[2];
static void h_feed(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  hits++;
  say("handler %d\n", sig);
  if (write(pfd[1], "z", 1) != 1) _exit(96);
}
static int t_restart(void) {
  if (pipe(pfd)) return 97;
  char c = 0;
  for (int restart = 0; restart < 2; restart++) {
    on(SIGALRM, h_feed, restart ? SA_RESTART : 0);
    pid_t k = signal_when_blocked(SIGALRM);
    errno = 0;
    int r = read(pfd[0], &c, 1);
    int e = errno;
    waitpid(k, NULL, 0);
    errno = e;
    say("SA_RESTART=%d read=%d errno=%d\n", restart, r, errno);
    if (r < 0) { r = read(pfd[0], &c, 1); say("read again=%d %c\n", r, c); }
    else say("got %c\n", c);
  }
  return 0;
}

/* ---- job control: a child stopped, continued and killed; wait status and SIGCHLD info ---- */
static void chld_info(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGCHLD);
  siginfo_t si;
  struct timespec ts = {2, 0};
  int r = sigtimedwait(&s, &si, &ts);
  say("SIGCHLD=%d code=%d status=%d pid_ok=%d\n", r, si.si_code, si.si_status, si.si_pid > 0);
}
static int t_stop(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGCHLD);
  sigprocmask(SIG_BLOCK, &s, NULL);
  pid_t c = fork();
  if (c == 0) { for (;;) pause(); }
  int st;
  kill(c, SIGSTOP);
  say("waitpid=%d ", waitpid(c, &st, WUNTRACED) == c);
  say("stopped=%d sig=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
  chld_info();
  kill(c, SIGCONT);
  say("waitpid=%d ", waitpid(c, &st, WCONTINUED) == c);
  say("continued=%d\n", WIFCONTINUED(st));
  chld_info();
  kill(c, SIGTERM);
  say("waitpid=%d ", waitpid(c, &st, 0) == c);
  say("signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  chld_info();
  pid_t d = fork();
  if (d == 0) _exit(7);
  waitpid(d, &st, 0);
  say("exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
  chld_info();
  return 0;
}

/* ---- nanosleep interrupted by a handler: EINTR and the time left ---- */
static int t_sleep(void) {
  on(SIGALRM, h_note, SA_RESTART); // nanosleep is never restarted, SA_RESTART or not (signal(7))
  pid_t k = signal_when_blocked(SIGALRM);
  // A long request, so the time left is well inside it even when a loaded host runs the signalling child late.
  struct timespec req = {10, 0}, rem = {0, 0};
  int r = nanosleep(&req, &rem);
  int e = errno;
  waitpid(k, NULL, 0);
  errno = e;
  // Linux reports the time left to the timer's hard expiry, the request plus
  // the task's timer slack (50 us by default), so a signal that arrives at
  // once leaves 10 s and a little: tv_sec 10 is a correct answer too.
  say("nanosleep=%d errno=%d rem_ok=%d\n", r, errno, rem.tv_sec >= 5 && rem.tv_sec <= 10);
  return 0;
}

/* ---- sigqueue: real-time signals queue with their data, in order ---- */
static void h_rt(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  say("rt handler sig=RTMIN+%d code=%d value=%d pid_is_self=%d\n", sig - SIGRTMIN, si->si_code, si->si_value.sival_int,
      si->si_pid == getpid());
}
static int t_queue(void) {
  sigset_t b;
  sigemptyset(&b);
  sigaddset(&b, SIGRTMIN);
  sigaddset(&b, SIGRTMIN + 1);
  sigaddset(&b, SIGUSR1);
  sigprocmask(SIG_BLOCK, &b, NULL);
  for (int i = 0; i < 3; i++) sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 40 + i});
  sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 50});
  sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 60});
  sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 61}); // a standard signal does not queue twice
  siginfo_t si;
  int s = sigwaitinfo(&b, &si);
  say("first=%s code=%d value=%d\n", s == SIGUSR1 ? "USR1" : "other", si.si_code, si.si_value.sival_int);
  s = sigwaitinfo(&b, &si);
  say("next=RTMIN+%d value=%d\n", s - SIGRTMIN, si.si_value.sival_int);
  on(SIGRTMIN, h_rt, 0);
  on(SIGRTMIN + 1, h_rt, 0);
  sigprocmask(SIG_UNBLOCK, &b, NULL);
  sigset_t p;
  sigpending(&p);
  say("usr1 pending=%d\n", sigismember(&p, SIGUSR1));
  errno = 0;
  int r = sigqueue(999999, SIGUSR1, (union sigval){.sival_int = 0});
  say("to nobody=%d errno=%d\n", r, errno);
  return 0;
}

/* ---- ppoll and pselect with a temporary mask ---- */
static int t_ppoll(void) {
  on(SIGUSR1, h_note, 0);
  sigset_t b, none, cur;
  sigemptyset(&b);
  sigemptyset(&none);
  sigaddset(&b, SIGUSR1);
  sigprocmask(SIG_BLOCK, &b, NULL);
  struct timespec ts = {0, 20000000};
  say("ppoll idle=%d\n", ppoll(NULL, 0, &ts, &none));
  raise(SIGUSR1);
  errno = 0;
  int r = ppoll(NULL, 0, &ts, &none);
  say("ppoll=%d errno=%d hits=%d\n", r, errno, hits);
  sigprocmask(SIG_SETMASK, NULL, &cur);
  say("usr1 blocked=%d\n", sigismember(&cur, SIGUSR1));
  int fd[2];
  if (pipe(fd)) return 97;
  if (write(fd[1], "x", 1) != 1) return 96;
  raise(SIGUSR1);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(fd[0], &rd);
  r = pselect(fd[0] + 1, &rd, NULL, NULL, &ts, &b); // USR1 stays blocked: the ready pipe wins
  say("pselect=%d hits=%d\n", r, hits);
  errno = 0;
  r = pselect(0, NULL, NULL, NULL, &ts, &none);
  say("pselect=%d errno=%d hits=%d\n", r, errno, hits);
  return 0;
}

/* ---- default actions: the status tells ---- */
static void h_badframe(int sig, siginfo_t *si, void *ucv) {
  (void)si;
  ucontext_t *uc = ucv;
  say("corrupting the frame of %d\n", sig);
  uc->uc_mcontext.fpregs = (void *)8; // rt_sigreturn cannot restore the FPU state: SIGSEGV
}
static void h_refault(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  say("in handler %d\n", sig);
  *(volatile int *)16 = 0; // SIGSEGV is blocked here: forced, default action
}
static int t_die(const char *what) {
  if (!strcmp(what, "term")) raise(SIGTERM);
  if (!strcmp(what, "quit")) raise(SIGQUIT);
  if (!strcmp(what, "abort")) { on(SIGABRT, h_once, 0); abort(); }
  if (!strcmp(what, "segv-in-handler")) { on(SIGSEGV, h_refault, 0); *(volatile int *)8 = 0; }
  if (!strcmp(what, "blocked-segv")) {
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGSEGV);
    sigprocmask(SIG_BLOCK, &b, NULL);
    on(SIGSEGV, h_once, 0);
    *(volatile int *)8 = 0;
  }
  if (!strcmp(what, "alarm")) { alarm(1); for (;;) pause(); }
  if (!strcmp(what, "badframe")) { on(SIGUSR1, h_badframe, 0); raise(SIGUSR1); }
  say("survived\n");
  return 0;
}

int main(int argc, char **argv) {
  const char *t = argc > 1 ? argv[1] : "";
  if (!strcmp(t, "info")) return t_info();
  if (!strcmp(t, "segv")) return t_segv();
  if (!strcmp(t, "fix")) return t_fix();
  if (!strcmp(t, "fpe")) return t_fpe();
  if (!strcmp(t, "ill")) return t_ill();
  if (!strcmp(t, "regs")) return t_regs();
  if (!strcmp(t, "fpu")) return t_fpu();
  if (!strcmp(t, "resethand")) return t_resethand();
  if (!strcmp(t, "nodefer")) return t_nodefer(1);
  if (!strcmp(t, "defer")) return t_nodefer(0);
  if (!strcmp(t, "pending")) return t_pending();
  if (!strcmp(t, "altstack")) return t_altstack();
  if (!strcmp(t, "alarm")) return t_alarm();
  if (!strcmp(t, "pipe")) return t_pipe();
  if (!strcmp(t, "restart")) return t_restart();
  if (!strcmp(t, "stop")) return t_stop();
  if (!strcmp(t, "sleep")) return t_sleep();
  if (!strcmp(t, "queue")) return t_queue();
  if (!strcmp(t, "ppoll")) return t_ppoll();
  if (!strcmp(t, "die") && argc > 2) return t_die(argv[2]);
  say("usage: signals TEST\n");
  return 2;
}
