// Layer: bench. The load itself: many WebSocket clients on one io_context,
// run by one thread. The only translation unit of the bench that includes
// Beast.
//
// Phases: open every connection (at most connect_concurrency at once) and,
// in maptable mode, join; then every client sends on its own open-loop
// schedule from t_start; the window [t0, t1) after the warm-up is measured;
// sending stops at t1; the window's deliveries may still arrive until every
// one has or drain_s has passed. Only messages sent inside the window count
// towards sent/expected/delivered and the latency histogram.
//
// Ownership: the driver owns every client (a vector of unique_ptr) and the
// io_context; handlers capture raw pointers, which stay valid because the
// clients are destroyed only after io_context::run has returned.
#include "loadgen.hpp"

#include "auth/join_token.hpp"
#include "maptable/v1/envelope.pb.h"
#include "store/clock.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <array>
#include <charconv>
#include <chrono>
#include <climits>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <unistd.h>
#include <utility>

namespace maptable::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace pb = maptable::v1;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

std::int64_t ns_of(steady::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::int64_t now_ns()
{
    return ns_of(steady::now());
}

steady::duration seconds(double s)
{
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

// Leading decimal digits of a payload (the sender's steady-clock ns); -1 if none.
std::int64_t leading_timestamp(std::string_view text)
{
    std::int64_t value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} ? value : -1;
}

// The text of a chat message (or a feature title): timestamp, a space, padding to `bytes`.
std::string stamped(std::int64_t ts, std::size_t bytes)
{
    std::string text = std::to_string(ts);
    text.push_back(' ');
    if (text.size() < bytes)
        text.append(bytes - text.size(), 'x');
    return text;
}

// The request id of the Welcome a ServerFrame starts with, read from the
// wire format without decoding the state it carries (join storm: the loadgen runs
// every client on one thread; decoding 200 copies of a 2.5 MB state would
// measure the loadgen, not the server). nullopt: the frame starts with
// something else (decode it normally).
//   ServerFrame.messages = 1 -> ServerMessage.welcome = 1 -> Welcome.request_id = 1
std::optional<std::uint64_t> welcome_request_id(const char* data, std::size_t size)
{
    namespace io = google::protobuf::io;
    io::CodedInputStream frame(reinterpret_cast<const std::uint8_t*>(data), static_cast<int>(size));
    frame.SetTotalBytesLimit(static_cast<int>(std::min<std::size_t>(size, INT32_MAX)));
    std::uint32_t length = 0;
    if (frame.ReadTag() != ((1u << 3) | 2u) || !frame.ReadVarint32(&length))
        return std::nullopt;
    frame.PushLimit(static_cast<int>(length));
    if (frame.ReadTag() != ((1u << 3) | 2u) || !frame.ReadVarint32(&length))
        return std::nullopt;
    frame.PushLimit(static_cast<int>(length));
    // The first request_id wins: the server writes it first, so the bytes
    // before the state are enough (a join storm passes only a message's head).
    std::uint64_t request_id = 0; // proto3: absent means 0
    for (std::uint32_t tag = frame.ReadTag(); tag != 0; tag = frame.ReadTag()) {
        if (tag == ((1u << 3) | 0u))
            return frame.ReadVarint64(&request_id) ? std::optional(request_id) : std::nullopt;
        if (!google::protobuf::internal::WireFormatLite::SkipField(&frame, tag))
            return std::nullopt;
    }
    return request_id;
}

struct room {
    std::string id;
    int members = 0;
    int active = 0; // joined, reading, not failed
};

std::int64_t unix_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What a reconnecting client already has (Join.resume).
struct resume_point {
    std::string epoch;
    std::uint64_t last_seq = 0;
};

class driver;

class client {
public:
    client(driver& d, int index, int room_index, std::optional<resume_point> resume = std::nullopt);

    void start();
    void begin_sending(steady::time_point first_send, steady::time_point first_cursor);
    void stop_reading()
    {
        slow_ = true;
        was_slow_ = true;
    }
    void read_again(); // a slow member after the window: reads what waits, until the server's close
    bool ready() const { return ready_; }
    bool slow() const { return slow_; }
    bool was_slow() const { return was_slow_; }
    int index() const { return index_; }
    std::uint64_t last_seq() const { return last_seq_; }
    const std::string& epoch() const { return epoch_; }
    std::size_t max_queue() const { return max_queue_; }

private:
    void connect();
    void on_connected(const beast::error_code& ec);
    void fail(const std::string& kind, const beast::error_code& ec);
    void check_resumed();
    void mark_ready();
    void do_read();
    void on_read(const beast::error_code& ec);
    void on_read_through(const beast::error_code& ec, std::size_t n);
    void on_maptable_frame(const char* data, std::size_t size);
    void on_raw_frame(const char* data, std::size_t size);
    void deliver(std::int64_t ts);
    void enqueue(std::string message);
    void do_write();
    void on_send_timer(const beast::error_code& ec);
    void on_cursor_timer(const beast::error_code& ec);
    void send_event();
    void send_cursor();
    std::uint64_t next_request_id(std::int64_t sent_at);

    driver& d_;
    int index_;
    int room_;
    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer in_;
    // Join-only, before the Welcome: the message read so far, through the
    // driver's pass_through buffer: its first bytes and its size.
    std::string head_;
    std::size_t message_bytes_ = 0;
    std::deque<std::string> out_;
    bool writing_ = false;
    std::size_t max_queue_ = 0;
    asio::steady_timer send_timer_;
    asio::steady_timer cursor_timer_;
    steady::time_point next_send_{};
    steady::time_point next_cursor_{};
    std::string sub_;
    std::string client_id_;
    std::uint64_t rid_base_ = 0;
    std::uint64_t next_rid_ = 0;
    std::vector<std::int64_t> sent_at_; // by request id - rid_base_; 0 = not a timed command
    std::uint64_t join_rid_ = 0;
    std::uint64_t events_ = 0;
    std::string last_feature_;
    bool ready_ = false;
    bool failed_ = false;
    bool slow_ = false;
    bool was_slow_ = false; // stopped reading in the window; reads again after it (slow-consumer scenario)
    bool reading_again_ = false;
    std::optional<resume_point> resume_; // set: this client rejoins with a Resume (slow-consumer scenario)
    bool welcomed_ = false;
    bool recovered_ = false;
    std::string epoch_;          // from the Welcome
    std::uint64_t last_seq_ = 0; // newest event seq applied (or the Welcome's state seq)
    std::uint64_t resume_events_ = 0;
    steady::time_point connect_started_{};
};

class driver {
public:
    explicit driver(const config& cfg);
    result run();

    // Shared with the clients (one thread: no locks).
    const config& cfg;
    asio::io_context io{1};
    tcp::endpoint endpoint;
    std::string host_header;
    std::vector<room> rooms;
    std::string secret;
    std::int64_t t0 = 0, t1 = 0; // the measured window, steady ns
    bool finishing = false;
    result res;
    std::size_t frame_bytes = 0;
    pb::ServerFrame scratch_frame;     // reused for every decode
    pb::ClientMessage scratch_message; // reused for every encode
    // Join storm: every client reads its Welcome through this one buffer and
    // keeps only the head (read_through below), so the loadgen does not
    // fault in 200 fresh copies of a 2.5 MB state (in this VM a page fault
    // costs more than the bytes' copy: the loadgen, not the server, was the
    // storm's bottleneck).
    std::array<char, 64 * 1024> pass_through{};
    std::mt19937_64 rng{0x6d61707461626c65ull};
    tcp::endpoint endpoint2; // --port2: the odd rooms' server
    std::string host_header2;
    bool resume_phase = false;   // after the drain: slow members read again and resume; nothing counts
    std::uint64_t room0_seq = 0; // newest seq the reading members of the first room saw

    void client_done(bool ok);
    void slow_closed(client& c, const std::string& how);
    void resume_finished(const std::string& outcome, std::uint64_t seq, std::uint64_t events);
    const tcp::endpoint& endpoint_of(int room) const { return cfg.port2 && room % 2 == 1 ? endpoint2 : endpoint; }
    const std::string& host_of(int room) const { return cfg.port2 && room % 2 == 1 ? host_header2 : host_header; }
    cpu_rss read_servers() const;
    bool in_window(std::int64_t ts) const { return ts >= t0 && ts < t1; }
    void error(const std::string& kind)
    {
        ++res.errors;
        ++res.error_kinds[kind];
    }

private:
    void connect_more();
    void begin_load();
    void on_window_start();
    void on_window_end();
    void check_drain();
    void finish();
    void start_resume();
    void stop();

    std::vector<std::unique_ptr<client>> clients_;
    asio::steady_timer phase_timer_{io};
    std::size_t next_to_connect_ = 0;
    int in_flight_ = 0;
    int done_ = 0;
    steady::time_point connect_started_{};
    steady::time_point drain_deadline_{};
    double self_cpu_t0_ = 0;
    double machine_t0_ = 0;
    bool resume_started_ = false;
    std::vector<bool> writer_; // by client index: sends (config::writers), or only reads
    steady::time_point resume_connect_{};
};

client::client(driver& d, int index, int room_index, std::optional<resume_point> resume)
    : d_(d)
    , index_(index)
    , room_(room_index)
    , ws_(d.io)
    , send_timer_(d.io)
    , cursor_timer_(d.io)
    , sub_("u" + std::to_string(index))
    , client_id_("lg" + std::to_string(::getpid()) + "-" + std::to_string(index))
    , resume_(std::move(resume))
{
    // Request ids never repeat per client id: start from the clock, as the SDK does.
    rid_base_ = static_cast<std::uint64_t>(maptable::clock::now_ms()) * 1024;
    next_rid_ = rid_base_;
}

std::uint64_t client::next_request_id(std::int64_t sent_at)
{
    sent_at_.push_back(sent_at);
    return next_rid_++;
}

void client::start()
{
    connect_started_ = steady::now();
    connect();
}

void client::connect()
{
    ws_.next_layer().async_connect(d_.endpoint_of(room_), [this](const beast::error_code& ec) { on_connected(ec); });
}

void client::on_connected(const beast::error_code& ec)
{
    {
        if (ec && d_.cfg.connect_retry_s > 0 && steady::now() - connect_started_ < seconds(d_.cfg.connect_retry_s)) {
            // Restart scenario: the server is still starting; try again shortly (the clock keeps running from start()).
            ++d_.res.connect_retries;
            beast::error_code ignored;
            ws_.next_layer().close(ignored);
            send_timer_.expires_after(std::chrono::milliseconds(2));
            send_timer_.async_wait([this](const beast::error_code& e) {
                if (!e)
                    connect();
            });
            return;
        }
        if (ec)
            return fail("connect", ec);
        beast::error_code ignored;
        ws_.next_layer().set_option(tcp::no_delay(true), ignored);
        ws_.auto_fragment(false);
        ws_.read_message_max(64 * 1024 * 1024);
        ws_.binary(true);
        const std::string path =
            d_.cfg.mode == wire_mode::maptable ? d_.cfg.path : "/" + d_.rooms[static_cast<std::size_t>(room_)].id;
        ws_.async_handshake(d_.host_of(room_), path, [this](const beast::error_code& ec) {
            if (ec)
                return fail("handshake", ec);
            do_read();
            if (d_.cfg.mode == wire_mode::raw)
                return mark_ready();
            auth::join_claims claims;
            claims.room = d_.rooms[static_cast<std::size_t>(room_)].id;
            claims.subject = sub_;
            claims.name = sub_;
            claims.role = pb::ROLE_PARTICIPANT;
            claims.expires_at = maptable::clock::now_seconds() + 3600;
            auto& m = d_.scratch_message;
            m.Clear();
            join_rid_ = next_request_id(0);
            m.set_request_id(join_rid_);
            auto* join = m.mutable_join();
            join->set_room_id(claims.room);
            join->set_token(auth::mint_join_token(claims, d_.secret));
            join->set_client_id(client_id_);
            join->set_protocol_version(1);
            if (resume_) {
                join->mutable_resume()->set_epoch(resume_->epoch);
                join->mutable_resume()->set_last_seq(resume_->last_seq);
                last_seq_ = resume_->last_seq;
            }
            enqueue(m.SerializeAsString());
        });
    }
}

void client::mark_ready()
{
    ready_ = true;
    d_.res.join_latency.record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - connect_started_).count());
    d_.res.all_ready_unix_ns = unix_ns();
    if (d_.res.first_ready_unix_ns == 0)
        d_.res.first_ready_unix_ns = d_.res.all_ready_unix_ns;
    if (resume_)
        return; // a slow consumer's rejoin: not one of the load's clients
    ++d_.rooms[static_cast<std::size_t>(room_)].active;
    d_.client_done(true);
}

