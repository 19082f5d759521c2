// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>

namespace kaal::services::entropy {

// One client of the entropy source, as the composer's EntropySource building block writes it
// into the source's configuration (config::EntropyClients). `data` is the address of the
// variable the Microkit tool sets, read when the PD starts.
struct EntropyClientWiring {
    const Word* data; // where the client's data page is mapped here
    std::size_t data_size;
    Channel channel; // the client calls and is notified on it
};

} // namespace kaal::services::entropy
