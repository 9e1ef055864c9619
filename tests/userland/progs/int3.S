# Hits a breakpoint: SIGTRAP (status 133).
  .globl _start
_start:
  int3
  ud2