void client::fail(const std::string& kind, const beast::error_code& ec)
{
    if (d_.finishing || failed_)
        return;
    failed_ = true;
    if (resume_) {
        beast::error_code ignored;
        ws_.next_layer().close(ignored);
        return d_.resume_finished("failed: " + kind + (ec ? ": " + ec.message() : std::string()), last_seq_,
                                  resume_events_);
    }
    d_.error(kind + ": " + ec.message());
    beast::error_code ignored;
    send_timer_.cancel();
    cursor_timer_.cancel();
    ws_.next_layer().close(ignored);
    if (ready_) {
        if (!slow_)
            --d_.rooms[static_cast<std::size_t>(room_)].active;
    } else {
        d_.client_done(false);
    }
}

void client::do_read()
{
    if (d_.cfg.mode == wire_mode::maptable && d_.cfg.join_only && !ready_) {
        ws_.async_read_some(asio::buffer(d_.pass_through),
                            [this](const beast::error_code& ec, std::size_t n) { on_read_through(ec, n); });
        return;
    }
    ws_.async_read(in_, [this](const beast::error_code& ec, std::size_t) { on_read(ec); });
}

// Join-only, before the Welcome: a message passes through the shared buffer.
// Its head (up to head_limit bytes) is kept: enough for the Welcome's request
// id, and all of a small message (an Error), which is decoded as on_read
// would. A large message that is not this client's Welcome is an error.
void client::on_read_through(const beast::error_code& ec, std::size_t n)
{
    constexpr std::size_t head_limit = 4096;
    if (ec)
        return fail("closed before ready", ec);
    if (head_.size() < head_limit)
        head_.append(d_.pass_through.data(), std::min(n, head_limit - head_.size()));
    message_bytes_ += n;
    if (!ws_.is_message_done())
        return do_read();
    const std::size_t size = std::exchange(message_bytes_, 0);
    const std::string head = std::exchange(head_, {});
    if (welcome_request_id(head.data(), head.size()) == join_rid_) {
        d_.res.welcome_bytes += size;
        return mark_ready(); // the run ends when every client is here: nothing more to read
    }
    if (size > head.size())
        return fail("a " + std::to_string(size) + "-byte message before the Welcome",
                    boost::system::errc::make_error_code(boost::system::errc::protocol_error));
    on_maptable_frame(head.data(), head.size());
    if (!failed_)
        do_read();
}

