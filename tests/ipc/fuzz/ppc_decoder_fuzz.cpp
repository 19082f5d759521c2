// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the PPC message decoder: arbitrary labels, lengths and register
// contents go through Protocol::serve (the server side) and decode_reply (the client side).
// Registers beyond the message's length trap when read, so a decoder that trusted anything but
// the checked length would crash here, as would any out-of-bounds access under ASan.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <kaal/ipc/message_codec.hpp>

#include "../ppc_protocol.hpp"

namespace {

using kaal::MessageInfo;
using kaal::Word;
using namespace kaal::ipc::test;

// The receiver's registers: the first `readable` words are the message; the rest are stale
// from the receiver's point of view and must never be read. All may be written by a reply.
class MessageRegisters {
public:
    MessageRegisters(std::array<Word, MessageInfo::max_length>& words, unsigned readable)
        : words_(&words), readable_(readable) {}
    [[nodiscard]] Word get(unsigned index) const {
        if (index >= readable_) {
            __builtin_trap();
        }
        return words_->at(index);
    }
    void set(unsigned index, Word value) const { words_->at(index) = value; }

private:
    std::array<Word, MessageInfo::max_length>* words_;
    unsigned readable_;
};

template <typename R>
bool matches(MessageInfo info) {
    return info.label() == R::label && info.length() == kaal::ipc::payload_words<R>;
}

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Input: 8 bytes of label, 1 byte of length, then register words.
    if (size < 9) {
        return 0;
    }
    Word label = 0;
    std::memcpy(&label, data, sizeof label);
    const MessageInfo info{label, data[8]};
    std::array<Word, MessageInfo::max_length> words{};
    std::memcpy(words.data(), data + 9, std::min(size - 9, sizeof words));

    // Server side.
    AdderServer server;
    const MessageRegisters request_regs{words, info.length()};
    const MessageInfo reply = Adder::serve(info, server, request_regs);
    const bool well_formed = matches<Add>(info) || matches<Accumulate>(info) ||
                             matches<Reset>(info) || matches<Fill>(info);
    if (!well_formed) {
        check(server.handled == 0);
        check(reply == kaal::error_reply(kaal::Error::malformed_message));
    } else {
        check(server.handled == 1);
        check(reply.length() <= 1);
    }

    // Client side: the same input read as a reply from a server.
    const MessageRegisters reply_regs{words, info.length()};
    const auto sum = kaal::ipc::decode_reply<Sum>(info, reply_regs);
    if (sum.ok()) {
        check(info.label() == 0 && info.length() == 1 && sum->value == words[0]);
    } else {
        check(sum.error() != kaal::Error::ok);
        check(info.label() != 0 || sum.error() == kaal::Error::malformed_message);
    }
    return 0;
}
