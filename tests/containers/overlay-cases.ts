// The overlayfs cases of tests/containers/overlay.test.ts. Each case is a
// busybox shell script run in a directory holding two lower layers (l1 on
// top of l2), an upper directory u, a work directory w and the merged
// mount m (lowerdir=l1:l2,upperdir=u,workdir=w unless `opts` says
// otherwise). `out` is what the script prints (stdout and stderr), `upper`
// what the upper directory holds afterwards; both are written from
// Documentation/filesystems/overlayfs.rst (the section is in `doc`), and a
// real overlay mount on the build machine must give the same.
//
// Upper listing, one line per object, sorted by path:
//   ./dir/ MODE:UID[ opaque]   ./file MODE:UID:NLINK "content"
//   ./link -> target           ./name c MAJOR,MINOR (0,0 is a whiteout)

/** The layers every case starts from (run with cwd = the case directory, before the mount). */
export const SETUP = `
umask 022
mkdir -p l1/d1/sub l1/both l1/op l1/empty l1/pub l1/sticky l2/both l2/d1 l2/op l2/l2dir u/both w m
echo lower1 > l1/f1
echo shadow1 > l1/shadow
echo a > l1/d1/a
echo deep > l1/d1/sub/deep
echo b1 > l1/both/b1
echo y > l1/op/y
ovl set trusted.overlay.opaque y l1/op
mknod l1/gone c 0 0
ln -s f1 l1/link
echo h > l1/hard1
ln l1/hard1 l1/hard2
echo mine > l1/mine
chown 1000:1000 l1/mine
chmod 777 l1/pub
chmod 1777 l1/sticky
echo s > l1/sticky/rootfile
echo ro > l1/ro
chmod 444 l1/ro
ovl set user.tag lower l1/f1
echo l2 > l2/l2file
echo shadow2 > l2/shadow
echo b2 > l2/both/b2
echo x > l2/op/x
echo gone > l2/gone
echo fromL2 > l2/d1/froml2
echo bu > u/both/bu
echo up > u/upfile
`;

export const DEFAULT_OPTS = "lowerdir=l1:l2,upperdir=u,workdir=w";

export interface OverlayCase {
  name: string;
  /** The overlayfs.rst section (or man page) the expectation comes from. */
  doc: string;
  /** Extra setup before the mount. */
  pre?: string;
  /** Mount options (default DEFAULT_OPTS). */
  opts?: string;
  /** The script, run after the mount with cwd = the case directory. */
  run: string;
  out: string;
  /** The upper directory afterwards (default: as SETUP left it). */
  upper?: string[];
}

export const BASE_UPPER = ["./both/ 755:0", './both/bu 644:0:1 "bu\\n"', './upfile 644:0:1 "up\\n"'];
const base = (...extra: string[]): string[] => [...BASE_UPPER, ...extra].sort(byPath);
/** Sorts listing lines by their path, as `sort` would sort the paths. */
export function byPath(a: string, b: string): number {
  const pa = a.split(" ")[0].replace(/\/$/, ""), pb = b.split(" ")[0].replace(/\/$/, "");
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}
const AS_USER = "ovl as 1000";
const ROOT_LS = "both\nd1\nempty\nf1\nhard1\nhard2\nl2dir\nl2file\nlink\nmine\nop\npub\nro\nshadow\nsticky\nupfile\n";

