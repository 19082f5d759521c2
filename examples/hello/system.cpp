// SPDX-License-Identifier: BSD-2-Clause
// The hello system: one protection domain running the hello component.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    s.pd("hello", "hello").priority(100);
}
