// The x86-64 syscall table (after gVisor's per-architecture maps): one row
// per number with its name, handler and support status. Numbers without a
// handler, or marked unsupported, go to one fallback that counts them and
// returns ENOSYS. The rows are the source of the compatibility page.
// This file is long because it lists every syscall number; the handlers live
// in the family files next to it.
import type { Handler } from "./types";
import * as fs from "./fs";
import * as xattr from "./xattr";
import * as io from "./io";
import * as proc from "./proc";
import * as mm from "./mm";
import * as time from "./time";
import * as sig from "./signal";
import * as pipe from "../pipe";
import * as reboot from "./reboot";
import * as restart from "../signal/restart";
import * as sock from "./socket";
import * as mount from "./mount";
import * as ns from "./ns";
import * as syslog from "./syslog";

export type Status = "full" | "partial" | "unsupported";

export interface SyscallRow {
  nr: number;
  name: string;
  status: Status;
  /** Why support is partial or missing. */
  note: string;
  handler: Handler | null;
}

/** Linux x86-64 syscall names by number (arch/x86/entry/syscalls/syscall_64.tbl); "" for unused numbers. */
const NAMES = [
  "read write open close stat fstat lstat poll lseek mmap",
  "mprotect munmap brk rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv",
  "writev access pipe select sched_yield mremap msync mincore madvise shmget",
  "shmat shmctl dup dup2 pause nanosleep getitimer alarm setitimer getpid",
  "sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind",
  "listen getsockname getpeername socketpair setsockopt getsockopt clone fork vfork execve",
  "exit wait4 kill uname semget semop semctl shmdt msgget msgsnd",
  "msgrcv msgctl fcntl flock fsync fdatasync truncate ftruncate getdents getcwd",
  "chdir fchdir rename mkdir rmdir creat link unlink symlink readlink",
  "chmod fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo",
  "times ptrace getuid syslog getgid setuid setgid geteuid getegid setpgid",
  "getppid getpgrp setsid setreuid setregid getgroups setgroups setresuid getresuid setresgid",
  "getresgid getpgid setfsuid setfsgid getsid capget capset rt_sigpending rt_sigtimedwait rt_sigqueueinfo",
  "rt_sigsuspend sigaltstack utime mknod uselib personality ustat statfs fstatfs sysfs",
  "getpriority setpriority sched_setparam sched_getparam sched_setscheduler sched_getscheduler sched_get_priority_max sched_get_priority_min sched_rr_get_interval mlock",
  "munlock mlockall munlockall vhangup modify_ldt pivot_root _sysctl prctl arch_prctl adjtimex",
  "setrlimit chroot sync acct settimeofday mount umount2 swapon swapoff reboot",
  "sethostname setdomainname iopl ioperm create_module init_module delete_module get_kernel_syms query_module quotactl",
  "nfsservctl getpmsg putpmsg afs_syscall tuxcall security gettid readahead setxattr lsetxattr",
  "fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr",
  "tkill time futex sched_setaffinity sched_getaffinity set_thread_area io_setup io_destroy io_getevents io_submit",
  "io_cancel get_thread_area lookup_dcookie epoll_create epoll_ctl_old epoll_wait_old remap_file_pages getdents64 set_tid_address restart_syscall",
  "semtimedop fadvise64 timer_create timer_settime timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime clock_getres",
  "clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes vserver mbind set_mempolicy get_mempolicy",
  "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr kexec_load waitid add_key request_key",
  "keyctl ioprio_set ioprio_get inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat mkdirat mknodat",
  "fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat",
  "pselect6 ppoll unshare set_robust_list get_robust_list splice tee sync_file_range vmsplice move_pages",
  "utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime timerfd_gettime accept4 signalfd4",
  "eventfd2 epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open recvmmsg",
  "fanotify_init fanotify_mark prlimit64 name_to_handle_at open_by_handle_at clock_adjtime syncfs sendmmsg setns getcpu",
  "process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr renameat2 seccomp getrandom memfd_create",
  "kexec_file_load bpf execveat userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect",
  "pkey_alloc pkey_free statx io_pgetevents rseq     ",
  "         ",
  "         ",
  "         ",
  "         ",
  "         ",
  "         ",
  "         ",
  "         ",
  "    pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree move_mount",
  "fsopen fsconfig fsmount fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2",
  "process_madvise epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule landlock_restrict_self memfd_secret process_mrelease futex_waitv",
  "set_mempolicy_home_node cachestat fchmodat2 map_shadow_stack futex_wake futex_wait futex_requeue statmount listmount lsm_get_self_attr",
  "lsm_set_self_attr lsm_list_modules mseal",].join(" ").split(" ");

