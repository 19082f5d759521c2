# SPDX-License-Identifier: BSD-2-Clause
# Microkit mode: validates the SDK named by MICROKIT_SDK and provides the component and system
# rules. The SDK is consumed exactly as a user downloads it; nothing of it is vendored.

set(KAAL_MICROKIT_VERSION "2.0.1")
set(MICROKIT_SDK "$ENV{MICROKIT_SDK}" CACHE PATH "Unpacked Microkit SDK ${KAAL_MICROKIT_VERSION}")
set(MICROKIT_BOARD "qemu_virt_aarch64" CACHE STRING "Microkit board")
set(MICROKIT_CONFIG "debug" CACHE STRING "Microkit SDK configuration: debug, release or benchmark")

# Each check ends configuration with one line that starts with "kaal:" and names the problem;
# scripts/build-microkit.sh shows that line alone.
if(MICROKIT_SDK STREQUAL "")
  message(FATAL_ERROR "kaal: MICROKIT_SDK is not set: point it at an unpacked Microkit SDK "
                      "${KAAL_MICROKIT_VERSION} (see README, 'Getting the Microkit SDK')")
endif()
if(NOT IS_DIRECTORY "${MICROKIT_SDK}")
  message(FATAL_ERROR "kaal: MICROKIT_SDK='${MICROKIT_SDK}' is not a directory")
endif()
set(MICROKIT_TOOL "${MICROKIT_SDK}/bin/microkit")
if(NOT EXISTS "${MICROKIT_TOOL}")
  message(FATAL_ERROR "kaal: MICROKIT_SDK='${MICROKIT_SDK}' is not a Microkit SDK: bin/microkit is missing")
endif()
if(EXISTS "${MICROKIT_SDK}/VERSION")
  file(STRINGS "${MICROKIT_SDK}/VERSION" sdk_version LIMIT_COUNT 1)
  if(NOT sdk_version STREQUAL KAAL_MICROKIT_VERSION)
    message(FATAL_ERROR "kaal: MICROKIT_SDK='${MICROKIT_SDK}' is Microkit ${sdk_version}; "
                        "KaaL needs ${KAAL_MICROKIT_VERSION}")
  endif()
endif()
set(MICROKIT_BOARD_DIR "${MICROKIT_SDK}/board/${MICROKIT_BOARD}/${MICROKIT_CONFIG}")
foreach(file include/microkit.h include/sel4/sel4.h lib/libmicrokit.a lib/microkit.ld)
  if(NOT EXISTS "${MICROKIT_BOARD_DIR}/${file}")
    message(FATAL_ERROR "kaal: MICROKIT_SDK='${MICROKIT_SDK}' has no board '${MICROKIT_BOARD}' "
                        "config '${MICROKIT_CONFIG}' (${file} missing)")
  endif()
endforeach()

# The SDK's headers are C and are treated as system headers so our -Werror does not judge them.
target_include_directories(kaal_platform SYSTEM INTERFACE "${MICROKIT_BOARD_DIR}/include")
# A kaal_assert's file:line as a path in the source tree, not the build machine's.
target_compile_options(kaal_platform INTERFACE "-fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=")

# memcpy/memset and friends, which the compiler may emit calls to even in freestanding code,
# come from Debian's picolibc for aarch64 rather than a hand-written copy: its `release` build,
# whose memcpy and memset are the Arm optimized routines (memcpy.S: 16 bytes and more a step),
# not the size-optimised build's byte loop (lib/libc.a: six instructions a byte), which made
# every frame a network client copies cost thousands of instructions.
set(KAAL_PICOLIBC_DIR "/usr/lib/picolibc/aarch64-linux-gnu" CACHE PATH "picolibc for aarch64")
set(KAAL_PICOLIBC_LIBC "${KAAL_PICOLIBC_DIR}/lib/release/libc.a")
if(NOT EXISTS "${KAAL_PICOLIBC_LIBC}")
  message(FATAL_ERROR "kaal: picolibc not found at KAAL_PICOLIBC_DIR='${KAAL_PICOLIBC_DIR}' "
                      "(Debian package picolibc-aarch64-linux-gnu; run scripts/setup.sh)")
endif()

# kaal_microkit_component(<target> [IMAGE_BASE <address>])
# IMAGE_BASE, which the composer gives each PD (System::image_base), moves the image from
# microkit.ld's 0x200000: the script places every later section after .text.
function(kaal_microkit_component name)
  cmake_parse_arguments(arg "" "IMAGE_BASE" "" ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS "${MICROKIT_BOARD_DIR}/lib/microkit.ld")
  # libmicrokit provides _start, main and the event loop; libgcc the compiler's helpers.
  target_link_options(${name} PRIVATE "-T${MICROKIT_BOARD_DIR}/lib/microkit.ld")
  if(arg_IMAGE_BASE)
    target_link_options(${name} PRIVATE "-Wl,--section-start=.text=${arg_IMAGE_BASE}")
  endif()
  # kaal_start first (platform/microkit/start.cpp), then libmicrokit's _start.
  target_link_options(${name} PRIVATE "-Wl,-e,kaal_start")
  target_link_libraries(${name} PRIVATE kaal_microkit_start
    "${MICROKIT_BOARD_DIR}/lib/libmicrokit.a" "${KAAL_PICOLIBC_LIBC}" gcc)
  kaal_check_wx(${name})
endfunction()

function(kaal_microkit_system name system_file)
  set(search_paths "")
  set(elves "")
  foreach(component IN LISTS ARGN)
    list(APPEND search_paths "--search-path" "$<TARGET_FILE_DIR:${component}>")
    list(APPEND elves "$<TARGET_FILE:${component}>")
  endforeach()
  set(image "${CMAKE_CURRENT_BINARY_DIR}/loader.img")
  set(report "${CMAKE_CURRENT_BINARY_DIR}/report.txt")
  add_custom_command(
    OUTPUT "${image}" "${report}"
    COMMAND "${MICROKIT_TOOL}" "${system_file}" ${search_paths}
            --board "${MICROKIT_BOARD}" --config "${MICROKIT_CONFIG}" -o "${image}" -r "${report}"
    DEPENDS "${system_file}" ${ARGN} ${elves}
    COMMENT "microkit: ${name} -> loader.img"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(${name}_image ALL DEPENDS "${image}")
endfunction()
