// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer: the HTTP request-head parser on arbitrary bytes, as a connection delivers them.
// Besides ASan/UBSan's checks, what it returns must lie inside what it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <kaal/services/net/http_request.hpp>

namespace {

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes{reinterpret_cast<const char*>(data), size};
    constexpr std::size_t limit = 2048;
    const auto r = kaal::services::net::parse_http_request(bytes, limit);
    using Outcome = kaal::services::net::HttpRequest::Outcome;
    if (r.outcome == Outcome::complete &&
        (r.head_bytes > size || r.head_bytes > limit || !inside(r.method, bytes) ||
         !inside(r.target, bytes) || r.method.empty() || r.target.empty())) {
        std::abort();
    }
    return 0;
}
