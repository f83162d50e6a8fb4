// Layer: net (handlers). The attachment routes (see attachment_routes.hpp).
// Every step that touches libvips, a file or SQLite is posted to the work
// pool; the answer is posted back to the connection's executor.
#include "net/attachment_routes.hpp"

#include "auth/join_token.hpp"
#include "export/lon_lat_json.hpp"
#include "media/image_pipeline.hpp"
#include "net/export_routes.hpp"
#include "net/upload_gate.hpp"
#include "room/admin_submit.hpp"
#include "store/clock.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
namespace pb = maptable::v1;

constexpr std::string_view rooms_prefix = "/v1/rooms/";
constexpr std::string_view attachments_segment = "attachments";

using reply = std::function<void(admin_response)>;

// ---------------------------------------------------------------- the configuration per server

// Keyed by the context's address; a lock guards the lookup only.
std::mutex configs_mutex;
std::map<const session::server_context*, std::shared_ptr<attachment_config>>& configs()
{
    static std::map<const session::server_context*, std::shared_ptr<attachment_config>> by_context;
    return by_context;
}

// ---------------------------------------------------------------- the path

// /v1/rooms/{room}/attachments[/{id}[/thumbnail]]
struct attachment_path {
    std::string room;
    std::string id; // empty: the collection (POST)
    bool thumbnail = false;
};

std::optional<attachment_path> parse_path(std::string_view path)
{
    if (!path.starts_with(rooms_prefix))
        return std::nullopt;
    auto rest = path.substr(rooms_prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos)
        return std::nullopt;
    attachment_path out;
    out.room = std::string(rest.substr(0, slash));
    rest = rest.substr(slash + 1);
    if (!rest.starts_with(attachments_segment))
        return std::nullopt;
    rest = rest.substr(attachments_segment.size());
    if (rest.empty())
        return out;
    if (rest.front() != '/')
        return std::nullopt;
    rest.remove_prefix(1);
    const auto next = rest.find('/');
    out.id = std::string(rest.substr(0, next));
    if (next != std::string_view::npos) {
        if (rest.substr(next + 1) != "thumbnail")
            return std::nullopt;
        out.thumbnail = true;
    }
    return out;
}

// ---------------------------------------------------------------- who asks

using caller = room_caller;

constexpr std::string_view missing_token = "this needs 'Authorization: Bearer <join token>' of this room";

// Uploads: facilitators and participants of the room, never the admin key
// (an upload names its uploader in the room's log).
constexpr room_gate upload_gate{roles_allowed::contributors, false, missing_token,
                                "observers may look at attachments but not upload them"};
// Reading: anyone in the room, and the admin key.
constexpr room_gate read_gate{roles_allowed::anyone, true, missing_token, ""};

// ---------------------------------------------------------------- answers

std::string attachment_url(const media::attachment_record& r)
{
    return std::string(rooms_prefix) + r.room + "/attachments/" + r.id;
}

std::string record_json(const media::attachment_record& r)
{
    json::object out{{"id", r.id},
                     {"type", media::type_name(r.type)},
                     {"content_type", media::mime_type(r.type)},
                     {"size", r.size},
                     {"width", r.width},
                     {"height", r.height},
                     {"url", attachment_url(r)}};
    out["thumbnail_url"] = r.has_thumbnail ? json::value(attachment_url(r) + "/thumbnail") : json::value(nullptr);
    if (r.gps)
        out["gps"] = exports::lon_lat_json(r.gps->lon, r.gps->lat);
    out["created_ms"] = r.created_ms;
    return json::serialize(out) + "\n";
}