void client::read_again()
{
    slow_ = false;
    reading_again_ = true;
    if (failed_)
        return;
    // The frame that arrived as it stopped reading is applied first: no gap in its replica.
    if (in_.size() > 0) {
        const auto data = in_.cdata();
        on_maptable_frame(static_cast<const char*>(data.data()), data.size());
        in_.consume(in_.size());
    }
    do_read();
}

void client::on_read(const beast::error_code& ec)
{
    if (ec && reading_again_) {
        // How the server ended the slow connection: a close frame (1013, "try
        // again later", when its queue overflowed) or a reset (a write timed out).
        std::string how;
        if (ec == websocket::error::closed)
            how = "close " + std::to_string(ws_.reason().code) + ": " + std::string(ws_.reason().reason.c_str());
        else
            how = "ended: " + ec.message();
        failed_ = true;
        beast::error_code ignored;
        ws_.next_layer().close(ignored);
        return d_.slow_closed(*this, how);
    }
    if (ec)
        return fail(ready_ ? "closed" : "closed before ready", ec);
    if (slow_)
        return; // a slow consumer: stops reading (and keeps what it got unread until read_again)
    const auto data = in_.cdata();
    if (d_.cfg.mode == wire_mode::maptable)
        on_maptable_frame(static_cast<const char*>(data.data()), data.size());
    else
        on_raw_frame(static_cast<const char*>(data.data()), data.size());
    in_.consume(in_.size());
    if (!failed_)
        do_read();
}

