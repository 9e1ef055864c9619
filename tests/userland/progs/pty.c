// Pseudo-terminal semantics checked against Linux: posix_openpt/grantpt/
// unlockpt/ptsname, the slave lock, data both ways through the line
// discipline, VMIN/VTIME, O_NONBLOCK, FIONREAD, window size, poll, the
// controlling terminal (setsid, TIOCSCTTY, /dev/tty, TIOCGSID, TIOCGPGRP),
// SIGTTIN for a background reader, and hangup on both sides.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
  fflush(stdout);
}

static void readout(const char *what, int fd) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) { printf("%s: -1 %s\n", what, strerrorname_np(errno)); fflush(stdout); return; }
  printf("%s: %zd \"", what, n);
  for (ssize_t i = 0; i < n; i++) {
    unsigned char c = buf[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') putchar(c); else printf("\\x%02x", c);
  }
  printf("\"\n");
  fflush(stdout);
}

static int openpair(int *sfd) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0) { perror("posix_openpt"); exit(1); }
  *sfd = -1;
  show("grantpt", grantpt(m));
  char *name = ptsname(m);
  printf("ptsname: %s\n", name && strncmp(name, "/dev/pts/", 9) == 0 ? "/dev/pts/N" : "?");
  // Locked until unlockpt: the slave cannot be opened.
  int s = open(name, O_RDWR | O_NOCTTY);
  show("open locked slave", s);
  if (s >= 0) close(s);
  int lock = -1;
  show("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
  printf("locked: %d\n", lock);
  show("unlockpt", unlockpt(m));
  *sfd = open(name, O_RDWR | O_NOCTTY);
  show("open slave", *sfd >= 0 ? 0 : -1);
  return m;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int s, m = openpair(&s);
  unsigned n = 99;
  show("TIOCGPTN on slave", ioctl(s, TIOCGPTN, &n));
  show("isatty(master)", isatty(m));
  show("isatty(slave)", isatty(s));

  // Master → slave: a canonical line; slave → master: ONLCR output.
  write(m, "hello\nwor", 9);
  usleep(20000);
  int avail = -1;
  ioctl(s, FIONREAD, &avail);
  printf("FIONREAD slave: %d\n", avail);
  readout("slave read", s);
  usleep(20000);
  readout("master read (echo)", m);
  write(s, "out\n", 4);
  usleep(20000);
  readout("master read", m);

  // Non-blocking slave read with a partial line pending.
  fcntl(s, F_SETFL, O_NONBLOCK);
  readout("slave nonblock", s);
  fcntl(s, F_SETFL, 0);

  // Raw mode: VMIN=0/VTIME=2 times out with 0; VMIN=3 waits for three bytes.
  struct termios t;
  tcgetattr(s, &t);
  struct termios raw = t;
  cfmakeraw(&raw);
  raw.c_cc[VMIN] = 0; raw.c_cc[VTIME] = 2;
  show("tcsetattr raw", tcsetattr(s, TCSANOW, &raw));
  readout("raw read (pending 'wor')", s);
  readout("raw read timeout", s);
  raw.c_cc[VMIN] = 3; raw.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &raw);
  write(m, "abcd", 4);
  readout("raw VMIN=3", s);
  tcsetattr(s, TCSANOW, &t);

  // Window size.
  struct winsize ws = { .ws_row = 33, .ws_col = 111 };
  show("TIOCSWINSZ master", ioctl(m, TIOCSWINSZ, &ws));
  memset(&ws, 0, sizeof ws);
  show("TIOCGWINSZ slave", ioctl(s, TIOCGWINSZ, &ws));
  printf("winsize: %d %d\n", ws.ws_row, ws.ws_col);

  // poll: nothing to read on the slave; output waiting on the master.
  struct pollfd p[2] = { { s, POLLIN | POLLOUT, 0 }, { m, POLLIN, 0 } };
  write(s, "x", 1);
  usleep(20000);
  show("poll", poll(p, 2, 100));
  printf("revents: slave %#x master %#x\n", p[0].revents, p[1].revents);
  readout("drain master", m);

  // Without a session of its own, the process cannot make the pty its terminal.
  pid_t c = fork();
  if (c == 0) {
    // A child never leads a session.
    pid_t pgid = -1;
    show("TIOCGPGRP (not controlling)", ioctl(s, TIOCGPGRP, &pgid));
    show("TIOCSCTTY (not leader)", ioctl(s, TIOCSCTTY, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);

  c = fork();
  if (c == 0) {
    // A session leader acquires the terminal; /dev/tty is then the pty.
    setsid();
    show("open /dev/tty before", open("/dev/tty", O_RDWR));
    show("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
    pid_t sid = -1, fg = -1;
    show("TIOCGSID", ioctl(s, TIOCGSID, &sid));
    show("TIOCGPGRP", ioctl(s, TIOCGPGRP, &fg));
    printf("sid is me: %d, fg is me: %d\n", sid == getpid(), fg == getpgrp());
    int tty = open("/dev/tty", O_RDWR);
    show("open /dev/tty after", tty >= 0 ? 0 : -1);
    write(tty, "via tty\n", 8);
    // A child in another process group reading the terminal is stopped by SIGTTIN.
    pid_t bg = fork();
    if (bg == 0) {
      setpgid(0, 0);
      char ch;
      read(s, &ch, 1);
      _exit(3);
    }
    int st;
    waitpid(bg, &st, WUNTRACED);
    printf("background reader: stopped=%d sig=%d\n", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
    kill(bg, SIGKILL);
    waitpid(bg, &st, 0);
    // From the background, changing the settings stops with SIGTTOU; so does writing once TOSTOP is set.
    for (int tostop = 0; tostop < 2; tostop++) {
      struct termios tt;
      tcgetattr(s, &tt);
      if (tostop) { tt.c_lflag |= TOSTOP; tcsetattr(s, TCSANOW, &tt); }
      bg = fork();
      if (bg == 0) {
        setpgid(0, 0);
        if (tostop) write(s, "bg\n", 3); else tcsetattr(s, TCSANOW, &tt);
        _exit(4);
      }
      waitpid(bg, &st, WUNTRACED);
      printf("background %s: stopped=%d sig=%d\n", tostop ? "write with TOSTOP" : "tcsetattr", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
      kill(bg, SIGKILL);
      waitpid(bg, &st, 0);
      if (tostop) { tt.c_lflag &= ~TOSTOP; tcsetattr(s, TCSANOW, &tt); }
    }
    // Ignoring SIGTTIN turns it into EIO... unless the group is orphaned: here it is not, so EIO too.
    signal(SIGTTIN, SIG_IGN);
    bg = fork();
    if (bg == 0) {
      setpgid(0, 0);
      char ch;
      show("background read, SIGTTIN ignored", read(s, &ch, 1));
      _exit(0);
    }
    waitpid(bg, &st, 0);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  printf("child exit: %d\n", WEXITSTATUS(st));
  usleep(20000);
  readout("master after child", m);

  // Hangup: closing the master makes the slave read end of file and writes fail.
  int s2, m2 = openpair(&s2);
  close(m2);
  readout("slave read after master close", s2);
  show("slave write after master close", write(s2, "x", 1));
  close(s2);
  // Closing the slave: the master reads EIO once drained.
  write(s, "bye\n", 4);
  close(s);
  usleep(20000);
  readout("master read (last output)", m);
  readout("master read after slave close", m);
  return 0;
}
