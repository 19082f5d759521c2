// SPDX-License-Identifier: BSD-2-Clause
// The EntropySource building block: the driver PD on the transport the description names, each
// client's channel and read-only data page in its configuration header, the driver's client
// table, and the descriptions it refuses (kaal/composer/entropy_source.hpp).
#include <gtest/gtest.h>
#include <string>

#include <kaal/composer/entropy_source.hpp>
#include <kaal/composer/outputs.hpp>

#include "composer_test_support.hpp"

namespace {

using namespace kaal::composer;

using test_support::has;
using test_support::named;

TEST(ComposerEntropySource, GivesEachClientAChannelAndAReadOnlyPageAndTheDriverItsTable) {
    System s{"entropy", Board::qemu_virt_aarch64};
    EntropySource rng{s, {.transport = 30}};
    auto& a = s.pd("app-a", "app").priority(100);
    auto& b = s.pd("app-b", "app").priority(100);
    rng.add_client(a).add_client(b, 0x2000);
    ASSERT_TRUE(s.compose().empty());

    const std::string client = config_header(s, named(s, "app-a"), "system.cpp");
    EXPECT_TRUE(has(client, "inline constexpr kaal::Channel entropy{")) << client;
    EXPECT_TRUE(has(client, "// to 'rng-driver', which this PD may call")) << client;
    EXPECT_TRUE(has(client, "region 'rng_app_a_data', r,")) << "only the driver writes it";
    EXPECT_TRUE(has(client, "inline constexpr std::size_t entropy_data_size = 0x1000;")) << client;
    EXPECT_TRUE(has(config_header(s, named(s, "app-b"), "system.cpp"),
                    "inline constexpr std::size_t entropy_data_size = 0x2000;"));

    const std::string driver = config_header(s, named(s, "rng-driver"), "system.cpp");
    EXPECT_TRUE(has(driver, "inline constexpr unsigned rng_transport = 30;")) << driver;
    EXPECT_TRUE(has(driver, "rng_irq{")) << driver;
    EXPECT_TRUE(has(driver, "rng_dma_paddr")) << driver;
    EXPECT_TRUE(has(driver, "EntropyClientWiring{&kaal_cfg_client_app_a_data, "
                            "client_app_a_data_size, client_app_a}"))
        << driver;
    EXPECT_TRUE(has(driver, "EntropyClientWiring{&kaal_cfg_client_app_b_data, "
                            "client_app_b_data_size, client_app_b}"))
        << driver;
    EXPECT_TRUE(has(microkit_system(s, "system.cpp"), "<irq irq=\"78\"")) << "transport 30's IRQ";
}

TEST(ComposerEntropySource, TheDefaultTransportIsTheFirstDevicesAndNoClientsIsAnEmptyTable) {
    System s{"entropy", Board::qemu_virt_aarch64};
    EntropySource rng{s};
    ASSERT_TRUE(s.compose().empty());
    const std::string driver = config_header(s, rng.driver(), "system.cpp");
    EXPECT_TRUE(has(driver, "inline constexpr unsigned rng_transport = 31;")) << driver;
    EXPECT_TRUE(has(driver, "EntropyClientWiring, 0> clients{}")) << driver;
}

TEST(ComposerEntropySource, RefusesABadTransportABadPageAndAnotherBoard) {
    {
        System s{"entropy", Board::qemu_virt_aarch64};
        EntropySource rng{s, {.transport = 32}};
        EXPECT_FALSE(s.compose().empty());
    }
    {
        System s{"entropy", Board::qemu_virt_aarch64};
        EntropySource rng{s};
        rng.add_client(s.pd("app", "app").priority(100), 100);
        const auto problems = s.compose();
        ASSERT_EQ(problems.size(), 1U);
        EXPECT_TRUE(has(problems[0].rule, "whole pages")) << problems[0].rule;
    }
    {
        System s{"entropy", Board::pc99_x86_64};
        EntropySource rng{s};
        EXPECT_FALSE(s.compose().empty());
    }
}

} // namespace