type Impl = [Handler | null, Status, string?];

const MKNOD = "FIFOs and sockets are made but do not open yet (ENXIO); device numbers without a driver, and /dev/tty, /dev/console, /dev/ptmx until ptys exist, open with ENXIO";

/** Implemented calls: [handler, status, note]. */
const IMPL: Record<string, Impl> = {
  read: [io.sysRead, "full"],
  write: [io.sysWrite, "full"],
  open: [fs.sysOpen, "partial", "named FIFOs and sockets open with ENXIO (no named pipes yet)"],
  openat: [fs.sysOpenat, "partial", "named FIFOs and sockets open with ENXIO (no named pipes yet)"],
  close: [io.sysClose, "full"],
  stat: [fs.sysStat, "full"],
  fstat: [fs.sysFstat, "full"],
  lstat: [fs.sysLstat, "full"],
  newfstatat: [fs.sysNewfstatat, "full"],
  statx: [fs.sysStatx, "partial", "basic fields and mount id; no birth time or attributes"],
  lseek: [io.sysLseek, "full"],
  pread64: [io.sysPread64, "full"],
  pwrite64: [fs.sysPwrite64, "full"],
  preadv: [fs.sysPreadv, "full"],
  pwritev: [fs.sysPwritev, "full"],
  preadv2: [fs.sysPreadv2, "partial", "RWF_* flags accepted and ignored (I/O is synchronous)"],
  pwritev2: [fs.sysPwritev2, "partial", "RWF_* flags accepted and ignored (I/O is synchronous)"],
  readv: [io.sysReadv, "full"],
  writev: [io.sysWritev, "full"],
  sendfile: [io.sysSendfile, "full"],
  access: [fs.sysAccess, "full"],
  faccessat: [fs.sysFaccessat, "full"],
  faccessat2: [fs.sysFaccessat2, "full"],
  ioctl: [io.sysIoctl, "partial", "termios queries on tty devices, FIONREAD, FIOCLEX, the SIOCGIF*/SIOCSIF* device ioctls on sockets; ENOTTY otherwise"],
  fcntl: [io.sysFcntl, "partial", "record locks are kept and conflict, but F_SETLKW cannot wait yet (EDEADLK); no leases, owners or seals"],
  dup: [io.sysDup, "full"],
  dup2: [io.sysDup2, "full"],
  dup3: [io.sysDup3, "full"],
  getdents64: [fs.sysGetdents64, "full"],
  getcwd: [fs.sysGetcwd, "full"],
  chdir: [fs.sysChdir, "full"],
  fchdir: [fs.sysFchdir, "full"],
  readlink: [fs.sysReadlink, "full"],
  readlinkat: [fs.sysReadlinkat, "full"],
  umask: [fs.sysUmask, "full"],
  setxattr: [xattr.sysSetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  lsetxattr: [xattr.sysLsetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  fsetxattr: [xattr.sysFsetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  getxattr: [xattr.sysGetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  lgetxattr: [xattr.sysLgetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  fgetxattr: [xattr.sysFgetxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  listxattr: [xattr.sysListxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  llistxattr: [xattr.sysLlistxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  flistxattr: [xattr.sysFlistxattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  removexattr: [xattr.sysRemovexattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  lremovexattr: [xattr.sysLremovexattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  fremovexattr: [xattr.sysFremovexattr, "partial", "user., trusted. (root) and security. on tmpfs and the overlay (which hides trusted.overlay.*); other filesystems EOPNOTSUPP; no system.posix_acl_*"],
  fadvise64: [io.sysFadvise64, "full"],
  flock: [io.sysFlock, "partial", "one process: every lock is granted"],
  close_range: [io.sysCloseRange, "full"],
  statfs: [fs.sysStatfs, "full"],
  fstatfs: [fs.sysFstatfs, "full"],
  poll: [io.sysPoll, "partial", "pipes wait for data/room; files and host-wired devices are always ready"],
  ppoll: [io.sysPpoll, "partial", "the remaining time is not written back"],
  select: [io.sysSelect, "partial", "pipes wait for data/room; files and host-wired devices are always ready; the remaining time is not written back"],
  pselect6: [io.sysPselect6, "partial", "the remaining time is not written back"],
  fsync: [fs.sysFsync, "full"],
  fdatasync: [fs.sysFsync, "full"],
  syncfs: [fs.sysFsync, "full"],
  sync: [fs.sysSync, "full"],
  ftruncate: [fs.sysFtruncate, "full"],
  truncate: [fs.sysTruncate, "full"],
  mkdir: [fs.sysMkdir, "full"],
  mkdirat: [fs.sysMkdirat, "full"],
  rmdir: [fs.sysRmdir, "full"],
  unlink: [fs.sysUnlink, "full"],
  unlinkat: [fs.sysUnlinkat, "full"],
  rename: [fs.sysRename, "full"],
  renameat: [fs.sysRenameat, "full"],
  renameat2: [fs.sysRenameat2, "partial", "RENAME_WHITEOUT is EINVAL; lower-layer directories of the overlay root cannot move (EXDEV, as overlayfs without redirect_dir)"],
  link: [fs.sysLink, "full"],
  linkat: [fs.sysLinkat, "full"],
  symlink: [fs.sysSymlink, "full"],
  symlinkat: [fs.sysSymlinkat, "full"],
  creat: [fs.sysCreat, "full"],
  mknod: [fs.sysMknod, "partial", MKNOD],
  mknodat: [fs.sysMknodat, "partial", MKNOD],
  chmod: [fs.sysChmod, "full"],
  fchmod: [fs.sysFchmod, "full"],
  fchmodat: [fs.sysFchmodat, "full"],
  fchmodat2: [fs.sysFchmodat2, "full"],
  chown: [fs.sysChown, "full"],
  fchown: [fs.sysFchown, "full"],
  lchown: [fs.sysLchown, "full"],
  fchownat: [fs.sysFchownat, "full"],
  utimensat: [fs.sysUtimensat, "full"],
  futimesat: [fs.sysFutimesat, "full"],
  utimes: [fs.sysUtimes, "full"],
  utime: [fs.sysUtime, "full"],
  chroot: [fs.sysChroot, "full"],
  mount: [mount.sysMount, "partial", "types from fs/fstypes.ts (tmpfs, proc, devtmpfs, devpts, and those other modules register); MS_BIND/MS_REC, MS_REMOUNT, MS_MOVE; propagation types recorded and shown in mountinfo but never propagated; no block devices"],
  umount2: [mount.sysUmount2, "partial", "MNT_FORCE is the same as without it; MNT_EXPIRE always EAGAIN"],
  pivot_root: [mount.sysPivotRoot, "full"],
  fallocate: [fs.sysFallocate, "partial", "modes 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE; COLLAPSE/ZERO/INSERT_RANGE are EOPNOTSUPP"],
  brk: [mm.sysBrk, "full"],
  mmap: [mm.sysMmap, "partial", "file pages come from the shared page cache, copied on write for MAP_PRIVATE; a writable MAP_SHARED file mapping gives EACCES"],
  munmap: [mm.sysMunmap, "full"],
  mprotect: [mm.sysMprotect, "partial", "no PROT_GROWSDOWN/PROT_GROWSUP"],
  mremap: [mm.sysMremap, "partial", "pages added to a MAP_SHARED anonymous mapping by growing it are not shared with other processes"],
  madvise: [mm.sysMadvise, "partial", "advice ignored except MADV_DONTNEED on anonymous memory"],
  msync: [mm.sysMemNoop, "full"],
  mlock: [mm.sysMemNoop, "full"],
  munlock: [mm.sysMemNoop, "full"],
  mlockall: [mm.sysMemNoop, "full"],
  munlockall: [mm.sysMemNoop, "full"],

  exit: [proc.sysExit, "full"],
  exit_group: [proc.sysExitGroup, "full"],
  getpid: [proc.sysGetpid, "full"],
  gettid: [proc.sysGettid, "full"],
  getppid: [proc.sysGetppid, "full"],
  getuid: [proc.sysGetuid, "full"],
  syslog: [syslog.sysSyslog, "partial", "the kernel log (OOM kills); SYSLOG_ACTION_READ does not wait for new messages"],
  geteuid: [proc.sysGeteuid, "full"],
  getgid: [proc.sysGetgid, "full"],
  getegid: [proc.sysGetegid, "full"],
  getresuid: [proc.sysGetresuid, "full"],
  getresgid: [proc.sysGetresgid, "full"],
  getgroups: [proc.sysGetgroups, "full"],
  setresuid: [proc.sysSetresuid, "partial", "no capability model: root may set any id"],
  setresgid: [proc.sysSetresgid, "partial", "no capability model: root may set any id"],
  setgroups: [proc.sysSetgroups, "partial", "no capability model"],
  sched_getscheduler: [proc.sysSchedGetscheduler, "full"],
  sched_getparam: [proc.sysSchedGetparam, "full"],
  setuid: [proc.sysSetuid, "partial", "no capability model"],
  setgid: [proc.sysSetgid, "partial", "no capability model"],
  getpgrp: [proc.sysGetpgrp, "full"],
  getpgid: [proc.sysGetpgid, "full"],
  getsid: [proc.sysGetsid, "full"],
  setpgid: [proc.sysSetpgid, "partial", "a child that has already called execve can still be moved (no EACCES)"],
  setsid: [proc.sysSetsid, "full"],
  set_tid_address: [proc.sysSetTidAddress, "full"],
  set_robust_list: [proc.sysSetRobustList, "full"],
  arch_prctl: [proc.sysArchPrctl, "partial", "FS/GS base only"],
  uname: [proc.sysUname, "full"],
  prlimit64: [proc.sysPrlimit64, "partial", "limits are recorded, only RLIMIT_STACK is applied"],
  getrlimit: [proc.sysGetrlimit, "full"],
  setrlimit: [proc.sysSetrlimit, "partial", "recorded, not enforced"],
  prctl: [proc.sysPrctl, "partial", "names, dumpable, pdeathsig, no_new_privs"],
  getrandom: [proc.sysGetrandom, "full"],
  sysinfo: [proc.sysSysinfo, "partial", "no load averages, swap or shared memory"],
  sched_getaffinity: [proc.sysSchedGetaffinity, "full"],
  sched_yield: [proc.sysSchedYield, "full"],
  getpriority: [proc.sysGetpriority, "partial", "always nice 0"],
  setpriority: [proc.sysSetpriority, "partial", "accepted, not applied"],
  getcpu: [proc.sysGetcpu, "full"],
  personality: [proc.sysPersonality, "partial", "recorded, no effect"],
  rseq: [null, "unsupported", "glibc tolerates ENOSYS"],
  execve: [proc.sysExecve, "partial", "static ELF and #! scripts; no ELF interpreter yet"],
  execveat: [proc.sysExecveat, "partial", "a dirfd-relative path uses the path the directory was opened with"],
  clone: [proc.sysClone, "partial", "CLONE_NEWNS/NEWUTS/NEWIPC/NEWNET/NEWPID/NEWCGROUP; CLONE_NEWUSER is EINVAL (no user namespaces); no CLONE_PIDFD or ptrace"],
  unshare: [ns.sysUnshare, "partial", "CLONE_NEWNS/NEWUTS/NEWIPC/NEWNET/NEWPID/NEWCGROUP, CLONE_FS, CLONE_FILES; CLONE_NEWUSER and CLONE_NEWTIME are EINVAL"],
  setns: [ns.sysSetns, "partial", "fds of /proc/PID/ns/* files (not pidfds); user and time namespaces cannot be joined"],
  shmget: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  shmat: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  shmctl: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  shmdt: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  semget: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  semop: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  semctl: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  semtimedop: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  msgget: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  msgsnd: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  msgrcv: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  msgctl: [null, "unsupported", "SysV IPC is ENOSYS; IPC namespaces (CLONE_NEWIPC) exist with their identity only"],
  clone3: [proc.sysClone3, "unsupported", "glibc falls back to clone"],
  fork: [proc.sysFork, "full"],
  vfork: [proc.sysVfork, "full"],
  wait4: [proc.sysWait4, "partial", "rusage is zeros"],
  waitid: [proc.sysWaitid, "partial", "no P_PIDFD; rusage is zeros"],
  futex: [proc.sysFutex, "partial", "WAIT/WAKE and their BITSET forms; no requeue, WAKE_OP or PI"],
  pipe: [pipe.sysPipe, "full"],
  pipe2: [pipe.sysPipe2, "partial", "no O_DIRECT packet mode"],

  socket: [sock.sysSocket, "partial", "AF_NETLINK (NETLINK_ROUTE), AF_INET/AF_INET6 UDP, TCP (over lo, dual stack) and raw ICMP (root); AF_UNIX EAFNOSUPPORT, other raw protocols EPROTONOSUPPORT, unprivileged ping sockets EACCES for now"],
  socketpair: [sock.sysSocketpair, "partial", "no AF_UNIX yet: EAFNOSUPPORT (EOPNOTSUPP for inet and netlink, as Linux)"],
  bind: [sock.sysBind, "full"],
  connect: [sock.sysConnect, "partial", "TCP over lo connects at once (EINPROGRESS when non-blocking); only the namespace's own addresses are reachable"],
  listen: [sock.sysListen, "full"],
  accept: [sock.sysAccept, "full"],
  accept4: [sock.sysAccept4, "full"],
  getsockname: [sock.sysGetsockname, "full"],
  getpeername: [sock.sysGetpeername, "full"],
  sendto: [sock.sysSendto, "partial", "netlink requests to the kernel, UDP/TCP/ICMP over lo; no MSG_OOB"],
  recvfrom: [sock.sysRecvfrom, "partial", "MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, SO_RCVTIMEO; no MSG_OOB, MSG_WAITALL returns what is there"],
  sendmsg: [sock.sysSendmsg, "partial", "no ancillary data (SCM_RIGHTS/SCM_CREDENTIALS ignored)"],
  recvmsg: [sock.sysRecvmsg, "partial", "msg_flags reports MSG_TRUNC/MSG_CTRUNC; ancillary data only the ICMPv6 hop limit"],
  shutdown: [sock.sysShutdown, "full"],
  setsockopt: [sock.sysSetsockopt, "partial", "SO_SNDBUF/RCVBUF/RCVTIMEO/REUSEADDR and netlink's applied; other options recorded and returned by getsockopt"],
  getsockopt: [sock.sysGetsockopt, "full"],
  sethostname: [proc.sysSethostname, "full"],
  reboot: [reboot.sysReboot, "partial", "halt, power off and restart stop the machine (the host decides what a restart does); no RESTART2 argument, KEXEC or SW_SUSPEND"],
  setreuid: [proc.sysSetreuid, "partial", "no capability model: root may set any id"],
  setregid: [proc.sysSetregid, "partial", "no capability model: root may set any id"],
  setfsuid: [proc.sysSetfsuid, "full"],
  setfsgid: [proc.sysSetfsgid, "full"],
  sched_setaffinity: [proc.sysSchedSetaffinity, "partial", "one CPU"],
  setdomainname: [proc.sysSetdomainname, "full"],

  clock_gettime: [time.sysClockGettime, "full"],
  clock_getres: [time.sysClockGetres, "full"],
  gettimeofday: [time.sysGettimeofday, "full"],
  time: [time.sysTime, "full"],
  nanosleep: [time.sysNanosleep, "full"],
  clock_nanosleep: [time.sysClockNanosleep, "partial", "every clock sleeps on the monotonic one (a CLOCK_REALTIME relative sleep ignores clock changes, CPU-time clocks count wall time)"],
  restart_syscall: [restart.sysRestartSyscall, "full"],
  times: [time.sysTimes, "partial", "user time only"],
  getrusage: [time.sysGetrusage, "partial", "user time only"],

  rt_sigaction: [sig.sysRtSigaction, "full"],
  rt_sigprocmask: [sig.sysRtSigprocmask, "full"],
  rt_sigpending: [sig.sysRtSigpending, "full"],
  rt_sigreturn: [sig.sysRtSigreturn, "partial", "FXSAVE-format FPU state only (no XSAVE area)"],
  sigaltstack: [sig.sysSigaltstack, "full"],
  kill: [sig.sysKill, "full"],
  tgkill: [sig.sysTgkill, "full"],
  tkill: [sig.sysTkill, "full"],
  rt_sigqueueinfo: [sig.sysRtSigqueueinfo, "full"],
  rt_tgsigqueueinfo: [sig.sysRtTgsigqueueinfo, "full"],
  rt_sigsuspend: [sig.sysRtSigsuspend, "full"],
  pause: [sig.sysPause, "full"],
  rt_sigtimedwait: [sig.sysRtSigtimedwait, "full"],
  alarm: [sig.sysAlarm, "full"],
  setitimer: [sig.sysSetitimer, "partial", "ITIMER_VIRTUAL and ITIMER_PROF count the time spent in the CPU (kernel-model time is not charged to ITIMER_PROF)"],
  getitimer: [sig.sysGetitimer, "partial", "ITIMER_VIRTUAL and ITIMER_PROF count the time spent in the CPU (kernel-model time is not charged to ITIMER_PROF)"],
};

/** One row per number 0..NAMES.length-1. */
export const SYSCALLS: SyscallRow[] = NAMES.map((name, nr) => {
  const impl = IMPL[name];
  if (!impl || impl[1] === "unsupported" || !impl[0]) {
    return { nr, name, status: "unsupported", note: impl?.[2] ?? (name ? "not implemented" : "unused number"), handler: null };
  }
  return { nr, name, status: impl[1], note: impl[2] ?? "", handler: impl[0] };
});

for (const name of Object.keys(IMPL)) {
  if (!NAMES.includes(name)) throw new Error(`syscall table: ${name} has a handler but no number`);
}

export function syscallName(nr: number): string {
  return SYSCALLS[nr]?.name || `syscall_${nr}`;
}

/** The compatibility page: one Markdown table row per number that has a name. */
export function syscallsMarkdown(): string {
  const count = (s: Status): number => SYSCALLS.filter((r) => r.name && r.status === s).length;
  const head = [
    "# Hako syscall compatibility (x86-64)",
    "",
    "Generated from `src/kernel/syscall/table.ts`. Unsupported calls return `ENOSYS`.",
    "",
    `full: ${count("full")} · partial: ${count("partial")} · unsupported: ${count("unsupported")}`,
    "",
    "| # | name | status | note |",
    "|---:|---|---|---|",
  ];
  const rows = SYSCALLS.filter((r) => r.name).map((r) => `| ${r.nr} | ${r.name} | ${r.status} | ${r.status === "full" ? "" : r.note} |`);
  return [...head, ...rows, ""].join("\n");
}
