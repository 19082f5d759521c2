// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/dddk/block_queue.hpp>
#include <kaal/dddk/block_request.hpp>
#include <kaal/platform/message.hpp>

// The queue between the block virtualiser and the block driver, each in its own PD (as sDDF
// splits them): the driver, which alone maps the device, never parses a partition table or
// reads a client's words, and the virtualiser, which does both, never touches the device.
//
//   virtualiser                                 driver
//     requests.push()  -> notify if asked         requests.pop() -> submit to the device
//     responses.pop() after a notification        responses.push() (from the device's IRQ)
//                                                   -> notify if asked
//
// A request is a BlockRequest as the virtualiser translated it: sectors from the start of the
// disk, data at a physical address (in a client's data region or the virtualiser's own), and
// the virtualiser's cookie, which comes back in the completion. The layout is the client
// queue's (block_queue.hpp); the info line carries the disk's size and whether it is
// read-only, published by the driver once the device is up and before its first notification.
//
// The virtualiser is the driver's only client and is trusted with physical addresses (the
// driver cannot check them: it maps none of the regions they point into). It is not trusted
// to be well-formed: the driver answers an unknown op, a bad length or sectors past the disk's
// end with an error completion, and takes a request only when the responses' ring has room
// for its completion besides those already owed, so no completion ever waits or is lost.
namespace kaal::dddk {

struct BlockCompletion {
    Word cookie; // the request's
    BlockStatus status;
};

using BlockDriverQueue = BlockRingPair<BlockRequest, BlockCompletion>;

} // namespace kaal::dddk
