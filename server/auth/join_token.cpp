// Layer: session (auth). Join tokens: JWT compact form, HS256 only.
//
// Verification order is deliberate: cheap structural checks first (length,
// three segments, base64url, JSON objects), then the algorithm, then the
// signature, and only then the claims. Nothing from the payload is trusted
// before the signature has been checked, and no error message ever quotes the
// token, a segment of it, or the secret.
#include "auth/join_token.hpp"

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace maptable::auth {

namespace json = boost::json;

namespace {

// A real join token is a few hundred bytes. The bound is checked before any
// decoding, so an attacker cannot make the server base64-decode and parse
// megabytes per connection attempt. HTTP header limits apply earlier still;
// this one holds wherever the token comes from.
constexpr std::size_t max_token_bytes = 4096;

constexpr std::size_t hs256_bytes = 32;

constexpr std::string_view base64url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view in)
{
    std::string out;
    out.reserve((in.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
            (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
        out += base64url_alphabet[(n >> 6) & 63];
        out += base64url_alphabet[n & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest == 1) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
    } else if (rest == 2) {
        const std::uint32_t n =
            (std::uint32_t(std::uint8_t(in[i])) << 16) | (std::uint32_t(std::uint8_t(in[i + 1])) << 8);
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
        out += base64url_alphabet[(n >> 6) & 63];
    }
    return out;
}

int base64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

// Strict decoder: no padding, no whitespace, no characters of the standard
// alphabet ('+', '/'), and unused trailing bits must be zero, so each byte
// string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view in)
{
    if (in.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const int v = base64url_value(c);
        if (v < 0)
            return std::nullopt;
        acc = (acc << 6) | std::uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xff);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

// HMAC-SHA256 of data under key; nullopt only if OpenSSL itself fails.
std::optional<std::array<unsigned char, hs256_bytes>> hs256(std::string_view key, std::string_view data)
{
    std::array<unsigned char, hs256_bytes> mac{};
    unsigned int length = 0;
    // HMAC() rejects a null key pointer even with length 0; string_view::data()
    // may be null for an empty view.
    static const unsigned char empty_key = 0;
    const void* key_bytes = key.empty() ? static_cast<const void*>(&empty_key) : key.data();
    if (key.size() > std::size_t(std::numeric_limits<int>::max()))
        return std::nullopt;
    if (HMAC(EVP_sha256(), key_bytes, int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             mac.data(), &length) == nullptr ||
        length != hs256_bytes) {
        return std::nullopt;
    }
    return mac;
}

std::optional<json::object> parse_object(std::string_view text)
{
    json::error_code ec;
    // Duplicate member names: Boost.JSON keeps the lexically last one, which
    // RFC 7515 section 4 allows. We decode each segment exactly once, after the
    // signature check, so no two readers can disagree about which one counts.
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object())
        return std::nullopt;
    return std::move(value.as_object());
}

token_error invalid(std::string message)
{
    return token_error{pb::ERROR_CODE_TOKEN_INVALID, std::move(message)};
}

// A NumericDate (RFC 7519 section 2) as whole seconds. Fractions are
// truncated toward negative infinity; values outside int64 saturate, which
// keeps the exp/nbf comparisons correct without overflow.
std::optional<std::int64_t> numeric_date(const json::value& v)
{
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64()) {
        const std::uint64_t u = v.get_uint64();
        return u > std::uint64_t(std::numeric_limits<std::int64_t>::max()) ? std::numeric_limits<std::int64_t>::max()
                                                                           : std::int64_t(u);
    }
    if (v.is_double()) {
        const double d = v.get_double();
        if (!std::isfinite(d))
            return std::nullopt; // 1e400 parses as infinity
        const double f = std::floor(d);
        if (f >= 9.2e18)
            return std::numeric_limits<std::int64_t>::max();
        if (f <= -9.2e18)
            return std::numeric_limits<std::int64_t>::min();
        return std::int64_t(f);
    }
    return std::nullopt;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b)
{
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) {
        return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
    }
    return r;
}

// Reads an optional string claim. Returns false when the claim is present but
// not a string.
bool optional_string(const json::object& claims, std::string_view key, std::string& out)
{
    const json::value* v = claims.if_contains(key);
    if (v == nullptr)
        return true;
    if (!v->is_string())
        return false;
    out.assign(v->get_string().data(), v->get_string().size());
    return true;
}

} // namespace

