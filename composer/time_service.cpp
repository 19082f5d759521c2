// SPDX-License-Identifier: BSD-2-Clause
// The time service building block (time_service.hpp).
#include <algorithm>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/time_service.hpp>

namespace kaal::composer {

namespace {

constexpr Word page = 0x1000; // the clock page; a fired queue (fired_queue.hpp) is one page too

} // namespace

TimeService::TimeService(System& s, TimeServiceOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    Pd& service = s.pd("time", "time_service", at).priority(options.priority, at);
    state_->service = &service;
    if (s.board() == Board::qemu_virt_aarch64) {
        service.device(boards::qemu_virt_aarch64::timer, "timer", at);
        service.device(boards::qemu_virt_aarch64::rtc, "rtc", at);
    } else {
        // Grants 0 and 1, in this order (time_hardware.hpp).
        service.device(boards::pc99_x86_64::hpet, "timer", at);
        service.device(boards::pc99_x86_64::cmos_rtc, "rtc", at);
    }
    state_->board = s.board();
    state_->clock = &s.region("time_clock", page, at);
    service.map(*state_->clock, "clock_page", Perms::rw, at);
    s.on_compose([state = state_](System&) { write_table(*state); });
}

TimeService& TimeService::add_client(Pd& client, std::source_location at) {
    System& s = system_;
    const std::string ident = identifier(client.name());
    state_->clients.push_back(ident);
    Region& fired = s.region("time_" + ident + "_fired", page, at);
    client.map(*state_->clock, "time_clock", Perms::r, at);
    client.map(fired, "time_fired", Perms::rw, at);
    state_->service->map(fired, "client_" + ident + "_fired", Perms::rw, at);
    s.call(client, "time", *state_->service, "client_" + ident, at);
    return *this;
}

void TimeService::write_table(const State& state) {
    // On pc99 the RTC is ports, granted, not mapped: no variable for it.
    std::string code =
        std::string{"struct TimeClients {\n"
                    "    static constexpr const kaal::Word* clock_page = &kaal_cfg_clock_page;\n"} +
        (state.board == Board::qemu_virt_aarch64
             ? "    static constexpr const kaal::Word* rtc_regs = &kaal_cfg_rtc_regs;\n"
             : "    static constexpr const kaal::Word* rtc_regs = nullptr;\n") +
        "    static constexpr kaal::Channel timer_irq = config::timer_irq;\n"
        "    static constexpr std::array clients{\n";
    for (const std::string& c : state.clients) {
        code += "        kaal::services::time::TimeClientConfig{&kaal_cfg_client_" + c +
                "_fired, client_" + c + "},\n";
    }
    code += "    };\n};\n";
    state.service->section({{"array", "kaal/services/time/time_service_component.hpp"}, code});
}

} // namespace kaal::composer