void client::deliver(std::int64_t ts)
{
    if (d_.resume_phase)
        return; // after the drain nothing counts
    const auto now = now_ns();
    if (d_.in_window(now))
        ++d_.res.received_in_window;
    if (d_.in_window(ts)) {
        ++d_.res.delivered;
        d_.res.latency.record(now - ts);
    }
}

void client::on_maptable_frame(const char* data, std::size_t size)
{
    auto& frame = d_.scratch_frame;
    if (!frame.ParseFromArray(data, static_cast<int>(size))) {
        d_.error("undecodable ServerFrame");
        return;
    }
    for (const auto& m : frame.messages()) {
        switch (m.body_case()) {
        case pb::ServerMessage::kEvent: {
            const auto& e = m.event();
            last_seq_ = std::max(last_seq_, e.seq());
            if (resume_)
                ++resume_events_;
            else if (room_ == 0 && !was_slow_ && !d_.resume_phase)
                d_.room0_seq = std::max(d_.room0_seq, e.seq());
            std::string_view stamp;
            if (e.has_chat_posted())
                stamp = e.chat_posted().message().text();
            else if (e.has_feature_added())
                stamp = e.feature_added().feature().title();
            else if (e.has_feature_updated())
                stamp = e.feature_updated().patch().title();
            else
                break;
            const auto ts = leading_timestamp(stamp);
            if (e.actor_id() == sub_) {
                if (d_.in_window(ts))
                    ++d_.res.self_events;
            } else {
                deliver(ts);
            }
            break;
        }
        case pb::ServerMessage::kAck: {
            const auto rid = m.ack().request_id();
            if (rid >= rid_base_ && rid - rid_base_ < sent_at_.size()) {
                const auto ts = sent_at_[rid - rid_base_];
                if (d_.in_window(ts)) {
                    ++d_.res.acks;
                    d_.res.ack_latency.record(now_ns() - ts);
                }
            }
            break;
        }
        case pb::ServerMessage::kError:
            d_.error("Error " + pb::ErrorCode_Name(m.error().code()));
            if (!ready_ && m.error().request_id() == join_rid_)
                fail("join refused", {});
            break;
        case pb::ServerMessage::kWelcome:
            if (!ready_ && m.welcome().request_id() == join_rid_) {
                d_.res.welcome_bytes += size;
                welcomed_ = true;
                recovered_ = m.welcome().recovered();
                epoch_ = m.welcome().epoch();
                if (m.welcome().has_state())
                    last_seq_ = m.welcome().state().seq();
                mark_ready();
            }
            break;
        case pb::ServerMessage::kPresence:
            if (d_.in_window(now_ns()))
                ++d_.res.presence_frames;
            break;
        default: break;
        }
    }
    if (resume_ && welcomed_)
        check_resumed();
}

