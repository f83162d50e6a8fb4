// SDK, connection logic: the transitions of connection_machine (see the header).
#include "connection_state.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

namespace maptable::detail {
namespace {

// s with every byte outside RFC 3986's unreserved set percent-encoded: safe
// as a query parameter's value.
std::string percent_encoded(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
    }
    return out;
}

bool is_secure_url(const std::string& url)
{
    static constexpr std::string_view scheme = "wss://";
    if (url.size() < scheme.size())
        return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i])
            return false;
    return true;
}

} // namespace

std::optional<ws_endpoint> parse_ws_url(const std::string& url, const std::string& room_id)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || (parsed->scheme() != "ws" && parsed->scheme() != "wss") || parsed->host().empty())
        return std::nullopt;
    ws_endpoint out;
    out.secure = parsed->scheme() == "wss";
    out.host = std::string(parsed->host());
    out.port = parsed->has_port() ? std::string(parsed->port()) : (out.secure ? "443" : "80");
    out.target = parsed->path().empty() ? "/" : std::string(parsed->encoded_path());
    std::string query = parsed->has_query() ? std::string(parsed->encoded_query()) : std::string();
    if (!parsed->params().contains("room"))
        query += (query.empty() ? "room=" : "&room=") + percent_encoded(room_id);
    out.target += "?" + query;
    return out;
}

const char* to_string(link_state state)
{
    switch (state) {
    case link_state::idle: return "idle";
    case link_state::connecting: return "connecting";
    case link_state::redirected: return "redirected";
    case link_state::joining: return "joining";
    case link_state::joined: return "joined";
    case link_state::backing_off: return "backing_off";
    case link_state::closing: return "closing";
    case link_state::closed: return "closed";
    }
    return "?";
}

bool is_final_close(std::uint16_t code)
{
    return code == 1003 || code == 1008 || code == 1009;
}

std::chrono::milliseconds reconnect_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                          double random)
{
    // Shifting by at most 16 keeps the product far from overflow for any
    // initial delay a person would configure.
    const long long base = initial.count() << std::clamp(attempt, 0, 16);
    const long long delay = std::min<long long>(max.count(), base);
    const long long low = delay / 2;
    const double r = std::clamp(random, 0.0, 1.0);
    return std::chrono::milliseconds(low + std::llround(r * static_cast<double>(delay - low)));
}

connection_machine::connection_machine(reconnect_policy policy, std::function<double()> random)
    : policy_(std::move(policy)), random_(std::move(random)), endpoint_(policy_.url)
{
}

bool connection_machine::accepts_requests() const
{
    return state_ != link_state::idle && state_ != link_state::closing && state_ != link_state::closed;
}

bool connection_machine::will_resume() const
{
    return policy_.reconnect && accepts_requests();
}

void connection_machine::set(link_state next)
{
    state_ = next;
    switch (next) {
    case link_state::idle: break;
    case link_state::connecting:
    case link_state::redirected:
    case link_state::joining:
        // Before the first Welcome the client is still connecting; after
        // it, any new connection is a reconnect.
        public_ = ever_joined_ ? connection_state::reconnecting : connection_state::connecting;
        break;
    case link_state::joined: public_ = connection_state::connected; break;
    case link_state::backing_off: public_ = connection_state::reconnecting; break;
    case link_state::closing: break; // still what it was until the close completes
    case link_state::closed: public_ = connection_state::closed; break;
    }
}

link_action connection_machine::enter_closed(std::uint16_t code, std::string reason, std::string message,
                                             pb::ErrorCode error)
{
    set(link_state::closed);
    return link_action::give_up(code, std::move(reason), std::move(message), error);
}

// Another connection at once, without backoff: a Redirect names where the
// room is, and a "room moved" close means the room has a new owner already.
// Counted, so that nodes that disagree about the owner cannot keep the
// client bouncing between them.
link_action connection_machine::hop(std::string url, link_state next, const std::string& why)
{
    if (++hops_ > policy_.max_hops) {
        auto why_not = "gave up after " + std::to_string(policy_.max_hops) +
            " redirects in a row without joining (the last: " + why + ")";
        return enter_closed(0, why_not, why_not);
    }
    set(next);
    endpoint_ = std::move(url);
    return link_action::connect(endpoint_);
}

