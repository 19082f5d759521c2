// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// An HTTP/1.x request head, as a server reads it off a connection (RFC 9112): the request line
// and the header fields up to the empty line. Only what a small server acts on is kept: the
// method, the target, the version, whether the connection persists, and whether a body follows.
// Everything comes off the wire, so the parser trusts nothing: no read past the bytes given, a
// head longer than the caller's limit is refused rather than buffered without end, and any line
// that is not what RFC 9112 allows makes the request bad (a server answers 400 and closes,
// 9112 section 3 and 5). Fuzzed: tests/services/net/fuzz.
//
// Who may call: anyone; it keeps no state.
namespace kaal::services::net {

struct HttpRequest {
    enum class Outcome : std::uint8_t {
        incomplete, // no empty line yet: read more
        complete,   // `head_bytes` bytes are the head
        bad,        // malformed: 400, then close
        too_large,  // no end within the limit: 431 (RFC 6585 section 5), then close
    };
    Outcome outcome = Outcome::incomplete;
    std::size_t head_bytes = 0;
    std::string_view method;
    std::string_view target;
    unsigned minor_version = 0; // HTTP/1.<minor>
    bool keep_alive = false;    // 9112 section 9.3: 1.1 persists unless "close", 1.0 only if asked
    bool has_body = false;      // Content-Length other than 0, or Transfer-Encoding
};

namespace http_detail {

constexpr bool is_tchar(char c) {
    // RFC 9110 section 5.6.2: token characters.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

// string_view::substr without its out_of_range throw, which a freestanding component cannot
// link: every caller passes a `pos` it found inside `s`, and the length is clamped.
constexpr std::string_view slice(std::string_view s, std::size_t pos,
                                 std::size_t n = std::string_view::npos) {
    if (pos > s.size()) {
        return {};
    }
    const std::size_t rest = s.size() - pos;
    return {s.data() + pos, n < rest ? n : rest};
}

constexpr char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Whether the comma-separated list `value` has the token `token` (Connection's options).
constexpr bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        std::string_view item = slice(value, 0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (equals_ignoring_case(item, token)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
    return false;
}

// "GET /path HTTP/1.1": 9112 section 3.
constexpr bool parse_request_line(std::string_view line, HttpRequest& r) {
    const std::size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos) {
        return false;
    }
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
        return false;
    }
    r.method = slice(line, 0, sp1);
    r.target = slice(line, sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = slice(line, sp2 + 1);
    for (char c : r.method) {
        if (!is_tchar(c)) {
            return false;
        }
    }
    for (char c : r.target) {
        // A target has no spaces or controls (9112 section 3.2, RFC 3986's characters).
        if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
            return false;
        }
    }
    if (version.size() != 8 || slice(version, 0, 7) != "HTTP/1." || version[7] < '0' ||
        version[7] > '9') {
        return false;
    }
    r.minor_version = static_cast<unsigned>(version[7] - '0');
    r.keep_alive = r.minor_version >= 1;
    return true;
}

// "Name: value": 9112 section 5. No obsolete line folding (5.2: a server may reject it).
constexpr bool parse_field(std::string_view line, HttpRequest& r) {
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
        return false;
    }
    const std::string_view name = slice(line, 0, colon);
    for (char c : name) {
        if (!is_tchar(c)) {
            return false; // also a space before the colon, which 5.1 forbids
        }
    }
    std::string_view value = slice(line, colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    for (char c : value) {
        if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == '\x7f') {
            return false;
        }
    }
    if (equals_ignoring_case(name, "connection")) {
        if (has_token(value, "close")) {
            r.keep_alive = false;
        } else if (has_token(value, "keep-alive")) {
            r.keep_alive = true;
        }
    } else if (equals_ignoring_case(name, "content-length")) {
        if (value.empty()) {
            return false;
        }
        for (char c : value) {
            if (c < '0' || c > '9') {
                return false; // 9110 section 8.6: 1*DIGIT
            }
            r.has_body = r.has_body || c != '0';
        }
    } else if (equals_ignoring_case(name, "transfer-encoding")) {
        r.has_body = true;
    }
    return true;
}

} // namespace http_detail

// Parses the head at the start of `bytes`, which holds at most `limit` bytes of it.
constexpr HttpRequest parse_http_request(std::string_view bytes, std::size_t limit) {
    HttpRequest r;
    const std::size_t end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        r.outcome = bytes.size() >= limit ? HttpRequest::Outcome::too_large
                                          : HttpRequest::Outcome::incomplete;
        return r;
    }
    if (end + 4 > limit) {
        r.outcome = HttpRequest::Outcome::too_large;
        return r;
    }
    r.head_bytes = end + 4;
    std::string_view head = http_detail::slice(bytes, 0, end + 2); // each line with its CRLF
    bool first = true;
    while (!head.empty()) {
        const std::size_t eol = head.find("\r\n");
        const std::string_view line = http_detail::slice(head, 0, eol);
        head.remove_prefix(eol + 2);
        if (line.find('\r') != std::string_view::npos ||
            line.find('\n') != std::string_view::npos ||
            line.find('\0') != std::string_view::npos) {
            r.outcome = HttpRequest::Outcome::bad; // a bare CR or LF: 9112 section 2.2
            return r;
        }
        if (!(first ? http_detail::parse_request_line(line, r)
                    : http_detail::parse_field(line, r))) {
            r.outcome = HttpRequest::Outcome::bad;
            return r;
        }
        first = false;
    }
    r.outcome = HttpRequest::Outcome::complete;
    return r;
}

} // namespace kaal::services::net