void client::check_resumed()
{
    if (last_seq_ >= d_.res.room_seq && !failed_) {
        failed_ = true; // done: nothing more to read
        d_.resume_finished(recovered_ ? "recovered" : "snapshot", last_seq_, resume_events_);
    }
}

void client::on_raw_frame(const char* data, std::size_t size)
{
    if (size < 2)
        return d_.error("short raw frame");
    const auto ts = leading_timestamp(std::string_view(data + 1, size - 1));
    if (data[0] == 'C') {
        if (d_.in_window(now_ns()))
            ++d_.res.presence_frames;
    } else {
        deliver(ts);
    }
}

void client::enqueue(std::string message)
{
    out_.push_back(std::move(message));
    max_queue_ = std::max(max_queue_, out_.size());
    if (!writing_)
        do_write();
}

void client::do_write()
{
    writing_ = true;
    ws_.async_write(asio::buffer(out_.front()), [this](const beast::error_code& ec, std::size_t) {
        if (ec) {
            writing_ = false;
            return fail("write", ec);
        }
        out_.pop_front();
        if (out_.empty())
            writing_ = false;
        else
            do_write();
    });
}

void client::begin_sending(steady::time_point first_send, steady::time_point first_cursor)
{
    if (failed_ || slow_ || resume_)
        return;
    if (d_.cfg.rate > 0) {
        next_send_ = first_send;
        send_timer_.expires_at(next_send_);
        send_timer_.async_wait([this](const beast::error_code& ec) { on_send_timer(ec); });
    }
    if (d_.cfg.cursor_hz > 0) {
        next_cursor_ = first_cursor;
        cursor_timer_.expires_at(next_cursor_);
        cursor_timer_.async_wait([this](const beast::error_code& ec) { on_cursor_timer(ec); });
    }
}

