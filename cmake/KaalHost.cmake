# SPDX-License-Identifier: BSD-2-Clause
# Host (mock) builds: sanitizers for every library, test and tool built in this tree.
set(KAAL_SANITIZE "address,undefined" CACHE STRING
    "Sanitizers for host builds: address,undefined | thread | none")
if(KAAL_SANITIZE STREQUAL "thread")
  set(kaal_sanitize_flags -fsanitize=thread)
elseif(KAAL_SANITIZE STREQUAL "address,undefined")
  set(kaal_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(NOT KAAL_SANITIZE STREQUAL "none")
  message(FATAL_ERROR "kaal: KAAL_SANITIZE must be 'address,undefined', 'thread' or 'none'")
endif()
if(kaal_sanitize_flags)
  add_compile_options(${kaal_sanitize_flags} -fno-omit-frame-pointer)
  add_link_options(${kaal_sanitize_flags})
endif()
