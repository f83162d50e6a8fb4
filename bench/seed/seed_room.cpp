// Layer: bench. maptable-bench-seed: writes a large room straight into a
// maptable data directory, for the scenarios that need one before the clients
// arrive (the join storm and restart scenarios of docs/PERFORMANCE.md).
//
// It goes through the server's own code, not around it: every event is
// produced by model::room_state::validate (as a facilitator, so the permission
// matrix lets it do everything) and applied with apply(), then stored with
// store::sqlite_event_log::append, in transactions of --batch events, with the
// same index columns the room host writes (room::describe: chat kind, the
// changed message's seq). At the end it stores a snapshot of the final state,
// as a running server would have (it snapshots every 1000 events), unless
// --no-snapshot: then a join replays the whole log.
//
// The server opens <data-dir>/maptable.db (server/app/server.cpp); seeding a
// room that already has events is refused (its seqs would collide).
//
// Exit status: 0 done; 1 a command was refused or the store failed; 2 usage.
#include "model/room_state.hpp"
#include "room/event_record.hpp"
#include "store/clock.hpp"
#include "store/sqlite_event_log.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace pb = maptable::v1;
namespace model = maptable::model;
namespace store = maptable::store;

const char* usage = R"(usage: maptable-bench-seed --data-dir DIR --room ID [options]

  --data-dir DIR     the server's data directory (its SQLite file is DIR/maptable.db)
  --room ID          the room to write (must have no events yet)
  --features N       AddFeature commands: points, lines and notes (0)
  --chat N           SendChat commands (0)
  --updates N        UpdateFeature commands, round robin over the features (0)
  --batch N          events per transaction (20000)
  --no-snapshot      store no snapshot: a join replays the whole log
  --durability full|normal   SQLite synchronous mode while seeding (normal)

The commands are interleaved in proportion (features first while none
exist), so the log looks like a long workshop, not three blocks.
)";

struct options {
    std::string data_dir;
    std::string room;
    std::uint64_t features = 0;
    std::uint64_t chat = 0;
    std::uint64_t updates = 0;
    std::size_t batch = 20000;
    bool snapshot = true;
    store::durability durability = store::durability::normal;
};

// A position spread over a city-sized box (Hamburg), deterministic in k.
pb::LonLat position(std::uint64_t k)
{
    pb::LonLat p;
    p.set_lon(9.80 + static_cast<double>((k * 7919) % 40000) / 100000.0);
    p.set_lat(53.45 + static_cast<double>((k * 104729) % 20000) / 100000.0);
    return p;
}

std::string feature_id(std::uint64_t i)
{
    return "seed-f" + std::to_string(i);
}

// The i-th feature: mostly markers, every 5th a line of 8 points, every 7th a note.
void fill_add(pb::ClientMessage& m, std::uint64_t i)
{
    auto* f = m.mutable_add_feature()->mutable_feature();
    f->set_id(feature_id(i));
    auto* g = f->mutable_geometry();
    if (i % 5 == 4) {
        g->set_kind(pb::FEATURE_KIND_LINE);
        for (std::uint64_t j = 0; j < 8; ++j)
            *g->add_positions() = position(i * 8 + j);
    } else {
        g->set_kind(i % 7 == 6 ? pb::FEATURE_KIND_NOTE : pb::FEATURE_KIND_POINT);
        *g->add_positions() = position(i);
    }
    f->set_title("Proposal " + std::to_string(i) + ": bike lane, trees, benches");
    f->set_description(
        "Seeded by maptable-bench-seed. A typical note of a workshop participant, about eighty characters.");
    f->set_category(i % 3 == 0 ? "traffic" : i % 3 == 1 ? "green" : "housing");
}

void fill_update(pb::ClientMessage& m, std::uint64_t i, std::uint64_t feature)
{
    auto* u = m.mutable_update_feature();
    u->set_id(feature_id(feature));
    u->mutable_patch()->set_title("Proposal " + std::to_string(feature) + ", revision " + std::to_string(i));
}

void fill_chat(pb::ClientMessage& m, std::uint64_t i)
{
    m.mutable_send_chat()->set_text("Message " + std::to_string(i) +
                                    ": I agree with the proposal, but the crossing needs a light.");
}

