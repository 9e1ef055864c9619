# Spins forever: only a signal (or the instruction limit) ends it.
  .globl _start
_start:
  jmp _start
