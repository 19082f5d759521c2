// SPDX-License-Identifier: BSD-2-Clause
// The supervisor building block (supervisor.hpp).
#include <kaal/composer/supervisor.hpp>

namespace kaal::composer {

Supervisor::Supervisor(System& s, SupervisorOptions options, std::source_location at)
    : state_(std::make_shared<State>()) {
    if (s.board() != Board::qemu_virt_aarch64) {
        return;
    }
    state_->supervisor = &s.pd("supervisor", "kaal_supervisor", at).priority(options.priority, at);
    s.on_compose([state = state_](System&) { write_table(*state); });
}

Supervisor& Supervisor::supervise(Pd& pd, std::source_location at) {
    if (state_->supervisor == nullptr) {
        return *this;
    }
    state_->supervisor->child(pd, static_cast<unsigned>(state_->supervised.size()), at);
    state_->supervisor->symbol_tables.push_back(&pd);
    state_->supervised.push_back(&pd);
    return *this;
}

void Supervisor::write_table(const State& state) {
    std::string code;
    for (const Pd* pd : state.supervised) {
        code += "extern const kaal::debug::SymbolTable " + symbol_table_name(*pd) + ";\n";
    }
    code += "inline constexpr kaal::services::supervisor::SupervisedPd supervised[] = {\n";
    for (const Pd* pd : state.supervised) {
        code += "    {" + std::to_string(pd->child_id) + ", \"" + pd->name() + "\", &" +
                symbol_table_name(*pd) + "},\n";
    }
    code += "};\n";
    state.supervisor->section({{"kaal/services/supervisor/supervised_pd.hpp"}, code});
}

} // namespace kaal::composer
