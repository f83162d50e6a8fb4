// Layer: net (handlers). /v1/admin/webhooks: JSON in, JSON out; the
// dispatcher does the work on its own thread.
#include "net/webhook_routes.hpp"

#include "net/room_token.hpp"
#include "webhook/dispatcher.hpp"
#include "webhook/endpoint_url.hpp"
#include "webhook/event_body.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <variant>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::string_view webhooks_path = "/v1/admin/webhooks";

// Kinds per registration: more than every type there is would only repeat.
constexpr std::size_t max_kinds = 64;

std::atomic<webhook::dispatcher*> installed{nullptr};

admin_response method_not_allowed(unsigned version, const char* allow)
{
    auto res = json_error(http::status::method_not_allowed, version, std::string("use ") + allow);
    res.set(http::field::allow, allow);
    return res;
}

admin_response no_content(unsigned version)
{
    admin_response res{http::status::no_content, version};
    res.set(http::field::cache_control, "no-store");
    res.prepare_payload();
    return res;
}

std::string known_kinds_text()
{
    std::set<std::string> groups;
    for (auto type : webhook::event_types())
        groups.emplace(type.substr(0, type.find('.')));
    std::string out = "\"*\"";
    for (const auto& g : groups)
        out += ", \"" + g + "\"";
    return out + " or a type such as \"vote.closed\" (docs/WEBHOOKS.md lists them)";
}

// The registration in body, or the text of a 400.
std::variant<webhook::registration, std::string> parse_registration(const std::string& body)
{
    if (body.size() > max_admin_body)
        return "the body is over " + std::to_string(max_admin_body) + " bytes";
    boost::system::error_code ec;
    const auto value = json::parse(body, ec);
    if (ec)
        return "the body is not JSON: " + ec.message();
    const auto* object = value.if_object();
    if (object == nullptr)
        return std::string("the body must be a JSON object {\"url\": \"https://...\", \"room\": \"...\", "
                           "\"kinds\": [\"feature\", ...]}");
    for (const auto& [key, v] : *object)
        if (key != "url" && key != "room" && key != "kinds" && key != "scope")
            return "unknown field \"" + std::string(key) + "\" (a registration has url, room, kinds and scope)";
    webhook::registration r;
    if (const auto* scope = object->if_contains("scope"); scope != nullptr) {
        if (!scope->is_string() || scope->get_string() != "room")
            return std::string("\"scope\" must be \"room\" (an endpoint receives the events of one room)");
    }
    const auto* url = object->if_contains("url");
    if (url == nullptr || !url->is_string())
        return std::string("\"url\" must be a string: the receiver's https:// URL");
    if (auto parsed = webhook::parse_endpoint_url(url->get_string()); std::holds_alternative<std::string>(parsed))
        return std::get<std::string>(parsed);
    r.url = std::string(url->get_string());
    const auto* room = object->if_contains("room");
    if (room == nullptr || !room->is_string() || !valid_room_id(room->get_string()))
        return "\"room\" must be a room id: " + std::string(room_id_rule);
    r.room = std::string(room->get_string());
    const auto* kinds = object->if_contains("kinds");
    if (kinds == nullptr || !kinds->is_array() || kinds->get_array().empty())
        return "\"kinds\" must be a non-empty array of event kinds: " + known_kinds_text();
    if (kinds->get_array().size() > max_kinds)
        return "\"kinds\" has more than " + std::to_string(max_kinds) + " entries";
    for (const auto& k : kinds->get_array()) {
        if (!k.is_string() || !webhook::known_kind(k.get_string())) {
            const auto shown = k.is_string() ? "\"" + std::string(k.get_string()).substr(0, 64) + "\""
                                             : json::serialize(k).substr(0, 64);
            return "unknown kind " + shown + " in \"kinds\": use " + known_kinds_text();
        }
        if (std::find(r.kinds.begin(), r.kinds.end(), k.get_string()) == r.kinds.end())
            r.kinds.emplace_back(k.get_string());
    }
    return r;
}

json::object delivery_json(const webhook::delivery_view& d)
{
    json::object out;
    out["room"] = d.state.room;
    out["state"] = d.state.status == webhook::delivery_status::dead ? "dead" : "active";
    out["cursor"] = d.state.cursor;
    if (d.head) {
        out["head"] = *d.head;
        out["lag"] = *d.head > d.state.cursor ? *d.head - d.state.cursor : 0;
    } else {
        out["head"] = nullptr;
        out["lag"] = nullptr;
    }
    out["attempts"] = d.state.attempts;
    out["next_attempt_ms"] = d.state.next_attempt_ms == 0 ? json::value(nullptr) : json::value(d.state.next_attempt_ms);
    out["last_error"] = d.state.last_error.empty() ? json::value(nullptr) : json::value(d.state.last_error);
    out["delivered"] = d.state.delivered;
    out["in_flight"] = d.in_flight;
    return out;
}

json::object endpoint_json(const webhook::endpoint_view& v)
{
    json::object out;
    out["id"] = v.registered.id;
    out["url"] = v.registered.url;
    out["scope"] = v.registered.scope;
    out["room"] = v.registered.room;
    json::array kinds;
    for (const auto& k : v.registered.kinds)
        kinds.emplace_back(k);
    out["kinds"] = std::move(kinds);
    out["created_ms"] = v.registered.created_ms;
    if (!v.registered.secret.empty())
        out["secret"] = v.registered.secret;
    json::array deliveries;
    for (const auto& d : v.deliveries)
        deliveries.push_back(delivery_json(d));
    out["deliveries"] = std::move(deliveries);
    return out;
}

