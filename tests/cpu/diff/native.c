// Native side of the differential CPU test: runs instruction snippets on the
// build machine's own CPU from a given register/flag/FPU/memory state and
// reports the resulting state. Built by native.ts with `gcc -O1
// -fno-stack-protector` (the signal handler must not touch TLS before it
// restores FS); reads the case file (format in layout.ts) on stdin, writes
// results on stdout.
//
// Each snippet runs at a fixed address (CODE_ADDR) with a data region and a
// stack region at fixed addresses, exactly where the emulator maps them, so
// addresses, RIP-relative operands and pushed return addresses agree. The
// snippet is followed by `jmp *0(%rip)` back into hk_exit. Faults arrive as
// signals on an alternate stack (the snippet's RSP points into the small
// stack region) and are reported with the signal context's registers.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x10000000UL
#define CODE_SIZE 0x2000UL
#define DATA_ADDR 0x20000000UL
#define DATA_SIZE 0x2000UL
#define STACK_ADDR 0x30000000UL
#define STACK_SIZE 0x1000UL
#define CTX_ADDR 0x40000000UL
#define RO_ADDR 0x20004000UL
#define IMAGE_SIZE (DATA_SIZE + STACK_SIZE)
#define MAGIC_IN 0x4b414831u
#define IN_HAS_FX 1u
#define IN_WANT_FX 2u

// The context page at CTX_ADDR; the asm below addresses these fields
// absolutely (CTX_ADDR fits a sign-extended disp32), so no register is
// needed to reach them while all 16 GPRs belong to the snippet.
struct ctx {
  uint64_t gpr_in[16];   // 0x000
  uint64_t rflags_in;    // 0x080
  uint64_t host_rsp;     // 0x088
  uint64_t entry;        // 0x090
  uint64_t gpr_out[16];  // 0x098
  uint64_t rflags_out;   // 0x118
  uint64_t fs_in;        // 0x120 (0: leave the host's)
  uint64_t gs_in;        // 0x128
  uint64_t host_fs;      // 0x130
  uint64_t host_gs;      // 0x138
  uint8_t pad[0x200 - 0x140];
  uint8_t fx_in[512];    // 0x200
  uint8_t fx_out[512];   // 0x400
};
#define CTX ((struct ctx *)CTX_ADDR)

void hk_run(void);
void hk_exit(void);

// hk_run: load the case state and jump to the snippet. Flags go first (popfq
// needs a stack: use the host's), then FPU/SSE state, then GPRs, RSP last.
// hk_exit: store GPRs (RSP included), switch back to the host stack, then
// capture RFLAGS and the FXSAVE image, and restore an ABI-clean FPU state.
__asm__(
  ".text\n"
  ".globl hk_run\n"
  "hk_run:\n"
  "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
  "  movq %rsp, 0x40000088\n"
  // FS/GS bases for segment-override cases (FSGSBASE instructions; glibc's TLS
  // lives in FS, so it is restored before any C code runs again).
  "  rdfsbase %rax\n movq %rax, 0x40000130\n rdgsbase %rax\n movq %rax, 0x40000138\n"
  "  movq 0x40000120, %rax\n test %rax, %rax\n jz 1f\n wrfsbase %rax\n1:\n"
  "  movq 0x40000128, %rax\n test %rax, %rax\n jz 2f\n wrgsbase %rax\n2:\n"
  "  fxrstor64 0x40000200\n"
  "  pushq 0x40000080\n"
  "  popfq\n"
  "  movq 0x40000008, %rcx\n movq 0x40000010, %rdx\n movq 0x40000018, %rbx\n"
  "  movq 0x40000028, %rbp\n movq 0x40000030, %rsi\n movq 0x40000038, %rdi\n"
  "  movq 0x40000040, %r8\n movq 0x40000048, %r9\n movq 0x40000050, %r10\n"
  "  movq 0x40000058, %r11\n movq 0x40000060, %r12\n movq 0x40000068, %r13\n"
  "  movq 0x40000070, %r14\n movq 0x40000078, %r15\n"
  "  movq 0x40000000, %rax\n"
  "  movq 0x40000020, %rsp\n"
  "  jmp *0x40000090\n"
  ".globl hk_exit\n"
  "hk_exit:\n"
  "  movq %rax, 0x40000098\n movq %rcx, 0x400000a0\n movq %rdx, 0x400000a8\n"
  "  movq %rbx, 0x400000b0\n movq %rsp, 0x400000b8\n movq %rbp, 0x400000c0\n"
  "  movq %rsi, 0x400000c8\n movq %rdi, 0x400000d0\n movq %r8, 0x400000d8\n"
  "  movq %r9, 0x400000e0\n movq %r10, 0x400000e8\n movq %r11, 0x400000f0\n"
  "  movq %r12, 0x400000f8\n movq %r13, 0x40000100\n movq %r14, 0x40000108\n"
  "  movq %r15, 0x40000110\n"
  "  movq 0x40000088, %rsp\n"
  "  pushfq\n"
  "  movq 0x40000130, %rax\n wrfsbase %rax\n movq 0x40000138, %rax\n wrgsbase %rax\n"
  "  popq 0x40000118\n"
  "  fxsave64 0x40000400\n"
  "  cld\n"
  "  fninit\n"
  "  pushq $0x1f80\n ldmxcsr (%rsp)\n popq %rax\n"
  "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
  "  ret\n");

