/* The socket layer against Linux: run natively in a fresh network namespace
 * whose lo was set up (unshare -n + ip link set lo up) and in Hako's initial
 * namespace (lo up at boot), the transcripts must be identical. Covers
 * NETLINK_ROUTE (autobind port id, dump framing, MSG_PEEK|MSG_TRUNC sizing,
 * acks and errors), UDP over loopback (bind, ephemeral ports, sendto/recvfrom,
 * connect, peek/trunc, FIONREAD, poll, SO_RCVTIMEO, lo's counters),
 * socket options, fstat, and the errors of unreachable or unavailable
 * addresses. Numbers that differ between runs (pids) are printed relative. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void res(const char *what, long r) {
  if (r < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
  else printf("%s = %ld\n", what, r);
}

static void lo_counters(void) {
  char buf[4096];
  int fd = open("/proc/net/dev", O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  char *l = strstr(buf, "lo:");
  unsigned long rb, rp, tb, tp;
  if (l && sscanf(l, "lo: %lu %lu %*u %*u %*u %*u %*u %*u %lu %lu", &rb, &rp, &tb, &tp) == 4)
    printf("lo rx %lu bytes %lu packets, tx %lu bytes %lu packets\n", rb, rp, tb, tp);
}

static void netlink(void) {
  printf("-- netlink\n");
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  res("socket(AF_NETLINK)", s);
  struct sockaddr_nl a = {0};
  socklen_t al = sizeof a;
  getsockname(s, (struct sockaddr *)&a, &al);
  printf("before bind: nl_pid %u len %u\n", a.nl_pid, al);
  a.nl_family = AF_NETLINK;
  res("bind", bind(s, (struct sockaddr *)&a, sizeof a));
  al = sizeof a;
  getsockname(s, (struct sockaddr *)&a, &al);
  printf("after bind: nl_pid is getpid: %d\n", a.nl_pid == (unsigned)getpid());
  int s2 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  struct sockaddr_nl b = {.nl_family = AF_NETLINK, .nl_pid = a.nl_pid};
  res("bind same port", bind(s2, (struct sockaddr *)&b, sizeof b));
  b.nl_pid = 0;
  res("bind second", bind(s2, (struct sockaddr *)&b, sizeof b));
  al = sizeof b;
  getsockname(s2, (struct sockaddr *)&b, &al);
  printf("second port id negative: %d\n", (int)b.nl_pid < 0);
  close(s2);
  res("bind again", bind(s, (struct sockaddr *)&a, sizeof a));

  struct { struct nlmsghdr h; struct rtgenmsg g; } req = {
    .h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 7},
    .g = {.rtgen_family = AF_UNSPEC},
  };
  res("send GETLINK dump", send(s, &req, sizeof req, 0));
  char buf[16384];
  long peek = recv(s, buf, 0, MSG_PEEK | MSG_TRUNC);
  res("peek|trunc length > 0", peek > 0);
  struct iovec iov = {buf, 16};
  struct sockaddr_nl from;
  struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
  long n = recvmsg(s, &mh, MSG_PEEK);
  printf("recvmsg 16 of it: %ld, MSG_TRUNC %d, from pid %u namelen %u\n", n, !!(mh.msg_flags & MSG_TRUNC), from.nl_pid, mh.msg_namelen);
  n = recv(s, buf, sizeof buf, 0);
  printf("whole datagram equals peeked length: %d\n", n == peek);
  for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    printf("msg type %d flags %#x seq %u pid-is-port %d: ifindex %d type %d flags %#x\n", h->nlmsg_type, h->nlmsg_flags,
           h->nlmsg_seq, h->nlmsg_pid == a.nl_pid, ifi->ifi_index, ifi->ifi_type, ifi->ifi_flags);
  }
  n = recv(s, buf, sizeof buf, 0);
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  printf("then %ld bytes: type %d (DONE %d) flags %#x, error %d\n", n, h->nlmsg_type, NLMSG_DONE, h->nlmsg_flags, *(int *)NLMSG_DATA(h));
  res("nothing more (MSG_DONTWAIT)", recv(s, buf, sizeof buf, MSG_DONTWAIT));

  /* An unknown type with an ack request: NLMSG_ERROR with EOPNOTSUPP and the request echoed. */
  req.h.nlmsg_type = 0x70;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  send(s, &req, sizeof req, 0);
  n = recv(s, buf, sizeof buf, 0);
  struct nlmsgerr *e = NLMSG_DATA(h);
  printf("error reply %ld bytes: type %d flags %#x error %d echo type %#x\n", n, h->nlmsg_type, h->nlmsg_flags, e->error, e->msg.nlmsg_type);
  /* GETLINK for one device by index, then a missing one. */
  struct { struct nlmsghdr h; struct ifinfomsg i; } one = {
    .h = {.nlmsg_len = sizeof one, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 9},
    .i = {.ifi_index = 1},
  };
  send(s, &one, sizeof one, 0);
  n = recv(s, buf, sizeof buf, 0);
  printf("get ifindex 1: type %d flags %#x ifindex %d, one message %d\n", h->nlmsg_type, h->nlmsg_flags,
         ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, (long)h->nlmsg_len == n);
  one.i.ifi_index = 42;
  send(s, &one, sizeof one, 0);
  n = recv(s, buf, sizeof buf, 0);
  printf("get ifindex 42: type %d error %d, %ld bytes\n", h->nlmsg_type, e->error, n);
  /* SETLINK with the same flags, acked. */
  one.h.nlmsg_type = RTM_SETLINK;
  one.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  one.i.ifi_index = 1;
  one.i.ifi_flags = IFF_UP;
  one.i.ifi_change = IFF_UP;
  send(s, &one, sizeof one, 0);
  n = recv(s, buf, sizeof buf, 0);
  printf("setlink up ack: %ld bytes type %d flags %#x error %d\n", n, h->nlmsg_type, h->nlmsg_flags, e->error);
  /* The address dump: inet before inet6. */
  struct { struct nlmsghdr h; struct ifaddrmsg i; } ad = {
    .h = {.nlmsg_len = sizeof ad, .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 11},
  };
  send(s, &ad, sizeof ad, 0);
  n = recv(s, buf, sizeof buf, 0);
  for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, n); m = NLMSG_NEXT(m, n)) {
    struct ifaddrmsg *ifa = NLMSG_DATA(m);
    printf("addr family %d prefix %d scope %d index %d\n", ifa->ifa_family, ifa->ifa_prefixlen, ifa->ifa_scope, ifa->ifa_index);
  }
  n = recv(s, buf, sizeof buf, 0);
  printf("then type %d\n", h->nlmsg_type);
  int v = 0;
  socklen_t vl = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl);
  printf("SO_TYPE %d SOCK_RAW %d\n", v, SOCK_RAW);
  getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &vl);
  printf("SO_PROTOCOL %d\n", v);
  close(s);
}

