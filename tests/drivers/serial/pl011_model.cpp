// SPDX-License-Identifier: BSD-2-Clause
#include "pl011_model.hpp"

namespace {

namespace reg {
constexpr kaal::Word dr = 0x000;
constexpr kaal::Word rsr_ecr = 0x004;
constexpr kaal::Word fr = 0x018;
constexpr kaal::Word ilpr = 0x020;
constexpr kaal::Word ibrd = 0x024;
constexpr kaal::Word fbrd = 0x028;
constexpr kaal::Word lcr_h = 0x02c;
constexpr kaal::Word cr = 0x030;
constexpr kaal::Word ifls = 0x034;
constexpr kaal::Word imsc = 0x038;
constexpr kaal::Word ris = 0x03c;
constexpr kaal::Word mis = 0x040;
constexpr kaal::Word icr = 0x044;
constexpr kaal::Word dmacr = 0x048;
constexpr kaal::Word periph_id0 = 0xfe0;
constexpr kaal::Word periph_id1 = 0xfe4;
constexpr kaal::Word periph_id2 = 0xfe8;
constexpr kaal::Word periph_id3 = 0xfec;
} // namespace reg

constexpr std::uint32_t fr_busy = 1U << 3;
constexpr std::uint32_t fr_rxfe = 1U << 4;
constexpr std::uint32_t fr_txff = 1U << 5;
constexpr std::uint32_t fr_rxff = 1U << 6;
constexpr std::uint32_t fr_txfe = 1U << 7;

constexpr std::uint32_t cr_uarten = 1U << 0;
constexpr std::uint32_t cr_txe = 1U << 8;
constexpr std::uint32_t cr_rxe = 1U << 9;

constexpr std::uint32_t dr_fe = 1U << 8;
constexpr std::uint32_t dr_pe = 1U << 9;
constexpr std::uint32_t dr_be = 1U << 10;
constexpr std::uint32_t dr_oe = 1U << 11;

constexpr std::uint32_t all_interrupts = 0x7ff;

} // namespace

Pl011Model::Pl011Model(unsigned revision) : revision_(revision), depth_(revision < 3 ? 16 : 32) {}

std::size_t Pl011Model::trigger(unsigned select) const {
    if (!fifos_enabled()) {
        // One-character holding registers: RX when it holds one, TX when it is empty.
        return 0;
    }
    static constexpr std::size_t eighths[] = {1, 2, 4, 6, 7};
    return select < 5 ? depth_ * eighths[select] / 8 : depth_ / 2;
}

bool Pl011Model::enabled(std::uint32_t direction_bit) const {
    return (cr_ & cr_uarten) != 0 && (cr_ & direction_bit) != 0;
}

std::uint32_t Pl011Model::flags() const {
    std::uint32_t f = 0;
    if (!tx_.empty()) {
        f |= fr_busy;
    }
    f |= rx_.empty() ? fr_rxfe : 0;
    f |= tx_.size() >= effective_depth() ? fr_txff : 0;
    f |= rx_.size() >= effective_depth() ? fr_rxff : 0;
    f |= tx_.empty() ? fr_txfe : 0;
    return f;
}

std::uint64_t Pl011Model::read(kaal::Word offset, unsigned bytes) {
    ++accesses_;
    if (bytes != 4) {
        ++bad_accesses_;
    }
    switch (offset) {
    case reg::dr: return read_data();
    case reg::rsr_ecr: return rsr_;
    case reg::fr:
        if (polling_drains_) {
            const std::uint32_t before = flags();
            transmit(1);
            return before;
        }
        return flags();
    case reg::ilpr:
    case reg::dmacr: return 0;
    case reg::ibrd: return ibrd_;
    case reg::fbrd: return fbrd_;
    case reg::lcr_h: return lcr_h_;
    case reg::cr: return cr_;
    case reg::ifls: return ifls_;
    case reg::imsc: return imsc_;
    case reg::ris: return ris_;
    case reg::mis: return ris_ & imsc_;
    case reg::periph_id0: return 0x11;
    case reg::periph_id1: return 0x10;
    case reg::periph_id2: return (revision_ << 4) | 0x4;
    case reg::periph_id3: return 0x00;
    default: ++bad_accesses_; return 0;
    }
}

