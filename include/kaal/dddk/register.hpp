// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <type_traits>

#include <kaal/platform/message.hpp>

// A device's registers described as types: `Register<offset, width>` names one register of a
// register block, and `Bitfield<shift, width>` nested in it names a field. A description is
// pure compile-time data (no object, no storage); RegisterBlock (register_block.hpp) turns it
// into accesses on a bus. Written from the datasheet, e.g. the PL011 flag register (ARM DDI
// 0183, 3.3.3 "Flag Register, UARTFR"):
//
//   struct Fr : Register<0x018, 32, Access::read_only> {
//       struct Txff : Bitfield<5, 1> {};
//       struct Rxfe : Bitfield<4, 1> {};
//   };
//   if (regs.read<Fr::Txff>() == 0) ...
//
// The access mode is checked at compile time: reading a write-only register (e.g. an interrupt
// clear register) or writing a read-only one does not build.
namespace kaal::dddk {

enum class Access : std::uint8_t { read_write, read_only, write_only };

namespace detail {
template <unsigned Bits>
struct UintOfWidth;
template <>
struct UintOfWidth<8> {
    using type = std::uint8_t;
};
template <>
struct UintOfWidth<16> {
    using type = std::uint16_t;
};
template <>
struct UintOfWidth<32> {
    using type = std::uint32_t;
};
template <>
struct UintOfWidth<64> {
    using type = std::uint64_t;
};
} // namespace detail

// `Offset` is in bytes from the start of the block; `Bits` is the access width the device
// requires (8, 16, 32 or 64). Devices often decode only accesses of their documented width, so
// the width is part of the register's type and every access uses exactly it.
template <Word Offset, unsigned Bits, Access Mode = Access::read_write>
struct Register {
    using value_type = typename detail::UintOfWidth<Bits>::type;
    static constexpr Word offset = Offset;
    static constexpr unsigned bits = Bits;
    static constexpr Access access = Mode;

    static_assert(Offset % (Bits / 8) == 0, "registers are naturally aligned");

    // Bits [Shift, Shift + Width) of the enclosing register. A field has no offset of its own:
    // reading it reads its register.
    template <unsigned Shift, unsigned Width>
    struct Bitfield {
        static_assert(Width > 0 && Shift + Width <= Bits, "a bitfield lies inside its register");

        using register_type = Register;
        using value_type = Register::value_type;
        static constexpr unsigned shift = Shift;
        static constexpr unsigned width = Width;
        static constexpr value_type mask = static_cast<value_type>(
            (Width == Bits ? ~value_type{0}
                           : static_cast<value_type>((std::uint64_t{1} << Width) - 1))
            << Shift);

        // The field's value in a whole register value.
        static constexpr value_type get(value_type reg) {
            return static_cast<value_type>((reg & mask) >> Shift);
        }
        // `field` moved to its place in the register; bits beyond the field's width are dropped.
        static constexpr value_type bits(value_type field) {
            return static_cast<value_type>((std::uint64_t{field} << Shift) & mask);
        }
        // `reg` with this field replaced by `field` and every other bit kept.
        static constexpr value_type set(value_type reg, value_type field) {
            return static_cast<value_type>((reg & static_cast<value_type>(~mask)) | bits(field));
        }
    };
};

template <typename R>
concept RegisterType = requires {
    typename R::value_type;
    { R::offset } -> std::convertible_to<Word>;
    { R::access } -> std::convertible_to<Access>;
};

template <typename F>
concept BitfieldType = requires {
    typename F::register_type;
    { F::mask } -> std::convertible_to<typename F::value_type>;
}
&&RegisterType<typename F::register_type>;

} // namespace kaal::dddk