std::optional<pb::Role> parse_role(std::string_view name)
{
    if (name == "facilitator")
        return pb::ROLE_FACILITATOR;
    if (name == "participant")
        return pb::ROLE_PARTICIPANT;
    if (name == "observer")
        return pb::ROLE_OBSERVER;
    return std::nullopt;
}

std::string_view role_name(pb::Role role)
{
    switch (role) {
    case pb::ROLE_FACILITATOR: return "facilitator";
    case pb::ROLE_PARTICIPANT: return "participant";
    case pb::ROLE_OBSERVER: return "observer";
    default: return {};
    }
}

verification verify_join_token(std::string_view token, const verifier_options& options, std::int64_t now)
{
    if (token.empty())
        return token_error{pb::ERROR_CODE_TOKEN_MISSING, "no join token was given"};
    if (token.size() > max_token_bytes)
        return invalid("join token is longer than 4096 bytes");

    // An empty secret would make every token forgeable by anyone who also uses
    // an empty key. Refuse rather than accept: this is a misconfiguration.
    if (options.secret.empty())
        return invalid("join tokens cannot be verified: no secret is configured");

    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return invalid("join token is not a compact JWT (header.payload.signature)");
    }
    const std::string_view header_b64 = token.substr(0, dot1);
    const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = token.substr(dot2 + 1);

    const auto header_json = base64url_decode(header_b64);
    const auto payload_json = base64url_decode(payload_b64);
    const auto signature = base64url_decode(signature_b64);
    if (!header_json || !payload_json || !signature)
        return invalid("join token is not valid base64url");

    const auto header = parse_object(*header_json);
    if (!header)
        return invalid("join token header is not a JSON object");

    // The algorithm is fixed, not negotiated: the header can only confirm it.
    // Checked before the signature so "none" or an asymmetric alg is never
    // given a chance (RFC 8725 section 3.1).
    const json::value* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
        return invalid("join token algorithm is not HS256");
    }
    // "crit" names extensions the verifier must understand; we understand none
    // (RFC 7515 section 4.1.11).
    if (header->contains("crit"))
        return invalid("join token header has unsupported critical extensions");

    const auto expected = hs256(options.secret, token.substr(0, dot2));
    if (!expected)
        return invalid("join token signature could not be computed");
    if (signature->size() != expected->size() ||
        CRYPTO_memcmp(signature->data(), expected->data(), expected->size()) != 0) {
        return invalid("join token signature does not match");
    }

    const auto claims = parse_object(*payload_json);
    if (!claims)
        return invalid("join token claims are not a JSON object");

    join_claims out;

    // A network invitation ("net") may leave the room out: it admits to the
    // network's rooms, by the network's rules (model::role_in_room).
    if (!optional_string(*claims, "net", out.network))
        return invalid("join token claim 'net' is not a string");
    if (!optional_string(*claims, "city", out.city))
        return invalid("join token claim 'city' is not a string");
    if (!out.city.empty() && out.network.empty())
        return invalid("join token claim 'city' needs a 'net' claim");
    const json::value* room = claims->if_contains("room");
    if (room == nullptr && !out.network.empty()) {
        // no room: every room of the network
    } else if (room == nullptr || !room->is_string() || room->get_string().empty()) {
        return invalid("join token claim 'room' is missing or not a non-empty string");
    } else {
        out.room.assign(room->get_string().data(), room->get_string().size());
    }

    const json::value* sub = claims->if_contains("sub");
    if (sub == nullptr || !sub->is_string() || sub->get_string().empty()) {
        return invalid("join token claim 'sub' is missing or not a non-empty string");
    }
    out.subject.assign(sub->get_string().data(), sub->get_string().size());

    const json::value* exp = claims->if_contains("exp");
    const auto expires_at = exp == nullptr ? std::nullopt : numeric_date(*exp);
    if (!expires_at)
        return invalid("join token claim 'exp' is missing or not a number");
    out.expires_at = *expires_at;

    std::optional<std::int64_t> not_before;
    if (const json::value* nbf = claims->if_contains("nbf")) {
        not_before = numeric_date(*nbf);
        if (!not_before)
            return invalid("join token claim 'nbf' is not a number");
        out.not_before = *not_before;
    }

    if (!optional_string(*claims, "name", out.name))
        return invalid("join token claim 'name' is not a string");
    if (out.name.empty())
        out.name = out.subject; // absent or empty: the subject is the best label we have

    if (const json::value* role = claims->if_contains("role")) {
        if (!role->is_string())
            return invalid("join token claim 'role' is not a string");
        const auto parsed = parse_role(std::string_view(role->get_string().data(), role->get_string().size()));
        if (!parsed)
            return invalid("join token claim 'role' is not facilitator, participant or observer");
        out.role = *parsed;
    }

    if (!optional_string(*claims, "jti", out.token_id))
        return invalid("join token claim 'jti' is not a string");

    if (!optional_string(*claims, "iss", out.issuer))
        return invalid("join token claim 'iss' is not a string");
    if (!options.issuer.empty() && (!claims->contains("iss") || out.issuer != options.issuer)) {
        return invalid("join token claim 'iss' does not name this server's issuer");
    }

    // "aud" is a string or an array of strings (RFC 7519 section 4.1.3).
    // claims.audience reports the audience that matched, else the first one.
    bool audience_matches = false;
    if (const json::value* aud = claims->if_contains("aud")) {
        if (aud->is_string()) {
            out.audience.assign(aud->get_string().data(), aud->get_string().size());
            audience_matches = out.audience == options.audience;
        } else if (aud->is_array()) {
            for (const json::value& entry : aud->get_array()) {
                if (!entry.is_string())
                    return invalid("join token claim 'aud' is not a string or array of strings");
                const std::string_view s(entry.get_string().data(), entry.get_string().size());
                if (out.audience.empty())
                    out.audience = s;
                if (!options.audience.empty() && s == options.audience) {
                    audience_matches = true;
                    out.audience = s;
                }
            }
        } else {
            return invalid("join token claim 'aud' is not a string or array of strings");
        }
    }
    if (!options.audience.empty() && !audience_matches) {
        return invalid("join token claim 'aud' does not include this server's audience");
    }

    // Time last: a token that is malformed and expired reports the malformation.
    // A negative leeway would be stricter than "now", which nobody means.
    const std::int64_t leeway = std::max<std::int64_t>(0, options.leeway_seconds);
    if (now > saturating_add(out.expires_at, leeway)) {
        return token_error{pb::ERROR_CODE_TOKEN_EXPIRED, "join token has expired"};
    }
    if (not_before && saturating_add(now, leeway) < *not_before) {
        return token_error{pb::ERROR_CODE_TOKEN_NOT_YET_VALID, "join token is not valid yet"};
    }
    return out;
}

