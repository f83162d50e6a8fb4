#include "net/admin_routes.hpp"

#include "net/admin_room_routes.hpp"
#include "session/participant.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <string>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::string_view admin_prefix = "/v1/admin/";
constexpr std::string_view revocations_path = "/v1/admin/revocations";

admin_response no_content(unsigned version)
{
    admin_response res{http::status::no_content, version};
    res.set(http::field::cache_control, "no-store");
    res.prepare_payload();
    return res;
}

// Constant time whatever the inputs: both sides are hashed first, so neither
// the position of the first difference nor the key's length shows in timing.
bool key_matches(std::string_view offered, std::string_view key)
{
    unsigned char a[SHA256_DIGEST_LENGTH];
    unsigned char b[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(offered.data()), offered.size(), a);
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

// {"jti": "...", "expires_at": <Unix seconds, optional>} -> (jti, expires_at
// or 0), or the text of a 400.
struct revocation_request {
    std::string jti;
    std::int64_t expires_at = 0;
    std::string error;
};

revocation_request parse_revocation(const std::string& body)
{
    revocation_request r;
    if (body.size() > max_admin_body) {
        r.error = "the body is over " + std::to_string(max_admin_body) + " bytes";
        return r;
    }
    boost::system::error_code ec;
    const auto value = json::parse(body, ec);
    if (ec) {
        r.error = "the body is not JSON: " + ec.message();
        return r;
    }
    const auto* object = value.if_object();
    if (object == nullptr) {
        r.error = "the body must be a JSON object {\"jti\": \"...\", \"expires_at\": <Unix seconds>}";
        return r;
    }
    const auto* jti = object->if_contains("jti");
    if (jti == nullptr || !jti->is_string() || jti->as_string().empty()) {
        r.error = "\"jti\" must be a non-empty string (the token's \"jti\" claim)";
        return r;
    }
    if (jti->as_string().size() > max_token_id_bytes) {
        r.error = "\"jti\" is longer than " + std::to_string(max_token_id_bytes) + " bytes";
        return r;
    }
    if (const auto* expires = object->if_contains("expires_at"); expires != nullptr && !expires->is_null()) {
        if (expires->is_int64() && expires->as_int64() >= 0)
            r.expires_at = expires->as_int64();
        else if (expires->is_uint64() && expires->as_uint64() <= std::uint64_t(INT64_MAX))
            r.expires_at = static_cast<std::int64_t>(expires->as_uint64());
        else {
            r.error = "\"expires_at\" must be a whole number of Unix seconds, 0 or more (0 = never)";
            return r;
        }
    }
    r.jti = std::string(jti->as_string());
    return r;
}

std::string revocation_list_json(const session::server_context& context)
{
    json::array list;
    for (const auto& [jti, expires_at] : context.revocations->list()) {
        json::object entry{{"jti", jti}};
        if (expires_at == 0)
            entry["expires_at"] = nullptr;
        else
            entry["expires_at"] = expires_at;
        list.push_back(std::move(entry));
    }
    return json::serialize(list) + "\n";
}

// A jti as it may appear in the log: printable ASCII kept, anything else
// (newlines included) as \xNN, so no revocation can forge log lines.
std::string printable(std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

} // namespace

admin_response json_reply(http::status status, unsigned version, std::string body)
{
    admin_response res{status, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

admin_response json_error(http::status status, unsigned version, std::string_view message)
{
    return json_reply(status, version, json::serialize(json::object{{"error", message}}) + "\n");
}

std::string bearer_credential(const admin_request& req)
{
    const auto it = req.find(http::field::authorization);
    if (it == req.end())
        return {};
    std::string_view value = it->value();
    constexpr std::string_view scheme = "bearer ";
    if (value.size() <= scheme.size())
        return {};
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i])
            return {};
    value.remove_prefix(scheme.size());
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    return std::string(value);
}

bool has_admin_key(const admin_request& req, const session::server_context& context)
{
    if (context.admin_key.empty() || req.find(http::field::authorization) == req.end())
        return false;
    return key_matches(bearer_credential(req), context.admin_key);
}

bool is_admin_path(std::string_view path)
{
    return path == admin_prefix.substr(0, admin_prefix.size() - 1) || path.starts_with(admin_prefix);
}

admin_response admin_body_too_large(const session::server_context& context, unsigned version)
{
    if (context.admin_key.empty())
        return json_error(http::status::not_found, version, "not found");
    return json_error(http::status::bad_request, version, "the request body is too large");
}

void handle_admin_request(const admin_request& req, session::server_context& context,
                          boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                          std::function<void(admin_response)> done)
{
    const unsigned version = req.version();
    // Disabled: the API does not exist, not even as a 401.
    if (context.admin_key.empty())
        return done(json_error(http::status::not_found, version, "not found"));
    if (!has_admin_key(req, context)) {
        // The offered key is never logged, right or wrong.
        spdlog::warn("conn={} admin request refused (401): missing or wrong admin key", connection_id);
        auto res = json_error(http::status::unauthorized, version,
                              "this needs 'Authorization: Bearer <admin key>' with the server's --admin-key");
        res.set(http::field::www_authenticate, "Bearer realm=\"maptable-admin\"");
        return done(std::move(res));
    }
    const auto target = std::string_view(req.target());
    const auto path = target.substr(0, target.find('?'));
    if (is_admin_room_path(path))
        return handle_admin_room_request(req, context, std::move(reply_on), connection_id, std::move(done));
    if (path != revocations_path)
        return done(json_error(http::status::not_found, version, "no such admin endpoint"));

    if (req.method() == http::verb::get)
        return done(json_reply(http::status::ok, version, revocation_list_json(context)));
    if (req.method() != http::verb::post) {
        auto res = json_error(http::status::method_not_allowed, version, "use GET or POST");
        res.set(http::field::allow, "GET, POST");
        return done(std::move(res));
    }

    auto parsed = parse_revocation(req.body());
    if (!parsed.error.empty())
        return done(json_error(http::status::bad_request, version, parsed.error));

    // In force at once for new joins; then persisted; then the live sessions
    // that joined with it are closed and the caller learns it is durable.
    auto sessions = context.revocations->revoke(parsed.jti, parsed.expires_at);
    spdlog::info("conn={} admin: token id '{}' revoked (expires_at={}); {} live connection(s) to close", connection_id,
                 printable(parsed.jti), parsed.expires_at, sessions.size());
    auto finish = [sessions = std::move(sessions), reply_on, version, done = std::move(done)](bool stored) {
        for (const auto& s : sessions)
            s->revoke();
        boost::asio::post(reply_on, [done, version, stored] {
            if (stored)
                done(no_content(version));
            else
                done(json_error(http::status::internal_server_error, version,
                                "revoked until the server restarts, but it could not be stored; try again"));
        });
    };
    if (context.store == nullptr)
        return finish(true);
    context.store->run([jti = parsed.jti, expires_at = parsed.expires_at, finish](store::event_log& log) {
        bool stored = true;
        try {
            log.revoke(jti, expires_at);
        } catch (const std::exception& e) {
            spdlog::error("admin: cannot store the revocation of token id '{}': {}", printable(jti), e.what());
            stored = false;
        }
        finish(stored);
    });
}

} // namespace maptable::net
