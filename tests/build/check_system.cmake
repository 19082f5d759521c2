# SPDX-License-Identifier: BSD-2-Clause
cmake_minimum_required(VERSION 3.25)
# cmake -DSYSTEM_FILE=<file> -DELVES=<a.elf;b.elf> -P check_system.cmake
# Runs the .system check of kaal_add_system() on its own.
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/KaalSystem.cmake")
kaal_check_system_images("${SYSTEM_FILE}" ELVES ${ELVES})
message(STATUS "system file ok")