static struct sockaddr_in sin4(const char *ip, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static void udp(void) {
  printf("-- udp\n");
  lo_counters();
  int r = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = sin4("127.0.0.1", 0);
  res("bind 127.0.0.1:0", bind(r, (struct sockaddr *)&a, sizeof a));
  socklen_t al = sizeof a;
  getsockname(r, (struct sockaddr *)&a, &al);
  int port = ntohs(a.sin_port);
  printf("ephemeral port in range: %d, len %u\n", port >= 32768 && port <= 60999, al);
  res("bind again", bind(r, (struct sockaddr *)&a, sizeof a));
  int c = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  res("bind same port", bind(c, (struct sockaddr *)&a, sizeof a));
  struct sockaddr_in bad = sin4("10.1.2.3", 0);
  res("bind 10.1.2.3", bind(c, (struct sockaddr *)&bad, sizeof bad));
  bad.sin_port = htons(9);
  res("sendto 10.1.2.3", sendto(c, "x", 1, 0, (struct sockaddr *)&bad, sizeof bad));
  res("send unconnected", send(c, "x", 1, 0));
  res("recv empty non-blocking", recv(c, (char[4]){0}, 4, 0));
  struct pollfd p = {r, POLLIN | POLLOUT, 0};
  poll(&p, 1, 0);
  printf("poll empty: %#x\n", p.revents);
  res("sendto 5 bytes", sendto(c, "hello", 5, 0, (struct sockaddr *)&a, sizeof a));
  res("sendto 3 bytes", sendto(c, "abc", 3, 0, (struct sockaddr *)&a, sizeof a));
  poll(&p, 1, 0);
  printf("poll with data: %#x\n", p.revents);
  int q = 0;
  ioctl(r, FIONREAD, &q);
  printf("FIONREAD %d\n", q);
  char buf[64] = {0};
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  long n = recvfrom(r, buf, 2, MSG_PEEK | MSG_TRUNC, (struct sockaddr *)&from, &fl);
  printf("peek|trunc 2: %ld \"%.2s\" from %s\n", n, buf, inet_ntoa(from.sin_addr));
  struct sockaddr_in me;
  socklen_t ml = sizeof me;
  getsockname(c, (struct sockaddr *)&me, &ml);
  printf("sender autobound: %d, from is sender: %d\n", me.sin_port != 0, from.sin_port == me.sin_port);
  struct iovec iov = {buf, 3};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  n = recvmsg(r, &mh, 0);
  printf("recvmsg 3 of 5: %ld \"%.3s\" MSG_TRUNC %d\n", n, buf, !!(mh.msg_flags & MSG_TRUNC));
  n = read(r, buf, sizeof buf);
  printf("read: %ld \"%.3s\"\n", n, buf);
  res("connect to receiver", connect(c, (struct sockaddr *)&a, sizeof a));
  res("send connected", send(c, "zz", 2, 0));
  res("write connected", write(c, "yyy", 3));
  n = recv(r, buf, sizeof buf, 0);
  printf("got %ld\n", n);
  n = recv(r, buf, sizeof buf, 0);
  printf("got %ld\n", n);
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  res("getpeername", getpeername(c, (struct sockaddr *)&peer, &pl));
  printf("peer port matches %d\n", peer.sin_port == a.sin_port);
  pl = sizeof peer;
  res("getpeername receiver", getpeername(r, (struct sockaddr *)&peer, &pl));
  struct timeval tv = {0, 20000};
  res("SO_RCVTIMEO", setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  res("recv timeout", recv(r, buf, sizeof buf, 0));
  int v = 1000;
  socklen_t vl = sizeof v;
  setsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  getsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, &vl);
  printf("SO_RCVBUF 1000 -> %d\n", v);
  v = 1;
  res("SO_REUSEADDR", setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
  v = 0;
  getsockopt(r, SOL_SOCKET, SO_REUSEADDR, &v, &vl);
  printf("SO_REUSEADDR reads %d\n", v);
  getsockopt(r, SOL_SOCKET, SO_ERROR, &v, &vl);
  printf("SO_ERROR %d, SO_DOMAIN ", v);
  getsockopt(r, SOL_SOCKET, SO_DOMAIN, &v, &vl);
  printf("%d\n", v);
  struct stat st;
  fstat(r, &st);
  printf("fstat: socket %d mode %o size %ld\n", S_ISSOCK(st.st_mode), st.st_mode & 07777, (long)st.st_size);
  res("lseek", lseek(r, 0, SEEK_SET));
  close(r);
  close(c);
  lo_counters();

  int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 l6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  res("bind [::1]:0", bind(s6, (struct sockaddr *)&l6, sizeof l6));
  socklen_t l6l = sizeof l6;
  getsockname(s6, (struct sockaddr *)&l6, &l6l);
  res("sendto self over ::1", sendto(s6, "six", 3, 0, (struct sockaddr *)&l6, sizeof l6));
  res("recv", recv(s6, buf, sizeof buf, 0));
  close(s6);
  lo_counters();

  /* Bound sockets as netstat sees them through /proc/net/udp and udp6. */
  int u4 = socket(AF_INET, SOCK_DGRAM, 0), u6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in f4 = sin4("127.0.0.1", 5353);
  struct sockaddr_in6 f6 = {.sin6_family = AF_INET6, .sin6_port = htons(5354), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  res("bind 127.0.0.1:5353", bind(u4, (struct sockaddr *)&f4, sizeof f4));
  res("bind [::1]:5354", bind(u6, (struct sockaddr *)&f6, sizeof f6));
  fflush(stdout);
  res("netstat -aun", system("netstat -aun"));
  close(u4);
  close(u6);
}

static void tcp(void) {
  printf("-- tcp\n");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = sin4("127.0.0.1", 1);
  res("connect 127.0.0.1:1 (nobody listens)", connect(s, (struct sockaddr *)&a, sizeof a));
  close(s);
  s = socket(AF_INET, SOCK_STREAM, 0);
  a = sin4("10.9.9.9", 80);
  res("connect 10.9.9.9:80", connect(s, (struct sockaddr *)&a, sizeof a));
  res("send unconnected", send(s, "x", 1, MSG_NOSIGNAL));
  res("recv unconnected", recv(s, (char[4]){0}, 4, 0));
  close(s);
  s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  a = sin4("127.0.0.1", 0);
  res("bind", bind(s, (struct sockaddr *)&a, sizeof a));
  res("listen", listen(s, 5));
  int v;
  socklen_t vl = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
  printf("SO_ACCEPTCONN %d\n", v);
  res("accept non-blocking", accept(s, NULL, NULL));
  close(s);

  /* A connection over lo: listen, non-blocking connect, accept, data both ways, half-close. */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  a = sin4("127.0.0.1", 0);
  bind(l, (struct sockaddr *)&a, sizeof a);
  socklen_t al = sizeof a;
  getsockname(l, (struct sockaddr *)&a, &al);
  res("listen", listen(l, 4));
  struct pollfd lp = {l, POLLIN, 0};
  res("poll listener before", poll(&lp, 1, 0));
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  res("connect non-blocking", connect(c, (struct sockaddr *)&a, sizeof a));
  struct pollfd cp = {c, POLLOUT, 0};
  res("poll connecting for POLLOUT", poll(&cp, 1, 1000));
  printf("revents %#x\n", cp.revents);
  getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl);
  printf("SO_ERROR %d\n", v);
  res("poll listener after", poll(&lp, 1, 1000));
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  int sv = accept(l, (struct sockaddr *)&peer, &pl);
  res("accept", sv >= 0);
  struct sockaddr_in me;
  socklen_t ml = sizeof me;
  getsockname(c, (struct sockaddr *)&me, &ml);
  printf("accepted peer is the client: %d (%s), len %u\n", peer.sin_port == me.sin_port, inet_ntoa(peer.sin_addr), pl);
  printf("client bound to %s\n", inet_ntoa(me.sin_addr));
  ml = sizeof me;
  getpeername(sv, (struct sockaddr *)&me, &ml);
  printf("server side's peer port matches: %d\n", me.sin_port == peer.sin_port);
  res("client send", send(c, "hello, server", 13, 0));
  char buf[64] = {0};
  int q = 0;
  ioctl(sv, FIONREAD, &q);
  printf("FIONREAD %d\n", q);
  long n = recv(sv, buf, 5, MSG_PEEK);
  printf("peek 5: %ld \"%.5s\"\n", n, buf);
  n = recv(sv, buf, sizeof buf, 0);
  printf("recv: %ld \"%.*s\"\n", n, (int)n, buf);
  res("server write", write(sv, "hi", 2));
  res("client read", read(c, buf, sizeof buf));
  res("client read again (empty, non-blocking)", read(c, buf, sizeof buf));
  res("shutdown(SHUT_WR)", shutdown(c, SHUT_WR));
  struct pollfd sp = {sv, POLLIN | POLLOUT | POLLRDHUP, 0};
  poll(&sp, 1, 1000);
  printf("server after FIN: revents %#x\n", sp.revents);
  res("server recv (end of file)", recv(sv, buf, sizeof buf, 0));
  res("client send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
  res("server can still write", write(sv, "bye", 3));
  res("client reads it", read(c, buf, sizeof buf));
  close(sv);
  usleep(10000);
  res("client read after close (end of file)", read(c, buf, sizeof buf));
  close(c);
  close(l);
  c = socket(AF_INET, SOCK_STREAM, 0);
  res("connect to the closed listener's port", connect(c, (struct sockaddr *)&a, sizeof a));
  close(c);
}

static void errors(void) {
  printf("-- errors\n");
  res("socket(AF_INET, 99)", socket(AF_INET, 99, 0));
  res("socket(AF_INET, DGRAM, TCP)", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
  res("socket(AF_NETLINK, STREAM)", socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
  res("socket(1234)", socket(1234, SOCK_DGRAM, 0));
  res("socketpair(AF_INET)", socketpair(AF_INET, SOCK_DGRAM, 0, (int[2]){0}));
  int dir = open("/", O_RDONLY);
  res("bind on a directory", bind(dir, (struct sockaddr *)&(struct sockaddr_in){AF_INET}, sizeof(struct sockaddr_in)));
  close(dir);
  res("bind on a bad fd", bind(99, (struct sockaddr *)&(struct sockaddr_in){AF_INET}, sizeof(struct sockaddr_in)));
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in6 six = {.sin6_family = AF_INET6};
  res("bind inet6 address on inet", bind(s, (struct sockaddr *)&six, sizeof six));
  res("bind short", bind(s, (struct sockaddr *)&(struct sockaddr_in){AF_INET}, 4));
  res("getsockopt unknown", getsockopt(s, SOL_SOCKET, 9999, &(int){0}, &(socklen_t){4}));
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "eth0");
  res("SIOCGIFFLAGS eth0", ioctl(s, SIOCGIFFLAGS, &ifr));
  strcpy(ifr.ifr_name, "lo");
  res("SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &ifr));
  printf("ifindex %d\n", ifr.ifr_ifindex);
  ifr.ifr_ifindex = 1;
  res("SIOCGIFNAME 1", ioctl(s, SIOCGIFNAME, &ifr));
  printf("name %s\n", ifr.ifr_name);
  struct ifconf ifc = {.ifc_len = 0, .ifc_buf = NULL};
  res("SIOCGIFCONF size", ioctl(s, SIOCGIFCONF, &ifc));
  printf("ifc_len %d\n", ifc.ifc_len);
  res("TCGETS on a socket", ioctl(s, 0x5401, &ifr));
  close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  netlink();
  udp();
  tcp();
  errors();
  return 0;
}
