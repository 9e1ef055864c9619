# Writes to an unmapped address: SIGSEGV (status 139).
  .globl _start
_start:
  movq $1, 0x10
  ud2
