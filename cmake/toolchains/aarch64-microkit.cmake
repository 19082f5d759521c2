# SPDX-License-Identifier: BSD-2-Clause
# Freestanding AArch64 components for seL4 Microkit, with Debian's cross GCC.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(KAAL_CROSS_PREFIX "aarch64-linux-gnu-" CACHE STRING "Cross toolchain prefix")
set(CMAKE_C_COMPILER "${KAAL_CROSS_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${KAAL_CROSS_PREFIX}g++")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -mstrict-align: the SDK builds PDs this way, and device memory faults on unaligned access.
# -mno-outline-atomics: Debian's GCC otherwise calls libgcc helpers that probe the CPU through
#   getauxval, which a PD does not have.
# -fno-pie: a PD is linked at a fixed address (its System::image_base) and nothing relocates it.
# -g: line tables and inlining, which a fault report names the code by (cmake/symbol_table.py); debug
#   information does not change the code GCC generates, and no loaded segment holds it.
set(kaal_common "-mcpu=cortex-a53 -mstrict-align -mno-outline-atomics -ffreestanding -fno-pie \
-fno-stack-protector -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -g")
set(CMAKE_C_FLAGS_INIT "${kaal_common}")
# No exceptions, no RTTI and no libstdc++ runtime: component code reports errors as values.
# -fno-threadsafe-statics: a PD is single-threaded, so no __cxa_guard_* calls.
# -fno-use-cxa-atexit: no __cxa_atexit; a PD never exits, and KaaL objects are never destroyed.
set(CMAKE_CXX_FLAGS_INIT "${kaal_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics \
-fno-use-cxa-atexit")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -nostartfiles -static -no-pie -Wl,--gc-sections \
-Wl,--build-id=none")