export const CASES: OverlayCase[] = [
  // ---- reading through the layers ----
  { name: "a name shows the topmost layer's object", doc: "Upper and Lower; Multiple lower layers",
    run: "cat m/shadow m/f1 m/l2file m/link", out: "shadow1\nlower1\nl2\nlower1\n" },
  { name: "readdir merges the upper and every lower layer", doc: "Directories",
    run: "ls m", out: ROOT_LS },
  { name: "a directory in three layers lists all three", doc: "Directories",
    run: "ls m/both", out: "b1\nb2\nbu\n" },
  { name: "a whiteout in a lower layer hides the layer below", doc: "whiteouts and opaque directories; Multiple lower layers",
    run: "ls m/gone; echo $?", out: "ls: m/gone: No such file or directory\n1\n" },
  { name: "an opaque directory in a lower layer hides the layers below it", doc: "whiteouts and opaque directories",
    run: "ls m/op", out: "y\n" },
  { name: "lower-only directories merge across lower layers", doc: "Multiple lower layers",
    run: "ls m/d1 m/l2dir", out: "m/d1:\na\nfroml2\nsub\n\nm/l2dir:\n" },
  { name: "reading, listing and stat copy nothing up", doc: "Non-directories (copy up only when opened for write)",
    run: "cat m/d1/sub/deep m/ro > /dev/null; ls -lR m/d1 > /dev/null; stat m/f1 > /dev/null; echo done", out: "done\n" },

  // ---- copy-up on each kind of change ----
  { name: "appending copies the file up with its data", doc: "Non-directories",
    run: "echo more >> m/f1; cat m/f1", out: "lower1\nmore\n", upper: base('./f1 644:0:1 "lower1\\nmore\\n"') },
  { name: "truncate copies the file and its parent directories up", doc: "Non-directories",
    run: "truncate -s 0 m/d1/sub/deep; wc -c < m/d1/sub/deep", out: "0\n",
    upper: base("./d1/ 755:0", "./d1/sub/ 755:0", './d1/sub/deep 644:0:1 ""') },
  { name: "chmod copies up", doc: "Non-directories (metadata changes copy up)",
    run: "chmod 600 m/l2file; stat -c %a m/l2file", out: "600\n", upper: base('./l2file 600:0:1 "l2\\n"') },
  { name: "chown copies up", doc: "Non-directories",
    run: "chown 1000 m/f1; stat -c %u m/f1", out: "1000\n", upper: base('./f1 644:1000:1 "lower1\\n"') },
  { name: "utimes copies up", doc: "Non-directories",
    run: "touch -d '2001-01-01 00:00:00' m/shadow; stat -c %Y m/shadow", out: "978307200\n", upper: base('./shadow 644:0:1 "shadow1\\n"') },
  { name: "open with O_TRUNC copies up an empty file", doc: "Non-directories",
    run: ": > m/l2file; wc -c < m/l2file", out: "0\n", upper: base('./l2file 644:0:1 ""') },
  { name: "lchown copies a symlink up as a symlink", doc: "Non-directories",
    run: "chown -h 1000 m/link; stat -c '%u %N' m/link", out: "1000 'm/link' -> 'f1'\n", upper: base("./link -> f1") },
  { name: "setting an xattr copies up", doc: "Non-directories; xattr(7)",
    run: "ovl set user.new v m/l2file; ovl get user.new m/l2file", out: 'm/l2file: user.new="v"\n', upper: base('./l2file 644:0:1 "l2\\n"') },
  { name: "copy-up keeps the lower file's xattrs", doc: "Non-directories (attributes copied up)",
    run: "chmod 640 m/f1; ovl get user.tag m/f1 u/f1", out: 'm/f1: user.tag="lower"\nu/f1: user.tag="lower"\n', upper: base('./f1 640:0:1 "lower1\\n"') },
  { name: "xattrs read through without copy-up", doc: "Non-directories",
    run: "ovl get user.tag m/f1; ovl ls m/f1", out: 'm/f1: user.tag="lower"\nm/f1: user.tag\n' },
  { name: "the layers' trusted.overlay.* xattrs are not seen in the merged tree", doc: "whiteouts and opaque directories; Nesting overlayfs mounts",
    run: "ovl get trusted.overlay.opaque m/op; ovl ls m/op l1/op", out: "m/op: No data available\nm/op:\nl1/op: trusted.overlay.opaque\n" },
  { name: "trusted.overlay.* set through the overlay is stored escaped in the upper layer", doc: "Nesting overlayfs mounts (xattr escaping)",
    run: "ovl set trusted.overlay.opaque y m/f1; ovl get trusted.overlay.opaque m/f1; ovl ls m/f1 u/f1; ovl rm trusted.overlay.opaque m/f1; ovl ls u/f1",
    out: 'm/f1: trusted.overlay.opaque="y"\nm/f1: trusted.overlay.opaque user.tag\nu/f1: trusted.overlay.overlay.opaque user.tag\nu/f1: user.tag\n',
    upper: base('./f1 644:0:1 "lower1\\n"') },
  { name: "opening for write copies up even before a write", doc: "Non-directories (copy up when opened for write)",
    run: ": >> m/l2file; echo $?", out: "0\n", upper: base('./l2file 644:0:1 "l2\\n"') },
  { name: "a descriptor opened before copy-up reads the copied-up file", doc: "Non-standard behavior (only MAP_SHARED mappings keep the lower file)",
    run: "exec 3< m/f1; echo more >> m/f1; cat <&3", out: "lower1\nmore\n", upper: base('./f1 644:0:1 "lower1\\nmore\\n"') },
  { name: "copy-up does not change the parent directory's times", doc: "Non-directories; ovl_copy_up_one restores the parent's times",
    pre: "touch -d '2000-01-01 00:00:00' l1/d1", run: "echo x >> m/d1/a; stat -c %Y m/d1 u/d1", out: "946684800\n946684800\n",
    upper: base("./d1/ 755:0", './d1/a 644:0:1 "a\\nx\\n"') },
  { name: "creating in a directory of the second lower layer copies the directory up", doc: "Multiple lower layers; Directories",
    run: "echo z > m/l2dir/new; ls m/l2dir", out: "new\n", upper: base("./l2dir/ 755:0", './l2dir/new 644:0:1 "z\\n"') },

  // ---- hard links ----
  { name: "a hard link to a lower file copies it up, then links in the upper", doc: "Non-directories",
    run: "ln m/f1 m/f1link; stat -c %h m/f1 m/f1link; [ $(stat -c %i m/f1) = $(stat -c %i m/f1link) ] && echo same-inode",
    out: "2\n2\nsame-inode\n", upper: base('./f1 644:0:2 "lower1\\n"', './f1link 644:0:2 "lower1\\n"') },
  { name: "copy-up breaks a hard link of the lower layer", doc: "Non-standard behavior (copy up breaks hard links)",
    run: "echo x >> m/hard1; cat m/hard2; stat -c %h m/hard1 m/hard2", out: "h\n1\n2\n", upper: base('./hard1 644:0:1 "h\\nx\\n"') },
  { name: "a hard link to an upper file stays in the upper layer", doc: "Upper and Lower",
    run: "ln m/upfile m/up2; stat -c %h m/upfile", out: "2\n",
    upper: ["./both/ 755:0", './both/bu 644:0:1 "bu\\n"', './up2 644:0:2 "up\\n"', './upfile 644:0:2 "up\\n"'] },

  // ---- whiteouts ----
  { name: "unlinking a lower file leaves a whiteout", doc: "whiteouts and opaque directories",
    run: "rm m/f1; ls m/f1; echo $?", out: "ls: m/f1: No such file or directory\n1\n", upper: base("./f1 c 0,0") },
  { name: "unlinking an upper-only file leaves nothing", doc: "whiteouts and opaque directories",
    run: "rm m/upfile; ls m | grep -c upfile", out: "0\n", upper: ["./both/ 755:0", './both/bu 644:0:1 "bu\\n"'] },
  { name: "unlinking a copied-up file replaces it with a whiteout", doc: "whiteouts and opaque directories",
    run: "echo x >> m/shadow; rm m/shadow; cat m/shadow", out: "cat: can't open 'm/shadow': No such file or directory\n", upper: base("./shadow c 0,0") },
  { name: "one whiteout hides a name in every lower layer", doc: "Multiple lower layers",
    run: "rm m/shadow; ls m | grep -c shadow", out: "0\n", upper: base("./shadow c 0,0") },
  { name: "rmdir of a lower directory leaves a whiteout", doc: "whiteouts and opaque directories",
    run: "rmdir m/empty; ls -d m/empty", out: "ls: m/empty: No such file or directory\n", upper: base("./empty c 0,0") },
  { name: "rm -r of a merged directory leaves only a whiteout", doc: "whiteouts and opaque directories",
    run: "rm -r m/both; ls -d m/both", out: "ls: m/both: No such file or directory\n", upper: ["./both c 0,0", './upfile 644:0:1 "up\\n"'] },
  { name: "rm -r of a lower tree leaves one whiteout", doc: "whiteouts and opaque directories",
    run: "rm -r m/d1; ls -d m/d1", out: "ls: m/d1: No such file or directory\n", upper: base("./d1 c 0,0") },
  { name: "deleting in a merged directory whites out each lower name", doc: "whiteouts and opaque directories",
    run: "rm m/both/b1 m/both/b2; ls m/both", out: "bu\n",
    upper: ["./both/ 755:0", "./both/b1 c 0,0", "./both/b2 c 0,0", './both/bu 644:0:1 "bu\\n"', './upfile 644:0:1 "up\\n"'] },
  { name: "rmdir of a merged directory that still shows entries is ENOTEMPTY", doc: "Directories; rmdir(2)",
    run: "rmdir m/both", out: "rmdir: 'm/both': Directory not empty\n" },
  { name: "a merged directory emptied entry by entry can be removed", doc: "whiteouts and opaque directories",
    run: "rm m/both/b1 m/both/b2 m/both/bu; rmdir m/both; ls -d m/both", out: "ls: m/both: No such file or directory\n",
    upper: ["./both c 0,0", './upfile 644:0:1 "up\\n"'] },
  { name: "a file made over a whiteout replaces it", doc: "whiteouts and opaque directories",
    run: "rm m/f1; echo new > m/f1; cat m/f1", out: "new\n", upper: base('./f1 644:0:1 "new\\n"') },

  { name: "a whiteout cannot be made through the overlay; other devices can", doc: "whiteouts and opaque directories; ovl_mknod",
    run: "mknod m/x c 0 0; mknod m/null c 1 3; ls m | grep -c '^x$'", out: "mknod: m/x: Operation not permitted\n0\n", upper: base("./null c 1,3") },

  // ---- opaque directories ----
  { name: "a directory made where a lower one was removed is opaque", doc: "whiteouts and opaque directories",
    run: "rm -r m/d1; mkdir m/d1; ls -a m/d1", out: ".\n..\n", upper: base("./d1/ 755:0 opaque") },
  { name: "a re-made merged directory hides all lower layers", doc: "whiteouts and opaque directories",
    run: "rm -r m/both; mkdir m/both; touch m/both/n; ls m/both", out: "n\n",
    upper: ["./both/ 755:0 opaque", './both/n 644:0:1 ""', './upfile 644:0:1 "up\\n"'] },
  { name: "a new directory with nothing below is not opaque", doc: "whiteouts and opaque directories",
    run: "mkdir m/fresh; touch m/fresh/x", out: "", upper: base("./fresh/ 755:0", './fresh/x 644:0:1 ""') },
  { name: "a directory made over a whiteout of a file is opaque", doc: "whiteouts and opaque directories",
    run: "rm m/f1; mkdir m/f1; ls -a m/f1", out: ".\n..\n", upper: base("./f1/ 755:0 opaque") },

  // ---- rename ----
  { name: "renaming a lower file copies it up and whites out the old name", doc: "Non-directories; whiteouts",
    run: "mv m/f1 m/f2; cat m/f2; ls m/f1", out: "lower1\nls: m/f1: No such file or directory\n",
    upper: base("./f1 c 0,0", './f2 644:0:1 "lower1\\n"') },
  { name: "rename(2) of a lower directory is EXDEV (redirect_dir=off)", doc: "Renaming directories",
    run: "ovl rename m/d1 m/d2", out: "rename m/d1 m/d2: Invalid cross-device link\n" },
  { name: "rename(2) of a merged directory is EXDEV", doc: "Renaming directories",
    run: "ovl rename m/both m/both2", out: "rename m/both m/both2: Invalid cross-device link\n" },
  { name: "mv of a lower directory falls back to copying it", doc: "Renaming directories (mv copies on EXDEV)",
    run: "mv m/d1 m/d2; ls m/d2 m/d2/sub; ls -d m/d1", out: "m/d2:\na\nfroml2\nsub\n\nm/d2/sub:\ndeep\nls: m/d1: No such file or directory\n",
    upper: base("./d1 c 0,0", "./d2/ 755:0", './d2/a 644:0:1 "a\\n"', './d2/froml2 644:0:1 "fromL2\\n"', "./d2/sub/ 755:0", './d2/sub/deep 644:0:1 "deep\\n"') },
  { name: "an upper-only directory renames; moved into a merged directory it becomes opaque", doc: "Renaming directories; ovl_rename",
    run: "mkdir m/nd; touch m/nd/f; ovl rename m/nd m/nd2; ls m/nd2", out: "rename m/nd m/nd2: ok\nf\n",
    upper: base("./nd2/ 755:0 opaque", './nd2/f 644:0:1 ""') },
  { name: "an upper directory renamed over a removed lower one is opaque", doc: "Renaming directories; whiteouts and opaque directories",
    run: "rm -r m/d1; mkdir m/nd; ovl rename m/nd m/d1; ls -a m/d1", out: "rename m/nd m/d1: ok\n.\n..\n", upper: base("./d1/ 755:0 opaque") },
  { name: "an opaque directory may be renamed; the old name stays whited out", doc: "Renaming directories",
    run: "rm -r m/d1; mkdir m/d1; ovl rename m/d1 m/d9; ls -d m/d1", out: "rename m/d1 m/d9: ok\nls: m/d1: No such file or directory\n",
    upper: base("./d1 c 0,0", "./d9/ 755:0 opaque") },
  { name: "an upper file renamed over a lower file", doc: "Upper and Lower",
    run: "ovl rename m/upfile m/l2file; cat m/l2file; ls m/upfile", out: "rename m/upfile m/l2file: ok\nup\nls: m/upfile: No such file or directory\n",
    upper: ["./both/ 755:0", './both/bu 644:0:1 "bu\\n"', './l2file 644:0:1 "up\\n"'] },
  { name: "a lower file renamed over another lower file", doc: "Non-directories; whiteouts",
    run: "mv m/shadow m/f1; cat m/f1", out: "shadow1\n", upper: base('./f1 644:0:1 "shadow1\\n"', "./shadow c 0,0") },
  { name: "a lower file moved into another lower directory", doc: "Non-directories; whiteouts",
    run: "mv m/f1 m/d1/f1; cat m/d1/f1", out: "lower1\n", upper: base("./d1/ 755:0", './d1/f1 644:0:1 "lower1\\n"', "./f1 c 0,0") },
  { name: "a rename inside a lower directory copies the directory up", doc: "Non-directories; whiteouts",
    run: "mv m/d1/a m/d1/b; ls m/d1", out: "b\nfroml2\nsub\n", upper: base("./d1/ 755:0", "./d1/a c 0,0", './d1/b 644:0:1 "a\\n"') },

  // ---- permissions (overlayfs.rst "Permission model": the caller is checked against the overlay inode) ----
  { name: "a user cannot write a root file of a lower layer, and nothing is copied up", doc: "Permission model",
    run: `${AS_USER} sh -c 'echo x >> m/f1'`, out: "sh: can't create m/f1: Permission denied\n" },
  { name: "a user writes its own lower file; the copy keeps the owner", doc: "Permission model; Non-directories",
    run: `${AS_USER} sh -c 'echo more >> m/mine'; stat -c %u m/mine`, out: "1000\n", upper: base('./mine 644:1000:1 "mine\\nmore\\n"') },
  { name: "a user creates in a world-writable lower directory", doc: "Permission model",
    run: `${AS_USER} sh -c 'echo n > m/pub/new'; stat -c %u m/pub/new`, out: "1000\n", upper: base("./pub/ 777:0", './pub/new 644:1000:1 "n\\n"') },
  { name: "the sticky bit of a lower directory protects root's file", doc: "Permission model; unlink(2)",
    run: `${AS_USER} rm -f m/sticky/rootfile`, out: "rm: can't remove 'm/sticky/rootfile': Operation not permitted\n" },
  { name: "a user cannot chmod root's lower file", doc: "Permission model; chmod(2)",
    run: `${AS_USER} chmod 777 m/f1`, out: "chmod: m/f1: Operation not permitted\n" },
  { name: "a user reads a read-only lower file", doc: "Permission model",
    run: `${AS_USER} cat m/ro`, out: "ro\n" },

  // ---- layer configurations ----
  { name: "without upperdir the overlay is read-only", doc: "Multiple lower layers (no upperdir: read-only)", opts: "lowerdir=l1:l2",
    run: "cat m/f1; touch m/new; rm m/f1; mkdir m/x; echo x >> m/f1",
    out: "lower1\ntouch: m/new: Read-only file system\nrm: can't remove 'm/f1': Read-only file system\n"
      + "mkdir: can't create directory 'm/x': Read-only file system\n/bin/sh: can't create m/f1: Read-only file system\n" },
  { name: "a read-only mount of an overlay with an upper refuses xattr changes", doc: "mount(2) MS_RDONLY; setxattr(2) EROFS", opts: "ro,lowerdir=l1:l2,upperdir=u,workdir=w",
    run: "ovl set user.x y m/f1; ovl rm user.tag m/f1; ovl get user.tag m/f1", out: 'set user.x: Read-only file system\nrm user.tag: Read-only file system\nm/f1: user.tag="lower"\n' },
  { name: "one lower layer with an upper", doc: "Upper and Lower", opts: "lowerdir=l2,upperdir=u,workdir=w",
    run: "ls m; cat m/shadow m/gone; ls m/op", out: "both\nd1\ngone\nl2dir\nl2file\nop\nshadow\nupfile\nshadow2\ngone\nx\n" },
  { name: "an upper directory can serve as the top lower layer of a read-only overlay", doc: "Multiple lower layers", opts: "lowerdir=u:l1:l2",
    run: "ls m/both; cat m/upfile", out: "b1\nb2\nbu\nup\n" },

  // The host kernel also prints defaults of its configuration (uuid=on; redirect_dir=on for a read-only
  // overlay, which follows redirects Hako never writes): those words are left out of the comparison.
  { name: "/proc/mounts shows the layers as mount(8) gave them", doc: "overlayfs.rst mount options; proc(5) /proc/mounts",
    run: "grep \"^overlay $PWD/m \" /proc/mounts | sed \"s|$PWD|T|; s/,uuid=on//\"", out: "overlay T/m overlay rw,relatime,lowerdir=l1:l2,upperdir=u,workdir=w 0 0\n" },
  { name: "/proc/mounts shows an overlay without upperdir read-only", doc: "Multiple lower layers; proc(5)", opts: "lowerdir=l1:l2",
    run: "grep \"^overlay $PWD/m \" /proc/mounts | sed \"s|$PWD|T|; s/,uuid=on//; s/,redirect_dir=on//\"", out: "overlay T/m overlay ro,relatime,lowerdir=l1:l2 0 0\n" },

  { name: "statfs reports overlayfs's magic", doc: "statfs(2) (OVERLAYFS_SUPER_MAGIC)",
    run: "stat -f -c %t m", out: "794c7630\n" },

  // ---- st_dev, st_ino, st_nlink ----
  { name: "every object reports the overlay's st_dev (layers on one filesystem)", doc: "Overlay objects",
    run: "stat -c %d m m/f1 m/d1 m/upfile m/both/bu | sort -u | wc -l; [ $(stat -c %d m) != $(stat -c %d u) ] && echo overlay-dev",
    out: "1\noverlay-dev\n" },
  { name: "st_ino is the real inode's and survives copy-up", doc: "Overlay objects; Inode properties",
    run: "a=$(stat -c %i m/f1); echo x >> m/f1; [ $a = $(stat -c %i m/f1) ] && echo kept; [ $a = $(stat -c %i l1/f1) ] && echo lower-ino; [ $(stat -c %i m/upfile) = $(stat -c %i u/upfile) ] && echo upper-ino",
    out: "kept\nlower-ino\nupper-ino\n", upper: base('./f1 644:0:1 "lower1\\nx\\n"') },
  { name: "st_ino of a copied-up file survives a remount (trusted.overlay.origin)", doc: "Inode properties",
    run: `a=$(stat -c %i m/f1); echo x >> m/f1; umount m; ${"mount -t overlay overlay -o lowerdir=l1:l2,upperdir=u,workdir=w m"}; [ $a = $(stat -c %i m/f1) ] && echo same-ino; cat m/f1`,
    out: "same-ino\nlower1\nx\n", upper: base('./f1 644:0:1 "lower1\\nx\\n"') },
  { name: "merged directories report one link, others their real count", doc: "ovl_getattr (nlink of merged directories)",
    run: "stat -c '%h %n' m m/both m/d1 m/l2dir m/op m/d1/sub", out: "1 m\n1 m/both\n1 m/d1\n2 m/l2dir\n2 m/op\n2 m/d1/sub\n" },

  // ---- the xattr syscalls themselves (xattr(7), setxattr(2), getxattr(2), listxattr(2), removexattr(2)) ----
  { name: "xattr syscalls on tmpfs: flags, sizes, namespaces, descriptors", doc: "setxattr(2); getxattr(2); listxattr(2); removexattr(2)",
    run: "touch x; ovl probe x", out: PROBE_OUT() },
  { name: "xattr syscalls on a new file of the merged tree agree with tmpfs", doc: "Upper and Lower; setxattr(2)",
    run: "touch m/newf; ovl probe m/newf", out: PROBE_OUT(), upper: base('./newf 644:0:1 ""') },
];