static sigjmp_buf jb;
static volatile int f_signo, f_code;
static volatile uint64_t f_err, f_trapno;
static volatile uint64_t f_addr, f_rip, f_flags, f_gpr[16];
static uint8_t f_fx[512];

static void on_fault(int sig, siginfo_t *si, void *uc_) {
  // The snippet may have run with a foreign FS base: give glibc its TLS back first.
  __asm__ volatile("movq 0x40000130, %%rax\n wrfsbase %%rax\n movq 0x40000138, %%rax\n wrgsbase %%rax" ::: "rax", "memory");
  ucontext_t *uc = uc_;
  greg_t *g = uc->uc_mcontext.gregs;
  static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  f_signo = sig;
  f_code = si->si_code;
  f_addr = (uint64_t)si->si_addr;
  for (int i = 0; i < 16; i++) f_gpr[i] = (uint64_t)g[order[i]];
  f_rip = (uint64_t)g[REG_RIP];
  f_err = (uint64_t)g[REG_ERR];      // the hardware error code (page faults: P, W, U, I bits)
  f_trapno = (uint64_t)g[REG_TRAPNO];
  f_flags = (uint64_t)g[REG_EFL];
  if (uc->uc_mcontext.fpregs) memcpy(f_fx, uc->uc_mcontext.fpregs, 512);
  else memset(f_fx, 0, 512);
  siglongjmp(jb, 1);
}

static void *map_fixed(uint64_t addr, size_t len, int prot) {
  void *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)addr) { perror("mmap"); exit(2); }
  return p;
}

static uint8_t *read_all(size_t *len) {
  size_t cap = 1 << 20, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    ssize_t r = read(0, buf + n, cap - n);
    if (r < 0) { perror("read"); exit(2); }
    if (r == 0) break;
    n += (size_t)r;
  }
  *len = n;
  return buf;
}

static void put(const void *p, size_t n) {
  if (fwrite(p, 1, n, stdout) != n) { perror("write"); exit(2); }
}

