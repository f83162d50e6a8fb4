// Bad input: each kind gets its named error (or a close with a stated reason),
// nothing crashes, nothing is lost, and everyone else is served as before.
#include "raw_client.hpp"
#include "server_process.hpp"

#include "model/limits.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::ClientMessage add_point(std::uint64_t request_id, const std::string& id, double lon, double lat)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    auto* f = m.mutable_add_feature()->mutable_feature();
    f->set_id(id);
    f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f->mutable_geometry()->add_positions();
    p->set_lon(lon);
    p->set_lat(lat);
    return m;
}

pb::ErrorCode error_of(const std::optional<pb::ServerMessage>& m)
{
    REQUIRE(m.has_value());
    REQUIRE_MESSAGE(m->has_error(), "expected an Error, got " << m->ShortDebugString());
    CHECK_FALSE(m->error().message().empty());
    return m->error().code();
}

std::string base64url(const std::string& in)
{
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out.push_back(table[(val >> bits) & 0x3F]);
            bits -= 6;
        }
    }
    if (bits > -6)
        out.push_back(table[((val << 8) >> (bits + 8)) & 0x3F]);
    return out;
}

// A good client in the same room still works, and sees everything that was acked.
void check_room_still_serves(server_process& server, const std::string& room)
{
    client c(server.options(room, "good-peer"));
    join_or_fail(c);
    auto r = c.send_chat("still here").get();
    CHECK(r.ok);
}

} // namespace

TEST_CASE("the envelope: garbage bytes, a text frame, an oversized frame, a command before join")
{
    server_process server;

    SUBCASE("bytes that are not a ClientMessage are answered with MALFORMED_MESSAGE")
    {
        raw_client raw(server.port());
        raw.send_binary(std::string("\xff\xff\xff\xff\x0f garbage", 13));
        CHECK(error_of(raw.next()) == pb::ERROR_CODE_MALFORMED_MESSAGE);
        // The connection goes on: a proper join still works.
        auto welcome = raw.join("envelope", server.token("envelope", "raw"));
        CHECK(welcome.has_welcome());
    }
    SUBCASE("a text frame is refused and the connection closed with 1003")
    {
        raw_client raw(server.port());
        raw.send_text("{\"join\": \"please\"}");
        CHECK(error_of(raw.next()) == pb::ERROR_CODE_TEXT_FRAME);
        CHECK_FALSE(raw.next().has_value());
        CHECK(raw.close().code == 1003);
        CHECK_FALSE(raw.close().reason.empty());
    }
    SUBCASE("a frame over the size limit is closed with 1009")
    {
        raw_client raw(server.port());
        raw.send_binary(std::string(200 * 1024, 'x'));
        CHECK_FALSE(raw.next().has_value());
        CHECK(raw.close().code == 1009);
    }
    SUBCASE("a command before join is answered with NOT_JOINED")
    {
        raw_client raw(server.port());
        raw.send(add_point(7, "early", 1, 1));
        auto reply = raw.answer_to(7);
        CHECK(error_of(reply) == pb::ERROR_CODE_NOT_JOINED);
    }
    SUBCASE("an empty envelope is answered with UNKNOWN_COMMAND")
    {
        raw_client raw(server.port());
        pb::ClientMessage empty;
        empty.set_request_id(9);
        raw.send(empty);
        CHECK(error_of(raw.answer_to(9)) == pb::ERROR_CODE_UNKNOWN_COMMAND);
    }
    check_room_still_serves(server, "envelope");
}

