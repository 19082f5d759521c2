# SPDX-License-Identifier: BSD-2-Clause
# Runtime mode: KaaL is the root task of a standalone seL4 kernel (x86_64, pc99). The kernel and
# its libsel4 headers are given by SEL4_KERNEL_DIR, built by the user; nothing of them is
# vendored. Expected layout: kernel.elf, and include/ with the libsel4 headers together with the
# kernel build's generated configuration (autoconf.h, sel4/gen_config.h, kernel/gen_config.h).

set(SEL4_KERNEL_DIR "$ENV{SEL4_KERNEL_DIR}" CACHE PATH "seL4 x86_64 pc99 kernel with libsel4 headers")
if(SEL4_KERNEL_DIR STREQUAL "")
  message(FATAL_ERROR "kaal: SEL4_KERNEL_DIR is not set: point it at a seL4 x86_64 pc99 kernel "
                      "build with its libsel4 headers (see README, 'Runtime mode')")
endif()
foreach(file kernel.elf include/sel4/sel4.h include/autoconf.h)
  if(NOT EXISTS "${SEL4_KERNEL_DIR}/${file}")
    message(FATAL_ERROR "kaal: SEL4_KERNEL_DIR='${SEL4_KERNEL_DIR}' is not a seL4 kernel build "
                        "with libsel4 headers (${file} missing)")
  endif()
endforeach()
target_include_directories(kaal_platform SYSTEM INTERFACE "${SEL4_KERNEL_DIR}/include")
