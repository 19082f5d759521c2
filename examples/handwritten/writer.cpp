// SPDX-License-Identifier: BSD-2-Clause
// writer: puts a line into the shared page and signals the reader.
#include <cstring>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "note.hpp"

extern "C" {
kaal::Word note; // setvar_vaddr="note" in handwritten.system
}

namespace {

class Writer {
public:
    void init() {
        if (note == 0) {
            kaal::debug::print("writer: the note region is not mapped\n");
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
        std::strcpy(reinterpret_cast<char*>(note), handwritten::text);
        static_cast<void>(kaal::notify(handwritten::peer));
    }
};

} // namespace

KAAL_COMPONENT(Writer);
