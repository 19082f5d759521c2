// SPDX-License-Identifier: BSD-2-Clause
// entropy_reader: a client of the entropy source (kaal/services/entropy/entropy_client.hpp). It
// reads 4 KiB, twice the driver's pool, so that the read outlasts the pool and waits for the
// device to refill it; checks that the bytes look random (at least 200 of the 256 byte values
// among them: 4096 uniform bytes miss any one value with probability e^-16) and reports. The two
// readers then compare their first 16 bytes through a page they share: reader-a writes its own
// and notifies reader-b, which says whether they differ. reader-b also makes two bad calls and
// reports the errors, then reads again to show the source still serves it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/entropy/entropy_client.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::services::entropy::EntropyClient;
using kaal::services::entropy::Take;

constexpr std::size_t read_bytes = 4096;
constexpr std::size_t compared_bytes = 16;
constexpr std::size_t least_distinct = 200;

class EntropyReader {
public:
    void init() {
        auto writer = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                    config::serial_tx);
        auto rng =
            EntropyClient::attach(config::entropy_data, config::entropy_data_size, config::entropy);
        if (!writer || !rng) {
            kaal::debug::print(config::pd_name, ": FAILED: cannot attach the console or the rng\n");
            return;
        }
        console_.emplace(*writer);
        rng_.emplace(*rng);
        const bool first = std::string_view{config::pd_name} == "reader-a";

        // What the pool holds now, without waiting: at most its 2 KiB, so the rest must wait.
        const auto at_once = rng_->try_read(bytes_);
        if (!at_once) {
            fail("try_read", at_once.error());
            return;
        }
        if (*at_once == read_bytes) {
            say(Line().add("FAILED: the pool gave all 4096 bytes at once, no refill was needed\n"));
            return;
        }
        if (const auto rest = rng_->read(std::span{bytes_}.subspan(*at_once)); !rest) {
            fail("read", rest.error());
            return;
        }
        const std::size_t distinct = distinct_values();
        say(Line()
                .add(read_bytes)
                .add(" random bytes, ")
                .add(distinct)
                .add(" distinct values; ")
                .add(*at_once)
                .add(" at once, the rest after refills\n"));
        if (distinct < least_distinct) {
            say(Line().add("FAILED: fewer than 200 distinct byte values\n"));
            return;
        }

        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the shared page there
        auto* shared = reinterpret_cast<std::uint8_t*>(config::first_bytes);
        if (first) {
            kaal::copy_bytes(shared, bytes_.data(), compared_bytes);
            static_cast<void>(kaal::notify(config::peer));
            return;
        }
        if (const auto waited = kaal::wait_for(config::peer); !waited) {
            fail("waiting for reader-a", waited.error());
            return;
        }
        bool differ = false;
        for (std::size_t i = 0; i < compared_bytes; ++i) {
            differ = differ || shared[i] != bytes_[i];
        }
        say(Line().add(differ ? "my first 16 bytes differ from reader-a's\n"
                              : "FAILED: my first 16 bytes are reader-a's\n"));
        bad_calls();
    }

    void notified(kaal::Channel /*ch*/) {
        // The console's space signal, or a refill after a read already made up for: nothing to
        // do but move on what the console holds.
        if (console_) {
            static_cast<void>(console_->flush());
        }
    }

private:
    // A request larger than the data page, and one of 0 bytes: errors, and the source goes on.
    void bad_calls() {
        const auto too_large =
            kaal::ipc::call(config::entropy, Take{config::entropy_data_size + 1});
        const auto empty = kaal::ipc::call(config::entropy, Take{0});
        if (too_large.ok() || empty.ok()) {
            say(Line().add("FAILED: a bad Take was answered with bytes\n"));
            return;
        }
        say(Line()
                .add("a Take of ")
                .add(config::entropy_data_size + 1)
                .add(" bytes: ")
                .add(kaal::to_string(too_large.error()))
                .add("; of 0 bytes: ")
                .add(kaal::to_string(empty.error()))
                .add("\n"));
        std::array<std::uint8_t, 32> more{};
        if (const auto again = rng_->read(more); !again) {
            fail("read after the bad calls", again.error());
            return;
        }
        say(Line().add("after the bad calls, 32 more bytes; done\n"));
    }

    [[nodiscard]] std::size_t distinct_values() const {
        std::array<bool, 256> seen{};
        std::size_t distinct = 0;
        for (const std::uint8_t b : bytes_) {
            if (!seen[b]) {
                seen[b] = true;
                ++distinct;
            }
        }
        return distinct;
    }

    void fail(std::string_view what, kaal::Error error) {
        say(Line().add("FAILED: ").add(what).add(": ").add(kaal::to_string(error)).add("\n"));
    }

    void say(const Line& line) {
        static_cast<void>(console_->write(line.view()));
        static_cast<void>(console_->flush());
    }

    std::optional<kaal::services::serial::ConsoleWriter> console_;
    std::optional<EntropyClient> rng_;
    std::array<std::uint8_t, read_bytes> bytes_{};
};

} // namespace

KAAL_COMPONENT(EntropyReader);
