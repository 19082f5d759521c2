# SPDX-License-Identifier: BSD-2-Clause
# Freestanding x86_64 for the runtime-mode root task and its components (KaalRuntime.cmake adds
# the start code and linker script). The kernel does not save SSE state for us unless configured to, and interrupts may
# arrive at any instruction, so: no red zone, no SSE in generated code.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_CXX_COMPILER g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -g: line tables and inlining, which a fault report names the code by (cmake/symbol_table.py); debug
# information does not change the code GCC generates, and no loaded segment holds it.
set(kaal_common "-ffreestanding -fno-pie -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables -g")
set(CMAKE_C_FLAGS_INIT "${kaal_common}")
set(CMAKE_CXX_FLAGS_INIT "${kaal_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics \
-fno-use-cxa-atexit")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -nostartfiles -static -no-pie")