// Open loop: every due send goes out now (catching up if the loop was late),
// then the timer is set to the next point of the fixed schedule, so the rate
// never drifts and never waits for replies.
void client::on_send_timer(const beast::error_code& ec)
{
    if (ec || failed_ || d_.finishing)
        return;
    const auto interval = seconds(1.0 / d_.cfg.rate);
    const auto end = steady::time_point(std::chrono::nanoseconds(d_.t1));
    auto now = steady::now();
    while (next_send_ <= now && next_send_ < end) {
        if (now - next_send_ > std::chrono::milliseconds(1) && d_.in_window(ns_of(next_send_)))
            ++d_.res.late_sends;
        send_event();
        next_send_ += interval;
    }
    if (next_send_ >= end)
        return;
    send_timer_.expires_at(next_send_);
    send_timer_.async_wait([this](const beast::error_code& ec) { on_send_timer(ec); });
}

void client::on_cursor_timer(const beast::error_code& ec)
{
    if (ec || failed_ || d_.finishing)
        return;
    const auto interval = seconds(1.0 / d_.cfg.cursor_hz);
    const auto end = steady::time_point(std::chrono::nanoseconds(d_.t1));
    auto now = steady::now();
    while (next_cursor_ <= now && next_cursor_ < end) {
        send_cursor();
        next_cursor_ += interval;
    }
    if (next_cursor_ >= end)
        return;
    cursor_timer_.expires_at(next_cursor_);
    cursor_timer_.async_wait([this](const beast::error_code& ec) { on_cursor_timer(ec); });
}

void client::send_event()
{
    const auto ts = now_ns();
    if (d_.in_window(ts)) {
        ++d_.res.sent;
        d_.res.expected +=
            static_cast<std::uint64_t>(std::max(0, d_.rooms[static_cast<std::size_t>(room_)].active - 1));
    }
    const auto k = events_++;
    if (d_.cfg.mode == wire_mode::raw) {
        std::string frame = "E" + stamped(ts, d_.frame_bytes - 1);
        return enqueue(std::move(frame));
    }
    auto& m = d_.scratch_message;
    m.Clear();
    m.set_request_id(next_request_id(ts));
    const double lon = -180.0 + static_cast<double>((index_ * 7919 + k * 104729) % 36000) / 100.0;
    const double lat = -80.0 + static_cast<double>((index_ * 31 + k * 17) % 16000) / 100.0;
    const bool add = (d_.cfg.mix == mix_kind::mixed && k % 4 == 0) || (d_.cfg.mix == mix_kind::edits && k == 0);
    const bool update = (d_.cfg.mix == mix_kind::mixed && k % 4 == 2) || (d_.cfg.mix == mix_kind::edits && k > 0);
    if (add) {
        last_feature_ = "f" + std::to_string(index_) + "-" + std::to_string(k) + "-" + std::to_string(::getpid());
        auto* f = m.mutable_add_feature()->mutable_feature();
        f->set_id(last_feature_);
        f->set_title(std::to_string(ts));
        f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = f->mutable_geometry()->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    } else if (update) {
        auto* u = m.mutable_update_feature();
        u->set_id(last_feature_);
        u->mutable_patch()->set_title(std::to_string(ts));
        auto* g = u->mutable_patch()->mutable_geometry();
        g->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = g->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    } else {
        m.mutable_send_chat()->set_text(stamped(ts, d_.cfg.payload));
    }
    enqueue(m.SerializeAsString());
}

void client::send_cursor()
{
    const auto ts = now_ns();
    if (d_.in_window(ts))
        ++d_.res.cursor_sent;
    if (d_.cfg.mode == wire_mode::raw)
        return enqueue("C" + stamped(ts, 31));
    auto& m = d_.scratch_message;
    m.Clear();
    m.set_request_id(next_request_id(0));
    auto* p = m.mutable_move_cursor()->mutable_position();
    p->set_lon(static_cast<double>(ts % 36000) / 100.0 - 180.0);
    p->set_lat(static_cast<double>(ts % 16000) / 100.0 - 80.0);
    enqueue(m.SerializeAsString());
}

// The size of what a maptable server sends each member per chat message: a
// ServerFrame with one Event{ChatPosted}. Raw-mode frames get this size so
// both servers move the same bytes.
std::size_t maptable_chat_frame_bytes(std::size_t payload)
{
    pb::ServerFrame frame;
    auto* e = frame.add_messages()->mutable_event();
    e->set_seq(123456);
    e->set_time_ms(1'750'000'000'000);
    e->set_actor_id("u1234");
    e->set_actor_name("u1234");
    auto* c = e->mutable_chat_posted()->mutable_message();
    c->set_seq(123456);
    c->set_author_id("u1234");
    c->set_author_name("u1234");
    c->set_text(std::string(payload, 'x'));
    c->set_time_ms(1'750'000'000'000);
    return frame.ByteSizeLong();
}

