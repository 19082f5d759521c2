// SPDX-License-Identifier: BSD-2-Clause
// The time service building block (time_service.hpp).
#include <algorithm>

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
    if (s.board() != Board::qemu_virt_aarch64) {
        s.problem(Place::of(at), "the time service needs a board it has drivers for",
                  std::string{"no timer driver for "} + board_name(s.board()) +
                      " yet (the HPET and CMOS RTC are not built)");
        return;
    }
    service.device(boards::qemu_virt_aarch64::timer, "timer", at);
    service.device(boards::qemu_virt_aarch64::rtc, "rtc", at);
    state_->clock = &s.region("time_clock", page, at);
    service.map(*state_->clock, "clock_page", Perms::rw, at);
    s.on_compose([state = state_](System&) { write_table(*state); });
}

TimeService& TimeService::add_client(Pd& client, std::source_location at) {
    System& s = system_;
    if (state_->clock == nullptr) {
        return *this; // the constructor reported why
    }
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
    std::string code = "struct TimeClients {\n"
                       "    static constexpr const kaal::Word* clock_page = &kaal_cfg_clock_page;\n"
                       "    static constexpr const kaal::Word* rtc_regs = &kaal_cfg_rtc_regs;\n"
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
