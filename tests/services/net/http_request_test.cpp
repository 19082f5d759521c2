// SPDX-License-Identifier: BSD-2-Clause
// The HTTP request-head parser against what RFC 9112 allows and what it forbids.
#include <gtest/gtest.h>
#include <string>

#include <kaal/services/net/http_request.hpp>

namespace {

using kaal::services::net::HttpRequest;
using kaal::services::net::parse_http_request;
using Outcome = HttpRequest::Outcome;

TEST(HttpRequest, ParsesARequestLineAndKeepsAlive) {
    const std::string text = "GET /status HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\nGET / HTTP/1.1";
    const auto r = parse_http_request(text, 2048);
    ASSERT_EQ(r.outcome, Outcome::complete);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/status");
    EXPECT_EQ(r.minor_version, 1U);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_FALSE(r.has_body);
    EXPECT_EQ(r.head_bytes, text.find("GET /", 1)) << "the next request starts after the head";
}

TEST(HttpRequest, ConnectionOptionsDecidePersistence) {
    EXPECT_FALSE(
        parse_http_request("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", 2048).keep_alive);
    EXPECT_FALSE(parse_http_request("GET / HTTP/1.0\r\n\r\n", 2048).keep_alive);
    EXPECT_TRUE(parse_http_request("GET / HTTP/1.0\r\nconnection: foo, keep-alive\r\n\r\n", 2048)
                    .keep_alive);
}

TEST(HttpRequest, AnIncompleteHeadAsksForMoreAndAnEndlessOneIsTooLarge) {
    EXPECT_EQ(parse_http_request("GET / HTTP/1.1\r\nHost: x\r\n", 2048).outcome,
              Outcome::incomplete);
    const std::string endless(2048, 'a');
    EXPECT_EQ(parse_http_request(endless, 2048).outcome, Outcome::too_large);
    const std::string late = "GET / HTTP/1.1\r\nX: " + std::string(2040, 'b') + "\r\n\r\n";
    EXPECT_EQ(parse_http_request(late, 2048).outcome, Outcome::too_large);
}

TEST(HttpRequest, BodiesAreNoticed) {
    EXPECT_TRUE(parse_http_request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 2048).has_body);
    EXPECT_FALSE(parse_http_request("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 2048).has_body);
    EXPECT_TRUE(
        parse_http_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 2048).has_body);
    EXPECT_EQ(parse_http_request("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 2048).outcome,
              Outcome::bad);
}

TEST(HttpRequest, MalformedHeadsAreBad) {
    for (const char* text : {
             "\r\n\r\n",
             "GET\r\n\r\n",
             "GET  / HTTP/1.1\r\n\r\n",
             "GET / HTTP/2.0\r\n\r\n",
             "GET / HTTP/1.x\r\n\r\n",
             "G(T / HTTP/1.1\r\n\r\n",
             "GET /a\x01 HTTP/1.1\r\n\r\n",
             "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
             "GET / HTTP/1.1\r\nName : space before the colon\r\n\r\n",
             "GET / HTTP/1.1\r\n folded: line\r\n\r\n",
             "GET / HTTP/1.1\r\nBare\rCR: x\r\n\r\n",
             "GET / HTTP/1.1\r\nX: a\nb\r\n\r\n",
         }) {
        EXPECT_EQ(parse_http_request(text, 2048).outcome, Outcome::bad) << text;
    }
}

} // namespace
