// Join tokens: what verify_join_token accepts, what it refuses, and with
// which code. Tokens with hostile headers are built by hand here (a small
// base64url encoder and HMAC signer) so each rejection path is reached for
// the reason it claims, not an earlier one.
#include "auth/join_token.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace auth = maptable::auth;
namespace pb = maptable::v1;

namespace {

constexpr std::int64_t now = 1'800'000'000;
const std::string secret = "correct horse battery staple";

std::string b64url(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out += alphabet[(acc << (6 - bits)) & 63];
    return out;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
         &length);
    return std::string(reinterpret_cast<const char*>(mac), length);
}

// A token with exactly this header and payload text, signed with HS256 under key.
std::string forge(std::string_view header, std::string_view payload, std::string_view key = secret,
                  const EVP_MD* md = EVP_sha256())
{
    std::string input = b64url(header) + "." + b64url(payload);
    return input + "." + b64url(hmac(md, key, input));
}

constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";

auth::join_claims sample_claims()
{
    auth::join_claims c;
    c.room = "living-lab-42";
    c.subject = "user-7";
    c.name = "Ana";
    c.role = pb::ROLE_FACILITATOR;
    c.expires_at = now + 3600;
    return c;
}

auth::verifier_options options()
{
    auth::verifier_options o;
    o.secret = secret;
    return o;
}

auth::join_claims accepted(const auth::verification& v)
{
    if (const auto* e = std::get_if<auth::token_error>(&v))
        FAIL("refused: " << e->message);
    return std::get<auth::join_claims>(v);
}

pb::ErrorCode code_of(const auth::verification& v)
{
    const auto* e = std::get_if<auth::token_error>(&v);
    return e == nullptr ? pb::ERROR_CODE_UNSPECIFIED : e->code;
}

std::string message_of(const auth::verification& v)
{
    const auto* e = std::get_if<auth::token_error>(&v);
    return e == nullptr ? std::string() : e->message;
}

std::string flip_char(std::string s, std::size_t at)
{
    s[at] = s[at] == 'A' ? 'B' : 'A';
    return s;
}

} // namespace

TEST_CASE("a minted token verifies and yields the same claims")
{
    auto c = sample_claims();
    c.not_before = now - 10;
    c.issuer = "https://city.example";
    c.audience = "maptable";
    c.token_id = "t-1";
    const auto token = auth::mint_join_token(c, secret);
    const auto& got = accepted(auth::verify_join_token(token, options(), now));
    CHECK(got.room == c.room);
    CHECK(got.subject == c.subject);
    CHECK(got.name == c.name);
    CHECK(got.role == pb::ROLE_FACILITATOR);
    CHECK(got.expires_at == c.expires_at);
    CHECK(got.not_before == c.not_before);
    CHECK(got.issuer == c.issuer);
    CHECK(got.audience == c.audience);
    CHECK(got.token_id == c.token_id);
}

TEST_CASE("a minted token has three unpadded base64url segments and an HS256 header")
{
    const auto token = auth::mint_join_token(sample_claims(), secret);
    CHECK(token.find('=') == std::string::npos);
    CHECK(token.find('+') == std::string::npos);
    CHECK(token.find('/') == std::string::npos);
    CHECK(token.substr(0, token.find('.')) == b64url(hs256_header));
}

TEST_CASE("minting refuses an empty secret and an unnamed role")
{
    CHECK_THROWS_AS(auth::mint_join_token(sample_claims(), ""), std::invalid_argument);
    auto c = sample_claims();
    c.role = pb::ROLE_UNSPECIFIED;
    CHECK_THROWS_AS(auth::mint_join_token(c, secret), std::invalid_argument);
}

