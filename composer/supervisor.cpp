// SPDX-License-Identifier: BSD-2-Clause
// The supervisor building block (supervisor.hpp).
#include <algorithm>
#include <string>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/time_service.hpp>
#include <kaal/platform/microkit/restart_page.hpp>

namespace kaal::composer {

Supervisor::Supervisor(System& s, SupervisorOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    if (s.board() != Board::qemu_virt_aarch64) {
        s.on_compose([](System& system) { check_backoff_timer(system); });
        return;
    }
    state_->supervisor = &s.pd("supervisor", "kaal_supervisor", at).priority(options.priority, at);
    state_->fault_after_restarts = options.fault_after_restarts;
    if (options.time != nullptr) {
        options.time->add_client(*state_->supervisor, at);
        state_->time = true;
    }
    s.on_compose([state = state_](System&) { write_table(*state); });
}

Supervisor& Supervisor::supervise(Pd& pd, RestartPolicy policy, std::source_location at) {
    if (state_->supervisor == nullptr) {
        // Runtime mode: the root task supervises every component.
        pd.restarts = policy.restarts;
        pd.backoff_ns = policy.backoff_ns;
        return *this;
    }
    state_->supervisor->child(pd, static_cast<unsigned>(state_->supervised.size()), at);
    state_->supervisor->symbol_tables.push_back(&pd);
    state_->supervised.push_back({&pd, policy});
    if (policy.backoff_ns != 0 && !state_->time) {
        system_.problem(Place::of(at), "a restart back-off needs the supervisor's time service",
                        "'" + pd.name() + "' (SupervisorOptions::time)");
    }
    if (policy.restarts != 0) {
        if (policy.page_bytes == 0 || policy.page_bytes > microkit::restart_page_max) {
            system_.problem(Place::of(at), "a restart page is 4 KiB to 1 MiB",
                            "'" + pd.name() + "': " + std::to_string(policy.page_bytes) + " bytes");
            return *this;
        }
        Region& page = system_.region(identifier(pd.name()) + "_restart", policy.page_bytes, at);
        pd.map_at(page, microkit::restart_page_vaddr, "restart_page", Perms::rw, at);
        pd.restart_page = policy.page_bytes;
    }
    return *this;
}

Supervisor& Supervisor::inject_fault(Pd& pd, std::uint64_t after_ns, std::source_location at) {
    if (state_->supervisor == nullptr) {
        return *this;
    }
    auto supervised = std::find_if(state_->supervised.begin(), state_->supervised.end(),
                                   [&pd](const State::Supervised& s) { return s.pd == &pd; });
    if (supervised == state_->supervised.end()) {
        system_.problem(Place::of(at), "a fault can only be injected into a supervised PD",
                        "'" + pd.name() + "'");
    } else if (!state_->time || after_ns == 0) {
        system_.problem(Place::of(at),
                        "an injected fault needs the supervisor's time service "
                        "and a time after its start",
                        "'" + pd.name() + "'");
    } else {
        supervised->inject_fault_after_ns = after_ns;
    }
    return *this;
}

// The runtime root task times back-offs with the PIT, which the HPET's legacy replacement mode
// silences (drivers/timer/pit/README.md); the root task's validate() checks the same at boot.
void Supervisor::check_backoff_timer(System& system) {
    const bool backing_off = std::any_of(system.pds().begin(), system.pds().end(),
                                         [](const Pd& pd) { return pd.backoff_ns != 0; });
    if (!backing_off) {
        return;
    }
    for (const Pd& pd : system.pds()) {
        for (const DeviceUse& d : pd.devices) {
            if (d.id == boards::pc99_x86_64::pit || d.id == boards::pc99_x86_64::hpet) {
                system.problem(d.where,
                               "a restart back-off needs the PIT, so no PD may drive the PIT or "
                               "the HPET",
                               "'" + pd.name() + "'");
            }
        }
    }
}

void Supervisor::write_table(const State& state) {
    std::string code;
    for (const auto& supervised : state.supervised) {
        code +=
            "extern const kaal::debug::SymbolTable " + symbol_table_name(*supervised.pd) + ";\n";
    }
    code += "inline constexpr kaal::services::supervisor::SupervisedPd supervised[] = {\n";
    for (const auto& [pd, policy, inject_after] : state.supervised) {
        code += "    {" + std::to_string(pd->child_id) + ", \"" + pd->name() + "\", &" +
                symbol_table_name(*pd) + ", " + std::to_string(policy.restarts) + ", " +
                std::to_string(policy.backoff_ns) + ", " + std::to_string(inject_after) + "},\n";
    }
    code += "};\n";
    code += "inline constexpr unsigned fault_after_restarts = " +
            std::to_string(state.fault_after_restarts) + ";\n";
    // The time service's names exist in this configuration only when it is a client of one.
    code += std::string{"struct SupervisorTime {\n    static constexpr bool present = "} +
            (state.time ? "true;\n"
                          "    static constexpr const kaal::Word* clock = &kaal_cfg_time_clock;\n"
                          "    static constexpr const kaal::Word* fired = &kaal_cfg_time_fired;\n"
                          "    static constexpr kaal::Channel channel = time;\n"
                        : "false;\n") +
            "};\n";
    state.supervisor->section({{"kaal/services/supervisor/supervised_pd.hpp"}, code});
}

} // namespace kaal::composer