admin_response bytes_reply(unsigned version, const media::attachment_record& r, std::string body, bool thumbnail)
{
    admin_response res{http::status::ok, version};
    res.set(http::field::content_type, thumbnail ? "image/webp" : std::string(media::mime_type(r.type)));
    // The type is the sniffed one: a browser must not guess another.
    res.set("X-Content-Type-Options", "nosniff");
    // Nothing in it runs, even if a browser renders it as a page.
    res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    if (!thumbnail && r.type == media::media_type::pdf)
        res.set(http::field::content_disposition, "attachment; filename=\"" + r.id + ".pdf\"");
    else
        res.set(http::field::content_disposition, "inline");
    // The bytes at an id never change, but who may see them can (a removal,
    // a deletion): cached by the browser only, and not for long.
    res.set(http::field::cache_control, "private, max-age=3600");
    res.set(http::field::etag, "\"" + r.sha256 + (thumbnail ? "-thumb" : "") + "\"");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// ---------------------------------------------------------------- one request

struct attachment_request {
    session::server_context& context;
    std::shared_ptr<attachment_config> config;
    attachment_path path;
    caller who;
    unsigned version;
    boost::asio::any_io_executor reply_on;
    boost::asio::any_io_executor work_on;
    std::uint64_t connection_id;
    reply done;

    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void error(unsigned status, std::string_view message) const
    {
        answer(json_error(http::status(status), version, message));
    }
};
using shared_request = std::shared_ptr<const attachment_request>;

using shared_state = std::shared_ptr<const model::room_state>;

// Runs next on the work pool when the caller may act in the room as its
// committed state says (a token's participant not removed), else answers 403.
// next gets that state; without a token (the admin key) it is read only when
// need_state says so, and next gets null otherwise.
void if_not_removed(const shared_request& r, bool need_state, std::function<void(shared_state)> next)
{
    if (!r->who.token && !need_state)
        return boost::asio::post(r->work_on, [next = std::move(next)] { next(nullptr); });
    read_latest_state(r->context, r->path.room, r->work_on,
                      [r, next = std::move(next)](std::variant<model::room_state, read_failure> read) {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(failed->status, failed->message);
        auto state = std::make_shared<const model::room_state>(std::move(std::get<model::room_state>(read)));
        if (r->who.token && state->data().removed.contains(r->who.token->subject)) {
            spdlog::info("conn={} attachment request in room {} refused (403): participant {} was "
                         "removed",
                         r->connection_id, r->path.room, r->who.token->subject);
            return r->error(403,
                            "a facilitator removed you from this room "
                            "(ERROR_CODE_PARTICIPANT_REMOVED)");
        }
        next(std::move(state));
    });
}

unsigned status_of(pb::ErrorCode code)
{
    switch (code) {
    case pb::ERROR_CODE_ROOM_UNAVAILABLE:
    case pb::ERROR_CODE_SERVER_BUSY:
    case pb::ERROR_CODE_STORE_UNAVAILABLE: return 503;
    case pb::ERROR_CODE_ROOM_ARCHIVED: return 409;
    case pb::ERROR_CODE_INVALID_LIMIT: return 507; // the room holds as many attachments as it may
    default: return 500;                           // the route made the command: its fault, not the client's
    }
}

// The room's log learns of the stored upload (AddAttachment, as the
// uploader), so that features and comments of the room may name it; the
// client gets res only once the room has it. An attachment the room already
// has (a retry of an upload whose first answer was lost) is success too.
void add_to_room(const shared_request& r, const media::attachment_record& record, admin_response res)
{
    pb::ClientMessage command;
    pb::Attachment& attachment = *command.mutable_add_attachment()->mutable_attachment();
    attachment.set_id(record.id);
    attachment.set_content_type(std::string(media::mime_type(record.type)));
    attachment.set_size(record.size);
    attachment.set_width(static_cast<std::uint32_t>(record.width));
    attachment.set_height(static_cast<std::uint32_t>(record.height));
    if (record.gps) {
        attachment.mutable_taken_at()->set_lat(record.gps->lat);
        attachment.mutable_taken_at()->set_lon(record.gps->lon);
    }
    const auto& token = *r->who.token;
    model::actor person{token.subject, token.name, token.role, {}};
    room::submit_on_behalf(r->context.rooms, r->reply_on, r->path.room, std::move(command), std::move(person),
                           [r, id = record.id, res = std::move(res)](room::admin_outcome outcome) mutable {
        if (outcome.ok || outcome.code == pb::ERROR_CODE_NO_CHANGE)
            return r->answer(std::move(res));
        if (!outcome.moved_to.empty()) {
            // Several nodes on one database: the bytes are stored where the
            // owner reads them, and the same request there (307 keeps the
            // method and body) finds them by its key and adds them.
            spdlog::info("conn={} attachment {} stored; room {} is served by {}: redirected there", r->connection_id,
                         id, r->path.room, outcome.moved_to);
            auto redirect = json_error(http::status::temporary_redirect, r->version,
                                       "room " + r->path.room +
                                           " is served by another node; send the upload there "
                                           "with the same Idempotency-Key");
            redirect.set(http::field::location,
                         outcome.moved_to + std::string(rooms_prefix) + r->path.room + "/attachments");
            return r->answer(std::move(redirect));
        }
        spdlog::warn("conn={} attachment {} stored but not added to room {}: {} {}", r->connection_id, id, r->path.room,
                     pb::ErrorCode_Name(outcome.code), outcome.message);
        // Stored, so a retry with the same Idempotency-Key adds it without storing it again.
        r->error(status_of(outcome.code),
                 "the file is stored but the room could not take it (" + outcome.message + " " +
                     pb::ErrorCode_Name(outcome.code) + "); send it again with the same Idempotency-Key");
    });
}

// On the work pool: the upload checked, decoded and stored; the answer.
void store_upload(const shared_request& r, const std::shared_ptr<const admin_request>& req, std::string key)
{
    auto& store = *r->config->store;
    const auto& uploader = r->who.token->subject;
    if (!key.empty()) {
        if (auto earlier = store.find_by_key(r->path.room, uploader, key)) {
            spdlog::info("conn={} attachment upload to room {} by {} repeated (Idempotency-Key): answered with {}",
                         r->connection_id, r->path.room, uploader, earlier->id);
            if (earlier->deleted_ms)
                return r->error(410, "this upload was deleted by moderation since it was first sent");
            auto res = json_reply(http::status::created, r->version, record_json(*earlier));
            res.set(http::field::location, attachment_url(*earlier));
            res.set("Idempotent-Replayed", "true");
            return add_to_room(r, *earlier, std::move(res));
        }
    }
    const auto declared = std::string((*req)[http::field::content_type]);
    auto processed = media::process_upload(req->body(), declared, r->config->limits);
    if (auto* refused = std::get_if<media::upload_refusal>(&processed)) {
        spdlog::info("conn={} attachment upload to room {} by {} refused ({}): {}{}{}", r->connection_id, r->path.room,
                     uploader, refused->status, refused->message, refused->detail.empty() ? "" : "; ", refused->detail);
        return r->error(refused->status, refused->message);
    }
    const auto& upload = std::get<media::processed_upload>(processed);
    const auto put = store.put(upload, r->path.room, uploader, key, clock::now_ms());
    spdlog::info("conn={} attachment {} stored in room {} by {}: {} {} bytes {}x{}{}{}", r->connection_id,
                 put.record.id, r->path.room, uploader, media::type_name(put.record.type), put.record.size,
                 put.record.width, put.record.height, put.record.gps ? " with a GPS position" : "",
                 put.created ? "" : " (the idempotency key's earlier upload)");
    auto res = json_reply(http::status::created, r->version, record_json(put.record));
    res.set(http::field::location, attachment_url(put.record));
    if (!put.created)
        res.set("Idempotent-Replayed", "true");
    add_to_room(r, put.record, std::move(res));
}

// On the work pool: the stored bytes or thumbnail of one attachment.
void serve_attachment(const shared_request& r, const model::room_state& state, bool not_modified_if_etag,
                      std::string if_none_match)
{
    auto& store = *r->config->store;
    const auto record = store.find(r->path.id);
    // Another room's attachment is not found here, as if it did not exist.
    if (!record || record->room != r->path.room)
        return r->error(404, "there is no attachment '" + r->path.id + "' in room '" + r->path.room + "'");
    if (record->deleted_ms)
        return r->error(410, "this attachment was deleted with what showed it");
    // The room's state says whether a live feature or comment still shows
    // it (released_seq); an upload no feature or comment named yet is
    // served (the app attaches it right after uploading).
    const auto& attachments = state.data().attachments;
    if (const auto it = attachments.find(r->path.id); it != attachments.end() && it->second.released_seq() != 0) {
        // Its bytes leave the disk now, the first time anyone asks for it
        // after its release; from then on the store alone says 410.
        if (store.mark_deleted(record->id, clock::now_ms()))
            spdlog::info("conn={} attachment {} of room {} released at seq {}: marked deleted", r->connection_id,
                         record->id, record->room, it->second.released_seq());
        return r->error(410, "this attachment was deleted with what showed it");
    }
    if (r->path.thumbnail && !record->has_thumbnail)
        return r->error(404, "a PDF has no thumbnail (PDFs are never rendered on the server)");
    const auto etag = "\"" + record->sha256 + (r->path.thumbnail ? "-thumb" : "") + "\"";
    if (not_modified_if_etag && if_none_match == etag) {
        auto res = bytes_reply(r->version, *record, {}, r->path.thumbnail);
        res.result(http::status::not_modified);
        res.body().clear();
        res.content_length(boost::none);
        return r->answer(std::move(res));
    }
    auto bytes = r->path.thumbnail ? store.read_thumbnail(*record) : store.read(*record);
    if (!bytes) {
        spdlog::error("conn={} attachment {} of room {}: its bytes ({}) are missing", r->connection_id, record->id,
                      record->room, store.where(*record));
        return r->error(500, "the attachment's file is missing on the server; tell its operator");
    }
    r->answer(bytes_reply(r->version, *record, std::move(*bytes), r->path.thumbnail));
}

// Runs step on the work pool; what it throws is the server's failure, told
// to the client as 500 (or 503 for a store that cannot be written) and logged.
template <class Step>
void on_work_pool(const shared_request& r, bool need_state, Step step)
{
    if_not_removed(r, need_state, [r, step = std::move(step)](shared_state state) mutable {
        try {
            step(state);
        } catch (const std::exception& e) {
            spdlog::error("conn={} attachment request in room {} failed: {}", r->connection_id, r->path.room, e.what());
            r->error(503, "the attachment store failed; try again later");
        }
    });
}

} // namespace

