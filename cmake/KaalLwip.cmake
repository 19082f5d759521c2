# SPDX-License-Identifier: BSD-2-Clause
# lwIP 2.1.3, the IP stack each network client runs (services/network/lwip/README.md), built as
# the static library `kaal_lwip` for the platform being built: with the aarch64 cross compiler
# against picolibc's headers in Microkit mode, with the host compiler in mock mode for the host
# tests. The sources are Debian's source package as scripts/setup.sh unpacked it, outside the
# tree: never committed and never patched, only configured (services/network/lwip/include).
#
# Sets KAAL_LWIP_FOUND. Without lwIP configuration carries on: the network parts are not built,
# and their tests report themselves skipped, naming KAAL_LWIP_DIR (tests/services/net).

set(KAAL_LWIP_VERSION "2.1.3")
# The same default as scripts/setup.sh, from the same variables, so a fresh checkout finds what
# setup fetched. The environment is read on the first configuration only; afterwards the cache
# variable rules.
if(NOT "$ENV{KAAL_THIRD_PARTY_DIR}" STREQUAL "")
  set(kaal_third_party "$ENV{KAAL_THIRD_PARTY_DIR}")
elseif(NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(kaal_third_party "$ENV{XDG_CACHE_HOME}/kaal/third-party")
else()
  set(kaal_third_party "$ENV{HOME}/.cache/kaal/third-party")
endif()
set(KAAL_LWIP_DIR "${kaal_third_party}/lwip-${KAAL_LWIP_VERSION}+dfsg1" CACHE PATH
    "lwIP ${KAAL_LWIP_VERSION} sources, unpacked from Debian's source package by scripts/setup.sh")

set(KAAL_LWIP_FOUND FALSE)
set(KAAL_LWIP_PORT_DIR "${PROJECT_SOURCE_DIR}/services/network/lwip")
set(kaal_lwip_init_h "${KAAL_LWIP_DIR}/src/include/lwip/init.h")
if(KAAL_PLATFORM STREQUAL "runtime")
  # Runtime-mode components have no C library to build lwIP against (KaalRuntime.cmake).
  set(KAAL_LWIP_MISSING "lwIP is built in microkit and mock modes only")
elseif(NOT EXISTS "${kaal_lwip_init_h}")
  set(KAAL_LWIP_MISSING "lwIP not found at ${KAAL_LWIP_DIR}; run scripts/setup.sh")
else()
  # lwIP's sources have CRLF line ends, hence the [ \t\r]* around each number.
  file(STRINGS "${kaal_lwip_init_h}" kaal_lwip_version_lines
       REGEX "^#define[ \t]+LWIP_VERSION_(MAJOR|MINOR|REVISION)[ \t]+[0-9]+")
  set(kaal_lwip_found_version "")
  foreach(part MAJOR MINOR REVISION)
    string(REGEX MATCH "LWIP_VERSION_${part}[ \t]+([0-9]+)" unused "${kaal_lwip_version_lines}")
    list(APPEND kaal_lwip_found_version "${CMAKE_MATCH_1}")
  endforeach()
  string(REPLACE ";" "." kaal_lwip_found_version "${kaal_lwip_found_version}")
  if(kaal_lwip_found_version STREQUAL KAAL_LWIP_VERSION)
    set(KAAL_LWIP_FOUND TRUE)
  else()
    string(CONCAT KAAL_LWIP_MISSING "lwIP at ${KAAL_LWIP_DIR} is ${kaal_lwip_found_version}, "
                                    "KaaL needs ${KAAL_LWIP_VERSION}; run scripts/setup.sh")
  endif()
endif()
if(NOT KAAL_LWIP_FOUND)
  message(STATUS "kaal: network stack not built: ${KAAL_LWIP_MISSING}")
  return()
endif()
message(STATUS "kaal: lwIP ${KAAL_LWIP_VERSION} at ${KAAL_LWIP_DIR}")

# The core with IPv4 and Ethernet, the raw API and no OS (NO_SYS=1 in lwipopts.h). The IPv6,
# sequential and socket API files are left out: lwipopts.h turns them off, so they would compile
# to nothing anyway.
file(GLOB kaal_lwip_sources
  "${KAAL_LWIP_DIR}/src/core/*.c" "${KAAL_LWIP_DIR}/src/core/ipv4/*.c")
list(APPEND kaal_lwip_sources "${KAAL_LWIP_DIR}/src/netif/ethernet.c")

# What lwIP needs from the platform (sys_now, diagnostics, random numbers): KaaL's C++, built
# with KaaL's warnings, which lwIP's own C is not. An object library, so its objects land in
# kaal_lwip itself: lwIP's core calls them, and a separate archive after it on a link line
# would need the two to name each other.
add_library(kaal_lwip_port OBJECT "${KAAL_LWIP_PORT_DIR}/sys_arch.cpp")
target_include_directories(kaal_lwip_port SYSTEM PRIVATE
  "${KAAL_LWIP_PORT_DIR}/include" "${KAAL_LWIP_DIR}/src/include")
target_link_libraries(kaal_lwip_port PRIVATE kaal::platform kaal_warnings)

add_library(kaal_lwip STATIC ${kaal_lwip_sources})
add_library(kaal::lwip ALIAS kaal_lwip)
target_link_libraries(kaal_lwip PRIVATE kaal_lwip_port)
# SYSTEM for the users: lwIP's headers, and the macros they define, are not judged by KaaL's
# -Werror. lwipopts.h and arch/cc.h, KaaL's configuration, come first and are found by name
# through lwIP's own `#include "lwipopts.h"`.
target_include_directories(kaal_lwip SYSTEM PUBLIC
  "${KAAL_LWIP_PORT_DIR}/include" "${KAAL_LWIP_DIR}/src/include")
# lwIP is C99 and its sources are compiled as its authors wrote them, without KaaL's warning
# flags (kaal_warnings is not linked), so a warning of theirs never fails our build.
set_target_properties(kaal_lwip PROPERTIES C_STANDARD 99 C_EXTENSIONS ON)
if(KAAL_PLATFORM STREQUAL "microkit")
  # lwIP's C includes <string.h>, <stdlib.h>, <limits.h>, <inttypes.h> and <unistd.h>; a PD links
  # picolibc, so they are picolibc's, ahead of the cross compiler's glibc headers, as picolibc's
  # own GCC specs file arranges (-isystem). Only for lwIP's C: KaaL's C++ keeps the headers of the
  # libstdc++ it is compiled with.
  target_compile_options(kaal_lwip PRIVATE
    "$<$<COMPILE_LANGUAGE:C>:SHELL:-isystem ${KAAL_PICOLIBC_DIR}/include>")
  # And it calls picolibc (memcmp, vsnprintf, ...): named after lwIP on every link line, so a
  # static link resolves what lwIP needs whatever the component itself pulled in before it.
  target_link_libraries(kaal_lwip INTERFACE "${KAAL_PICOLIBC_LIBC}")
elseif(KAAL_PLATFORM STREQUAL "mock")
  # The port prints through kaal::debug, which mock mode implements in kaal_platform_mock.
  target_link_libraries(kaal_lwip PRIVATE kaal_platform_mock)
endif()
