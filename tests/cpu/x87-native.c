// Native side of tests/cpu/x87.test.ts: runs one x87 instruction per input
// line on this machine's FPU and prints the resulting state.
//
// Input line:  <frstor image, 108 bytes hex> <rflags, 8 bytes hex LE>
//              <memory operand bytes hex, up to 512> <instruction bytes hex>
// The instruction addresses its memory operand as [rdi] (ModRM rm=7).
// Output line: <fxsave64 image: 160 bytes hex, 416 for FXSAVE/FXRSTOR cases> <rflags 8 bytes> <rax 8 bytes> <memory bytes>
// or "MF" when the instruction raised #MF (SIGFPE).
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static void onfpe(int sig) { (void)sig; siglongjmp(jb, 1); }

static int unhex(const char *s, uint8_t *out, int max) {
  int n = 0;
  while (s[0] && s[1] && n < max) {
    unsigned v;
    if (sscanf(s, "%2x", &v) != 1) break;
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}
static void hex(const uint8_t *p, int n) { for (int i = 0; i < n; i++) printf("%02x", p[i]); }

int main(void) {
  static char line[8192], a[4096], b[64], c[2048], d[128];
  static uint8_t image[112] __attribute__((aligned(16)));
  static uint8_t mem[512] __attribute__((aligned(64)));
  static uint8_t fx[512] __attribute__((aligned(64)));
  static uint64_t aux[2];
  uint8_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = onfpe;
  sigaction(SIGFPE, &sa, 0);
  setvbuf(stdout, 0, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%4095s %63s %2047s %127s", a, b, c, d) != 4) continue;
    unhex(a, image, 108);
    uint8_t fl[8];
    unhex(b, fl, 8);
    memcpy(&aux[0], fl, 8);
    aux[1] = 0;
    int memLen = strcmp(c, "-") == 0 ? 0 : unhex(c, mem, 512);
    uint8_t insn[16];
    int n = unhex(d, insn, 16);
    uint8_t *p = code;
    const uint8_t pro[] = {0xdd, 0x26, 0x31, 0xc0, 0xff, 0x31, 0x9d}; // frstor [rsi]; xor eax,eax; push [rcx]; popfq
    memcpy(p, pro, sizeof pro); p += sizeof pro;
    memcpy(p, insn, n); p += n;
    const uint8_t epi[] = {0x48, 0x0f, 0xae, 0x02, 0x9c, 0x8f, 0x01, 0x48, 0x89, 0x41, 0x08, 0xdb, 0xe3, 0xc3};
    memcpy(p, epi, sizeof epi); // fxsave64 [rdx]; pushfq; pop [rcx]; mov [rcx+8],rax; fninit; ret
    memset(fx, 0, sizeof fx);
    unsigned mx = 0x1f80; // FXRSTOR cases change MXCSR, which FNINIT leaves alone
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    if (sigsetjmp(jb, 1)) { printf("MF\n"); continue; }
    void (*fn)(void *, void *, void *, void *) = (void (*)(void *, void *, void *, void *))code;
    fn(mem, image, fx, aux);
    int fxLen = 160;
    for (int i = 0; i < n; i++) if (insn[i] == 0x0f) fxLen = 416;
    hex(fx, fxLen); putchar(' ');
    hex((uint8_t *)&aux[0], 8); putchar(' ');
    hex((uint8_t *)&aux[1], 8); putchar(' ');
    if (memLen) hex(mem, memLen); else putchar('-');
    putchar('\n');
  }
  return 0;
}
