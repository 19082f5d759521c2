// SPDX-License-Identifier: BSD-2-Clause
// sqlite: SQLite's shell, unmodified, as a POSIX program on seL4 in the POSIX examples' system
// (../posix/posix_system.hpp): `sqlite3 -bail /kaal.db ".read /demo.sql"` builds a database on
// the FAT volume. 32 MiB of heap (SQLite's page cache), 1 MiB of stack.
#include "../posix/posix_system.hpp"

void kaal_describe(kaal::composer::System& s) {
    kaal::examples::describe_posix_system(s, "sqlite3", 0x200'0000, 0x10'0000);
}