void enable_attachments(const session::server_context& context, std::shared_ptr<attachment_config> config)
{
    std::lock_guard lock(configs_mutex);
    if (config)
        configs()[&context] = std::move(config);
    else
        configs().erase(&context);
}

std::shared_ptr<attachment_config> attachments_of(const session::server_context& context)
{
    std::lock_guard lock(configs_mutex);
    const auto it = configs().find(&context);
    return it == configs().end() ? nullptr : it->second;
}

bool is_attachment_path(std::string_view path)
{
    return parse_path(path).has_value();
}

upload_header_verdict check_upload_header(const session::server_context& context, const admin_request& header)
{
    if (header.method() != http::verb::post)
        return std::monostate{};
    const auto target = std::string_view(header.target());
    const auto parsed = parse_path(target.substr(0, target.find('?')));
    if (!parsed || !parsed->id.empty() || !valid_room_id(parsed->room))
        return std::monostate{};
    const auto config = attachments_of(context);
    if (!config)
        return std::monostate{};
    return check_upload_header_for(header, context, parsed->room, upload_gate,
                                   upload_allowance{config->limits.max_upload_bytes, config->limits.upload_timeout},
                                   "attachment upload",
                                   [&context](unsigned version) { return attachment_too_large(context, version); });
}

admin_response attachment_too_large(const session::server_context& context, unsigned version)
{
    const auto config = attachments_of(context);
    const auto limit = config ? config->limits.max_upload_bytes : media::media_limits{}.max_upload_bytes;
    return json_error(http::status::payload_too_large, version,
                      "the file is larger than the limit of " + std::to_string(limit / (1024 * 1024)) + " MB");
}

