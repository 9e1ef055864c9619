# Writes into its own read-only text segment: SIGSEGV (status 139).
  .globl _start
_start:
  lea _start(%rip), %rax
  movb $0, (%rax)
  ud2
