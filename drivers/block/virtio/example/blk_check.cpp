// SPDX-License-Identifier: BSD-2-Clause
// virtio_blk_check: the virtio-blk driver on seL4, in a PD that uses the disk itself. The boot
// test (tests/drivers/block/virtio-blk-boot.sh) attaches an image whose sector s begins with
// "kaal-sector-<s, 5 digits>\n" and is filled with the byte s & 0xff. The PD refuses two bad
// requests, reads sectors 0 to 15 with all 16 requests in flight at once and checks every byte,
// writes sector 40, flushes, and reads it back; the test checks sector 40 on the host after
// QEMU has gone.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "virtio_blk_driver.hpp"

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::Word;
using kaal::debug::print;
using kaal::drivers::block::BlockRequest;
using kaal::drivers::block::BlockStatus;
using Driver = kaal::drivers::block::VirtioBlkDriver<kaal::dddk::MmioBus>;

// The transport system.cpp gives this PD: where QEMU plugs the first virtio device.
constexpr const kaal::DeviceDesc& transport = *board::table.find(board::virtio_mmio(31));
constexpr Word sector = 512;
constexpr unsigned reads = 16;
constexpr std::uint64_t written_sector = 40;
// The DMA region: the driver's pool first, then one sector buffer per request.
constexpr Word data_offset = 0x4000;
static_assert(Driver::dma_bytes <= data_offset);
static_assert(data_offset + (reads + 2) * sector <= config::blk_dma_size);

enum Stage : Word { reading = 1, writing, flushing, reading_back };

void expected_sector(std::uint64_t s, unsigned char* out) {
    std::memset(out, static_cast<int>(s & 0xff), sector);
    constexpr std::string_view prefix = "kaal-sector-";
    std::memcpy(out, prefix.data(), prefix.size());
    for (int digit = 4; digit >= 0; --digit, s /= 10) {
        out[12 + digit] = static_cast<unsigned char>('0' + s % 10);
    }
    out[17] = '\n';
}

class BlkCheck {
public:
    void init() {
        auto driver = kaal::dddk::virtio::make_mmio_driver<kaal::drivers::block::VirtioBlkDriver>(
            transport, config::blk_regs, config::blk_irq, config::blk_dma, config::blk_dma_paddr);
        if (!driver) {
            print("blk-check: FAILED: no virtio-blk device on transport 31: ", driver.error(),
                  driver.error() == kaal::Error::unsupported
                      ? " (a legacy transport: run QEMU with -global "
                        "virtio-mmio.force-legacy=false)\n"
                      : "\n");
            return;
        }
        driver_.emplace(*driver);
        print("blk-check: virtio-blk with ", driver_->capacity_sectors(), " sectors of 512 bytes, ",
              driver_->read_only() ? "read-only" : "writable", ", ",
              driver_->has_flush() ? "with FLUSH" : "without FLUSH", "\n");
        refuse_bad_requests();
        for (unsigned i = 0; i < reads; ++i) {
            submit({BlockRequest::Op::read, i, paddr(i), sector, cookie(reading, i)});
        }
        print("blk-check: ", driver_->in_flight(), " reads in flight\n");
    }

    void notified(kaal::Channel ch) {
        if (!driver_ || ch != config::blk_irq) {
            return;
        }
        const bool healthy =
            driver_->handle_irq([this](Word c, BlockStatus status) { completed(c, status); });
        static_cast<void>(kaal::irq_ack(config::blk_irq));
        if (!healthy) {
            print("blk-check: FAILED: the device needs a reset\n");
        }
    }

private:
    static constexpr Word cookie(Stage stage, unsigned index) { return stage << 16 | index; }
    static Word paddr(Word buffer) { return config::blk_dma_paddr + data_offset + buffer * sector; }
    static unsigned char* vaddr(Word buffer) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the DMA region is mapped there
        return reinterpret_cast<unsigned char*>(config::blk_dma + data_offset + buffer * sector);
    }

    void refuse_bad_requests() {
        const auto beyond = driver_->submit(
            {BlockRequest::Op::read, driver_->capacity_sectors(), paddr(0), sector, 0});
        const auto partial = driver_->submit({BlockRequest::Op::read, 0, paddr(0), 100, 0});
        print("blk-check: a read past the end: ", beyond.error(),
              "; a read of 100 bytes: ", partial.error(),
              beyond.ok() || partial.ok() || driver_->in_flight() != 0 ? " FAILED\n" : "\n");
    }

    void submit(const BlockRequest& r) {
        if (const auto sent = driver_->submit(r); !sent) {
            print("blk-check: FAILED: a request was refused: ", sent.error(), "\n");
        }
    }

    void completed(Word c, BlockStatus status) {
        if (status != BlockStatus::ok) {
            print("blk-check: FAILED: request ", kaal::debug::hex(c), " completed with status ",
                  static_cast<unsigned>(status), "\n");
            return;
        }
        std::array<unsigned char, sector> expected{};
        switch (static_cast<Stage>(c >> 16)) {
        case reading:
            expected_sector(c & 0xffff, expected.data());
            wrong_ += std::memcmp(vaddr(c & 0xffff), expected.data(), sector) == 0 ? 0U : 1U;
            if (++read_ == reads) {
                print("blk-check: ", read_, " reads completed, ", wrong_,
                      wrong_ == 0 ? " sectors differ from the image\n"
                                  : " sectors differ from the image FAILED\n");
                write_sector();
            }
            break;
        case writing:
            print("blk-check: sector 40 written\n");
            submit({BlockRequest::Op::flush, 0, 0, 0, cookie(flushing, 0)});
            break;
        case flushing:
            print("blk-check: flushed: the device reports its cache on the medium\n");
            submit({BlockRequest::Op::read, written_sector, paddr(reads + 1), sector,
                    cookie(reading_back, 0)});
            break;
        case reading_back:
            print("blk-check: sector 40 read back ",
                  std::memcmp(vaddr(reads), vaddr(reads + 1), sector) == 0
                      ? "as written; done\n"
                      : "differently FAILED\n");
            break;
        }
    }

    void write_sector() {
        unsigned char* buffer = vaddr(reads);
        expected_sector(written_sector, buffer);
        constexpr std::string_view text = "written by KaaL on seL4\n";
        std::memcpy(buffer, text.data(), text.size());
        submit({BlockRequest::Op::write, written_sector, paddr(reads), sector, cookie(writing, 0)});
    }

    std::optional<Driver> driver_;
    unsigned read_ = 0;
    unsigned wrong_ = 0;
};

} // namespace

KAAL_COMPONENT(BlkCheck);
