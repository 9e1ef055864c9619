/* Function-call cost (bench/calls.ts): the same loop with its body inline,
 * as a call to a leaf function, and as a call to a function that saves
 * registers and calls the leaf twice. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long leaf(long x) { return x * 3 + 1; }
__attribute__((noinline)) long outer(long x) {
  long a = leaf(x), b = leaf(x + a);
  return a ^ b;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[2]), s = 0;
  switch (argv[1][0]) {
  case 'i': for (long i = 0; i < n; i++) { s += i * 3 + 1; __asm__ volatile("" : "+r"(s)); } break;
  case 'l': for (long i = 0; i < n; i++) s += leaf(i); break;
  case 'o': for (long i = 0; i < n; i++) s += outer(i); break;
  default: return 2;
  }
  printf("%ld\n", s);
  return 0;
}
