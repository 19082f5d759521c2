// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/held_notifications.hpp>
#include <kaal/platform/mock/channel_ops.hpp>

namespace kaal {

// The mock PD's inbox, as run_event_loop receives from it; calls are answered with the ppc hook
// of the run_event_loop the calling thread is in. Beyond the seL4 errors: unsupported once a
// stop of the PD has been requested, so that a test can end a PD that waits.
Result<Channel> wait_for_any(ChannelSet channels);

} // namespace kaal
