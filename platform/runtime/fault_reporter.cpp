// SPDX-License-Identifier: BSD-2-Clause
// The root task as every component's fault handler. The kernel turns a fault into a message on
// the thread's fault endpoint whose label is the fault type and whose message registers are laid
// out per type (seL4 manual, "Faults"; libsel4 sel4/shared_types.h and sel4_arch/constants.h).
// A component can send on that endpoint too; fault_ledger.hpp says why that is harmless. A
// component that faults is reported, then restarted as its policy allows (Component::restarts,
// on its image's initial data, SystemBuilder::restart; after Component::backoff_ns, doubled each
// time, on the PIT's interrupt, which arrives on the same receive: backoff_timer.hpp), and after
// that started again as one that only answers calls (SystemBuilder::start_stopped), so that its
// clients are told it has stopped.
#include <kaal/platform/backoff_schedule.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/fault_report.hpp>
#include <kaal/platform/runtime/backoff_timer.hpp>
#include <kaal/platform/runtime/fault_ledger.hpp>
#include <kaal/platform/runtime/root_task.hpp>
#include <kaal/platform/runtime/system_builder.hpp>

namespace kaal::runtime {

namespace {

// Whether the message just received left a reply cap: the kernel delivers a fault as a call,
// whose reply resumes the thread, and so does a component's own seL4_Call; a plain seL4_Send
// leaves none. SaveCaller moves the caller's reply cap into `reply`, or leaves it empty (seL4
// manual, "CNode Methods"); moving it on to `probe` succeeds only if there was one.
bool saved_a_reply(CPtr reply, CPtr probe) {
    constexpr auto depth = root_task::cptr_bits;
    static_cast<void>(seL4_CNode_SaveCaller(root_task::cnode.cptr(), reply, depth));
    const bool present = seL4_CNode_Move(root_task::cnode.cptr(), probe, depth,
                                         root_task::cnode.cptr(), reply, depth) == seL4_NoError;
    // Never replied to: a reply would resume the thread. Deleting the cap drops that right.
    static_cast<void>(seL4_CNode_Delete(root_task::cnode.cptr(), probe, depth));
    return present;
}

} // namespace

[[gnu::weak]] bool resolve_fault(std::size_t, const SystemDescription&, Cap<cap::Tcb>,
                                 const debug::FaultMessage&) {
    return false;
}

namespace {

// What the root task does after it has stopped a faulted component: restart it as its policy
// allows, at once or when its back-off ends, or stop it for good.
class RestartPolicies {
public:
    RestartPolicies(const SystemDescription& system, SystemBuilder& builder, FaultLedger& ledger,
                    const BackoffTimer* timer)
        : system_(system), builder_(builder), ledger_(ledger), timer_(timer) {}

    void after_fault(std::size_t index) {
        const Component& c = system_.components[index];
        if (restarted_[index] >= c.restarts) {
            if (c.restarts != 0) {
                debug::print("kaal: '", c.name, "' has been restarted ", c.restarts,
                             " times, the most its policy allows\n");
            }
            stop(index);
            return;
        }
        const std::uint64_t wait = backoff_before(c.backoff_ns, restarted_[index]);
        if (wait == 0 || timer_ == nullptr) {
            restart(index);
            return;
        }
        backoffs_.start(index, timer_->now_ns(), wait);
        debug::print("kaal: restarting '", c.name, "' in ", wait / 1'000'000, " ms (restart ",
                     restarted_[index] + 1, " of ", c.restarts, ")\n");
        arm_for_next();
    }

    // The PIT's interrupt: restarts what has waited long enough, and times the rest.
    void on_timer() {
        timer_->acknowledge();
        backoffs_.end_due(timer_->now_ns(), [this](std::size_t index, std::uint64_t waited) {
            // The timer's own check, printed: a back-off that ended early is a bug.
            const std::uint64_t asked =
                backoff_before(system_.components[index].backoff_ns, restarted_[index]);
            if (waited < asked) {
                debug::print("kaal: FAILED: a back-off of ", asked, " ns ended after ", waited,
                             " ns\n");
            }
            restart(index);
        });
        arm_for_next();
    }

private:
    void arm_for_next() {
        if (const auto end = backoffs_.next_end()) {
            const std::uint64_t now = timer_->now_ns();
            timer_->arm(*end > now ? *end - now : 0);
        }
    }