TEST_CASE("role names map both ways")
{
    CHECK(auth::parse_role("facilitator") == pb::ROLE_FACILITATOR);
    CHECK(auth::parse_role("participant") == pb::ROLE_PARTICIPANT);
    CHECK(auth::parse_role("observer") == pb::ROLE_OBSERVER);
    CHECK_FALSE(auth::parse_role("admin").has_value());
    CHECK_FALSE(auth::parse_role("").has_value());
    CHECK_FALSE(auth::parse_role("Facilitator").has_value());
    CHECK(auth::role_name(pb::ROLE_FACILITATOR) == "facilitator");
    CHECK(auth::role_name(pb::ROLE_PARTICIPANT) == "participant");
    CHECK(auth::role_name(pb::ROLE_OBSERVER) == "observer");
    CHECK(auth::role_name(pb::ROLE_UNSPECIFIED).empty());
}

TEST_CASE("an empty token is missing, not invalid")
{
    CHECK(code_of(auth::verify_join_token("", options(), now)) == pb::ERROR_CODE_TOKEN_MISSING);
}

TEST_CASE("a tampered payload is refused")
{
    const auto token = auth::mint_join_token(sample_claims(), secret);
    const auto dot1 = token.find('.');
    // Swap in a payload that grants a different room, keeping the old signature.
    const auto other = auth::mint_join_token(
        [] {
        auto c = sample_claims();
        c.room = "other";
        return c;
        }(),
        secret);
    const auto spliced = token.substr(0, dot1) + other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
        token.substr(token.rfind('.'));
    CHECK(code_of(auth::verify_join_token(spliced, options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(code_of(auth::verify_join_token(flip_char(token, dot1 + 5), options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("a tampered signature is refused")
{
    const auto token = auth::mint_join_token(sample_claims(), secret);
    const auto sig = token.rfind('.') + 1;
    CHECK(code_of(auth::verify_join_token(flip_char(token, sig), options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
    // Truncated and extended signatures, too.
    CHECK(code_of(auth::verify_join_token(token.substr(0, token.size() - 2), options(), now)) ==
          pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(code_of(auth::verify_join_token(token + "AAAA", options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
    // Empty signature.
    CHECK(code_of(auth::verify_join_token(token.substr(0, sig), options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("a token signed with another secret is refused")
{
    const auto token = auth::mint_join_token(sample_claims(), "another secret");
    const auto v = auth::verify_join_token(token, options(), now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("signature") != std::string::npos);
}

TEST_CASE("an empty verifier secret refuses every token")
{
    const auto token = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000})", "");
    auto o = options();
    o.secret.clear();
    CHECK(code_of(auth::verify_join_token(token, o, now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("alg none with an empty signature is refused")
{
    const std::string payload = R"({"room":"r","sub":"s","exp":1900000000})";
    for (const auto* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
        const auto token = b64url(header) + "." + b64url(payload) + ".";
        const auto v = auth::verify_join_token(token, options(), now);
        CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
        CHECK(message_of(v).find("algorithm") != std::string::npos);
    }
}

TEST_CASE("algorithms other than HS256 are refused before the signature is checked")
{
    const std::string payload = R"({"room":"r","sub":"s","exp":1900000000})";
    // Correctly signed with HMAC-SHA512: still refused, by the alg check.
    const auto hs512 = forge(R"({"alg":"HS512","typ":"JWT"})", payload, secret, EVP_sha512());
    auto v = auth::verify_join_token(hs512, options(), now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("algorithm") != std::string::npos);
    // Signed with HS256 but claiming another alg: the alg check still wins.
    for (const auto* header : {R"({"alg":"RS256"})", R"({"alg":"hs256"})", R"({"alg":"HS256 "})", R"({"typ":"JWT"})",
                               R"({"alg":null})", R"({"alg":["HS256"]})"}) {
        v = auth::verify_join_token(forge(header, payload), options(), now);
        CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
        CHECK(message_of(v).find("algorithm") != std::string::npos);
    }
}

TEST_CASE("a header with critical extensions is refused")
{
    const auto token =
        forge(R"({"alg":"HS256","crit":["b64"],"b64":false})", R"({"room":"r","sub":"s","exp":1900000000})");
    CHECK(code_of(auth::verify_join_token(token, options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("required claims must be present and well typed")
{
    const auto check_invalid = [](std::string_view payload, std::string_view claim) {
        const auto v = auth::verify_join_token(forge(hs256_header, payload), options(), now);
        CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
        CHECK(message_of(v).find(std::string("'") + std::string(claim) + "'") != std::string::npos);
    };
    check_invalid(R"({"room":"r","sub":"s"})", "exp");
    check_invalid(R"({"room":"r","sub":"s","exp":"1900000000"})", "exp");
    check_invalid(R"({"room":"r","sub":"s","exp":true})", "exp");
    check_invalid(R"({"room":"r","sub":"s","exp":1e400})", "exp");
    check_invalid(R"({"sub":"s","exp":1900000000})", "room");
    check_invalid(R"({"room":7,"sub":"s","exp":1900000000})", "room");
    check_invalid(R"({"room":"r","exp":1900000000})", "sub");
    check_invalid(R"({"room":"r","sub":"","exp":1900000000})", "sub");
    check_invalid(R"({"room":"r","sub":"s","exp":1900000000,"name":5})", "name");
    check_invalid(R"({"room":"r","sub":"s","exp":1900000000,"nbf":"soon"})", "nbf");
    check_invalid(R"({"room":"r","sub":"s","exp":1900000000,"iss":1})", "iss");
    check_invalid(R"({"room":"r","sub":"s","exp":1900000000,"jti":{}})", "jti");
}

TEST_CASE("name defaults to sub and role to participant")
{
    const auto v =
        auth::verify_join_token(forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000})"), options(), now);
    const auto& c = accepted(v);
    CHECK(c.name == "s");
    CHECK(c.role == pb::ROLE_PARTICIPANT);
    CHECK(c.not_before == 0);
    CHECK(c.issuer.empty());
    CHECK(c.audience.empty());
}

TEST_CASE("fractional and very large times are accepted")
{
    const auto c = accepted(
        auth::verify_join_token(forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000.75})"), options(), now));
    CHECK(c.expires_at == 1900000000);
    const auto far = accepted(auth::verify_join_token(
        forge(hs256_header, R"({"room":"r","sub":"s","exp":18446744073709551615})"), options(), now));
    CHECK(far.expires_at == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("an unknown role is refused")
{
    for (const auto* payload : {R"({"room":"r","sub":"s","exp":1900000000,"role":"admin"})",
                                R"({"room":"r","sub":"s","exp":1900000000,"role":""})",
                                R"({"room":"r","sub":"s","exp":1900000000,"role":1})"}) {
        const auto v = auth::verify_join_token(forge(hs256_header, payload), options(), now);
        CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
        CHECK(message_of(v).find("'role'") != std::string::npos);
    }
    const auto observer = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"role":"observer"})");
    CHECK(accepted(auth::verify_join_token(observer, options(), now)).role == pb::ROLE_OBSERVER);
}

TEST_CASE("exp is checked with leeway")
{
    auto c = sample_claims();
    auto o = options();
    o.leeway_seconds = 30;

    c.expires_at = now - 31; // beyond leeway
    auto v = auth::verify_join_token(auth::mint_join_token(c, secret), o, now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_EXPIRED);

    c.expires_at = now - 30; // exactly at the edge: still accepted
    accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now));

    c.expires_at = now - 5; // within leeway
    accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now));

    o.leeway_seconds = 0;
    CHECK(code_of(auth::verify_join_token(auth::mint_join_token(c, secret), o, now)) == pb::ERROR_CODE_TOKEN_EXPIRED);
}

TEST_CASE("nbf in the future is not yet valid, within leeway it is")
{
    auto c = sample_claims();
    auto o = options();
    o.leeway_seconds = 30;
    c.not_before = now + 31;
    CHECK(code_of(auth::verify_join_token(auth::mint_join_token(c, secret), o, now)) ==
          pb::ERROR_CODE_TOKEN_NOT_YET_VALID);
    c.not_before = now + 30;
    accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now));
    c.not_before = now - 1000;
    accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now));
}

TEST_CASE("iss must match when the verifier names an issuer")
{
    auto o = options();
    o.issuer = "https://city.example";
    auto c = sample_claims();

    auto v = auth::verify_join_token(auth::mint_join_token(c, secret), o, now); // absent
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("'iss'") != std::string::npos);

    c.issuer = "https://evil.example";
    v = auth::verify_join_token(auth::mint_join_token(c, secret), o, now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("'iss'") != std::string::npos);

    c.issuer = o.issuer;
    CHECK(accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now)).issuer == o.issuer);

    // No configured issuer: any issuer is accepted and reported.
    c.issuer = "https://other.example";
    CHECK(accepted(auth::verify_join_token(auth::mint_join_token(c, secret), options(), now)).issuer == c.issuer);
}

TEST_CASE("aud must contain the verifier's audience when one is set")
{
    auto o = options();
    o.audience = "maptable";
    auto c = sample_claims();

    auto v = auth::verify_join_token(auth::mint_join_token(c, secret), o, now); // absent
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("'aud'") != std::string::npos);

    c.audience = "someone-else";
    v = auth::verify_join_token(auth::mint_join_token(c, secret), o, now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("'aud'") != std::string::npos);

    c.audience = "maptable";
    accepted(auth::verify_join_token(auth::mint_join_token(c, secret), o, now));
}

TEST_CASE("aud may be an array of strings")
{
    auto o = options();
    o.audience = "maptable";
    const auto with = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"aud":["portal","maptable"]})");
    CHECK(accepted(auth::verify_join_token(with, o, now)).audience == "maptable");

    const auto without = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"aud":["portal","desk"]})");
    CHECK(code_of(auth::verify_join_token(without, o, now)) == pb::ERROR_CODE_TOKEN_INVALID);

    const auto empty = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"aud":[]})");
    CHECK(code_of(auth::verify_join_token(empty, o, now)) == pb::ERROR_CODE_TOKEN_INVALID);

    const auto mixed = forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"aud":["maptable",3]})");
    CHECK(code_of(auth::verify_join_token(mixed, o, now)) == pb::ERROR_CODE_TOKEN_INVALID);
    // Malformed aud is refused even when the verifier does not check it.
    CHECK(code_of(auth::verify_join_token(mixed, options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(accepted(auth::verify_join_token(with, options(), now)).audience == "portal");
}

TEST_CASE("garbage is refused as invalid, never crashes")
{
    const std::string valid = auth::mint_join_token(sample_claims(), secret);
    const std::string garbage[] = {
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c.d",
        "not a token",
        "a.b.c",
        valid + ".",
        "." + valid,
        std::string("\0\0\0", 3),
        "eyJhbGciOiJIUzI1NiJ9.e30=.AAAA",                   // padding
        "eyJhbGciOiJIUzI1NiJ9.e30.AA+A",                    // standard alphabet
        "eyJhbGciOiJIUzI1NiJ9.e30.A",                       // impossible length
        "eyJhbGciOiJIUzI1NiJ9 .e30.AAAA",                   // whitespace
        b64url("[1,2]") + "." + b64url("{}") + ".AAAA",     // header is an array
        b64url("{\"alg\":") + "." + b64url("{}") + ".AAAA", // header is truncated JSON
    };
    for (const auto& token : garbage) {
        CAPTURE(token);
        CHECK(code_of(auth::verify_join_token(token, options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
    }
    // Payload that is valid JSON but not an object, correctly signed.
    for (const auto* payload : {"[]", "\"room\"", "42", "null", "{", ""}) {
        CAPTURE(payload);
        CHECK(code_of(auth::verify_join_token(forge(hs256_header, payload), options(), now)) ==
              pb::ERROR_CODE_TOKEN_INVALID);
    }
}

TEST_CASE("non-canonical base64url is refused")
{
    // A 32-byte signature is 43 characters; the last one carries 2 unused bits,
    // so its canonical value is a multiple of 4. Adding 1 sets an unused bit and
    // stays within the same contiguous run of the alphabet (A-Z, a-z, 0-9):
    // the same bytes, a different spelling.
    const auto token = auth::mint_join_token(sample_claims(), secret);
    std::string tweaked = token.substr(token.rfind('.') + 1);
    REQUIRE(tweaked.size() == 43);
    tweaked.back() = char(tweaked.back() + 1);
    const auto rebuilt = token.substr(0, token.rfind('.') + 1) + tweaked;
    CHECK(code_of(auth::verify_join_token(rebuilt, options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("an oversized token is refused before decoding")
{
    auto c = sample_claims();
    c.name = std::string(5000, 'x');
    const auto token = auth::mint_join_token(c, secret);
    REQUIRE(token.size() > 4096);
    const auto v = auth::verify_join_token(token, options(), now);
    CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
    CHECK(message_of(v).find("4096") != std::string::npos);
    // Even pure garbage of that size gets the same answer, quickly.
    CHECK(code_of(auth::verify_join_token(std::string(1 << 20, 'A'), options(), now)) == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("error messages never contain the token or the secret")
{
    auto c = sample_claims();
    c.expires_at = now - 1000;
    const auto expired = auth::mint_join_token(c, secret);
    c = sample_claims();
    c.not_before = now + 1000;
    const auto early = auth::mint_join_token(c, secret);
    const auto good = auth::mint_join_token(sample_claims(), secret);
    const std::string tokens[] = {
        expired,
        early,
        flip_char(good, good.size() - 3),
        auth::mint_join_token(sample_claims(), "other"),
        b64url(R"({"alg":"none"})") + "." + good.substr(good.find('.') + 1, good.rfind('.') - good.find('.')),
        forge(hs256_header, R"({"room":"r","sub":"s","exp":1900000000,"role":"root"})"),
    };
    for (const auto& token : tokens) {
        const auto v = auth::verify_join_token(token, options(), now);
        REQUIRE(std::holds_alternative<auth::token_error>(v));
        const auto& message = std::get<auth::token_error>(v).message;
        CHECK_FALSE(message.empty());
        CHECK(message.find(token) == std::string::npos);
        // No segment of the token either.
        for (const auto& segment : {token.substr(0, token.find('.')), token.substr(token.rfind('.') + 1)}) {
            if (!segment.empty())
                CHECK(message.find(segment) == std::string::npos);
        }
        CHECK(message.find(secret) == std::string::npos);
    }
}

TEST_CASE("a network invitation names the network and city, and may leave the room out")
{
    auto c = sample_claims();
    c.room.clear();
    c.network = "green-courtyards";
    c.city = "leipzig";
    c.role = pb::ROLE_PARTICIPANT;
    const auto token = auth::mint_join_token(c, secret);
    const auto& got = accepted(auth::verify_join_token(token, options(), now));
    CHECK(got.room.empty());
    CHECK(got.network == "green-courtyards");
    CHECK(got.city == "leipzig");

    // A room token says nothing of networks.
    const auto& plain =
        accepted(auth::verify_join_token(auth::mint_join_token(sample_claims(), secret), options(), now));
    CHECK(plain.network.empty());
    CHECK(plain.city.empty());
}

TEST_CASE("network claims must be well typed, and a city needs a network")
{
    const auto check_invalid = [](std::string_view payload, std::string_view claim) {
        const auto v = auth::verify_join_token(forge(hs256_header, payload), options(), now);
        CHECK(code_of(v) == pb::ERROR_CODE_TOKEN_INVALID);
        CHECK(message_of(v).find(std::string("'") + std::string(claim) + "'") != std::string::npos);
    };
    check_invalid(R"({"net":7,"sub":"s","exp":1900000000})", "net");
    check_invalid(R"({"net":"n","city":["a"],"sub":"s","exp":1900000000})", "city");
    check_invalid(R"({"room":"r","city":"leipzig","sub":"s","exp":1900000000})", "city");
    // Without a network the room stays required.
    check_invalid(R"({"net":"","sub":"s","exp":1900000000})", "room");
}
