// Layer: bench. maptable-loadgen: command line, the run, and its report (one
// JSON line on stdout, then one line for people on stderr).
//
// Exit status: 0 done; 1 --check failed (delivered != expected or errors);
// 2 the command line was wrong.
#include "loadgen.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using namespace maptable::bench;

const char* usage = R"(usage: maptable-loadgen [options]

  --mode maptable|raw      maptable: /v1/ws, Join, SendChat...; raw: ws://host:port/<room>,
                           binary frames the server broadcasts to the room's other clients
  --host H --port P        server (127.0.0.1:8080)
  --path P                 maptable mode WebSocket path (/v1/ws)
  --clients N              clients (10), put in rooms of --room-size (5) in order
  --rooms SPEC             explicit rooms, e.g. 20x25,2x200 (overrides --clients/--room-size)
  --rate R                 events per second per client, open loop (1); 0 = idle
  --cursor-hz R            cursor moves per second per client (0)
  --mix chat|mixed|edits   chat only; AddFeature/SendChat/UpdateFeature/SendChat; one
                           AddFeature then UpdateFeatures (acked edits)
  --warmup S --duration S  warm-up, then the measured window (2, 5)
  --drain S                wait at most S after the window for its deliveries (3)
  --payload B              chat text bytes, timestamp included (64)
  --frame-bytes B          raw mode frame size (default: a maptable chat Event frame's size)
  --secret S               maptable mode: the server's token secret (or --secret-file F,
                           or MAPTABLE_SECRET)
  --room-prefix P          room ids are P-0, P-1, ... (bench)
  --slow N                 N members of the first room stop reading (and sending)
  --writers N              only the first N members of each room send; the others only read
  --server-pid PID         report the server's CPU seconds and RSS over the window
  --port2 P --server-pid2 PID
                           a second server: the odd-numbered rooms go to it; CPU and RSS
                           are both servers' sums (thread-model runs)
  --join-only              open and join every client, then stop: the join latencies
                           (connect -> Welcome) and the Welcome bytes are the result (join storm, restart)
  --connect-retry S        retry refused connections for up to S s (restart: the server is starting)
  --slow-resume            after the drain the slow members read again; the first one's
                           close (1013 or a reset) is reported and it rejoins with a
                           Resume from its last seq until it reaches the room's seq (slow consumer)
  --connect-concurrency N  connections opened at once (256)
  --label L                copied into the JSON line
  --check                  exit 1 unless delivered == expected and errors == 0
)";

std::vector<int> parse_rooms(const std::string& spec)
{
    std::vector<int> sizes;
    std::stringstream in(spec);
    std::string part;
    while (std::getline(in, part, ',')) {
        const auto x = part.find('x');
        const int count = x == std::string::npos ? 1 : std::stoi(part.substr(0, x));
        const int size = std::stoi(x == std::string::npos ? part : part.substr(x + 1));
        if (count < 1 || size < 1)
            throw std::invalid_argument("--rooms: counts and sizes must be at least 1");
        sizes.insert(sizes.end(), static_cast<std::size_t>(count), size);
    }
    return sizes;
}