// The connection ended or could not be made: reconnect after a backoff, or
// stop for good.
link_action connection_machine::lost(std::uint16_t code, std::string reason, std::string message)
{
    if (is_final_close(code) || !policy_.reconnect)
        return enter_closed(code, std::move(reason), std::move(message));
    if (code == close_room_moved)
        return hop(policy_.url, link_state::connecting, message);
    // Never joined: the url, the token or the network is wrong, and connect()
    // reports it instead of retrying behind the caller's back.
    if (!ever_joined_)
        return enter_closed(code, std::move(reason), std::move(message));
    // The backoff paces whatever follows, so the hops start counting again:
    // during a takeover the other node keeps sending the client to the dead
    // owner until its lease expires, and that is worth retrying for as long
    // as any dropped connection. The count stops only hops without a pause.
    hops_ = 0;
    set(link_state::backing_off);
    const auto delay = reconnect_delay(attempt_, policy_.initial_delay, policy_.max_delay, random_ ? random_() : 1.0);
    ++attempt_;
    return link_action::schedule(delay);
}

link_action connection_machine::on(const link_event& event)
{
    using kind = link_event::kind;
    switch (event.what) {
    case kind::start:
        if (state_ != link_state::idle)
            return link_action::none();
        set(link_state::connecting);
        endpoint_ = policy_.url;
        return link_action::connect(endpoint_);

    case kind::opened:
        if (state_ != link_state::connecting && state_ != link_state::redirected)
            return link_action::none();
        set(link_state::joining);
        return link_action::send_join();

    case kind::open_failed:
        if (state_ != link_state::connecting && state_ != link_state::redirected)
            return link_action::none();
        return lost(0, event.text, event.text);

    case kind::welcome:
        if (state_ != link_state::joining)
            return link_action::none();
        ever_joined_ = true;
        attempt_ = 0;
        hops_ = 0;
        set(link_state::joined);
        return link_action::none();

    case kind::join_refused:
        // A refused (re)join is final: the token or the version will not
        // change by asking again.
        if (state_ != link_state::joining)
            return link_action::none();
        return enter_closed(1008, event.text, event.text, event.error);

    case kind::redirect:
        // Only an answer to our Join: a Redirect once joined means nothing.
        if (state_ != link_state::joining)
            return link_action::none();
        if (event.text.empty())
            return enter_closed(0, "the server sent a Redirect without a url",
                                "the server sent a Redirect without a url");
        // The Join carries the token: it never leaves TLS for plain text
        // because a server said so.
        if (is_secure_url(policy_.url) && !is_secure_url(event.text)) {
            auto why = "refused a Redirect from wss:// to " + event.text + ": the token would travel unencrypted";
            return enter_closed(0, why, why);
        }
        return hop(event.text, link_state::redirected, "to " + event.text);

    case kind::closed: {
        auto message = "connection closed" + (event.text.empty() ? std::string() : ": " + event.text);
        switch (state_) {
        case link_state::closing: return enter_closed(event.code, event.text, std::move(message));
        case link_state::connecting:
        case link_state::redirected:
        case link_state::joining:
        case link_state::joined: return lost(event.code, event.text, std::move(message));
        default: return link_action::none();
        }
    }

    case kind::timer:
        if (state_ != link_state::backing_off)
            return link_action::none();
        // Back to the configured url: after a failover the owner may have
        // changed again, and the configured url (a proxy, or any node that
        // answers with a Redirect) knows where the room is now.
        set(link_state::connecting);
        endpoint_ = policy_.url;
        return link_action::connect(endpoint_);

    case kind::user_close:
        switch (state_) {
        case link_state::idle:
            set(link_state::closed); // nothing was started, so nothing to report
            return link_action::none();
        case link_state::connecting:
        case link_state::redirected:
        case link_state::backing_off: return enter_closed(1000, "closed by the client", "closed by the client");
        case link_state::joining:
        case link_state::joined: set(link_state::closing); return link_action::close_socket();
        case link_state::closing:
        case link_state::closed: return link_action::none();
        }
        return link_action::none();
    }
    return link_action::none();
}

} // namespace maptable::detail
