// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <stdexcept>
#include <string>

#include <kaal/composer/system.hpp>

// What the building blocks' tests ask of a composed system's text and its PDs.
namespace kaal::composer::test_support {

inline bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The PD of that name; a test that names one the description lacks fails with the name.
inline const Pd& named(const System& s, const std::string& name) {
    for (const Pd& pd : s.pds()) {
        if (pd.name() == name) {
            return pd;
        }
    }
    throw std::runtime_error("no PD " + name);
}

} // namespace kaal::composer::test_support
