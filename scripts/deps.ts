// Debian packages the build and the tests need. When a tool is missing we
// install its package if we are root (as CI is), and otherwise stop with the
// exact apt-get line to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A tool (`cmd` on PATH) or a file (`file`, e.g. a header or a static library) that a package provides. */
export interface Need { cmd?: string; file?: string; pkg: string; why: string }

export const NEEDS_BUILD: Need[] = [
  { cmd: "dpkg-deb", pkg: "dpkg", why: "unpacks the Debian packages the images are made from" },
  { cmd: "apt-get", pkg: "apt", why: "downloads busybox-static for the busybox image" },
  { cmd: "musl-gcc", pkg: "musl-tools", why: "builds the static hello-world program" },
];
export const NEEDS_TEST: Need[] = [
  { cmd: "gcc", pkg: "gcc", why: "compiles the native reference programs of the CPU tests" },
  { file: "/usr/lib/x86_64-linux-gnu/libc.a", pkg: "libc6-dev", why: "links the static (and static-PIE) glibc test programs" },
  { cmd: "readelf", pkg: "binutils", why: "reads ELF headers as the loader tests' reference" },
  { cmd: "python3", pkg: "python3", why: "drives a real Linux pty as the terminal tests' reference" },
  { cmd: "chromium", pkg: "chromium", why: "runs the browser tests (never a downloaded browser)" },
];

export function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
let updated = false;

/** Refreshes apt's package lists once (a fresh machine has none); throws with the line to run when not root. */
export function aptUpdate(what: string): void {
  if (!isRoot) throw new Error(`${what}: refresh the package lists as root:\n  sudo apt-get update`);
  if (updated) return;
  execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"] });
  updated = true;
}

/** Runs apt-get as root after refreshing the lists; throws with the line to run otherwise. */
export function aptGet(args: string[], what: string): void {
  if (!isRoot) throw new Error(`${what}: run as root:\n  sudo apt-get update && sudo apt-get ${args.join(" ")}`);
  aptUpdate(what);
  execFileSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

const present = (n: Need): boolean => (n.cmd ? have(n.cmd) : true) && (n.file ? existsSync(n.file) : true);

export function ensure(needs: Need[]): void {
  const missing = needs.filter((n) => !present(n));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const why = missing.map((n) => `  ${n.cmd ?? n.file} (package ${n.pkg}): ${n.why}`).join("\n");
  if (!isRoot) {
    console.error(`Hako needs these Debian packages:\n${why}\nInstall them with:\n  sudo apt-get install -y ${pkgs.join(" ")}`);
    process.exit(1);
  }
  console.log(`installing ${pkgs.join(" ")} (missing: ${missing.map((n) => n.cmd ?? n.file).join(", ")})`);
  aptGet(["install", "-y", "--no-install-recommends", ...pkgs], "installing packages");
}
