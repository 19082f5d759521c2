// SPDX-License-Identifier: BSD-2-Clause
// posix: an ordinary C program (posix_test.c) as a KaaL component on seL4, with the serial
// console as its stdin, stdout and stderr, the time service's clocks, the FAT volume at "/" and
// the network and the entropy source (posix_system.hpp). A small heap, so the test can use it up
// and see ENOMEM.
#include "posix_system.hpp"

void kaal_describe(kaal::composer::System& s) {
    kaal::examples::describe_posix_system(s, "posix_test", 0x10'0000, 0x4'0000,
                                          {.network = true, .entropy = true});
}
