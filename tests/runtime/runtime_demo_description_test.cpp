// SPDX-License-Identifier: BSD-2-Clause
// The description of examples/runtime-demo, compiled here as it is into the root task, must pass
// the checks the root task runs before it builds anything. The images are stand-ins: only their
// names matter to `validate`.
#include <gtest/gtest.h>

#include <kaal/platform/runtime/system_description.hpp>

namespace {
constexpr unsigned char no_bytes[1] = {};
} // namespace

// What kaal_add_runtime_system() would embed for the demo (examples/runtime-demo/CMakeLists.txt).
const kaal::runtime::EmbeddedImage kaal::runtime::embedded_images[] = {
    {"serial_ns16550", no_bytes, no_bytes},
    {"runtime_demo_hello", no_bytes, no_bytes},
    {"ipc_ppc_server", no_bytes, no_bytes},
    {"ipc_ppc_client", no_bytes, no_bytes},
    {"ipc_ring_producer", no_bytes, no_bytes},
    {"ipc_ring_consumer", no_bytes, no_bytes},
    {"runtime_demo_crash_null", no_bytes, no_bytes},
    {"runtime_demo_crash_cap", no_bytes, no_bytes},
    {"hostile", no_bytes, no_bytes},
};
const std::size_t kaal::runtime::embedded_image_count = 9;

namespace kaal::runtime {
namespace {

TEST(RuntimeDemoDescription, PassesTheRootTasksChecks) {
    const SystemError e = validate(system_description, {embedded_images, embedded_image_count});
    EXPECT_TRUE(e.ok()) << e.what << " (" << e.where << ")";
    EXPECT_EQ(system_description.components.size(), 11U);
}

TEST(RuntimeDemoDescription, NamesAnImageThatIsNotEmbeddedAsAnError) {
    const SystemError e = validate(system_description, {embedded_images, 8});
    EXPECT_EQ(e.error, Error::invalid_system);
    EXPECT_STREQ(e.where, "hostile");
}

} // namespace
} // namespace kaal::runtime