driver::driver(const config& c) : cfg(c), secret(c.secret)
{
    frame_bytes = cfg.frame_bytes ? cfg.frame_bytes : maptable_chat_frame_bytes(cfg.payload);
    if (frame_bytes < 24)
        frame_bytes = 24;
    res.frame_bytes = cfg.mode == wire_mode::raw ? frame_bytes : 0;

    std::vector<int> sizes = cfg.room_sizes;
    if (sizes.empty()) {
        for (int left = cfg.clients; left > 0; left -= cfg.room_size)
            sizes.push_back(std::min(left, cfg.room_size));
    }
    int index = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
        rooms.push_back(room{cfg.room_prefix + "-" + std::to_string(r), sizes[r], 0});
        for (int i = 0; i < sizes[r]; ++i) {
            clients_.push_back(std::make_unique<client>(*this, index++, static_cast<int>(r)));
            writer_.push_back(cfg.writers == 0 || i < cfg.writers);
            res.writers += writer_.back() ? 1 : 0;
        }
    }
    tcp::resolver resolver(io);
    endpoint = *resolver.resolve(cfg.host, std::to_string(cfg.port)).begin();
    host_header = cfg.host + ":" + std::to_string(cfg.port);
    if (cfg.port2) {
        endpoint2 = *resolver.resolve(cfg.host, std::to_string(cfg.port2)).begin();
        host_header2 = cfg.host + ":" + std::to_string(cfg.port2);
    }
}

// Both servers' CPU and RSS added up (--server-pid2), or the one server's.
cpu_rss driver::read_servers() const
{
    auto a = read_process(cfg.server_pid);
    if (cfg.server_pid2 <= 0)
        return a;
    const auto b = read_process(cfg.server_pid2);
    a.cpu_s += b.cpu_s;
    a.store_cpu_s += b.store_cpu_s;
    a.rss_kib += b.rss_kib;
    a.hwm_kib += b.hwm_kib;
    a.ok = a.ok && b.ok;
    return a;
}

result driver::run()
{
    res.server_before_connect = read_servers();
    machine_t0_ = machine_busy_seconds();
    connect_started_ = steady::now();
    if (clients_.empty())
        begin_load();
    else
        connect_more();
    io.run();
    res.loadgen_cpu_total_s = self_cpu_seconds();
    for (const auto& c : clients_)
        res.max_send_queue = std::max(res.max_send_queue, c->max_queue());
    return res;
}

void driver::connect_more()
{
    while (in_flight_ < cfg.connect_concurrency && next_to_connect_ < clients_.size()) {
        ++in_flight_;
        clients_[next_to_connect_++]->start();
    }
}

void driver::client_done(bool ok)
{
    --in_flight_;
    ++done_;
    if (ok)
        ++res.clients_ready;
    if (static_cast<std::size_t>(done_) < clients_.size())
        return connect_more();
    if (!cfg.join_only)
        return begin_load();
    // Join storm and restart: every client has joined (or failed): that is the whole run.
    res.connect_s = std::chrono::duration<double>(steady::now() - connect_started_).count();
    res.window_s = std::max(res.connect_s, 1e-6);
    res.server_start = res.server_before_connect;
    res.server_end = read_servers();
    res.loadgen_cpu_window_s = self_cpu_seconds();
    res.machine_busy_window_s = machine_busy_seconds() - machine_t0_;
    stop();
}

