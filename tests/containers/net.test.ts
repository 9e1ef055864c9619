// Network namespaces and the first sockets, with the real busybox: `ip`
// (rtnetlink) and `ifconfig` (device ioctls, /proc/net/dev, /proc/net/if_inet6)
// in Hako against the same busybox run natively inside a fresh network
// namespace of this host (`unshare -n`, where lo starts down; `ip link set
// lo up` brings it to the state Hako's initial namespace boots in). Nothing
// is masked: in a fresh namespace every counter is 0 on both sides.
// Where the host refuses unshare (CI without root) only the native half is
// skipped and Hako's output is still checked against the fixed text.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync, execFileSync } from "node:child_process";
import { rmSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runHako, runHakoMerged, scratchMachine, ENV, type Scratch } from "../userland/harness";
import type { Machine } from "../../src/kernel/machine";
import { NetNamespace } from "../../src/kernel/net/netns";
import { procNetDev, procNetIfInet6, procNetRoute } from "../../src/kernel/net/procnet";
import { routes } from "../../src/kernel/net/routes";
import { IFF_UP, IFF_LOOPBACK, IFF_RUNNING, IFF_LOWER_UP } from "../../src/kernel/net/device";
import { SYSCALLS } from "../../src/kernel/syscall/table";
import { rtnetlinkRequest } from "../../src/kernel/net/rtnetlink";
import { parseMessages } from "../../src/kernel/net/nlmsg";

/** unshare(2) comes with the namespaces engineer's syscall/ns.ts; the busybox unshare/nsenter cases wait for it. */
const hasUnshare = SYSCALLS.some((r) => r.name === "unshare" && r.status !== "unsupported");

let s: Scratch;
let m: Machine;

/** Whether this host lets us make a network namespace (root, no seccomp/userns restriction). */
let nativeNs = false;