TEST_CASE("join refusals: tokens and protocol versions")
{
    server_process server;
    auto refused_with = [&](const std::string& token, std::uint32_t version = 1) {
        raw_client raw(server.port());
        auto reply = raw.join("gate", token, version);
        REQUIRE_MESSAGE(reply.has_error(), reply.ShortDebugString());
        CHECK(reply.error().request_id() == 1);
        // After a refused join the server closes with a stated reason.
        CHECK_FALSE(raw.next().has_value());
        CHECK(raw.close().code == 1008);
        CHECK_FALSE(raw.close().reason.empty());
        // The message names the problem but never echoes the token.
        if (!token.empty())
            CHECK(reply.error().message().find(token) == std::string::npos);
        return reply.error().code();
    };

    CHECK(refused_with("") == pb::ERROR_CODE_TOKEN_MISSING);
    CHECK(refused_with("not.a.token") == pb::ERROR_CODE_TOKEN_INVALID);
    {
        auth::join_claims claims;
        claims.room = "gate";
        claims.subject = "mallory";
        claims.name = "mallory";
        claims.expires_at = 4102444800; // 2100
        CHECK(refused_with(auth::mint_join_token(claims, "some-other-secret-0123456789abcdef")) ==
              pb::ERROR_CODE_TOKEN_INVALID);
        const std::string none_header = base64url(R"({"alg":"none","typ":"JWT"})");
        const std::string payload =
            base64url(R"({"room":"gate","sub":"mallory","role":"facilitator","exp":4102444800})");
        CHECK(refused_with(none_header + "." + payload + ".") == pb::ERROR_CODE_TOKEN_INVALID);
    }
    CHECK(refused_with(server.token("gate", "late", pb::ROLE_PARTICIPANT, -3600)) == pb::ERROR_CODE_TOKEN_EXPIRED);
    CHECK(refused_with(server.token("another-room", "ana")) == pb::ERROR_CODE_TOKEN_WRONG_ROOM);
    CHECK(refused_with(server.token("gate", "ana"), 0) == pb::ERROR_CODE_CLIENT_TOO_OLD);
    CHECK(refused_with(server.token("gate", "ana"), 99) == pb::ERROR_CODE_CLIENT_TOO_NEW);
    {
        raw_client raw(server.port());
        auto reply = raw.join("bad room id!", server.token("bad room id!", "ana"));
        REQUIRE(reply.has_error());
        CHECK(reply.error().code() == pb::ERROR_CODE_INVALID_ROOM_ID);
    }
    check_room_still_serves(server, "gate");
}

TEST_CASE("commands with bad content are refused with their named error and change nothing")
{
    server_process server;
    client peer(server.options("content", "peer"));
    client observer(server.options("content", "olga", pb::ROLE_OBSERVER));
    join_or_fail(peer);
    join_or_fail(observer);
    const auto& limits = model::limits();

    auto code_of = [](std::future<command_result> f) {
        auto r = f.get();
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.message.empty());
        return r.code;
    };
    auto point = [](const std::string& id, double lon, double lat) { return point_feature(id, lon, lat); };

    CHECK(code_of(observer.add_feature(point("obs", 1, 1))) == pb::ERROR_CODE_PERMISSION_DENIED);
    CHECK(code_of(peer.add_feature(point("nan", std::nan(""), 1))) == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(code_of(peer.add_feature(point("inf", std::numeric_limits<double>::infinity(), 1))) ==
          pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(code_of(peer.add_feature(point("far", 181, 1))) == pb::ERROR_CODE_INVALID_COORDINATE);
    CHECK(code_of(peer.add_feature(point("pole", 0, -90.5))) == pb::ERROR_CODE_INVALID_COORDINATE);
    {
        auto line = point("line", 1, 1);
        line.mutable_geometry()->set_kind(pb::FEATURE_KIND_LINE);
        CHECK(code_of(peer.add_feature(line)) == pb::ERROR_CODE_TOO_FEW_POSITIONS);
    }
    {
        pb::Feature area;
        area.set_id("huge-area");
        area.mutable_geometry()->set_kind(pb::FEATURE_KIND_AREA);
        for (std::size_t i = 0; i <= limits.max_positions; ++i) {
            auto* p = area.mutable_geometry()->add_positions();
            p->set_lon(10 + static_cast<double>(i) * 1e-5);
            p->set_lat(50);
        }
        CHECK(code_of(peer.add_feature(area)) == pb::ERROR_CODE_TOO_MANY_POSITIONS);
    }
    CHECK(code_of(peer.send_chat(std::string(limits.max_chat_chars + 1, 'a'))) == pb::ERROR_CODE_TEXT_TOO_LONG);
    CHECK(code_of(peer.send_chat("bad \xC3\x28 bytes")) == pb::ERROR_CODE_INVALID_UTF8);
    {
        auto f = point("bad-title", 1, 1);
        f.set_title("\xED\xA0\x80");
        CHECK(code_of(peer.add_feature(f)) == pb::ERROR_CODE_INVALID_UTF8);
    }
    pb::FeaturePatch patch;
    patch.set_title("x");
    CHECK(code_of(peer.update_feature("ghost", patch)) == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    CHECK(code_of(peer.delete_feature("ghost")) == pb::ERROR_CODE_FEATURE_NOT_FOUND);
    {
        pb::ClientMessage history;
        history.mutable_get_chat_history()->set_limit(100000);
        CHECK(code_of(peer.send(history)) == pb::ERROR_CODE_INVALID_LIMIT);
    }

    // Nothing of that reached the log, and the room serves everyone as before.
    CHECK(peer.seq() == 0);
    auto ok = peer.add_feature(point("fine", 18.4, -33.9)).get();
    CHECK(ok.ok);
    CHECK(ok.seq == 1);
    check_room_still_serves(server, "content");
}