void driver::begin_load()
{
    res.server_joined = read_servers();
    const auto now = steady::now();
    res.connect_s = std::chrono::duration<double>(now - connect_started_).count();
    const auto start = now + std::chrono::milliseconds(100);
    t0 = ns_of(start + seconds(cfg.warmup_s));
    t1 = t0 + std::chrono::duration_cast<std::chrono::nanoseconds>(seconds(cfg.duration_s)).count();
    res.window_s = cfg.duration_s;

    // Slow consumers: the last members of the first room stop reading (and sending).
    int slow_left = cfg.slow;
    for (int j = rooms.empty() ? -1 : rooms[0].members - 1; j >= 0 && slow_left > 0; --j) {
        auto& c = *clients_[static_cast<std::size_t>(j)];
        if (!c.ready())
            continue;
        c.stop_reading();
        --rooms[0].active;
        --slow_left;
    }

    // Each client starts at a random phase of its interval, so sends spread evenly.
    std::uniform_real_distribution<double> phase(0.0, 1.0);
    for (auto& c : clients_) {
        const auto first_send = start + (cfg.rate > 0 ? seconds(phase(rng) / cfg.rate) : steady::duration{});
        const auto first_cursor =
            start + (cfg.cursor_hz > 0 ? seconds(phase(rng) / cfg.cursor_hz) : steady::duration{});
        if (c->ready() && writer_[static_cast<std::size_t>(c->index())])
            c->begin_sending(first_send, first_cursor);
    }
    phase_timer_.expires_at(steady::time_point(std::chrono::nanoseconds(t0)));
    phase_timer_.async_wait([this](const beast::error_code&) { on_window_start(); });
}

void driver::on_window_start()
{
    res.server_start = read_servers();
    self_cpu_t0_ = self_cpu_seconds();
    machine_t0_ = machine_busy_seconds();
    phase_timer_.expires_at(steady::time_point(std::chrono::nanoseconds(t1)));
    phase_timer_.async_wait([this](const beast::error_code&) { on_window_end(); });
}

void driver::on_window_end()
{
    res.server_end = read_servers();
    res.loadgen_cpu_window_s = self_cpu_seconds() - self_cpu_t0_;
    res.machine_busy_window_s = machine_busy_seconds() - machine_t0_;
    drain_deadline_ = steady::now() + seconds(cfg.drain_s);
    check_drain();
}

void driver::check_drain()
{
    const bool all_in = res.delivered >= res.expected && (cfg.mode == wire_mode::raw || res.acks >= res.sent);
    if (all_in || steady::now() >= drain_deadline_)
        return finish();
    phase_timer_.expires_after(std::chrono::milliseconds(20));
    phase_timer_.async_wait([this](const beast::error_code&) { check_drain(); });
}

void driver::finish()
{
    const auto end = read_servers();
    res.server_end.hwm_kib = end.hwm_kib; // the peak includes the drain
    if (cfg.slow_resume && cfg.slow > 0 && !resume_started_)
        return start_resume();
    stop();
}

void driver::stop()
{
    finishing = true;
    io.stop();
}

// The slow-consumer scenario after the drain: the slow members read again. The server should have
// ended their connections (a 1013 close when the queue overflowed, a reset
// when a write timed out); each then rejoins with a Resume from the seq it
// had applied and must reach the room's newest seq. Only the first slow
// member is followed; at most 30 s.
void driver::start_resume()
{
    resume_started_ = true;
    resume_phase = true;
    res.room_seq = room0_seq;
    res.slow_close = "not closed";
    res.resume_outcome = "not run: the server did not close the slow connection";
    for (auto& c : clients_) {
        if (c->was_slow()) {
            res.slow_last_seq = c->last_seq(); // what it had applied when it stopped reading
            c->read_again();
            break;
        }
    }
    // Without a close within 5 s (what waited in the kernel's buffers is read
    // by then) the server kept the connection: report that.
    phase_timer_.expires_after(std::chrono::seconds(5));
    phase_timer_.async_wait([this](const beast::error_code& ec) {
        if (ec || res.slow_close != "not closed")
            return;
        stop();
    });
}

void driver::slow_closed(client& c, const std::string& how)
{
    res.slow_close = how;
    res.slow_last_seq = c.last_seq();
    res.resume_outcome = "failed: no Welcome";
    resume_connect_ = steady::now();
    clients_.push_back(std::make_unique<client>(*this, c.index(), 0, resume_point{c.epoch(), c.last_seq()}));
    clients_.back()->start();
    phase_timer_.expires_after(std::chrono::seconds(30));
    phase_timer_.async_wait([this](const beast::error_code& ec) {
        if (!ec)
            stop(); // the resume did not reach the room's seq in 30 s
    });
}

void driver::resume_finished(const std::string& outcome, std::uint64_t seq, std::uint64_t events)
{
    res.resume_outcome = outcome;
    res.resume_seq = seq;
    res.resume_events = events;
    res.resume_s = std::chrono::duration<double>(steady::now() - resume_connect_).count();
    stop();
}

} // namespace

result run(const config& cfg)
{
    driver d(cfg);
    return d.run();
}

} // namespace maptable::bench
