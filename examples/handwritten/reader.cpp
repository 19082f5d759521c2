// SPDX-License-Identifier: BSD-2-Clause
// reader: prints what the writer left in the shared page when it is signalled.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "note.hpp"

extern "C" {
kaal::Word note; // setvar_vaddr="note" in handwritten.system
}

namespace {

class Reader {
public:
    void init() {}
    void notified(kaal::Channel ch) {
        if (ch == handwritten::peer && note != 0) {
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
            kaal::debug::print("reader: the note says '", reinterpret_cast<const char*>(note),
                               "'\n");
        }
    }
};

} // namespace

KAAL_COMPONENT(Reader);
