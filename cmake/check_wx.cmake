# SPDX-License-Identifier: BSD-2-Clause
# cmake -DREADELF=<readelf> -DELF=<file> -P check_wx.cmake
# W^X for a component image: no PT_LOAD segment may be both writable and executable. The Microkit
# tool maps each segment with its ELF flags (execute-never unless PF_X) and the runtime root task
# refuses such a segment at boot; this makes the same mistake a build error instead.
execute_process(COMMAND "${READELF}" -lW "${ELF}" OUTPUT_VARIABLE headers RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "kaal: ${ELF}: readelf could not read its program headers")
endif()
string(REGEX MATCHALL "\n *LOAD[^\n]*" loads "${headers}")
foreach(load IN LISTS loads)
  # readelf prints the flags as three columns of R, W and E before the alignment.
  if(load MATCHES " RWE +0x[0-9a-f]+ *$")
    string(STRIP "${load}" load)
    message(FATAL_ERROR "kaal: ${ELF}: a segment is both writable and executable (W^X): ${load}")
  endif()
endforeach()
