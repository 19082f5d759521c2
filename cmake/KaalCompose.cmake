# SPDX-License-Identifier: BSD-2-Clause
# The composer in the build (composer/README.md).
#
#   kaal_component(<name> SOURCES <src>... [LIBRARIES <lib>...])
#     A component whose code includes its generated kaal_config.hpp. Nothing is built here: each
#     composed system that runs it builds it once per PD, with that PD's configuration.
#
#   kaal_compose(<system> DESCRIPTION <system.cpp> [SOURCES <root task source>...]
#                [MOCK_BOARD qemu_virt_aarch64|pc99_x86_64] [DEFINITIONS <NAME=value>...])
#     At configure time, compiles the description with the host compiler against the composer,
#     runs it, and stops configuration with one line "kaal: <file>:<line>: error: ..." if the
#     description is wrong. Otherwise it has written, under <binary dir>/composed: the Microkit
#     .system file or the runtime SystemDescription, each PD's kaal_config.hpp/.cpp, system.dot
#     and summary.txt; and <binary dir>/<system>.svg, the picture. Then it builds every PD's
#     image (<binary dir>/pds/<pd>.elf) and the system: loader.img in Microkit mode, the root
#     task in runtime mode. In mock mode it composes for MOCK_BOARD (default: QEMU virt), so
#     host builds check every description, and builds nothing. DEFINITIONS are preprocessor
#     definitions for the description (what scripts/run-posix.sh tells examples/run-posix).

find_program(KAAL_HOST_CXX NAMES c++ g++ clang++ DOC "The build machine's C++ compiler, for the composer")
find_program(KAAL_DOT dot DOC "Graphviz's dot, which draws every composed system")
set(KAAL_COMPOSER_SOURCES
  "${PROJECT_SOURCE_DIR}/composer/system.cpp"
  "${PROJECT_SOURCE_DIR}/composer/outputs.cpp"
  "${PROJECT_SOURCE_DIR}/composer/serial_console.cpp"
  "${PROJECT_SOURCE_DIR}/composer/time_service.cpp"
  "${PROJECT_SOURCE_DIR}/composer/block_storage.cpp"
  "${PROJECT_SOURCE_DIR}/composer/file_system.cpp"
  "${PROJECT_SOURCE_DIR}/composer/posix_program.cpp"
  "${PROJECT_SOURCE_DIR}/composer/network_stack.cpp"
  "${PROJECT_SOURCE_DIR}/composer/supervisor.cpp"
  "${PROJECT_SOURCE_DIR}/composer/entropy_source.cpp"
  "${PROJECT_SOURCE_DIR}/composer/main.cpp")

function(kaal_component name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(sources "")
  foreach(source IN LISTS arg_SOURCES)
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND sources "${source}")
  endforeach()
  set_property(GLOBAL PROPERTY kaal_component_${name}_sources "${sources}")
  set_property(GLOBAL PROPERTY kaal_component_${name}_libraries "${arg_LIBRARIES}")
  set_property(GLOBAL APPEND PROPERTY kaal_components "${name}")
endfunction()

# Files whose change must run the composer again, on the top directory and each once: ninja
# refuses a file that two directories' reconfigure rules both name.
function(kaal_compose_depends)
  get_property(known GLOBAL PROPERTY kaal_compose_depends)
  foreach(file IN LISTS ARGN)
    # One spelling per file: ninja takes a/../b and b for one file named twice.
    get_filename_component(file "${file}" REALPATH)
    if(NOT file IN_LIST known)
      list(APPEND known "${file}")
      set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY kaal_compose_depends "${known}")
endfunction()

# The first line of a compiler's or the generator's output that says what is wrong.
function(kaal_compose_fail output)
  string(REGEX MATCH "[^\n]*error:[^\n]*" first "${output}")
  if(NOT first)
    string(REGEX MATCH "^[^\n]*" first "${output}")
  endif()
  message(FATAL_ERROR "kaal: ${first}")
endfunction()

# The composer itself, compiled once per configuration into an archive the descriptions link.
function(kaal_composer_library out)
  set(dir "${CMAKE_BINARY_DIR}/composer-host")
  set(archive "${dir}/libkaal_composer.a")
  get_property(built GLOBAL PROPERTY kaal_composer_built)
  if(NOT built)
    if(NOT KAAL_HOST_CXX)
      message(FATAL_ERROR "kaal: no C++ compiler for the build machine (c++, g++ or clang++) to run the composer")
    endif()
    file(MAKE_DIRECTORY "${dir}")
    set(objects "")
    foreach(source IN LISTS KAAL_COMPOSER_SOURCES)
      get_filename_component(stem "${source}" NAME_WE)
      set(object "${dir}/${stem}.o")
      execute_process(
        COMMAND "${KAAL_HOST_CXX}" -std=c++20 -O1 -c "${source}" -o "${object}"
                "-I${PROJECT_SOURCE_DIR}/include" -DKAAL_PLATFORM_MOCK=1
        RESULT_VARIABLE failed ERROR_VARIABLE errors OUTPUT_VARIABLE errors)
      if(failed)
        kaal_compose_fail("${errors}")
      endif()
      list(APPEND objects "${object}")
    endforeach()
    file(REMOVE "${archive}")
    execute_process(COMMAND ar rcs "${archive}" ${objects} RESULT_VARIABLE failed)
    if(failed)
      message(FATAL_ERROR "kaal: cannot archive the composer (ar failed)")
    endif()
    set_property(GLOBAL PROPERTY kaal_composer_built TRUE)
  endif()
  set(${out} "${archive}" PARENT_SCOPE)
