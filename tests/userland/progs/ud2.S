# Executes an undefined instruction: the kernel must send SIGILL (status 132).
  .globl _start
_start:
  ud2
