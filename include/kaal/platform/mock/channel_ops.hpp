// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>

#include <array>
#include <functional>

// Mock mode models one protection domain per host thread. A test, or a mock system composer,
// fills in the `ProtectionDomain` record with the same channel masks the Microkit tool would
// patch into a real PD and with the other end of each channel; channel operations then fail and
// succeed exactly where they would on seL4.
namespace kaal::mock {

struct ProtectionDomain {
    const char* name = "mock";
    Word notifications = 0; // bit n: channel n may be notified
    Word irqs = 0;          // bit n: channel n is an IRQ this PD acks
    Word pps = 0;           // bit n: channel n may be ppcalled
    std::function<void(Channel)> on_notify;
    std::function<void(Channel)> on_irq_ack;
    std::function<MessageInfo(Channel, MessageInfo)> on_ppcall;
    std::array<Word, MessageInfo::max_length> message_registers{};
};

// The PD the calling thread is running as. Each thread starts with its own default record.
ProtectionDomain& current_pd();
// Makes `pd` the calling thread's PD until the returned guard is destroyed.
class ScopedPd {
public:
    explicit ScopedPd(ProtectionDomain& pd);
    ~ScopedPd();
    ScopedPd(const ScopedPd&) = delete;
    ScopedPd& operator=(const ScopedPd&) = delete;

private:
    ProtectionDomain* previous_;
};

} // namespace kaal::mock

namespace kaal {

Status notify(Channel ch);
Status irq_ack(Channel ch);
Result<MessageInfo> ppcall(Channel ch, MessageInfo msg);

inline void mr_set(unsigned index, Word value) {
    mock::current_pd().message_registers.at(index) = value;
}
inline Word mr_get(unsigned index) { return mock::current_pd().message_registers.at(index); }

} // namespace kaal