namespace {

// After the gate: an upload's limits and its work, or a read.
void serve(std::shared_ptr<admin_request> req, session::server_context& context, boost::asio::any_io_executor reply_on,
           std::uint64_t connection_id, std::shared_ptr<attachment_config> config, attachment_path path, bool upload,
           caller who, reply done)
{
    const unsigned version = req->version();
    std::string key;
    if (upload) {
        auto given = idempotency_key_of(*req);
        if (auto* refused = std::get_if<admin_response>(&given))
            return done(std::move(*refused));
        key = std::get<std::string>(std::move(given));
        // The connection's body limit was raised to this for the upload; a
        // request that reached here some other way is checked again.
        if (req->body().size() > config->limits.max_upload_bytes)
            return done(attachment_too_large(context, version));
        if (config->uploads_in_flight.fetch_add(1) >= config->limits.max_concurrent_uploads) {
            config->uploads_in_flight.fetch_sub(1);
            spdlog::warn("conn={} attachment upload to room {} refused (503): {} uploads already in progress",
                         connection_id, path.room, config->limits.max_concurrent_uploads);
            auto res = json_error(http::status::service_unavailable, version,
                                  "the server is busy with other uploads; try again shortly");
            res.set(http::field::retry_after, "5");
            return done(std::move(res));
        }
    }

    const auto if_none_match = std::string((*req)[http::field::if_none_match]);
    auto work_on = context.work ? context.work : reply_on;
    auto r = std::make_shared<const attachment_request>(attachment_request{
        context, config, std::move(path), std::move(who), version, reply_on, work_on, connection_id, std::move(done)});
    if (upload) {
        // The request (its body) moves to the work pool; the slot is given
        // back when the work is done, whatever its outcome.
        std::shared_ptr<attachment_config> held(config.get(),
                                                [config](attachment_config* c) { c->uploads_in_flight.fetch_sub(1); });
        std::shared_ptr<const admin_request> body = std::move(req);
        spdlog::info("conn={} attachment upload to room {} by {}: {} bytes", connection_id, r->path.room,
                     r->who.token->subject, body->body().size());
        return on_work_pool(r, false,
                            [r, body, key = std::move(key), held](const shared_state&) { store_upload(r, body, key); });
    }
    on_work_pool(r, true, [r, if_none_match](const shared_state& state) {
        serve_attachment(r, *state, !if_none_match.empty(), if_none_match);
    });
}

} // namespace

