// SPDX-License-Identifier: BSD-2-Clause
// Register descriptions and RegisterBlock over a recording model: field arithmetic, the width
// and offset of every access, read-modify-write, and the compile-time access checks.
#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/register_block.hpp>

namespace {

using kaal::Word;
using kaal::dddk::Access;
using kaal::dddk::MockBus;
using kaal::dddk::Register;
using kaal::dddk::RegisterBlock;

// A device with one register of each width and access mode.
struct Ctrl : Register<0x00, 32> {
    struct Enable : Bitfield<0, 1> {};
    struct Mode : Bitfield<4, 3> {};
    struct Top : Bitfield<24, 8> {};
};
struct Status : Register<0x04, 32, Access::read_only> {
    struct Ready : Bitfield<31, 1> {};
};
struct Clear : Register<0x08, 32, Access::write_only> {};
struct Byte : Register<0x0c, 8> {
    struct Low : Bitfield<0, 4> {};
};
struct Half : Register<0x0e, 16> {};
struct Wide : Register<0x10, 64> {
    struct High : Bitfield<32, 32> {};
};

// Remembers every access and holds register contents as plain memory.
struct RecordingModel {
    struct Access {
        bool write;
        Word offset;
        unsigned bytes;
        std::uint64_t value;
    };
    std::uint64_t read(Word offset, unsigned bytes) {
        log.push_back({false, offset, bytes, memory[offset]});
        return memory[offset];
    }
    void write(Word offset, unsigned bytes, std::uint64_t value) {
        log.push_back({true, offset, bytes, value});
        memory[offset] = value;
    }
    std::map<Word, std::uint64_t> memory;
    std::vector<Access> log;
};

TEST(Bitfield, MasksShiftsAndReplaces) {
    static_assert(Ctrl::Mode::mask == 0x70U);
    static_assert(Ctrl::Top::mask == 0xff000000U);
    static_assert(Wide::High::mask == 0xffffffff00000000ULL);
    static_assert(std::is_same_v<Byte::value_type, std::uint8_t>);
    EXPECT_EQ(Ctrl::Mode::get(0xffffff5fU), 5U);
    EXPECT_EQ(Ctrl::Mode::bits(0xf), 0x70U); // beyond the field's width: dropped
    EXPECT_EQ(Ctrl::Mode::set(0xffffffffU, 2), 0xffffffafU);
    EXPECT_EQ(Ctrl::Top::bits(0xab), 0xab000000U);
    EXPECT_EQ(Byte::Low::set(0xf0, 0x3), 0xf3U);
    EXPECT_EQ(Wide::High::get(0x1234567800000000ULL), 0x12345678U);
}

TEST(RegisterBlock, EachAccessHasItsRegistersOffsetAndWidth) {
    RecordingModel model;
    const RegisterBlock regs{MockBus{model}};
    regs.write<Byte>(0x5a);
    regs.write<Half>(0xbeef);
    regs.write<Wide>(0x0102030405060708ULL);
    regs.write<Clear>(1);
    model.memory[0x04] = 0x80000000;
    EXPECT_EQ(regs.read<Status::Ready>(), 1U);
    ASSERT_EQ(model.log.size(), 5U);
    EXPECT_EQ(model.log[0].offset, 0x0cU);
    EXPECT_EQ(model.log[0].bytes, 1U);
    EXPECT_EQ(model.log[1].offset, 0x0eU);
    EXPECT_EQ(model.log[1].bytes, 2U);
    EXPECT_EQ(model.log[2].bytes, 8U);
    EXPECT_EQ(model.log[2].value, 0x0102030405060708ULL);
    EXPECT_EQ(model.log[3].offset, 0x08U);
    EXPECT_EQ(model.log[4].offset, 0x04U);
    EXPECT_EQ(model.log[4].bytes, 4U);
    EXPECT_FALSE(model.log[4].write);
}

TEST(RegisterBlock, FieldWriteIsOneReadAndOneWriteKeepingTheOtherFields) {
    RecordingModel model;
    model.memory[0x00] = 0xab000031; // Top 0xab, Mode 3, Enable 1
    const RegisterBlock regs{MockBus{model}};
    regs.write<Ctrl::Mode>(6);
    EXPECT_EQ(model.memory[0x00], 0xab000061U);
    ASSERT_EQ(model.log.size(), 2U);
    EXPECT_FALSE(model.log[0].write);
    EXPECT_TRUE(model.log[1].write);
    EXPECT_EQ(regs.read<Ctrl::Top>(), 0xabU);
}

TEST(RegisterBlock, ModifyMapsTheValueRead) {
    RecordingModel model;
    model.memory[0x00] = 0x31;
    const RegisterBlock regs{MockBus{model}};
    regs.modify<Ctrl>(
        [](std::uint32_t v) { return (v & ~Ctrl::Enable::mask) | Ctrl::Top::bits(1); });
    EXPECT_EQ(model.memory[0x00], 0x01000030U);
    EXPECT_EQ(model.log.size(), 2U);
}

// The access mode is a constraint: these would not compile, and the test proves it.
template <typename R, typename Block>
concept CanRead = requires(const Block& b) {
    b.template read<R>();
};
template <typename R, typename Block>
concept CanWrite = requires(const Block& b) {
    b.template write<R>(0);
};
template <typename R, typename Block>
concept CanModify = requires(const Block& b) {
    b.template modify<R>([](auto v) { return v; });
};
using Block = RegisterBlock<MockBus<RecordingModel>>;
static_assert(CanRead<Ctrl, Block> && CanWrite<Ctrl, Block> && CanModify<Ctrl, Block>);
static_assert(CanRead<Status, Block> && !CanWrite<Status, Block> && !CanModify<Status, Block>);
static_assert(!CanRead<Clear, Block> && CanWrite<Clear, Block> && !CanModify<Clear, Block>);
static_assert(CanRead<Status::Ready, Block> && !CanWrite<Status::Ready, Block>);
static_assert(CanWrite<Ctrl::Mode, Block>);

TEST(RegisterBlock, AccessModesAreCheckedAtCompileTime) {
    SUCCEED() << "checked by the static_asserts above";
}

} // namespace
