# write(1, "hi\n", 3) then exit_group(7), with no libc at all.
  .globl _start
_start:
  mov $1, %eax
  mov $1, %edi
  lea msg(%rip), %rsi
  mov $3, %edx
  syscall
  mov $231, %eax
  mov $7, %edi
  syscall
  ud2
msg: .ascii "hi\n"
