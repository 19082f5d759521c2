/* SPDX-License-Identifier: BSD-2-Clause */
/* The first instruction of every runtime-mode image, the root task's and each component's.
 * seL4 starts the root task with no stack and its bootinfo address in rdi; the root task starts
 * components the same way, with their start record in rdi (seL4 manual, "Root Task"; x86_64
 * SysV ABI: the first argument is rdi and rsp is 16-byte aligned before a call). */
    .section .text.start, "ax", @progbits
    .global _start
    .type _start, @function
_start:
    leaq kaal_stack_top(%rip), %rsp
    xorl %ebp, %ebp
    call kaal_runtime_start
    /* kaal_runtime_start does not return; if it ever did, stop here instead of running on. */
1:  ud2
    jmp 1b
    .size _start, . - _start

    .section .bss.kaal_stack, "aw", @nobits
    .balign 16
kaal_stack_bottom:
    .space KAAL_STACK_BYTES
kaal_stack_top:

    .section .note.GNU-stack, "", @progbits