template <class T>
admin_response failure(const webhook::admin_result<T>& r, unsigned version)
{
    if (r.status == webhook::admin_result<T>::outcome::not_found)
        return json_error(http::status::not_found, version, "no such webhook endpoint");
    if (r.status == webhook::admin_result<T>::outcome::refused)
        return json_error(http::status::conflict, version, r.error);
    return json_error(http::status::internal_server_error, version, r.error + "; try again");
}

} // namespace

void install_webhooks(webhook::dispatcher* dispatcher)
{
    installed.store(dispatcher, std::memory_order_release);
}

std::string webhook_metrics()
{
    auto* d = installed.load(std::memory_order_acquire);
    return d ? d->render_metrics() : std::string();
}

bool is_webhook_path(std::string_view path)
{
    return path == webhooks_path ||
        (path.starts_with(webhooks_path) && path.substr(webhooks_path.size()).starts_with("/"));
}

void handle_webhook_request(const admin_request& req, session::server_context& context,
                            boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                            std::function<void(admin_response)> done)
{
    const unsigned version = req.version();
    if (context.admin_key.empty())
        return done(json_error(http::status::not_found, version, "not found"));
    if (!has_admin_key(req, context)) {
        spdlog::warn("conn={} webhook admin request refused (401): missing or wrong admin key", connection_id);
        auto res = json_error(http::status::unauthorized, version,
                              "this needs 'Authorization: Bearer <admin key>' with the server's --admin-key");
        res.set(http::field::www_authenticate, "Bearer realm=\"maptable-admin\"");
        return done(std::move(res));
    }
    auto* dispatcher = installed.load(std::memory_order_acquire);
    if (dispatcher == nullptr)
        return done(json_error(http::status::service_unavailable, version, "webhooks are not running on this server"));

    const auto target = std::string_view(req.target());
    auto below = target.substr(0, target.find('?')).substr(webhooks_path.size());
    // Every answer goes back to the connection's strand.
    auto reply = [reply_on, done = std::move(done)](admin_response res) {
        boost::asio::post(reply_on, [done, res = std::move(res)]() mutable { done(std::move(res)); });
    };

    if (below.empty() || below == "/") {
        if (req.method() == http::verb::get) {
            return dispatcher->list([reply, version](webhook::admin_result<std::vector<webhook::endpoint_view>> r) {
                if (r.status != webhook::admin_result<std::vector<webhook::endpoint_view>>::outcome::ok)
                    return reply(failure(r, version));
                json::array list;
                for (const auto& v : r.value)
                    list.push_back(endpoint_json(v));
                reply(json_reply(http::status::ok, version, json::serialize(list) + "\n"));
            });
        }
        if (req.method() != http::verb::post)
            return reply(method_not_allowed(version, "GET, POST"));
        auto parsed = parse_registration(req.body());
        if (auto* error = std::get_if<std::string>(&parsed)) {
            spdlog::info("conn={} webhook registration refused (400): {}", connection_id, *error);
            return reply(json_error(http::status::bad_request, version, *error));
        }
        return dispatcher->create(std::get<webhook::registration>(std::move(parsed)),
                                  [reply, version](webhook::admin_result<webhook::endpoint_view> r) {
            if (r.status != webhook::admin_result<webhook::endpoint_view>::outcome::ok)
                return reply(failure(r, version));
            reply(json_reply(http::status::created, version, json::serialize(endpoint_json(r.value)) + "\n"));
        });
    }

    // /{id} or /{id}/reactivate
    below.remove_prefix(1);
    const auto slash = below.find('/');
    const auto id = std::string(below.substr(0, slash));
    const auto webhook_action = slash == std::string_view::npos ? std::string_view{} : below.substr(slash + 1);
    if (id.empty() || id.size() > 64)
        return reply(json_error(http::status::not_found, version, "no such webhook endpoint"));
    const auto answer_view = [reply, version](webhook::admin_result<webhook::endpoint_view> r) {
        if (r.status != webhook::admin_result<webhook::endpoint_view>::outcome::ok)
            return reply(failure(r, version));
        reply(json_reply(http::status::ok, version, json::serialize(endpoint_json(r.value)) + "\n"));
    };
    if (webhook_action.empty()) {
        if (req.method() == http::verb::get)
            return dispatcher->find(id, answer_view);
        if (req.method() == http::verb::delete_)
            return dispatcher->remove(id, [reply, version](webhook::admin_result<bool> r) {
                if (r.status != webhook::admin_result<bool>::outcome::ok)
                    return reply(failure(r, version));
                reply(no_content(version));
            });
        return reply(method_not_allowed(version, "GET, DELETE"));
    }
    if (webhook_action == "reactivate") {
        if (req.method() != http::verb::post)
            return reply(method_not_allowed(version, "POST"));
        return dispatcher->reactivate(id, answer_view);
    }
    return reply(json_error(http::status::not_found, version, "no such webhook admin endpoint"));
}

} // namespace maptable::net
