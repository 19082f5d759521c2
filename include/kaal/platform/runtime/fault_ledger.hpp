// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/core/report_backoff.hpp>
#include <kaal/platform/runtime/system_description.hpp>

// What the root task does with each message on the fault endpoint (runtime mode), kept apart
// from the kernel calls so it is tested on the host.
//
// On a non-MCS kernel a thread's fault endpoint is a cap in its own CSpace, with the send right
// the kernel needs (seL4 manual, "Faults"; seL4_TCB_Configure), so a component can send on it
// itself, with any label and registers. The badge cannot be forged: the root task minted one
// per component, so a message always names its true sender. What a component can forge is only
// a fault of its own, and the ledger makes that harmless: the first message from a component,
// a real fault or not, stops it (the root task suspends its thread before it reports), so a
// component sends at most one message before it stops running, and that message can claim
// nothing worse than "I faulted", which then holds. Messages that should not exist (an unknown
// badge, or a stopped component's, were one to arrive) are counted, and reported with back-off.
namespace kaal::runtime {

class FaultLedger {
public:
    enum class Action : std::uint8_t {
        stop_and_report, // the component's first message: suspend it, then say why
        ignore,          // from a component already stopped, or a badge no component has
    };
    struct Verdict {
        Action action;
        std::size_t component; // for stop_and_report, and for ignore of a known component
        bool known;            // the badge names a component of the system
        bool report;           // for ignore: worth a line (1st, 2nd, 4th... of its kind)
        std::uint64_t count;   // for ignore: how many of its kind so far
    };

    explicit FaultLedger(std::size_t components) : components_(components) {}

    // `badge` is what seL4_Recv returned with the message: fault_badge(index) of the sender.
    Verdict on_message(Word badge) {
        const auto named = component_of(badge);
        if (!named) {
            ++unknown_;
            return {Action::ignore, 0, false, worth_reporting(unknown_), unknown_};
        }
        const std::size_t index = *named;
        if (!stopped_[index]) {
            stopped_[index] = true;
            return {Action::stop_and_report, index, true, true, 1};
        }
        ++ignored_[index];
        return {Action::ignore, index, true, worth_reporting(ignored_[index]), ignored_[index]};
    }

    [[nodiscard]] bool stopped(std::size_t index) const { return stopped_[index]; }

    // The root task restarted the component: its next message is a new fault, reported and
    // acted on as its first was. A component that forges one restarts itself, as its policy
    // allows, and no other.
    void restarted(std::size_t index) { stopped_[index] = false; }

    // The component `badge` names, if it is still running: one whose fault the system may
    // resolve (resolve_fault, root_task.hpp). Counts nothing, so a message the system does not
    // resolve goes on to on_message.
    [[nodiscard]] std::optional<std::size_t> running(Word badge) const {
        const auto named = component_of(badge);
        return named && !stopped_[*named] ? named : std::nullopt;
    }

private:
    // The index of the component whose fault_badge() `badge` is, if any.
    [[nodiscard]] std::optional<std::size_t> component_of(Word badge) const {
        if (badge == 0 || badge > components_) {
            return std::nullopt;
        }
        return badge - 1;
    }

    std::size_t components_;
    bool stopped_[SystemDescription::max_components] = {};
    std::uint64_t ignored_[SystemDescription::max_components] = {};
    std::uint64_t unknown_ = 0;
};

} // namespace kaal::runtime
