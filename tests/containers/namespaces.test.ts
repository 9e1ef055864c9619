// Namespaces and the mount tree (issue 5) with real busybox: unshare,
// nsenter, mount, umount, pivot_root, chroot, hostname, ps, /proc/PID/ns and
// /proc/PID/mountinfo. Where this host lets us (we are root and unshare(2)
// works here; CI may refuse), the same command lines run natively with the
// same busybox and must print the same; otherwise the expectations written
// from the man pages (namespaces(7), pid_namespaces(7), mount(2),
// umount(2), pivot_root(2), proc(5)) still hold for Hako.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runNative, runHako, scratchMachine, type Scratch, type Outcome } from "../userland/harness";
import type { Machine } from "../../src/kernel/machine";

let s: Scratch;
let m: Machine;
/** Why the native half is skipped, or null when the host can run unshare(1) as root. */
let nativeRefused: string | null = null;

beforeAll(async () => {
  s = makeScratch();
  m = await scratchMachine(s);
  const probe = runNative(s, ["unshare", "-m", "-u", "-p", "-f", "true"]);
  if (probe.status !== 0) nativeRefused = `host refuses unshare (${probe.stderr.trim() || probe.status}): native comparison skipped`;
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

const sh = (script: string): string[] => ["sh", "-c", script];

/** Runs in Hako and, when the host allows, natively; returns both (native null when refused). */
function both(script: string): { hako: Outcome; native: Outcome | null } {
  const hako = runHako(m, sh(script));
  if (nativeRefused) { console.warn(nativeRefused); return { hako, native: null }; }
  return { hako, native: runNative(s, sh(script)) };
}

/** The names of the /proc/self/ns links whose targets differ between two `ls -l` listings. */
function changedKinds(a: string, b: string): string[] {
  const parse = (t: string): Map<string, string> => new Map(t.split("\n").filter((l) => l.includes(" -> ")).map((l) => {
    const [left, target] = l.split(" -> ");
    return [left.trim().split(/\s+/).pop() ?? "", target];
  }));
  const x = parse(a), y = parse(b);
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  return [...x.keys()].filter((k) => x.get(k) !== y.get(k)).sort();
}

describe("namespaces with busybox: Hako vs Linux", () => {
  it("unshare -p -f -m -u --mount-proc: pid 1, its own hostname, only its processes in ps; the host's name is kept", () => {
    const before = runHako(m, ["hostname"]).stdout;
    const script = "unshare -p -f -m -u --mount-proc sh -c 'echo $$; hostname box; hostname; ps -o pid,comm; true'";
    const r = both(script);
    expect(r.hako.stdout).toBe("1\nbox\nPID   COMMAND\n    1 sh\n    4 ps\n");
    expect(r.hako.status).toBe(0);
    const visible = (o: Outcome): Outcome => ({ stdout: o.stdout, stderr: o.stderr, status: o.status });
    if (r.native) expect(visible(r.hako)).toEqual(visible(r.native));
    expect(runHako(m, ["hostname"]).stdout).toBe(before);
    // The form of the issue: ps is the last command, so sh execs it and ps itself is pid 1 (as natively).
    const last = both("unshare -p -f -m -u --mount-proc sh -c 'echo $$; hostname box; hostname; ps -o pid,comm'");
    expect(last.hako.stdout).toBe("1\nbox\nPID   COMMAND\n    1 ps\n");
    if (last.native) expect(visible(last.hako)).toEqual(visible(last.native));
  });

  const KINDS: Array<[string, string[]]> = [
    ["-m", ["mnt"]], ["-u", ["uts"]], ["-i", ["ipc"]], ["-n", ["net"]], ["-p -f", ["pid", "pid_for_children"]],
    ["-m -u -i -n", ["ipc", "mnt", "net", "uts"]],
  ];
  for (const [flags, kinds] of KINDS) {
    it(`ls -l /proc/self/ns inside unshare ${flags} differs from outside exactly in ${kinds.join(", ")}`, () => {
      // ls lists its own links: with -p -f it is a child of the namespace's init, so it is inside too.
      const script = `ls -l /proc/self/ns; echo ==; unshare ${flags} sh -c 'ls -l /proc/self/ns; true'`;
      const r = both(script);
      const [out, inside] = r.hako.stdout.split("==\n");
      expect(changedKinds(out, inside)).toEqual(kinds);
      expect(inside).toMatch(/user -> user:\[4026531837\]/);
      if (r.native) {
        const [nOut, nIn] = r.native.stdout.split("==\n");
        expect(changedKinds(nOut, nIn)).toEqual(kinds);
      }
    });
  }

  it("the initial namespaces have Linux's fixed nsfs numbers, and stat -L sees the number as the inode", () => {
    const r = runHako(m, sh("for k in pid uts ipc user time cgroup net mnt; do readlink /proc/$$/ns/$k; done; stat -L -c %i /proc/self/ns/uts"));
    expect(r.stdout).toBe("pid:[4026531836]\nuts:[4026531838]\nipc:[4026531839]\nuser:[4026531837]\ntime:[4026531834]\n"
      + "cgroup:[4026531835]\nnet:[4026531840]\nmnt:[4026531841]\n4026531838\n");
  });

  it("nsenter -t PID -p -m -u enters a running namespace (its hostname, mounts, and pid numbering)", () => {
    const script = [
      "mkdir -p mp; unshare -p -f -m -u sh -c 'hostname inner; mount -t tmpfs marker mp; sleep 2' &",
      "U=$!; sleep 0.5; P=$(ps -o pid,ppid | awk -v u=$U '$2==u{print $1}')",
      "nsenter -t $P -p -m -u sh -c 'hostname; echo pid=$$; grep -c marker /proc/mounts'",
      "echo outside; hostname | grep -c inner; grep -c marker /proc/mounts; wait; rmdir mp",
    ].join("\n");
    const r = both(script);
    // In the namespace: sh 1 (then exec'd into sleep), hostname 2, mount 3, the entered shell 4; outside neither the name nor the mount shows.
    expect(r.hako.stdout).toBe("inner\npid=4\n1\noutside\n0\n0\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("a namespace outlives its processes when its /proc/PID/ns file is bind-mounted (unshare --uts=FILE), and nsenter --uts=FILE joins it", () => {
    const r = both("touch utsf; unshare --uts=$PWD/utsf sh -c 'hostname persisted'; nsenter --uts=$PWD/utsf hostname; hostname | grep -c persisted; umount utsf; rm utsf");
    expect(r.hako.stdout).toBe("persisted\n0\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("a PID namespace: getppid of its init is 0; when the init exits every process in it is killed", () => {
    const r = both("unshare -p -f -m --mount-proc sh -c 'sleep 31 & sleep 31 & echo ppid=$PPID; cut -d\" \" -f1,4 /proc/self/stat'; echo rc=$?; sleep 0.3; ps -o args | awk '$1==\"sleep\" && $2==\"31\"' | wc -l");
    // cut is the last command: sh execs it, so it is the init itself (pid 1, parent outside: 0).
    expect(r.hako.stdout).toBe("ppid=0\n1 0\nrc=0\n0\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("after unshare -p the first child is the namespace's init; once it has exited, fork into the namespace fails (ENOMEM)", () => {
    const r = both("unshare -p sh -c '/bin/true; /bin/true; echo after'; echo rc=$?");
    expect(r.hako.stdout).toBe("rc=2\n");
    expect(r.hako.stderr).toBe("sh: can't fork: Cannot allocate memory\n");
    if (r.native) expect({ out: r.hako.stdout, err: r.hako.stderr }).toEqual({ out: r.native.stdout, err: r.native.stderr });
  });

  it("process groups are numbered per namespace: the init's inherited group reads as 0 inside, setsid makes one of its numbers", () => {
    const r = both("unshare -p -f --mount-proc -m sh -c 'cut -d\" \" -f5 /proc/self/stat; setsid cut -d\" \" -f1,5,6 /proc/self/stat; true'");
    expect(r.hako.stdout).toBe("0\n3 3 3\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("mounts made in a new mount namespace stay in it; /proc/mounts and mountinfo are per namespace", () => {
    const script = [
      "mkdir -p x",
      "unshare -m sh -c 'mount -t tmpfs -o size=64k,mode=750 inner $PWD/x; grep \" $PWD/x \" /proc/mounts; grep -c \" $PWD/x \" /proc/self/mountinfo; stat -c %a x'",
      "echo outside; grep -c \" $PWD/x \" /proc/mounts; stat -c %a x; rmdir x",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("inner /work/x tmpfs rw,relatime,size=64k,mode=750 0 0\n1\n750\noutside\n0\n755\n");
    if (r.native) expect(r.hako.stdout.replace(/\/work\b/g, "W")).toBe(r.native.stdout.replaceAll(s.work, "W").replace(/,inode64/g, ""));
  });
});

describe("mount, umount, bind, pivot_root, chroot with busybox", () => {
  it("bind mounts: the same tree at two places, .. and pwd follow the path taken, mountinfo shows the subtree root", () => {
    const script = [
      "mkdir -p src/sub b",
      "echo x > src/sub/f",
      "unshare -m sh -c '",
      "  mount --bind src b; cat b/sub/f; echo y > b/sub/g; cat src/sub/g",
      "  cd b/sub; pwd; cd ../..; pwd",
      "  grep \" $PWD/b \" /proc/self/mountinfo | cut -d\" \" -f5 | sed \"s#$PWD#W#\"",
      "  umount b; ls b | wc -l'",
      "rm -r src b",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("x\ny\n/work/b/sub\n/work\nW/b\n0\n");
    // mountinfo's 4th field: the bind's root inside its filesystem.
    expect(runHako(m, sh("mkdir -p s2 b2; unshare -m sh -c 'mount --bind s2 b2; grep \" /work/b2 \" /proc/self/mountinfo | cut -d\" \" -f4'; rmdir s2 b2")).stdout).toBe("/work/s2\n");
    if (r.native) expect(r.hako.stdout.replaceAll("/work", "W")).toBe(r.native.stdout.replaceAll(s.work, "W"));
  });

  it("MS_REC: --rbind takes the mounts below along, --bind does not", () => {
    const script = [
      "mkdir -p t r nr",
      "unshare -m sh -c '",
      "  mount -t tmpfs top t; mkdir t/in; mount -t tmpfs below t/in; touch t/in/mark",
      "  mount --rbind t r; mount --bind t nr",
      "  ls r/in; ls nr/in | wc -l",
      "  grep -c below /proc/mounts'",
      "rmdir t r nr",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("mark\n0\n2\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("umount: EBUSY while a process works inside, -l (MNT_DETACH) detaches at once", () => {
    const script = [
      "mkdir -p u",
      "unshare -m sh -c '",
      "  mount -t tmpfs busy u; echo data > u/f",
      "  (cd u; sleep 1) & sleep 0.3",
      "  umount u 2>&1 | grep -c busy; umount u 2>/dev/null; echo rc=$?",
      "  umount -l u; echo rc=$?; grep -c busy /proc/mounts; wait'",
      "rmdir u",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("1\nrc=1\nrc=0\n0\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("errors from the man pages: unknown type ENODEV, bad tmpfs option EINVAL, umount of a non-mount EINVAL, CLONE_NEWUSER EINVAL (no user namespaces)", () => {
    const r = runHako(m, sh("mkdir -p e; mount -t nosuchfs x e; mount -t tmpfs -o size=bogus x e; umount e; rmdir e; unshare -U true"));
    expect(r.stderr).toBe([
      "mount: mounting x on e failed: No such device", "mount: mounting x on e failed: Invalid argument",
      "umount: can't unmount e: Invalid argument", "unshare: unshare(0x10000000): Invalid argument", "",
    ].join("\n"));
    expect(r.status).toBe(1);
  });

  it("read-only mounts (MS_RDONLY, remount, a read-only bind) refuse changes with EROFS; EEXIST first for a name already there", () => {
    const script = [
      "mkdir -p ro d b",
      "unshare -m sh -c '",
      "  mount -t tmpfs -o ro x ro; touch ro/f; mkdir ro; mkdir ro/d",
      "  mount -o remount,rw ro; touch ro/f && echo made; echo data > ro/f",
      "  mount -o remount,ro ro; cat ro/f; (echo more >> ro/f); rm ro/f; chmod 600 ro/f",
      "  grep \" $PWD/ro \" /proc/mounts | cut -d\" \" -f4",
      "  mount --bind d b; mount -o remount,ro,bind b; touch b/g; touch d/g && ls b",
      "  grep \" $PWD/b \" /proc/self/mountinfo | cut -d\" \" -f6' 2>&1",
      "rm -r ro d b",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe([
      "touch: ro/f: Read-only file system", "mkdir: can't create directory 'ro': File exists",
      "mkdir: can't create directory 'ro/d': Read-only file system", "made", "data",
      "sh: can't create ro/f: Read-only file system", "rm: can't remove 'ro/f': Read-only file system",
      "chmod: ro/f: Read-only file system", "ro,relatime", "touch: b/g: Read-only file system", "g", "ro,relatime", "",
    ].join("\n"));
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("propagation flags are recorded in mountinfo's optional fields", () => {
    const script = [
      "mkdir -p p",
      "unshare -m sh -c '",
      "  mount -t tmpfs pt p; mount --make-shared p; grep \" $PWD/p \" /proc/self/mountinfo | grep -c shared:",
      "  mount --make-slave p; grep \" $PWD/p \" /proc/self/mountinfo | grep -c master:",
      "  mount --make-private p; grep \" $PWD/p \" /proc/self/mountinfo | grep -c -e shared: -e master:",
      "  mount --make-unbindable p; grep \" $PWD/p \" /proc/self/mountinfo | grep -c unbindable",
      "  mkdir -p q; mount --bind p q 2>&1 | grep -c Invalid'",
      "rmdir p q 2>/dev/null; true",
    ].join("\n");
    const r = both(script);
    // A shared mount with no peer made a slave has no master: it becomes private (no master: field).
    expect(r.hako.stdout).toBe("1\n0\n0\n1\n1\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("MS_MOVE moves a mount with what is under it", () => {
    const script = [
      "mkdir -p a b",
      "unshare -m sh -c 'mount -t tmpfs mv a; mkdir a/d; mount -t tmpfs sub a/d; touch a/d/f; mount --move a b; ls b/d; ls a | wc -l; grep -c \" $PWD/b/d \" /proc/mounts'",
      "rmdir a b",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("f\n0\n1\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  const PIVOT = [
    "mkdir -p new",
    "mount -t tmpfs -o mode=755 none new",
    "mkdir -p new/bin new/old new/proc new/etc",
    "cp /bin/busybox new/bin/busybox 2>/dev/null || cp ../bin/busybox new/bin/busybox",
    "ln -s busybox new/bin/sh",
    "echo hello > new/etc/motd",
    "cd new",
    "pivot_root . old",
    "cd /",
    "echo pwd=$(pwd)",
    "/bin/busybox mount -t proc proc /proc",
    "/bin/busybox cat /etc/motd",
    "/bin/busybox ls /",
    "/bin/busybox umount -l /old",
    "/bin/busybox cut -d' ' -f2,3 /proc/mounts",
    "/bin/busybox ls /old | /bin/busybox wc -l",
  ].join("\n");

  it("pivot_root into a tmpfs, mount /proc there, drop the old root: the new root is all that is left", () => {
    writeFileSync(join(s.work, "pivot.sh"), PIVOT + "\n");
    const r = both("unshare -m sh pivot.sh; echo rc=$?; ls /work/new 2>/dev/null | wc -l; rm -f pivot.sh; rmdir new");
    expect(r.hako.stdout).toBe("pwd=/\nhello\nbin\netc\nold\nproc\n/ tmpfs\n/proc proc\n0\nrc=0\n0\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("pivot_root's checks: new_root or put_old on the root's mount (EBUSY), put_old under new_root (EINVAL), directories (ENOTDIR)", () => {
    const script = [
      "mkdir -p nm/old other",
      "unshare -m sh -c 'pivot_root nm nm/old 2>&1; mount -t tmpfs t nm; mkdir nm/old; pivot_root nm . 2>&1; mount -t tmpfs o other; pivot_root nm other 2>&1; touch nm/file; pivot_root nm nm/file 2>&1; true'",
      "rm -r nm other",
    ].join("\n");
    const r = both(script);
    // busybox prints its NULL message pointer as "(null)" (glibc's printf), natively too.
    expect(r.hako.stdout).toBe([
      "pivot_root: (null): Device or resource busy",
      "pivot_root: (null): Device or resource busy",
      "pivot_root: (null): Invalid argument",
      "pivot_root: (null): Not a directory", "",
    ].join("\n"));
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });

  it("chroot: / is the new root, .. stops there, /proc/self/root and getcwd follow", () => {
    const script = [
      "mkdir -p jail/bin jail/proc",
      "cp ../bin/busybox jail/bin/busybox",
      "chroot jail /bin/busybox sh -c 'cd /; cd ../../..; /bin/busybox pwd; /bin/busybox ls /'",
      "rm -r jail",
    ].join("\n");
    const r = both(script);
    expect(r.hako.stdout).toBe("/\nbin\nproc\n");
    if (r.native) expect(r.hako.stdout).toBe(r.native.stdout);
  });
});