beforeAll(async () => {
  s = makeScratch();
  // Let `nobody` reach the busybox links natively (the scratch directory is made 0700).
  chmodSync(s.dir, 0o755);
  execFileSync("gcc", ["-static", "-O1", "-o", join(s.dir, "bin/netprobe"), join(import.meta.dirname, "progs/net.c")]);
  m = await scratchMachine(s);
  nativeNs = spawnSync("unshare", ["-n", "true"]).status === 0;
  if (!nativeNs) console.warn("net.test: this host refuses `unshare -n` (not root?); the native half of the comparisons is skipped");
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

/** Runs `script` with busybox's sh in a fresh network namespace of the host; null when the host refuses. */
function native(script: string): { stdout: string; stderr: string; status: number } | null {
  if (!nativeNs) return null;
  const env: Record<string, string> = { PATH: join(s.dir, "bin") };
  for (const e of ENV) { const [k, v] = e.split("="); env[k] = v; }
  const r = spawnSync("unshare", ["-n", join(s.dir, "bin/sh"), "-c", script], { cwd: s.work, env, encoding: "latin1" });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

const sh = (script: string) => runHako(m, ["sh", "-c", script]);

/** The commands compared in each state. */
const COMMANDS = [
  "ifconfig", "ifconfig -a", "ifconfig lo", "ip link", "ip addr", "ip -o link", "ip -o addr", "ip -4 addr", "ip -6 addr", "ip -4 link", "ip -6 link",
  "ip link show lo", "ip addr show dev lo", "ip route", "ip route show table local", "ip -6 route show table local",
  "cat /proc/net/dev", "cat /proc/net/if_inet6", "cat /proc/net/route", "route -n", "netstat -rn", "netstat -an",
  "cat /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 /proc/net/raw /proc/net/raw6 /proc/net/unix",
  "ip route get 127.0.0.1; ip route get 127.1.2.3; ip route get 10.0.0.1; echo $?",
];

const UP_LINK = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n";
const ADDRS_UP = "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
  + "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n";
const IFCONFIG_UP = "lo        Link encap:Local Loopback  \n          inet addr:127.0.0.1  Mask:255.0.0.0\n"
  + "          inet6 addr: ::1/128 Scope:Host\n          UP LOOPBACK RUNNING  MTU:65536  Metric:1\n"
  + "          RX packets:0 errors:0 dropped:0 overruns:0 frame:0\n          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0\n"
  + "          collisions:0 txqueuelen:1000 \n          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)\n\n";
const PROC_NET_DEV = "Inter-|   Receive                                                |  Transmit\n"
  + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
  + "    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n";

describe("the initial namespace: lo up, as a booted host's", () => {
  it("ip and ifconfig print exactly what Linux prints after `ip link set lo up` in a fresh namespace", () => {
    for (const cmd of COMMANDS) {
      const h = sh(cmd);
      const n = native(`ip link set lo up && ${cmd}`);
      if (n) expect({ cmd, ...h, instructions: 0, cpuMs: 0 }).toEqual({ cmd, ...n, instructions: 0, cpuMs: 0 });
      expect(h.status, cmd).toBe(0);
    }
  });

  it("shows the fixed text of an up lo", () => {
    expect(sh("ip link").stdout).toBe(UP_LINK);
    expect(sh("ip addr").stdout).toBe(UP_LINK + ADDRS_UP);
    expect(sh("ifconfig").stdout).toBe(IFCONFIG_UP);
    expect(sh("ip -o addr").stdout).toBe("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
      + "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n");
    expect(sh("ip route").stdout).toBe("");
    expect(sh("ip route show table local").stdout).toBe("local 127.0.0.0/8 dev lo scope host  src 127.0.0.1 \n"
      + "local 127.0.0.1 dev lo scope host  src 127.0.0.1 \nbroadcast 127.255.255.255 dev lo scope link  src 127.0.0.1 \n");
    expect(sh("cat /proc/net/dev").stdout).toBe(PROC_NET_DEV);
    expect(sh("cat /proc/net/if_inet6").stdout).toBe("00000000000000000000000000000001 01 80 10 80       lo\n");
  });

  it("/proc/net is a link to self/net, a directory of the reader's namespace", () => {
    const r = sh("readlink /proc/net; ls /proc/self/net; [ -d /proc/$$/net ] && echo dir");
    expect(r.stdout).toBe("self/net\n" + ["dev", "if_inet6", "raw", "raw6", "route", "tcp", "tcp6", "udp", "udp6", "unix"].join("\n") + "\ndir\n");
  });
});

describe("sockets in /proc/net", () => {
  it("netstat lists a listening TCP socket (busybox httpd) as Linux does", () => {
    const script = "httpd -f -p 127.0.0.1:8080 & sleep 0.2; netstat -ltn; kill $!; wait $!; netstat -ltn";
    const h = sh(script);
    expect(h.stdout).toBe("Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State       \n"
      + "tcp        0      0 127.0.0.1:8080          0.0.0.0:*               LISTEN      \n"
      + "Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State       \n");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect(h.stdout).toBe(n.stdout);
  });
});

describe("accept(2) blocks in a listening server (nc -l, an IPv6 socket)", () => {
  it("nc -l waits in accept until killed; netstat shows it on :::8080 as on Linux", () => {
    const script = "nc -l -p 8080 & sleep 0.2; netstat -ltn; cat /proc/net/tcp6 | wc -l; kill $!; wait $!; echo $?";
    const h = sh(script);
    expect(h.stdout).toBe("Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State       \n"
      + "tcp        0      0 :::8080                 :::*                    LISTEN      \n2\n143\n");
    expect(h.stderr).not.toContain("accept");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect(h.stdout).toBe(n.stdout);
  });
});

describe("TCP over lo: busybox nc, httpd and wget", () => {
  // Only stdout (and wget's messages) are compared: whether ash prints "Terminated" for a killed job depends on timing.
  const cases: Array<[string, string]> = [
    // nc -l listens on :: (an IPv6 socket): the IPv4 client reaches it through the dual stack. The server's
    // stdin stays open (sleep): at its end of file nc would send FIN, and a client seeing FIN first quits unsent.
    ["sleep 1 | nc -l -p 9000 > got & sleep 0.2; echo hello | nc 127.0.0.1 9000; echo rc=$?; wait $!; echo wait=$?; cat got; rm got",
      "rc=0\nwait=0\nhello\n"],
    ["nc -l -p 9001 -e cat & sleep 0.2; echo ping | nc -w 1 127.0.0.1 9001; echo rc=$?; wait", "ping\nrc=0\n"],
    // A megabyte through the 256 KiB window: the server's writes wait for wget to read.
    ["mkdir -p www; echo '<h1>hi</h1>' > www/index.html; dd if=/dev/urandom of=www/big bs=1k count=1024 2>/dev/null; "
      + "httpd -f -p 127.0.0.1:8080 -h www & sleep 0.2; wget -q -O - http://127.0.0.1:8080/index.html; echo rc=$?; "
      + "wget -q -O - http://127.0.0.1:8080/nope; echo rc=$?; wget -q -O - http://127.0.0.1:8080/big | cmp - www/big && echo same; "
      + "kill $!; wait $!; rm -r www",
    "<h1>hi</h1>\nrc=0\nrc=1\nsame\n"],
  ];
  // A machine of their own, so that their traffic stays out of lo's counters in the other tests.
  let tm: Machine;
  beforeAll(async () => { tm = await scratchMachine(s); });
  for (const [script, want] of cases) {
    it(script, () => {
      const h = runHako(tm, ["sh", "-c", script]);
      expect(h.stdout).toBe(want);
      const n = native(`ip link set lo up && ${script}`);
      if (n) expect(h.stdout).toBe(n.stdout);
    });
  }
});

describe("ping over lo (raw ICMP sockets)", () => {
  it("ping and ping6 get the kernel's echo replies and count on lo as on Linux; no route elsewhere", async () => {
    const script = "ping -c 2 127.0.0.1; echo $?; ping6 -c 2 ::1; echo $?; ping -c 1 -s 1000 127.0.0.2; echo $?; "
      + "ping -c 1 10.0.0.1; echo $?; cat /proc/net/dev";
    // Round-trip times are the only thing that may differ.
    const mask = (x: string): string => x.replace(/time=[0-9.]+ ms/g, "time=T ms").replace(/min\/avg\/max = [0-9./]+ ms/g, "min/avg/max = T ms");
    const h = runHako(await scratchMachine(s), ["sh", "-c", script]);
    expect(mask(h.stdout)).toContain("PING 127.0.0.1 (127.0.0.1): 56 data bytes\n64 bytes from 127.0.0.1: seq=0 ttl=64 time=T ms\n"
      + "64 bytes from 127.0.0.1: seq=1 ttl=64 time=T ms\n\n--- 127.0.0.1 ping statistics ---\n"
      + "2 packets transmitted, 2 packets received, 0% packet loss\nround-trip min/avg/max = T ms\n0\n");
    expect(h.stderr).toBe("ping: sendto: Network is unreachable\n");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect([mask(h.stdout), h.stderr]).toEqual([mask(n.stdout), n.stderr]);
  });
});

describe("ip addr add / del", () => {
  it("adds and removes IPv4 and IPv6 addresses with their local routes, reachable at once, as on Linux", async () => {
    const script = "ip addr add 10.1.2.3/24 dev lo; ip addr add fd00::5/64 dev lo; ip -o addr; ip route; ip route show table local; "
      + "ping -c 1 10.1.2.3 | head -2; ip addr del 10.1.2.3/24 dev lo; ip -4 -o addr; ip route show table local; "
      + "ip addr del 10.1.2.3/24 dev lo; echo $?; ip addr add 10.9.9.9 dev lo; ip -4 -o addr";
    // Linux may still run duplicate address detection on fd00::5 when ip lists it ("tentative" for a moment); Hako has no DAD.
    const mask = (x: string): string => x.replace(/time=[0-9.]+ ms/g, "time=T ms").replace(/ tentative/g, "");
    const h = runHako(await scratchMachine(s), ["sh", "-c", script]);
    expect(h.stdout).toContain("1: lo    inet 10.1.2.3/24 scope global lo\\       valid_lft forever preferred_lft forever\n");
    expect(h.stdout).toContain("local 10.1.2.0/24 dev lo scope host  src 10.1.2.3 \nlocal 10.1.2.3 dev lo scope host  src 10.1.2.3 \n"
      + "broadcast 10.1.2.255 dev lo scope link  src 10.1.2.3 \n");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect([mask(h.stdout), h.stderr]).toEqual([mask(n.stdout), n.stderr]);
  });
});

describe("setting lo down and up again", () => {
  it("matches Linux: IPv4 keeps 127.0.0.1/8 and its local routes, IPv6 drops ::1", () => {
    try {
      for (const cmd of COMMANDS) {
        const h = sh(`ip link set lo down && ${cmd}`);
        const n = native(`ip link set lo up && ip link set lo down && ${cmd}`);
        if (n) expect({ cmd, ...h, instructions: 0, cpuMs: 0 }).toEqual({ cmd, ...n, instructions: 0, cpuMs: 0 });
        expect(h.status, cmd).toBe(0);
      }
      expect(sh("ip link").stdout).toBe("1: lo: <LOOPBACK> mtu 65536 qdisc noqueue qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
      expect(sh("cat /proc/net/if_inet6").stdout).toBe("");
    } finally {
      sh("ip link set lo up");
    }
    // Up again: ::1 is back, the state is the booted one.
    expect(sh("ip addr").stdout).toBe(UP_LINK + ADDRS_UP);
  });

  it("MTU changes through ip (SIOCSIFMTU) and ifconfig, and errors, as on Linux", () => {
    const script = "ip link set lo mtu 1500; ip -o link; ifconfig lo mtu 9000; ifconfig lo | grep MTU; ip link set lo mtu -5; echo $?; "
      + "ip link set lo mtu 65536; ip link set dev nosuch up; echo $?; ip -o link";
    const h = sh(script);
    expect(h.stdout).toContain("mtu 1500 qdisc noqueue");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect([h.stdout, h.stderr]).toEqual([n.stdout, n.stderr]);
  });

  it("ifconfig lo down / up goes through SIOCSIFFLAGS", () => {
    const r = sh("ifconfig lo down; ip -o link; ifconfig lo up; ip -o link");
    expect(r.stdout).toBe("1: lo: <LOOPBACK> mtu 65536 qdisc noqueue qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
      + UP_LINK.replace("\n    ", "\\    "));
  });

  it("needs root (CAP_NET_ADMIN): another user gets EPERM from ioctl and netlink alike, as on Linux", () => {
    const script = "su -s /bin/sh nobody -c 'ip link set lo down; echo $?; ifconfig lo mtu 1500; echo $?; ip -o link'";
    const h = sh(script);
    expect(h.stdout).toBe("2\n1\n" + UP_LINK.replace("\n    ", "\\    "));
    expect(h.stderr).toBe("ip: SIOCSIFFLAGS: Operation not permitted\nifconfig: SIOCSIFMTU: Operation not permitted\n");
    const n = native(`ip link set lo up && ${script}`);
    if (n) expect({ ...h, instructions: 0, cpuMs: 0 }).toEqual({ ...n, instructions: 0, cpuMs: 0 });
  });
});

describe("a new network namespace", () => {
  it("busybox sees only lo, down, without addresses: the same text as Linux in a fresh `unshare -n`", async () => {
    // A machine whose processes start in a new network namespace (what unshare -n gives a process).
    const fresh = await scratchMachine(s);
    fresh.initNs.net = new NetNamespace();
    for (const cmd of COMMANDS) {
      const h = runHako(fresh, ["sh", "-c", cmd]);
      const n = native(cmd);
      if (n) expect({ cmd, ...h, instructions: 0, cpuMs: 0 }).toEqual({ cmd, ...n, instructions: 0, cpuMs: 0 });
      expect(h.status, cmd).toBe(0);
    }
    expect(runHako(fresh, ["ip", "addr"]).stdout).toBe("1: lo: <LOOPBACK> mtu 65536 qdisc noop qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
    expect(runHako(fresh, ["ifconfig"]).stdout).toBe("");
    // No route to 127.0.0.1 while lo is down; once up, nobody listens on port 80.
    const nc = "nc 127.0.0.1 80; echo $?; ip link set lo up; nc 127.0.0.1 80; echo $?";
    const hn = runHako(fresh, ["sh", "-c", nc]);
    expect(hn.stdout + hn.stderr).toBe("1\n1\nnc: can't connect to remote host (127.0.0.1): Network is unreachable\n"
      + "nc: can't connect to remote host (127.0.0.1): Connection refused\n");
    const nn = native(nc);
    if (nn) expect([hn.stdout, hn.stderr]).toEqual([nn.stdout, nn.stderr]);
    runHako(fresh, ["ip", "link", "set", "lo", "down"]);
    // Bringing it up there gives the booted state, and the other machine's lo is untouched.
    sh("ip link set lo down");
    try {
      expect(runHako(fresh, ["sh", "-c", "ip link set lo up; ip addr"]).stdout).toBe(UP_LINK + ADDRS_UP);
      expect(sh("ip -o link").stdout).toContain("<LOOPBACK>");
    } finally { sh("ip link set lo up"); }
  });

  it("progs/net.c started there sees lo down, sets it up with RTM_SETLINK and then gives Linux's transcript", async () => {
    const fresh = await scratchMachine(s);
    fresh.initNs.net = new NetNamespace();
    const h = runHakoMerged(fresh, ["/bin/netprobe"], "/", 2e9);
    const n = native("netprobe");
    if (n) expect(h.output.split("\n")).toEqual(n.stdout.split("\n"));
    expect(h.output).toContain("ifindex 1 type 772 flags 0x8\n");
    expect(h.output).toContain("setlink up ack: 36 bytes type 2 flags 0x100 error 0\naddr family 2 prefix 8 scope 254 index 1\n");
  });

  it("(the object) holds only lo, down, without addresses or routes, as loopback_net_init leaves it", () => {
    const ns = new NetNamespace();
    expect(ns.devices.map((d) => [d.name, d.ifindex, d.mtu, d.flags, d.qdisc, d.txqlen])).toEqual([["lo", 1, 65536, IFF_LOOPBACK, "noop", 1000]]);
    expect(ns.lo.addrs).toEqual([]);
    expect(routes(ns)).toEqual([]);
    expect(procNetIfInet6(ns)).toBe("");
    expect(procNetRoute(ns)).toBe("");
    expect(procNetDev(ns)).toBe(PROC_NET_DEV);
    const n = native("cat /proc/net/dev; cat /proc/net/if_inet6; cat /proc/net/route");
    if (n) expect(n.stdout).toBe(procNetDev(ns));
  });

  it("setting its lo up does not change the initial namespace's, nor the other way round", () => {
    const a = new NetNamespace(), b = NetNamespace.initial();
    expect(b.lo.flags).toBe(IFF_LOOPBACK | IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
    a.lo.setUp(true);
    expect(a.lo.addrs.map((x) => x.addr.join("."))).toEqual(["127.0.0.1", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1"]);
    b.lo.setUp(false);
    expect(a.lo.up).toBe(true);
    expect(new NetNamespace().lo.up).toBe(false);
  });
});

describe("socket syscalls (progs/net.c)", () => {
  it("netlink, UDP over loopback, TCP refusals, options and errors give Linux's results line by line", async () => {
    // A machine of its own: the probe checks lo's counters from zero.
    const h = runHakoMerged(await scratchMachine(s), ["/bin/netprobe"], "/", 2e9);
    expect(h.status).toBe(0);
    // The probe starts where Hako's initial namespace boots: a fresh namespace with lo up and no traffic yet.
    const n = native("ip link set lo up && netprobe");
    if (n) {
      expect(n.status).toBe(0);
      expect(h.output.split("\n")).toEqual(n.stdout.split("\n"));
    }
    expect(h.output).toContain("lo rx 176 bytes 5 packets, tx 176 bytes 5 packets\n");
  });
});

describe.skipIf(!hasUnshare)("busybox unshare -n and nsenter -n", () => {
  const cases: Array<[string, string]> = [
    // A new namespace has its own lo, down; the caller's stays up.
    ["unshare -n ip link; ip -o link", "1: lo: <LOOPBACK> mtu 65536 qdisc noop qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
      + UP_LINK.replace("\n    ", "\\    ")],
    // Setting the inner lo up leaves the outer one (down here) alone.
    ["ip link set lo down; unshare -n sh -c 'ip link set lo up; ip -o link'; ip -o link; ip link set lo up",
      UP_LINK.replace("\n    ", "\\    ") + "1: lo: <LOOPBACK> mtu 65536 qdisc noqueue qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"],
    // Ports are per namespace: the same address and port listen on both sides.
    ["httpd -f -p 127.0.0.1:8080 & sleep 0.2; unshare -n sh -c 'ip link set lo up; netstat -ltn | tail -n +3; httpd -f -p 127.0.0.1:8080 & sleep 0.2; netstat -ltn | tail -n +3; kill $!; wait $!'; "
      + "netstat -ltn | tail -n +3; kill $!; wait $!",
    "tcp        0      0 127.0.0.1:8080          0.0.0.0:*               LISTEN      \n".repeat(2)],
    // nsenter -n joins a running process's namespace (its lo is down, ours up).
    ["unshare -n sleep 2 & sleep 0.3; nsenter -t $! -n ip -o link; ip -o link; kill $!; wait $!",
      "1: lo: <LOOPBACK> mtu 65536 qdisc noop qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n" + UP_LINK.replace("\n    ", "\\    ")],
  ];
  for (const [script, want] of cases) {
    it(script, () => {
      const h = sh(script);
      expect(h.stdout).toBe(want);
      // Natively the script runs in a fresh namespace whose lo is set up first, as Hako's initial one boots.
      // Only stdout is compared: whether ash prints "Terminated" for the killed job depends on when it notices.
      const n = native(`ip link set lo up && ${script}`);
      if (n) expect(h.stdout).toBe(n.stdout);
    });
  }
  it("/proc/self/ns/net names another namespace inside", () => {
    const r = sh("readlink /proc/self/ns/net; unshare -n readlink /proc/self/ns/net");
    const [outer, inner] = r.stdout.trim().split("\n");
    expect(outer).toBe("net:[4026531840]");
    expect(inner).toMatch(/^net:\[\d+\]$/);
    expect(inner).not.toBe(outer);
  });
});

describe("malformed netlink requests", () => {
  it("get an errno or nothing, never an exception (4000 random messages with valid headers)", () => {
    const ns = NetNamespace.initial();
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    for (let i = 0; i < 4000; i++) {
      const body = new Uint8Array(rnd(80));
      for (let j = 0; j < body.length; j++) body[j] = rnd(4) === 0 ? rnd(256) : rnd(4);
      const msg = new Uint8Array(16 + body.length);
      const v = new DataView(msg.buffer);
      v.setUint32(0, msg.length, true);
      v.setUint16(4, rnd(0x90), true);
      v.setUint16(6, rnd(0x1000), true);
      msg.set(body, 16);
      for (const { h, msg: m } of parseMessages(msg)) {
        const replies = rtnetlinkRequest(ns, h, m, { portid: 7, admin: true, capAck: rnd(2) === 0 });
        for (const r of replies) expect(parseMessages(r).length).toBeGreaterThan(0);
      }
    }
    // Whatever the requests changed, lo is still the only device, index 1.
    expect(ns.devices.map((d) => d.ifindex)).toEqual([1]);
  });
});
