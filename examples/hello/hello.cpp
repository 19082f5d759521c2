// SPDX-License-Identifier: BSD-2-Clause
// The smallest KaaL component: it greets and names the platform it was built for.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

class Hello {
public:
    void init() {
        kaal::debug::print("hello: Hello from a KaaL C++ component!\n");
        kaal::debug::print("hello: platform mode: ", kaal::platform_mode(), "\n");
    }
};

} // namespace

KAAL_COMPONENT(Hello);
