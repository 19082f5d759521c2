// SPDX-License-Identifier: BSD-2-Clause
#include <kaal/platform/channel.hpp>

namespace kaal::mock {

namespace {
thread_local ProtectionDomain default_pd;
thread_local ProtectionDomain* active_pd = nullptr;

bool wired(Word mask, Channel ch) { return ch.valid() && ((mask >> ch.id()) & 1U) != 0; }
} // namespace

ProtectionDomain& current_pd() { return active_pd != nullptr ? *active_pd : default_pd; }

ScopedPd::ScopedPd(ProtectionDomain& pd) : previous_(active_pd) { active_pd = &pd; }
ScopedPd::~ScopedPd() { active_pd = previous_; }

} // namespace kaal::mock

namespace kaal {

Status notify(Channel ch) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.notifications, ch)) {
        return Error::invalid_channel;
    }
    if (pd.on_notify) {
        pd.on_notify(ch);
    }
    return {};
}

Status irq_ack(Channel ch) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.irqs, ch)) {
        return Error::invalid_channel;
    }
    if (pd.on_irq_ack) {
        pd.on_irq_ack(ch);
    }
    return {};
}

Result<MessageInfo> ppcall(Channel ch, MessageInfo msg) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.pps, ch) || !pd.on_ppcall) {
        return Error::invalid_channel;
    }
    return pd.on_ppcall(ch, msg);
}

} // namespace kaal