void Pl011Model::write(kaal::Word offset, unsigned bytes, std::uint64_t value64) {
    ++accesses_;
    if (bytes != 4) {
        ++bad_accesses_;
    }
    const auto value = static_cast<std::uint32_t>(value64);
    switch (offset) {
    case reg::dr: write_data(value); break;
    case reg::rsr_ecr: rsr_ = 0; break;
    case reg::ilpr:
    case reg::dmacr: break;
    case reg::ibrd: ibrd_ = value & 0xffff; break;
    case reg::fbrd: fbrd_ = value & 0x3f; break;
    case reg::lcr_h: {
        const bool was_enabled = fifos_enabled();
        lcr_h_ = value & 0xff;
        latched_ibrd_ = ibrd_;
        latched_fbrd_ = fbrd_;
        if (was_enabled && !fifos_enabled()) {
            tx_.clear();
        }
        break;
    }
    case reg::cr: cr_ = value & 0xff87; break;
    case reg::ifls: ifls_ = value & 0x3f; break;
    case reg::imsc: imsc_ = value & all_interrupts; break;
    case reg::icr: ris_ &= ~(value & all_interrupts); break;
    default: ++bad_accesses_; break; // read-only registers and unknown offsets
    }
}

std::uint32_t Pl011Model::read_data() {
    if (rx_.empty()) {
        return 0;
    }
    const std::uint32_t entry = rx_.front();
    rx_.pop_front();
    if (on_data_read) {
        on_data_read();
    }
    // RSR reports the errors of the character just read; OE is RSR's own (set on overrun).
    rsr_ = (rsr_ & 0x8) | ((entry >> 8) & 0x7);
    if (rx_.size() < rx_trigger() || rx_.empty()) {
        ris_ &= ~rx_bit;
    }
    if (rx_.empty()) {
        ris_ &= ~rt_bit;
    }
    return entry;
}

void Pl011Model::write_data(std::uint32_t value) {
    if (tx_.size() >= effective_depth()) {
        ++tx_writes_when_full_;
        return;
    }
    tx_.push_back(static_cast<std::uint8_t>(value & 0xff));
    if (tx_.size() > tx_trigger()) {
        ris_ &= ~tx_bit;
    }
}

std::size_t Pl011Model::transmit(std::size_t max_chars) {
    std::size_t sent = 0;
    while (sent < max_chars && !tx_.empty() && enabled(cr_txe)) {
        const bool was_above = tx_.size() > tx_trigger();
        line_.push_back(static_cast<char>(tx_.front()));
        tx_.pop_front();
        ++sent;
        if (was_above && tx_.size() <= tx_trigger()) {
            ris_ |= tx_bit;
        }
    }
    return sent;
}

bool Pl011Model::receive(char c, std::uint32_t errors) {
    if (!enabled(cr_rxe)) {
        return false;
    }
    if (rx_.size() >= effective_depth()) {
        rsr_ |= 0x8;
        ris_ |= oe_bit;
        overrun_pending_ = true;
        ++characters_lost_;
        return false;
    }
    std::uint32_t entry = static_cast<std::uint8_t>(c) | (errors & (dr_fe | dr_pe | dr_be));
    if (overrun_pending_) {
        entry |= dr_oe;
        overrun_pending_ = false;
    }
    rx_.push_back(static_cast<std::uint16_t>(entry));
    ris_ |= (entry & dr_fe) != 0 ? fe_bit : 0;
    ris_ |= (entry & dr_pe) != 0 ? pe_bit : 0;
    ris_ |= (entry & dr_be) != 0 ? be_bit : 0;
    if (rx_.size() >= rx_trigger()) {
        ris_ |= rx_bit;
    }
    return true;
}

void Pl011Model::receive(const std::string& text) {
    for (const char c : text) {
        receive(c);
    }
}

void Pl011Model::receive_idle() {
    if (!rx_.empty()) {
        ris_ |= rt_bit;
    }
}
