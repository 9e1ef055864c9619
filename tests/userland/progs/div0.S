# Divides by zero: #DE, SIGFPE (status 136).
  .globl _start
_start:
  xor %ecx, %ecx
  mov $1, %eax
  xor %edx, %edx
  div %ecx
  ud2