    void restart(std::size_t index) {
        const Component& c = system_.components[index];
        if (const Status again = builder_.restart(index); !again.ok()) {
            debug::print("kaal: cannot restart '", c.name, "': ", again.error(), "\n");
            stop(index);
            return;
        }
        ++restarted_[index];
        ledger_.restarted(index);
        debug::print("kaal: restarted '", c.name, "' (restart ", restarted_[index], " of ",
                     c.restarts, ")\n");
    }

    // Started again, so that no caller waits for it for good; a fault of the component after
    // this is ignored, as the ledger ignores all of a stopped component's.
    void stop(std::size_t index) {
        const char* name = system_.components[index].name;
        debug::report_stopped(name);
        if (builder_.start_stopped(index).ok()) {
            debug::print("kaal: calls to '", name, "' are answered: ", Error::peer_stopped, "\n");
        } else {
            debug::print("kaal: cannot answer the calls to '", name, "'; its callers wait\n");
        }
    }

    const SystemDescription& system_;
    SystemBuilder& builder_;
    FaultLedger& ledger_;
    const BackoffTimer* timer_;
    unsigned restarted_[SystemDescription::max_components] = {};
    BackoffSchedule<SystemDescription::max_components> backoffs_;
};

} // namespace

void serve_faults(Cap<cap::Endpoint> fault_endpoint, const SystemDescription& system,
                  std::span<const EmbeddedImage> images, SystemBuilder& builder,
                  const BackoffTimer* timer, CPtr reply, CPtr probe) {
    FaultLedger ledger{system.components.size()};
    RestartPolicies policies{system, builder, ledger, timer};
    bool resolved = false;
    for (;;) {
        seL4_Word badge = 0;
        // A resolved fault is answered with an empty reply in the same system call as the next
        // receive: the thread resumes at its fault IP (seL4 manual, "Faults").
        const seL4_MessageInfo_t tag =
            resolved
                ? seL4_ReplyRecv(fault_endpoint.cptr(), seL4_MessageInfo_new(0, 0, 0, 0), &badge)
                : seL4_Recv(fault_endpoint.cptr(), &badge);
        resolved = false;
        if (timer != nullptr && badge == BackoffTimer::badge) {
            policies.on_timer();
            continue;
        }
        const auto label = seL4_MessageInfo_get_label(tag);
        const auto length = seL4_MessageInfo_get_length(tag);
        // Read before any other system call here can overwrite the message registers.
        const auto fault = debug::FaultMessage::read(label, length);
        const auto running = ledger.running(badge);
        resolved = running && resolve_fault(*running, system, builder.tcb_of(*running), fault);
        if (resolved) {
            continue;
        }
        const bool with_reply = saved_a_reply(reply, probe);
        const FaultLedger::Verdict v = ledger.on_message(badge);
        if (v.action == FaultLedger::Action::ignore) {
            if (v.report && v.known) {
                debug::print("kaal: component '", system.components[v.component].name,
                             "' is stopped; ignored ", v.count,
                             " more messages on its fault endpoint\n");
            } else if (v.report) {
                debug::print("kaal: ignored ", v.count,
                             " messages with no component's badge on the fault endpoint\n");
            }
            continue;
        }
        // Suspended before anything is printed: the root task runs at the top priority, so the
        // component does not run again between its message and this.
        const char* name = system.components[v.component].name;
        const bool suspended = seL4_TCB_Suspend(builder.tcb_of(v.component).cptr()) == seL4_NoError;
        if (with_reply) {
            const EmbeddedImage* image = find_image(images, system.components[v.component].image);
            debug::report_fault(name, fault, image != nullptr ? image->symbols : nullptr);
        } else {
            debug::print("kaal: component '", name,
                         "' sent a message on its fault endpoint itself (label ", label,
                         "): a forged fault report, not a fault the kernel raised\n");
        }
        if (!suspended) {
            debug::print("kaal: component '", name,
                         "' could not be suspended; its thread stays blocked\n");
            continue;
        }
        policies.after_fault(v.component);
    }
}

} // namespace kaal::runtime
