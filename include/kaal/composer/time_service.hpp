// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/system.hpp>

// The time service as one building block (services/time, kaal/services/time): a PD that owns the
// board's timer and RTC, a clock page every client maps read-only, and per client one line:
//
//   kaal::composer::TimeService time{s};
//   time.add_client(alarm);
//
// A client's configuration then names `config::time` (its channel to the service, which it may
// call), `config::time_clock` (the clock page) and `config::time_fired` (its fired queue): what
// kaal/services/time/time_client.hpp attaches to. QEMU virt: the generic timer and the PL031;
// pc99 (runtime mode): the HPET, the TSC and the CMOS RTC.
namespace kaal::composer {

struct TimeServiceOptions {
    unsigned priority = 220; // above its clients, which call it; below the serial driver
};

class TimeService {
public:
    explicit TimeService(System& system, TimeServiceOptions options = {},
                         std::source_location at = std::source_location::current());

    TimeService& add_client(Pd& client, std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& service() { return *state_->service; }

private:
    struct State {
        Pd* service = nullptr;
        Region* clock = nullptr;
        Board board = Board::qemu_virt_aarch64;
        std::vector<std::string> clients; // identifiers, in the order they were added
    };
    static void write_table(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