endfunction()

function(kaal_compose name)
  cmake_parse_arguments(arg "" "DESCRIPTION;MOCK_BOARD" "SOURCES;DEFINITIONS" ${ARGN})
  cmake_path(ABSOLUTE_PATH arg_DESCRIPTION BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${arg_DESCRIPTION}")
    message(FATAL_ERROR "kaal: system description '${arg_DESCRIPTION}' does not exist")
  endif()
  if(KAAL_PLATFORM STREQUAL "runtime")
    set(board pc99_x86_64)
  elseif(KAAL_PLATFORM STREQUAL "mock" AND arg_MOCK_BOARD)
    set(board ${arg_MOCK_BOARD})
  else()
    set(board qemu_virt_aarch64)
  endif()
  kaal_compose_depends("${arg_DESCRIPTION}" ${KAAL_COMPOSER_SOURCES})

  kaal_composer_library(library)
  set(generator "${CMAKE_CURRENT_BINARY_DIR}/compose-${name}")
  list(TRANSFORM arg_DEFINITIONS PREPEND "-D" OUTPUT_VARIABLE definitions)
  execute_process(
    COMMAND "${KAAL_HOST_CXX}" -std=c++20 -O1 "${arg_DESCRIPTION}" "${library}" -o "${generator}"
            "-I${PROJECT_SOURCE_DIR}/include" -DKAAL_PLATFORM_MOCK=1 ${definitions}
            -MMD -MF "${generator}.d"
    RESULT_VARIABLE failed ERROR_VARIABLE errors OUTPUT_VARIABLE errors)
  if(failed)
    kaal_compose_fail("${errors}")
  endif()
  # Whatever the description includes (a piece of another description, say) reconfigures too.
  file(READ "${generator}.d" depfile)
  string(REGEX REPLACE "\\\n" " " depfile "${depfile}")
  string(REGEX REPLACE "^[^:]*:" "" depfile "${depfile}")
  string(REGEX MATCHALL "[^ \t\n]+" included "${depfile}")
  kaal_compose_depends(${included})
  get_property(components GLOBAL PROPERTY kaal_components)
  string(REPLACE ";" "," components "${components}")
  set(out "${CMAKE_CURRENT_BINARY_DIR}/composed")
  cmake_path(RELATIVE_PATH arg_DESCRIPTION BASE_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE origin)
  execute_process(
    COMMAND "${generator}" --name "${name}" --board "${board}" --out "${out}"
            --components "${components}" --origin "${origin}"
    RESULT_VARIABLE failed ERROR_VARIABLE errors OUTPUT_VARIABLE summary)
  if(failed)
    kaal_compose_fail("${errors}")
  endif()
  if(NOT KAAL_DOT)
    message(FATAL_ERROR "kaal: Graphviz's dot is not installed (run scripts/setup.sh): every composed system is drawn")
  endif()
  execute_process(COMMAND "${KAAL_DOT}" -Tsvg "${out}/system.dot" -o "${CMAKE_CURRENT_BINARY_DIR}/${name}.svg"
    RESULT_VARIABLE failed ERROR_VARIABLE errors)
  if(failed)
    kaal_compose_fail("dot: ${errors}")
  endif()

  include("${out}/pds.cmake")
  if(KAAL_PLATFORM STREQUAL "mock")
    return()
  endif()
  set(targets "")
  # pds.cmake's lists are flat triples.
  set(rest ${kaal_composed_pds})
  while(rest)
    list(POP_FRONT rest pd component image_base)
    get_property(sources GLOBAL PROPERTY kaal_component_${component}_sources)
    get_property(libraries GLOBAL PROPERTY kaal_component_${component}_libraries)
    set(target "${name}.${pd}")
    add_executable(${target} ${sources} "${out}/${pd}/kaal_config.cpp")
    target_include_directories(${target} PRIVATE "${out}/${pd}")
    target_link_libraries(${target} PRIVATE kaal::platform kaal_warnings ${libraries})
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "${pd}"
      RUNTIME_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/pds")
    if(KAAL_PLATFORM STREQUAL "microkit")
      kaal_microkit_component(${target} IMAGE_BASE ${image_base})
    else()
      kaal_runtime_component(${target} IMAGE_BASE ${image_base})
    endif()
    list(APPEND targets ${target})
  endwhile()
  # A PD whose image holds other PDs' symbol tables (a supervisor's, of its children): each is
  # made from that PD's ELF and compiled into this one, as config::<name>.
  set(rest ${kaal_composed_symbols})
  while(rest)
    list(POP_FRONT rest holder described variable)
    set(source "${out}/${holder}/symbols_${described}.cpp")
    kaal_symbol_table(${name}.${described} "${source}" ${variable} NAMESPACE config)
    target_sources(${name}.${holder} PRIVATE "${source}")
  endwhile()
  if(KAAL_PLATFORM STREQUAL "microkit")
    kaal_microkit_system(${name} "${out}/${name}.system" ${targets})
    set(built ${name}_image)
  else()
    kaal_add_runtime_system(${name} DESCRIPTION "${out}/system_description.cpp"
      SOURCES ${arg_SOURCES} COMPONENTS ${targets})
    set(built ${name}_root)
  endif()
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/${name}.summary.txt"
       "${summary}kaal:   picture: ${CMAKE_CURRENT_BINARY_DIR}/${name}.svg\n")
  add_custom_command(TARGET ${built} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -E cat "${CMAKE_CURRENT_BINARY_DIR}/${name}.summary.txt" VERBATIM)
endfunction()
