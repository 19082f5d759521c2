// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/register.hpp>

// A device's register block on a bus: reads and writes of the registers and fields described
// with register.hpp. Every function is a template that inlines to the bus access itself.
//
//   RegisterBlock regs{bus};
//   regs.write<Imsc>(Imsc::Rxim::bits(1) | Imsc::Rtim::bits(1));   // whole register
//   regs.write<Lcr_h::Fen>(1);                                      // one field, read-modify-write
//   regs.modify<Imsc>([](auto v) { return v & ~Imsc::Txim::mask; });
//   const auto level = regs.read<Fr::Txff>();
namespace kaal::dddk {

// The access checks are constraints, so a read of a write-only register (or a write of a
// read-only one) fails overload resolution at compile time and can be tested for.
template <typename R>
concept Readable = RegisterType<R> && R::access != Access::write_only;
template <typename R>
concept Writable = RegisterType<R> && R::access != Access::read_only;
template <typename R>
concept ReadModifyWritable = RegisterType<R> && R::access == Access::read_write;

template <RegisterBus Bus>
class RegisterBlock {
public:
    constexpr explicit RegisterBlock(Bus bus) : bus_(bus) {}

    template <Readable R>
    [[nodiscard]] typename R::value_type read() const {
        return bus_.template read<typename R::value_type>(R::offset);
    }

    // Reads the field's register once and extracts the field.
    template <BitfieldType F>
    requires Readable<typename F::register_type>
    [[nodiscard]] typename F::value_type read() const {
        return F::get(read<typename F::register_type>());
    }

    template <Writable R>
    void write(typename R::value_type value) const {
        bus_.template write<typename R::value_type>(R::offset, value);
    }

    // Read-modify-write of one field: the other fields keep the values just read. Not for
    // registers whose read has a side effect (a FIFO data register): those are read-write in
    // their description only if a read-modify-write of them is harmless.
    template <BitfieldType F>
    requires ReadModifyWritable<typename F::register_type>
    void write(typename F::value_type field) const {
        using R = typename F::register_type;
        write<R>(F::set(read<R>(), field));
    }

    // Read-modify-write of a whole register: `change` maps the value read to the value written.
    template <ReadModifyWritable R, typename Change>
    void modify(Change&& change) const {
        write<R>(static_cast<typename R::value_type>(change(read<R>())));
    }

    [[nodiscard]] const Bus& bus() const { return bus_; }

private:
    Bus bus_;
};

} // namespace kaal::dddk
