// SPDX-License-Identifier: BSD-2-Clause
// run-posix: one POSIX program (scripts/run-posix.sh names it, KAAL_RUN_POSIX_NAME) in the POSIX
// examples' system (../posix/posix_system.hpp), with its network and entropy source, 64 MiB of
// heap and 1 MiB of stack: what interpreters, databases and servers want.
#include "../posix/posix_system.hpp"

void kaal_describe(kaal::composer::System& s) {
    kaal::examples::describe_posix_system(s, KAAL_RUN_POSIX_NAME, 0x400'0000, 0x10'0000,
                                          {.network = true, .entropy = true});
}