options parse(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "-h" || arg == "--help") {
            std::cout << usage;
            std::exit(0);
        } else if (arg == "--data-dir") {
            o.data_dir = value();
        } else if (arg == "--room") {
            o.room = value();
        } else if (arg == "--features") {
            o.features = std::stoull(value());
        } else if (arg == "--chat") {
            o.chat = std::stoull(value());
        } else if (arg == "--updates") {
            o.updates = std::stoull(value());
        } else if (arg == "--batch") {
            o.batch = std::stoul(value());
        } else if (arg == "--no-snapshot") {
            o.snapshot = false;
        } else if (arg == "--durability") {
            const auto d = value();
            if (d == "full")
                o.durability = store::durability::full;
            else if (d == "normal")
                o.durability = store::durability::normal;
            else
                throw std::invalid_argument("--durability is full or normal");
        } else {
            throw std::invalid_argument("unknown option " + arg);
        }
    }
    if (o.data_dir.empty() || o.room.empty())
        throw std::invalid_argument("--data-dir and --room are required");
    if (o.batch < 1)
        throw std::invalid_argument("--batch must be at least 1");
    if (o.updates > 0 && o.features == 0)
        throw std::invalid_argument("--updates needs --features (updates change existing features)");
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    options o;
    try {
        o = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "maptable-bench-seed: " << e.what() << "\n" << usage;
        return 2;
    }

    try {
        std::filesystem::create_directories(o.data_dir);
        const auto db_path = (std::filesystem::path(o.data_dir) / "maptable.db").string();
        store::sqlite_event_log log(db_path, o.durability);
        const auto existing = log.load(o.room);
        if (existing.snapshot || !existing.events.empty()) {
            std::cerr << "maptable-bench-seed: room " << o.room << " already has events in " << db_path
                      << "; seed a new room or a fresh data directory\n";
            return 1;
        }

        const model::actor seeder{"bench-seed", "Bench seeder", pb::ROLE_FACILITATOR, {}};
        model::room_state state(o.room);
        const auto started = std::chrono::steady_clock::now();
        // Server time of the events: one second apart, ending now, like a long session.
        const std::uint64_t total = o.features + o.chat + o.updates;
        std::int64_t now_ms = maptable::clock::now_ms() - static_cast<std::int64_t>(total) * 1000;

        std::vector<store::event_record> batch;
        batch.reserve(o.batch);
        auto flush = [&] {
            if (batch.empty())
                return;
            if (const auto r = log.append(batch); r != store::append_error::ok)
                throw std::runtime_error(r == store::append_error::duplicate ? "append: duplicate key"
                                                                             : "append: the disk refused the write");
            batch.clear();
        };

        // Interleave in proportion: the next kind is the one furthest behind
        // its share (features first, since updates need them).
        std::uint64_t added = 0, chatted = 0, updated = 0;
        pb::ClientMessage command;
        for (std::uint64_t n = 0; n < total; ++n) {
            command.Clear();
            const double done = static_cast<double>(n);
            auto behind = [&](std::uint64_t did, std::uint64_t want) {
                return want == 0
                    ? -1.0
                    : done * static_cast<double>(want) / static_cast<double>(total) - static_cast<double>(did);
            };
            const double bf = added < o.features ? behind(added, o.features) : -1e18;
            const double bc = chatted < o.chat ? behind(chatted, o.chat) : -1e18;
            const double bu = updated < o.updates && added > 0 ? behind(updated, o.updates) : -1e18;
            if (bf >= bc && bf >= bu)
                fill_add(command, added++);
            else if (bc >= bu)
                fill_chat(command, chatted++);
            else {
                fill_update(command, updated, updated % added);
                ++updated;
            }

            auto result = state.validate(command, seeder, now_ms);
            if (const auto* refused = std::get_if<model::rejection>(&result)) {
                std::cerr << "maptable-bench-seed: command " << n << " ("
                          << (model::command_name(command.body_case()) ? model::command_name(command.body_case()) : "?")
                          << ") refused: " << pb::ErrorCode_Name(refused->code) << ": " << refused->message << "\n";
                return 1;
            }
            auto& event = std::get<pb::Event>(result);
            state.apply(event);
            store::event_record record;
            record.room_id = o.room;
            record.seq = event.seq();
            record.time_ms = event.time_ms();
            maptable::room::describe(event, record);
            record.bytes = event.SerializeAsString();
            batch.push_back(std::move(record));
            if (batch.size() >= o.batch)
                flush();
            now_ms += 1000;
        }
        flush();
        if (o.snapshot && state.seq() > 0)
            log.save_snapshot(o.room, state.seq(), state.to_proto().SerializeAsString());

        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const auto welcome_bytes = state.to_proto().ByteSizeLong();
        std::printf("{\"room\":\"%s\",\"events\":%llu,\"features\":%zu,\"chat\":%llu,\"updates\":%llu,"
                    "\"snapshot\":%s,\"state_bytes\":%zu,\"seed_s\":%.2f}\n",
                    o.room.c_str(), static_cast<unsigned long long>(state.seq()), state.features().size(),
                    static_cast<unsigned long long>(chatted), static_cast<unsigned long long>(updated),
                    o.snapshot ? "true" : "false", welcome_bytes, took);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "maptable-bench-seed: " << e.what() << "\n";
        return 1;
    }
}