/** What `ovl probe` prints on a file with no attributes yet (the man pages' errors; strerror's words). */
function PROBE_OUT(): string {
  return [
    "set user.a: 0", "create existing: File exists", "replace missing: No data available", "replace existing: 0",
    "bad flags: Invalid argument", "size query: 2", "small buffer: Numerical result out of range", "missing: No data available",
    "name 256: Numerical result out of range", "empty name: Numerical result out of range", "value 65537: Argument list too long",
    "value 65536: 0", "get 65536: 65536", "unknown namespace: Operation not supported", "empty value: 0", "get empty: 0",
    "list size: 23", "list small: Numerical result out of range", "remove: 0", "remove again: No data available",
    "fset: 0", "fget: 2", "flist: 23", "fremove: 0", "bad fd: Bad file descriptor", "no such file: No such file or directory", "",
  ].join("\n");
}

/** mount(2) errors (overlayfs.rst "Upper and Lower", fs/overlayfs/params.c): options and the errno mount(8) reports. */
export const MOUNT_ERRORS: Array<{ name: string; opts: string; errno: string }> = [
  { name: "a missing lower directory", opts: "lowerdir=nope,upperdir=u,workdir=w", errno: "ENOENT" },
  { name: "a lower directory that is a file", opts: "lowerdir=l1/f1,upperdir=u,workdir=w", errno: "EINVAL" },
  { name: "an upper directory that is a file", opts: "lowerdir=l1,upperdir=u/upfile,workdir=w", errno: "EINVAL" },
  { name: "a missing workdir", opts: "lowerdir=l1,upperdir=u,workdir=nope", errno: "ENOENT" },
  { name: "workdir without upperdir", opts: "lowerdir=l1,workdir=w", errno: "EINVAL" },
  { name: "the same lower directory twice (overlapping layers)", opts: "lowerdir=l1:l1", errno: "ELOOP" },
  { name: "a lower directory inside the upper directory (overlapping layers)", opts: "lowerdir=u/both,upperdir=u,workdir=w", errno: "ELOOP" },
  { name: "lowerdir given twice", opts: "lowerdir=l1,lowerdir=l2", errno: "EINVAL" },
  { name: "no lowerdir", opts: "upperdir=u,workdir=w", errno: "EINVAL" },
  { name: "upperdir without workdir", opts: "lowerdir=l1,upperdir=u", errno: "EINVAL" },
  { name: "workdir inside upperdir", opts: "lowerdir=l1,upperdir=u,workdir=u/both", errno: "EINVAL" },
  { name: "workdir on another filesystem than upperdir", opts: "lowerdir=l1,upperdir=u,workdir=other", errno: "EINVAL" },
  { name: "an unknown option", opts: "lowerdir=l1,upperdir=u,workdir=w,frobnicate", errno: "EINVAL" },
  { name: "an empty lowerdir", opts: "lowerdir=,upperdir=u,workdir=w", errno: "EINVAL" },
];
