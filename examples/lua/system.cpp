// SPDX-License-Identifier: BSD-2-Clause
// lua: the Lua 5.4 interpreter, unmodified, as a POSIX program on seL4 in the POSIX examples'
// system (../posix/posix_system.hpp). `lua -i /hello.lua` runs the script from the FAT volume,
// then reads Lua from the console. 32 MiB of heap, 1 MiB of stack.
#include "../posix/posix_system.hpp"

void kaal_describe(kaal::composer::System& s) {
    kaal::examples::describe_posix_system(s, "lua", 0x200'0000, 0x10'0000);
}