int main(void) {
  map_fixed(CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  uint8_t *data = map_fixed(DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE);
  uint8_t *stack = map_fixed(STACK_ADDR, STACK_SIZE, PROT_READ | PROT_WRITE);
  map_fixed(CTX_ADDR, 0x1000, PROT_READ | PROT_WRITE);
  map_fixed(RO_ADDR, 0x1000, PROT_READ); // zero-filled, read-only: write faults are protection faults
  // Touch it, so Linux maps the zero page now: a write then faults with P=1 as on a present page.
  (void)*(volatile uint8_t *)RO_ADDR;

  // Segment-override cases set FS/GS bases with WRFSBASE/WRGSBASE (Linux >= 5.9 enables them).
  if (!(getauxval(AT_HWCAP2) & 2)) { fprintf(stderr, "FSGSBASE not enabled by the kernel\n"); return 2; }
  __asm__ volatile("rdfsbase %%rax\n movq %%rax, 0x40000130\n rdgsbase %%rax\n movq %%rax, 0x40000138" ::: "rax", "memory");
  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL)) { perror("sigaltstack"); return 2; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  alarm(600); // a runaway snippet must not hang the test forever

  size_t len;
  uint8_t *in = read_all(&len);
  uint32_t magic, count;
  memcpy(&magic, in, 4);
  memcpy(&count, in + 4, 4);
  if (len < 8 + IMAGE_SIZE || magic != MAGIC_IN) { fprintf(stderr, "bad input\n"); return 2; }
  const uint8_t *image = in + 8;
  size_t pos = 8 + IMAGE_SIZE;
  static uint8_t initial[IMAGE_SIZE], fx_default[512] __attribute__((aligned(16)));
  fx_default[0] = 0x7f; fx_default[1] = 0x03;            // FCW 0x037F (FNINIT)
  fx_default[24] = 0x80; fx_default[25] = 0x1f;          // MXCSR 0x1F80
  static uint32_t diffs[IMAGE_SIZE];
  setvbuf(stdout, NULL, _IOFBF, 1 << 20);

  for (uint32_t c = 0; c < count; c++) {
    uint32_t rec, flags, code_len, npatch;
    const uint8_t *r = in + pos;
    memcpy(&rec, r, 4); memcpy(&flags, r + 4, 4); memcpy(&code_len, r + 8, 4); memcpy(&npatch, r + 12, 4);
    memcpy(CTX->gpr_in, r + 16, 128);
    memcpy(&CTX->rflags_in, r + 144, 8);
    memcpy(&CTX->fs_in, r + 152, 8);
    memcpy(&CTX->gs_in, r + 160, 8);
    const uint8_t *p = r + 168;
    uint8_t *code = (uint8_t *)CODE_ADDR;
    if (code_len > CODE_SIZE) { fprintf(stderr, "snippet too long\n"); return 2; }
    memcpy(code, p, code_len);
    p += code_len;
    // jmp *0(%rip); .quad hk_exit — unless the snippet fills the code pages (it must then never reach its end).
    if (code_len + 14 <= CODE_SIZE) {
      code[code_len] = 0xff; code[code_len + 1] = 0x25; memset(code + code_len + 2, 0, 4);
      uint64_t exit_addr = (uint64_t)&hk_exit;
      memcpy(code + code_len + 6, &exit_addr, 8);
    }
    memcpy(initial, image, IMAGE_SIZE);
    for (uint32_t i = 0; i < npatch; i++) {
      uint32_t off, n;
      memcpy(&off, p, 4); memcpy(&n, p + 4, 4);
      memcpy(initial + off, p + 8, n);
      p += 8 + n;
    }
    memcpy(CTX->fx_in, (flags & IN_HAS_FX) ? p : fx_default, 512);
    memcpy(data, initial, DATA_SIZE);
    memcpy(stack, initial + DATA_SIZE, STACK_SIZE);
    CTX->entry = CODE_ADDR;
    pos += rec;

    uint32_t hdr[6] = {0, 0, 0, 0, 0, 0};
    uint64_t addr = 0, rip, rflags, gpr[16];
    const uint8_t *fx;
    f_signo = 0;
    if (sigsetjmp(jb, 1) == 0) {
      hk_run();
      memcpy(gpr, CTX->gpr_out, 128);
      rip = CODE_ADDR + code_len;
      rflags = CTX->rflags_out;
      fx = CTX->fx_out;
    } else {
      // Back from the handler: give C an ABI-clean FPU state again.
      __asm__ volatile("cld\n fninit\n pushq $0x1f80\n ldmxcsr (%%rsp)\n popq %%rax" ::: "rax", "memory");
      hdr[1] = (uint32_t)f_signo;
      hdr[2] = (uint32_t)f_code;
      hdr[4] = (uint32_t)f_trapno;
      hdr[5] = (uint32_t)f_err;
      addr = f_addr;
      for (int i = 0; i < 16; i++) gpr[i] = f_gpr[i];
      rip = f_rip;
      rflags = f_flags;
      fx = f_fx;
    }
    uint32_t nd = 0;
    for (uint32_t i = 0; i < DATA_SIZE; i++)
      if (data[i] != initial[i]) diffs[nd++] = i | (uint32_t)data[i] << 24;
    for (uint32_t i = 0; i < STACK_SIZE; i++)
      if (stack[i] != initial[DATA_SIZE + i]) diffs[nd++] = (uint32_t)(DATA_SIZE + i) | (uint32_t)stack[i] << 24;
    int want_fx = (flags & IN_WANT_FX) != 0;
    hdr[3] = nd;
    hdr[0] = 24 + 8 + 128 + 16 + (want_fx ? 512 : 0) + 4 * nd;
    put(hdr, 24);
    put(&addr, 8);
    put(gpr, 128);
    put(&rip, 8);
    put(&rflags, 8);
    if (want_fx) put(fx, 512);
    put(diffs, 4 * nd);
  }
  fflush(stdout);
  return 0;
}
