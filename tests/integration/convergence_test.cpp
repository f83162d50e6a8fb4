// Convergence: many clients edit the same features at once; afterwards every
// replica, a fresh joiner's and the state rebuilt from the log are identical.
#include "server_process.hpp"

#include "model/room_state.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <future>
#include <random>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr int client_count = 5;
constexpr int edits_per_client = 200;
constexpr int shared_ids = 12; // few ids, so clients collide on the same features

pb::Geometry random_geometry(std::mt19937& rng)
{
    std::uniform_real_distribution<double> lon(18.40, 18.45), lat(-33.95, -33.90);
    pb::Geometry g;
    const int kind = std::uniform_int_distribution<int>(1, 4)(rng);
    g.set_kind(static_cast<pb::FeatureKind>(kind));
    const int n = kind == pb::FEATURE_KIND_LINE ? 3 : kind == pb::FEATURE_KIND_AREA ? 4 : 1;
    for (int i = 0; i < n; ++i) {
        auto* p = g.add_positions();
        p->set_lon(lon(rng));
        p->set_lat(lat(rng));
    }
    return g;
}

// One client's random edits: adds, per-property updates, deletes and chat.
// Refusals (adding an id that exists, updating one just deleted) are part of
// the game: they must be refused consistently, never diverge.
void edit_randomly(client& c, unsigned seed, std::uint64_t& last_seq)
{
    std::mt19937 rng(seed);
    std::vector<std::future<command_result>> results;
    for (int i = 0; i < edits_per_client; ++i) {
        const std::string id = "f" + std::to_string(std::uniform_int_distribution<int>(0, shared_ids - 1)(rng));
        switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
        case 0:
        case 1: {
            pb::Feature f;
            f.set_id(id);
            *f.mutable_geometry() = random_geometry(rng);
            f.set_title("added by " + c.client_id());
            results.push_back(c.add_feature(f));
            break;
        }
        case 2:
        case 3:
        case 4:
        case 5: {
            pb::FeaturePatch patch;
            switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
            case 0: patch.set_title("title " + std::to_string(i)); break;
            case 1: patch.set_colour(i % 2 ? "#00ff00" : "#0000ff"); break;
            case 2: patch.set_category("cat" + std::to_string(i % 3)); break;
            default: *patch.mutable_geometry() = random_geometry(rng); break;
            }
            results.push_back(c.update_feature(id, patch));
            break;
        }
        case 6: results.push_back(c.delete_feature(id)); break;
        default: results.push_back(c.send_chat("chat " + std::to_string(i), 0, {})); break;
        }
    }
    for (auto& r : results) {
        auto result = r.get();
        if (result.ok)
            last_seq = std::max(last_seq, result.seq);
        else
            CHECK_MESSAGE(
                (result.code == pb::ERROR_CODE_FEATURE_EXISTS || result.code == pb::ERROR_CODE_FEATURE_NOT_FOUND),
                "unexpected refusal " << pb::ErrorCode_Name(result.code) << ": " << result.message);
    }
}

} // namespace

TEST_CASE("five clients making 200 interleaved random edits each converge to one state")
{
    server_process server;
    std::vector<std::unique_ptr<client>> clients;
    std::vector<std::unique_ptr<event_recorder>> recorders;
    for (int i = 0; i < client_count; ++i) {
        // Facilitators: they edit and delete each other's features.
        clients.push_back(
            std::make_unique<client>(server.options("convergence", "peer" + std::to_string(i), pb::ROLE_FACILITATOR)));
        recorders.push_back(std::make_unique<event_recorder>(*clients.back()));
        join_or_fail(*clients.back());
    }

    std::vector<std::uint64_t> last(client_count, 0);
    std::vector<std::thread> editors;
    for (int i = 0; i < client_count; ++i)
        editors.emplace_back([&, i] { edit_randomly(*clients[i], 1000 + i, last[i]); });
    for (auto& t : editors)
        t.join();
    const std::uint64_t final_seq = *std::max_element(last.begin(), last.end());
    REQUIRE(final_seq > 0);

    for (int i = 0; i < client_count; ++i)
        REQUIRE(recorders[i]->wait_for_seq(final_seq));
    const std::string expected = clients[0]->replica().canonical_hash();
    for (int i = 1; i < client_count; ++i) {
        CHECK(clients[i]->seq() == final_seq);
        CHECK(clients[i]->replica().canonical_hash() == expected);
    }

    // Every event was seen by every client exactly once, in seq order.
    for (int i = 0; i < client_count; ++i) {
        auto events = recorders[i]->events();
        REQUIRE(events.size() == final_seq);
        for (std::size_t k = 0; k < events.size(); ++k)
            REQUIRE(events[k].seq() == k + 1);
    }

    client fresh(server.options("convergence", "latecomer"));
    join_or_fail(fresh);
    CHECK(fresh.seq() == final_seq);
    CHECK(fresh.replica().canonical_hash() == expected);
    recorders.clear(); // before the clients they listen to
    clients.clear();

    // The server's own record: the state rebuilt from its log on disk.
    REQUIRE(server.stop() == 0);
    store::sqlite_event_log log(server.db_path());
    auto history = log.load("convergence");
    model::room_state rebuilt("convergence");
    if (history.snapshot) {
        pb::RoomState snapshot;
        REQUIRE(snapshot.ParseFromString(*history.snapshot));
        rebuilt = model::room_state::from_proto(snapshot);
    }
    for (const auto& bytes : history.events) {
        pb::Event e;
        REQUIRE(e.ParseFromString(bytes));
        REQUIRE(rebuilt.apply(e));
    }
    CHECK(rebuilt.seq() == final_seq);
    CHECK(rebuilt.canonical_hash() == expected);
}
