# SPDX-License-Identifier: BSD-2-Clause
# Warnings every KaaL target is built with; -Werror because an ignored Result is a warning.
add_library(kaal_warnings INTERFACE)
target_compile_options(kaal_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wnull-dereference -Werror)
