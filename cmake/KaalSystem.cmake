# SPDX-License-Identifier: BSD-2-Clause
# kaal_add_component() and kaal_add_system(): the same two calls build a component and a system
# in every platform mode; the backend modules decide what they produce.

# Checks that every <program_image path="..."/> in a .system file names a component of the
# system, so a typo is one clear configure error instead of a tool error after the build.
function(kaal_check_system_images system_file)
  cmake_parse_arguments(arg "" "" "ELVES" ${ARGN})
  if(NOT EXISTS "${system_file}")
    message(FATAL_ERROR "kaal: system file '${system_file}' does not exist")
  endif()
  file(READ "${system_file}" text)
  string(REGEX MATCHALL "<program_image[^>]*path=\"[^\"]*\"" images "${text}")
  if(NOT images)
    message(FATAL_ERROR "kaal: ${system_file}: no <program_image path=\"...\"/> found")
  endif()
  # W^X for shared memory: KaaL maps no memory region executable, so a component can never run
  # what it or a peer wrote. (The Microkit tool would map it so; seL4 would allow it.)
  string(REGEX MATCHALL "<map[^>]*perms=\"[a-z]*x[a-z]*\"[^>]*>" executable_maps "${text}")
  foreach(map IN LISTS executable_maps)
    message(FATAL_ERROR "kaal: ${system_file}: a memory region is mapped executable (W^X: shared "
                        "memory is never executable): ${map}")
  endforeach()
  set(used "")
  foreach(image IN LISTS images)
    string(REGEX REPLACE ".*path=\"([^\"]*)\"" "\\1" path "${image}")
    if(NOT path IN_LIST arg_ELVES)
      string(REPLACE ";" ", " known "${arg_ELVES}")
      message(FATAL_ERROR "kaal: ${system_file}: program_image '${path}' is not built by "
                          "any component of this system (components: ${known})")
    endif()
    list(APPEND used "${path}")
  endforeach()
  # A listed component that no PD runs is a mistake too: usually a typo in the .system file's
  # path, or a PD that was removed from one of the two files and not the other.
  foreach(elf IN LISTS arg_ELVES)
    if(NOT elf IN_LIST used)
      message(FATAL_ERROR "kaal: ${system_file}: component '${elf}' is listed in COMPONENTS but "
                          "no protection_domain runs it")
    endif()
  endforeach()
endfunction()

# W^X, checked on every component image after it is linked (check_wx.cmake).
function(kaal_check_wx name)
  if(CMAKE_READELF)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND "${CMAKE_COMMAND}" "-DREADELF=${CMAKE_READELF}" "-DELF=$<TARGET_FILE:${name}>"
              -P "${PROJECT_SOURCE_DIR}/cmake/check_wx.cmake"
      VERBATIM)
  endif()
endfunction()

# kaal_symbol_table(<component target> <out.cpp> <variable> [NAMESPACE <namespace>])
# Generates <out.cpp>, defining `const kaal::debug::SymbolTable <variable>` (in <namespace>): the
# component's functions and line table, read from its linked ELF (cmake/symbol_table.py), for
# the code that reports its faults on seL4 to name the function and file:line.
function(kaal_symbol_table component out variable)
  cmake_parse_arguments(arg "" "NAMESPACE" "" ${ARGN})
  set(namespace)
  if(arg_NAMESPACE)
    set(namespace --namespace "${arg_NAMESPACE}")
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  # Demangling is the same for every target of the Itanium C++ ABI: the host's c++filt serves.
  find_program(KAAL_CXXFILT NAMES c++filt REQUIRED)
  find_program(KAAL_LLVM_SYMBOLIZER NAMES llvm-symbolizer-14 llvm-symbolizer REQUIRED)
  add_custom_command(OUTPUT "${out}"
    COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/cmake/symbol_table.py"
            --elf "$<TARGET_FILE:${component}>" --variable "${variable}" --out "${out}"
            --source-root "${PROJECT_SOURCE_DIR}" --nm "${CMAKE_NM}" --readelf "${CMAKE_READELF}"
            --cxxfilt "${KAAL_CXXFILT}" --symbolizer "${KAAL_LLVM_SYMBOLIZER}" ${namespace}
    DEPENDS ${component} "${PROJECT_SOURCE_DIR}/cmake/symbol_table.py"
    COMMENT "symbols: ${component}" VERBATIM)
endfunction()

# kaal_add_component(<name> SOURCES <src>... [LIBRARIES <lib>...])
# Builds <name>.elf in microkit and runtime modes and a host program <name> in mock mode.
function(kaal_add_component name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE kaal::platform kaal_warnings ${arg_LIBRARIES})
  if(KAAL_PLATFORM STREQUAL "microkit")
    kaal_microkit_component(${name})
  elseif(KAAL_PLATFORM STREQUAL "runtime")
    kaal_runtime_component(${name})
  elseif(KAAL_PLATFORM STREQUAL "mock")
    target_link_libraries(${name} PRIVATE kaal_platform_mock)
  endif()
endfunction()

# kaal_add_system(<name> SYSTEM <file.system> COMPONENTS <component>...)
# Checks the system file in every mode; in microkit mode also builds <name>_image, which runs
# the SDK's microkit tool to produce loader.img and report.txt in this binary directory.
function(kaal_add_system name)
  cmake_parse_arguments(arg "" "SYSTEM" "COMPONENTS" ${ARGN})
  cmake_path(ABSOLUTE_PATH arg_SYSTEM BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
  set(elves "")
  foreach(component IN LISTS arg_COMPONENTS)
    list(APPEND elves "${component}.elf")
  endforeach()
  kaal_check_system_images("${arg_SYSTEM}" ELVES ${elves})
  if(KAAL_PLATFORM STREQUAL "microkit")
    kaal_microkit_system(${name} "${arg_SYSTEM}" ${arg_COMPONENTS})
  endif()
endfunction()