std::string json_escape(const std::string& s)
{
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

double ms(std::uint64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    config cfg;
    bool check = false;
    std::string rooms_spec;
    if (const char* s = std::getenv("MAPTABLE_SECRET"))
        cfg.secret = s;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::invalid_argument(arg + " needs a value");
                return argv[++i];
            };
            if (arg == "-h" || arg == "--help") {
                std::cout << usage;
                return 0;
            } else if (arg == "--mode") {
                const auto m = value();
                if (m == "maptable")
                    cfg.mode = wire_mode::maptable;
                else if (m == "raw")
                    cfg.mode = wire_mode::raw;
                else
                    throw std::invalid_argument("--mode is maptable or raw");
            } else if (arg == "--host") {
                cfg.host = value();
            } else if (arg == "--port") {
                cfg.port = static_cast<unsigned short>(std::stoi(value()));
            } else if (arg == "--path") {
                cfg.path = value();
            } else if (arg == "--clients") {
                cfg.clients = std::stoi(value());
            } else if (arg == "--room-size") {
                cfg.room_size = std::stoi(value());
            } else if (arg == "--rooms") {
                rooms_spec = value();
            } else if (arg == "--rate") {
                cfg.rate = std::stod(value());
            } else if (arg == "--cursor-hz") {
                cfg.cursor_hz = std::stod(value());
            } else if (arg == "--mix") {
                const auto m = value();
                if (m == "chat")
                    cfg.mix = mix_kind::chat;
                else if (m == "mixed")
                    cfg.mix = mix_kind::mixed;
                else if (m == "edits")
                    cfg.mix = mix_kind::edits;
                else
                    throw std::invalid_argument("--mix is chat, mixed or edits");
            } else if (arg == "--warmup") {
                cfg.warmup_s = std::stod(value());
            } else if (arg == "--duration") {
                cfg.duration_s = std::stod(value());
            } else if (arg == "--drain") {
                cfg.drain_s = std::stod(value());
            } else if (arg == "--payload") {
                cfg.payload = static_cast<std::size_t>(std::stoul(value()));
            } else if (arg == "--frame-bytes") {
                cfg.frame_bytes = static_cast<std::size_t>(std::stoul(value()));
            } else if (arg == "--secret") {
                cfg.secret = value();
            } else if (arg == "--secret-file") {
                std::ifstream f(value());
                std::getline(f, cfg.secret);
            } else if (arg == "--room-prefix") {
                cfg.room_prefix = value();
            } else if (arg == "--slow") {
                cfg.slow = std::stoi(value());
            } else if (arg == "--writers") {
                cfg.writers = std::stoi(value());
            } else if (arg == "--server-pid") {
                cfg.server_pid = std::stoi(value());
            } else if (arg == "--port2") {
                cfg.port2 = static_cast<unsigned short>(std::stoi(value()));
            } else if (arg == "--server-pid2") {
                cfg.server_pid2 = std::stoi(value());
            } else if (arg == "--join-only") {
                cfg.join_only = true;
            } else if (arg == "--connect-retry") {
                cfg.connect_retry_s = std::stod(value());
            } else if (arg == "--slow-resume") {
                cfg.slow_resume = true;
            } else if (arg == "--connect-concurrency") {
                cfg.connect_concurrency = std::stoi(value());
            } else if (arg == "--label") {
                cfg.label = value();
            } else if (arg == "--check") {
                check = true;
            } else {
                throw std::invalid_argument("unknown option " + arg);
            }
        }
        if (!rooms_spec.empty()) {
            cfg.room_sizes = parse_rooms(rooms_spec);
            cfg.clients = 0;
            for (const int s : cfg.room_sizes)
                cfg.clients += s;
        }
        if (cfg.clients < 1 || cfg.room_size < 1 || cfg.rate < 0 || cfg.cursor_hz < 0 || cfg.duration_s <= 0 ||
            cfg.connect_concurrency < 1)
            throw std::invalid_argument("--clients, --room-size, --duration, --connect-concurrency must be positive");
        if (cfg.mode == wire_mode::maptable && cfg.secret.empty())
            throw std::invalid_argument("maptable mode needs --secret, --secret-file or MAPTABLE_SECRET");
    } catch (const std::exception& e) {
        std::cerr << "maptable-loadgen: " << e.what() << "\n" << usage;
        return 2;
    }

    result r;
    try {
        r = run(cfg);
    } catch (const std::exception& e) {
        std::cerr << "maptable-loadgen: " << e.what() << "\n";
        return 1;
    }

    const int rooms = cfg.room_sizes.empty() ? (cfg.clients + cfg.room_size - 1) / cfg.room_size
                                             : static_cast<int>(cfg.room_sizes.size());
    const double server_cpu = r.server_end.ok && r.server_start.ok ? r.server_end.cpu_s - r.server_start.cpu_s : 0;
    // Of that, the store's threads (persistence), and the rest (the event loops: fan-out).
    const double store_cpu =
        r.server_end.ok && r.server_start.ok ? r.server_end.store_cpu_s - r.server_start.store_cpu_s : 0;
    const double delivered_per_s = static_cast<double>(r.received_in_window) / r.window_s;
    const char* mix = cfg.mix == mix_kind::chat ? "chat" : cfg.mix == mix_kind::mixed ? "mixed" : "edits";

    std::ostringstream j;
    j.precision(6);
    j << "{\"label\":\"" << json_escape(cfg.label) << "\""
      << ",\"mode\":\"" << (cfg.mode == wire_mode::maptable ? "maptable" : "raw") << "\""
      << ",\"mix\":\"" << mix << "\""
      << ",\"clients\":" << cfg.clients << ",\"rooms\":" << rooms
      << ",\"room_size\":" << (cfg.room_sizes.empty() ? cfg.room_size : 0) << ",\"rate_per_client\":" << cfg.rate
      << ",\"cursor_hz\":" << cfg.cursor_hz << ",\"offered_events_per_s\":"
      << cfg.rate * (cfg.writers > 0 ? std::min(r.writers, r.clients_ready) : r.clients_ready)
      << ",\"writers\":" << r.writers << ",\"payload\":" << cfg.payload << ",\"frame_bytes\":" << r.frame_bytes
      << ",\"slow\":" << cfg.slow << ",\"window_s\":" << r.window_s << ",\"clients_ready\":" << r.clients_ready
      << ",\"connect_s\":" << r.connect_s << ",\"sent\":" << r.sent << ",\"expected\":" << r.expected
      << ",\"delivered\":" << r.delivered << ",\"delivered_per_s\":" << delivered_per_s
      << ",\"self_events\":" << r.self_events << ",\"acks\":" << r.acks
      << ",\"lat_p50_ms\":" << ms(r.latency.percentile(0.50)) << ",\"lat_p99_ms\":" << ms(r.latency.percentile(0.99))
      << ",\"lat_p999_ms\":" << ms(r.latency.percentile(0.999)) << ",\"lat_max_ms\":" << ms(r.latency.max())
      << ",\"ack_p50_ms\":" << ms(r.ack_latency.percentile(0.50))
      << ",\"ack_p99_ms\":" << ms(r.ack_latency.percentile(0.99)) << ",\"ack_max_ms\":" << ms(r.ack_latency.max())
      << ",\"acks_per_s\":" << static_cast<double>(r.acks) / r.window_s << ",\"cursor_sent\":" << r.cursor_sent
      << ",\"presence_frames\":" << r.presence_frames << ",\"errors\":" << r.errors << ",\"error_kinds\":{";
    bool first = true;
    for (const auto& [kind, count] : r.error_kinds) {
        j << (first ? "" : ",") << "\"" << json_escape(kind) << "\":" << count;
        first = false;
    }
    j << "}"
      << ",\"late_sends\":" << r.late_sends << ",\"max_send_queue\":" << r.max_send_queue
      << ",\"server_pid\":" << cfg.server_pid << ",\"server_cpu_s\":" << server_cpu
      << ",\"server_cpu_util\":" << server_cpu / r.window_s << ",\"delivered_per_server_cpu_s\":"
      << (server_cpu > 0 ? static_cast<double>(r.received_in_window) / server_cpu : 0)
      << ",\"server_store_cpu_s\":" << store_cpu << ",\"delivered_per_server_loop_cpu_s\":"
      << (server_cpu - store_cpu > 0 ? static_cast<double>(r.received_in_window) / (server_cpu - store_cpu) : 0)
      << ",\"server_rss_before_connect_kib\":" << r.server_before_connect.rss_kib
      << ",\"server_rss_joined_kib\":" << r.server_joined.rss_kib
      << ",\"server_rss_start_kib\":" << r.server_start.rss_kib << ",\"server_rss_end_kib\":" << r.server_end.rss_kib
      << ",\"server_hwm_kib\":" << r.server_end.hwm_kib << ",\"machine_busy_cpu_s\":" << r.machine_busy_window_s
      << ",\"other_cpu_s\":" << std::max(0.0, r.machine_busy_window_s - server_cpu - r.loadgen_cpu_window_s)
      << ",\"loadgen_cpu_s\":" << r.loadgen_cpu_window_s << ",\"loadgen_cpu_total_s\":" << r.loadgen_cpu_total_s
      << ",\"port2\":" << cfg.port2 << ",\"server_pid2\":" << cfg.server_pid2
      << ",\"join_only\":" << (cfg.join_only ? "true" : "false")
      << ",\"join_p50_ms\":" << ms(r.join_latency.percentile(0.50))
      << ",\"join_p99_ms\":" << ms(r.join_latency.percentile(0.99)) << ",\"join_max_ms\":" << ms(r.join_latency.max())
      << ",\"welcome_bytes\":" << r.welcome_bytes << ",\"first_ready_unix_ns\":" << r.first_ready_unix_ns
      << ",\"all_ready_unix_ns\":" << r.all_ready_unix_ns << ",\"connect_retries\":" << r.connect_retries
      << ",\"slow_close\":\"" << json_escape(r.slow_close) << "\",\"resume_outcome\":\""
      << json_escape(r.resume_outcome) << "\""
      << ",\"slow_last_seq\":" << r.slow_last_seq << ",\"resume_events\":" << r.resume_events
      << ",\"resume_seq\":" << r.resume_seq << ",\"room_seq\":" << r.room_seq << ",\"resume_s\":" << r.resume_s << "}";
    std::cout << j.str() << std::endl;

    std::fprintf(
        stderr,
        "%s %s/%s: %d clients in %d rooms, %.1f ev/s/client: sent %llu, delivered %llu/%llu (%.0f/s), "
        "latency p50 %.2f p99 %.2f p999 %.2f max %.2f ms, errors %llu; server %.2f CPU-s (%.0f%%), RSS %ld KiB "
        "(peak %ld); loadgen %.2f CPU-s; others %.2f CPU-s\n",
        cfg.label.empty() ? "run" : cfg.label.c_str(), cfg.mode == wire_mode::maptable ? "maptable" : "raw", mix,
        r.clients_ready, rooms, cfg.rate, static_cast<unsigned long long>(r.sent),
        static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.expected), delivered_per_s,
        ms(r.latency.percentile(0.50)), ms(r.latency.percentile(0.99)), ms(r.latency.percentile(0.999)),
        ms(r.latency.max()), static_cast<unsigned long long>(r.errors), server_cpu, 100.0 * server_cpu / r.window_s,
        r.server_end.rss_kib, r.server_end.hwm_kib, r.loadgen_cpu_window_s,
        std::max(0.0, r.machine_busy_window_s - server_cpu - r.loadgen_cpu_window_s));
    for (const auto& [kind, count] : r.error_kinds)
        std::fprintf(stderr, "  error x%llu: %s\n", static_cast<unsigned long long>(count), kind.c_str());
    if (cfg.join_only)
        std::fprintf(
            stderr,
            "  joins: %d ready in %.3f s; connect -> Welcome p50 %.1f p99 %.1f max %.1f ms; %llu Welcome bytes\n",
            r.clients_ready, r.connect_s, ms(r.join_latency.percentile(0.50)), ms(r.join_latency.percentile(0.99)),
            ms(r.join_latency.max()), static_cast<unsigned long long>(r.welcome_bytes));
    if (cfg.slow_resume)
        std::fprintf(stderr, "  slow member: %s at seq %llu; resume: %s, %llu events to seq %llu of %llu in %.3f s\n",
                     r.slow_close.c_str(), static_cast<unsigned long long>(r.slow_last_seq), r.resume_outcome.c_str(),
                     static_cast<unsigned long long>(r.resume_events), static_cast<unsigned long long>(r.resume_seq),
                     static_cast<unsigned long long>(r.room_seq), r.resume_s);

    if (check &&
        (r.delivered != r.expected || r.errors != 0 || r.clients_ready != cfg.clients ||
         (r.sent == 0 && !cfg.join_only))) {
        std::fprintf(stderr, "maptable-loadgen: check failed\n");
        return 1;
    }
    return 0;
}