std::string mint_join_token(const join_claims& claims, std::string_view secret)
{
    if (secret.empty())
        throw std::invalid_argument("mint_join_token: the secret is empty");
    const std::string_view role = role_name(claims.role);
    if (role.empty())
        throw std::invalid_argument("mint_join_token: the role has no name");

    json::object payload;
    if (!claims.room.empty() || claims.network.empty())
        payload["room"] = claims.room;
    if (!claims.network.empty())
        payload["net"] = claims.network;
    if (!claims.city.empty())
        payload["city"] = claims.city;
    payload["sub"] = claims.subject;
    payload["name"] = claims.name;
    payload["role"] = role;
    payload["exp"] = claims.expires_at;
    if (claims.not_before != 0)
        payload["nbf"] = claims.not_before;
    if (!claims.issuer.empty())
        payload["iss"] = claims.issuer;
    if (!claims.audience.empty())
        payload["aud"] = claims.audience;
    if (!claims.token_id.empty())
        payload["jti"] = claims.token_id;

    std::string signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    signing_input += '.';
    signing_input += base64url_encode(json::serialize(payload));

    const auto mac = hs256(secret, signing_input);
    if (!mac)
        throw std::runtime_error("mint_join_token: HMAC-SHA256 failed");
    signing_input += '.';
    signing_input += base64url_encode(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
    return signing_input;
}

} // namespace maptable::auth
