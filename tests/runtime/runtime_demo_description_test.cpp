// SPDX-License-Identifier: BSD-2-Clause
// The description of examples/runtime-demo, as the composer generates it for the root task, must
// pass the checks the root task runs before it builds anything: the round trip from a composer
// description to the runtime mode's SystemDescription. The images are stand-ins: only their names
// matter to `validate`.
#include <gtest/gtest.h>

#include <kaal/platform/runtime/system_description.hpp>

namespace {
constexpr unsigned char no_bytes[1] = {};
} // namespace

// What kaal_compose() would embed for the demo: one image per PD, named after it.
const kaal::runtime::EmbeddedImage kaal::runtime::embedded_images[] = {
    {"serial_16550", no_bytes, no_bytes}, {"serial_tx_mux", no_bytes, no_bytes},
    {"serial_rx_mux", no_bytes, no_bytes}, {"hello", no_bytes, no_bytes},
    {"ppc-server", no_bytes, no_bytes},   {"ppc-client", no_bytes, no_bytes},
    {"producer", no_bytes, no_bytes},     {"consumer", no_bytes, no_bytes},
    {"crash-null", no_bytes, no_bytes},   {"crash-cap", no_bytes, no_bytes},
    {"hostile", no_bytes, no_bytes},      {"hostile-mem", no_bytes, no_bytes},
    {"hostile-cap", no_bytes, no_bytes},   {"hpet-clock", no_bytes, no_bytes},
};
const std::size_t kaal::runtime::embedded_image_count = 14;

namespace kaal::runtime {
namespace {

TEST(RuntimeDemoDescription, PassesTheRootTasksChecks) {
    const SystemError e = validate(system_description, {embedded_images, embedded_image_count});
    EXPECT_TRUE(e.ok()) << e.what << " (" << e.where << ")";
    EXPECT_EQ(system_description.components.size(), 14U);
}

TEST(RuntimeDemoDescription, NamesAnImageThatIsNotEmbeddedAsAnError) {
    const SystemError e = validate(system_description, {embedded_images, 13});
    EXPECT_EQ(e.error, Error::invalid_system);
    EXPECT_STREQ(e.where, "hpet-clock");
}

} // namespace
} // namespace kaal::runtime
