// SPDX-License-Identifier: BSD-2-Clause
// The serial queue contract: attach checks the region, both ends see one stream, and corrupt
// indices are detected.
#include <array>
#include <cstddef>
#include <gtest/gtest.h>

#include <kaal/dddk/serial_queue.hpp>

namespace {

using kaal::Error;
using kaal::Word;
namespace serial = kaal::dddk::serial;

struct alignas(4096) Region {
    std::array<std::byte, serial::queue_region_bytes> bytes{};
    [[nodiscard]] Word vaddr() { return reinterpret_cast<Word>(bytes.data()); }
    kaal::ipc::RingControl& control() {
        return *reinterpret_cast<kaal::ipc::RingControl*>(bytes.data());
    }
};

TEST(SerialQueue, AttachRejectsAnUnpatchedOrMisalignedAddress) {
    Region region;
    EXPECT_EQ(serial::attach_queue(0).error(), Error::invalid_argument);
    EXPECT_EQ(serial::attach_queue(region.vaddr() + 64).error(), Error::invalid_argument);
    EXPECT_TRUE(serial::attach_queue(region.vaddr()).ok());
}

TEST(SerialQueue, BothEndsShareOneStreamOfTheContractsCapacity) {
    Region region;
    auto writer = *serial::attach_queue(region.vaddr());
    auto reader = *serial::attach_queue(region.vaddr());
    EXPECT_EQ(writer.ring().capacity(), serial::queue_capacity);
    const std::string big(serial::queue_capacity + 10, 'x');
    EXPECT_EQ(writer.write(std::string_view{big}), serial::queue_capacity);
    std::array<char, 16> out{};
    EXPECT_EQ(reader.read(out), out.size());
    EXPECT_TRUE(serial::check_queue_indices(region.vaddr()).ok());
}

TEST(SerialQueue, IndicesFurtherApartThanTheCapacityAreReported) {
    Region region;
    auto writer = *serial::attach_queue(region.vaddr());
    EXPECT_EQ(writer.write(std::string_view{"abc"}), 3U);
    auto& control = region.control();
    control.tail = control.head + serial::queue_capacity; // full: still consistent
    EXPECT_TRUE(serial::check_queue_indices(region.vaddr()).ok());
    control.tail = control.head + serial::queue_capacity + 1;
    EXPECT_EQ(serial::check_queue_indices(region.vaddr()).error(), Error::range_error);
    control.tail = control.head - 1; // tail behind head
    EXPECT_EQ(serial::check_queue_indices(region.vaddr()).error(), Error::range_error);
}

} // namespace
