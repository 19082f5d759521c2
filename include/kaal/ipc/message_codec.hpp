// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// Typed messages over message registers. A protected call carries a label and up to
// seL4_MsgMaxLength words (seL4 manual, "Message Registers"); this header maps C++ structs onto
// that and back, and decodes what arrives with every check a server needs before it trusts a
// message from another protection domain: the label must be one the protocol defines and the
// length must be exactly that request's length. Anything else is answered with an error reply
// (message.hpp's convention), never a fault, so a malformed call cannot take a server down.
//
// The codec reads and writes registers through a `Registers` object so the same code runs on
// the real message registers (ppc.hpp) and on an array (tests, the fuzzer); it never reads a
// register beyond the length of the message it is decoding.
namespace kaal::ipc {

// A payload is a struct of whole words (Word or other fixed-width integers filling whole words)
// with no padding, or an empty struct. No padding means no byte of the sender's memory travels
// unintentionally; whole words means the layout is the same in every PD.
template <typename M>
concept Payload = std::is_trivially_copyable_v<M> && std::is_default_constructible_v<M> &&
    (std::is_empty_v<M> ||
     (std::has_unique_object_representations_v<M> && sizeof(M) % sizeof(Word) == 0 &&
      sizeof(M) / sizeof(Word) <= MessageInfo::max_length));

template <Payload M>
inline constexpr unsigned payload_words = std::is_empty_v<M>
                                              ? 0U
                                              : static_cast<unsigned>(sizeof(M) / sizeof(Word));

// A reply that carries nothing but success.
struct EmptyPayload {};

// A request names its label and the payload type of its reply:
//   struct Add { static constexpr Word label = 1; using Reply = Sum; Word a; Word b; };
template <typename R>
concept Request = Payload<R> && Payload<typename R::Reply> && requires {
    { R::label } -> std::convertible_to<Word>;
} &&(R::label <= MessageInfo::max_label);

// Message registers as an array: the words of one message, for tests and fuzzing. Reading past
// the end is a bug in the codec and traps.
class ArrayRegisters {
public:
    constexpr explicit ArrayRegisters(std::span<Word> words) : words_(words) {}
    [[nodiscard]] constexpr Word get(unsigned index) const {
        if (index >= words_.size()) {
            __builtin_trap();
        }
        return words_[index];
    }
    constexpr void set(unsigned index, Word value) const {
        if (index >= words_.size()) {
            __builtin_trap();
        }
        words_[index] = value;
    }

private:
    std::span<Word> words_;
};

template <typename R>
concept Registers = requires(const R& regs, unsigned index, Word value) {
    { regs.get(index) } -> std::same_as<Word>;
    regs.set(index, value);
};

namespace detail {

template <Payload M, Registers Regs>
void store_payload(const M& message, const Regs& regs) {
    if constexpr (payload_words<M> != 0) {
        const auto words = std::bit_cast<std::array<Word, payload_words<M>>>(message);
        for (unsigned i = 0; i < payload_words<M>; ++i) {
            regs.set(i, words[i]);
        }
    }
}

// Precondition: the message has exactly payload_words<M> registers.
template <Payload M, Registers Regs>
M load_payload(const Regs& regs) {
    if constexpr (payload_words<M> == 0) {
        return M{};
    } else {
        std::array<Word, payload_words<M>> words{};
        for (unsigned i = 0; i < payload_words<M>; ++i) {
            words[i] = regs.get(i);
        }
        return std::bit_cast<M>(words);
    }
}

// The labels that name an Error, as a bitmap worked out at compile time from to_string, so the
// list of errors stays in one place and checking a reply's label is a shift and a test, not the
// string comparison (strlen and memcmp calls) that kept every `call` out of line. Indexed with
// [], not at(): a label is at most 0xff, and at() would call the C++ library's throw in an
// unoptimised build, which a component does not link.
inline constexpr std::array<std::uint64_t, 4> known_error_labels = [] {
    std::array<std::uint64_t, 4> known{};
    for (unsigned label = 1; label <= 0xff; ++label) {
        if (std::string_view{to_string(static_cast<Error>(label))} != "unknown error") {
            known[label / 64] |= std::uint64_t{1} << (label % 64);
        }
    }
    return known;
}();

constexpr bool is_known_error(Word label) {
    return label != 0 && label <= 0xff &&
           ((known_error_labels[label / 64] >> (label % 64)) & 1U) != 0;
}

} // namespace detail

// Client side: writes `request` into the registers; returns the MessageInfo to call with.
template <Request R, Registers Regs>
MessageInfo encode_request(const R& request, const Regs& regs) {
    detail::store_payload(request, regs);
    return {R::label, payload_words<R>};
}

// Server side: writes a successful `reply` into the registers; returns the reply's MessageInfo.
template <Payload P, Registers Regs>
MessageInfo encode_reply(const P& reply, const Regs& regs) {
    detail::store_payload(reply, regs);
    return ok_reply(payload_words<P>);
}

// Server side: the request `info` describes, if it is an `R`; malformed_message if the label
// is not R's or the length is not exactly R's.
template <Request R, Registers Regs>
Result<R> decode_request(MessageInfo info, const Regs& regs) {
    if (info.label() != R::label || info.length() != payload_words<R>) {
        return Error::malformed_message;
    }
    return detail::load_payload<R>(regs);
}

// Client side: the reply `info` describes. An error reply becomes its Error; a reply that is
// neither a known error nor a success of exactly P's length is malformed_message, because the
// server is another PD and its answer is checked like any other input. Always inlined for the
// reason ppc.hpp's `call` is.
template <Payload P, Registers Regs>
[[gnu::always_inline]] inline Result<P> decode_reply(MessageInfo info, const Regs& regs) {
    if (is_error_reply(info)) {
        return detail::is_known_error(info.label()) ? reply_error(info) : Error::malformed_message;
    }
    if (info.length() != payload_words<P>) {
        return Error::malformed_message;
    }
    return detail::load_payload<P>(regs);
}

// The requests a server accepts. `serve` decodes a call, hands the request to
// `handler(const R&) -> Result<R::Reply>` for the one R whose label matches, and encodes what
// the handler returns; an unknown label or a wrong length is answered with
// error_reply(malformed_message) without calling the handler. The dispatch is a chain of label
// comparisons the compiler can turn into a switch: no table of function pointers.
template <Request... Rs>
struct Protocol {
    static_assert(sizeof...(Rs) > 0, "a protocol has at least one request");

