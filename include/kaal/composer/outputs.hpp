// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string>

#include <kaal/composer/system.hpp>

// What the composer writes for a composed System (System::compose() returned no problem). Each
// function returns a file's whole text; composer/main.cpp writes them, all or none.
namespace kaal::composer {

// The name of PD `pd`'s setvar variable for `var` in its image: generated into its
// kaal_config.cpp, so no component defines one by hand and no two names collide.
[[nodiscard]] std::string symbol_of(const std::string& var);

// Microkit mode: the .system file for the SDK's `microkit` tool. Program images are `<pd>.elf`.
[[nodiscard]] std::string microkit_system(const System& system, const std::string& origin);
// Runtime mode: the C++ source defining kaal::runtime::system_description.
[[nodiscard]] std::string runtime_description(const System& system, const std::string& origin);
// A PD's configuration: kaal_config.hpp (namespace config) and kaal_config.cpp (its variables).
[[nodiscard]] std::string config_header(const System& system, const Pd& pd,
                                        const std::string& origin);
[[nodiscard]] std::string config_source(const System& system, const Pd& pd);
// The picture, as Graphviz's dot language, and the text summary printed at build time.
[[nodiscard]] std::string graph(const System& system);
[[nodiscard]] std::string summary(const System& system);
// For the build: the PDs and their components, as a CMake list `pd;component;pd;component...`.
[[nodiscard]] std::string pds_cmake(const System& system);

} // namespace kaal::composer