void handle_attachment_request(admin_request req, session::server_context& context,
                               boost::asio::any_io_executor reply_on, std::uint64_t connection_id, reply done)
{
    const unsigned version = req.version();
    const auto target = std::string_view(req.target());
    auto parsed = parse_path(target.substr(0, target.find('?')));
    auto config = attachments_of(context);
    if (!parsed || !config)
        return done(json_error(http::status::not_found, version,
                               config
                                   ? "no such endpoint; attachments are /v1/rooms/{room}/attachments[/{id}[/thumbnail]]"
                                   : "attachments are not enabled on this server"));
    const bool upload = parsed->id.empty();
    const bool is_get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (upload && req.method() != http::verb::post) {
        auto res = json_error(http::status::method_not_allowed, version, "upload with POST (the body is the file)");
        res.set(http::field::allow, "POST");
        return done(std::move(res));
    }
    if (!upload && !is_get) {
        auto res = json_error(http::status::method_not_allowed, version, "use GET");
        res.set(http::field::allow, "GET, HEAD");
        return done(std::move(res));
    }
    if (!valid_room_id(parsed->room))
        return done(json_error(http::status::not_found, version,
                               std::string("no room has that id (") + std::string(room_id_rule) + ")"));
    if (!upload && !media::valid_attachment_id(parsed->id))
        return done(json_error(http::status::not_found, version,
                               "there is no attachment '" + parsed->id.substr(0, 64) +
                                   "' (attachment ids are 32 lower-case hex digits)"));
    const std::string room = parsed->room;
    auto request = std::make_shared<admin_request>(std::move(req));
    pass_room_gate(*request, context, room, upload ? upload_gate : read_gate, reply_on,
                   [request, &context, reply_on, connection_id, config, path = std::move(*parsed), upload,
                    done = std::move(done)](std::variant<caller, admin_response> authenticated) mutable {
        if (auto* refused = std::get_if<admin_response>(&authenticated)) {
            spdlog::info("conn={} attachment request in room {} refused ({}): {}", connection_id, path.room,
                         refused->result_int(), refused->body().substr(0, refused->body().find('\n')));
            return done(std::move(*refused));
        }
        serve(std::move(request), context, reply_on, connection_id, std::move(config), std::move(path), upload,
              std::get<caller>(std::move(authenticated)), std::move(done));
    });
}

} // namespace maptable::net