    static constexpr bool labels_distinct() {
        const std::array<Word, sizeof...(Rs)> labels{Word{Rs::label}...};
        for (std::size_t i = 0; i < labels.size(); ++i) {
            for (std::size_t j = i + 1; j < labels.size(); ++j) {
                if (labels[i] == labels[j]) {
                    return false;
                }
            }
        }
        return true;
    }
    static_assert(labels_distinct(), "every request of a protocol needs its own label");

    template <typename Handler, Registers Regs>
    static MessageInfo serve(MessageInfo request, Handler&& handler, const Regs& regs) {
        MessageInfo reply = error_reply(Error::malformed_message);
        (void)(serve_one<Rs>(request, handler, regs, reply) || ...);
        return reply;
    }

private:
    template <Request R, typename Handler, Registers Regs>
    static bool serve_one(MessageInfo request, Handler& handler, const Regs& regs,
                          MessageInfo& reply) {
        if (request.label() != R::label) {
            return false;
        }
        const auto decoded = decode_request<R>(request, regs);
        if (!decoded.ok()) {
            reply = error_reply(decoded.error());
            return true;
        }
        const Result<typename R::Reply> result = handler(*decoded);
        reply = result.ok() ? encode_reply(*result, regs) : error_reply(result.error());
        return true;
    }
};

} // namespace kaal::ipc
