// The golden sequences against the C++ model: the committed files are exactly
// what the generator makes from today's rules, and replaying a file's events
// with model::room_state gives the hashes and the state it records. The
// TypeScript SDK's tests (client-sdk/js/test/golden.test.ts) replay the same
// files, so a drift between the two replicas fails one suite or the other.
#include "golden_format.hpp"
#include "scenario_builder.hpp"
#include "scenarios.hpp"

#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace golden = maptable::golden;
namespace model = maptable::model;
namespace pb = maptable::v1;

namespace {

const std::filesystem::path golden_dir = MAPTABLE_GOLDEN_DIR;
constexpr const char* regenerate =
    "if the model's rules changed on purpose, regenerate the files: "
    "cmake --build build --target maptable_make_golden && "
    "./build/tests/golden/maptable_make_golden tests/golden/sequences (tests/golden/README.md)";

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

golden::golden_sequence load(const std::string& name)
{
    std::string error;
    auto parsed = golden::parse(read_file(golden_dir / (name + ".golden")), error);
    INFO(name, ": ", error);
    REQUIRE(parsed);
    return *parsed;
}

} // namespace

TEST_CASE("the committed golden files are exactly what the generator makes from today's rules")
{
    std::set<std::string> made;
    for (const auto& sequence : golden::make_all_scenarios()) {
        made.insert(sequence.name + ".golden");
        const auto path = golden_dir / (sequence.name + ".golden");
        INFO(path.string(), ": ", regenerate);
        REQUIRE(std::filesystem::exists(path));
        CHECK(read_file(path) == golden::to_text(sequence));
    }
    // A file no scenario makes any more would still be replayed by the JS suite.
    for (const auto& entry : std::filesystem::directory_iterator(golden_dir)) {
        INFO("stale file ", entry.path().string(), ": ", regenerate);
        CHECK(made.count(entry.path().filename().string()) == 1);
    }
    CHECK(made.size() >= 8);
}

TEST_CASE("replaying each golden file with room_state gives its hash after every event and its final state")
{
    for (const auto& scenario : golden::make_all_scenarios()) {
        const auto sequence = load(scenario.name);
        INFO("scenario ", sequence.name);
        REQUIRE_FALSE(sequence.events.empty());
        model::room_state state(sequence.room_id);
        for (std::size_t i = 0; i < sequence.events.size(); ++i) {
            pb::Event event;
            REQUIRE(event.ParseFromString(sequence.events[i].bytes));
            INFO("event ", i, " (seq ", event.seq(), ")");
            REQUIRE(state.apply(event));
            REQUIRE(state.canonical_hash() == sequence.events[i].hash_after);
        }
        CHECK(state.seq() == sequence.events.size());
        CHECK(golden::deterministic_bytes(state.to_proto()) == sequence.state);
        CHECK(state.canonical_hash() == sequence.hash);

        // The Welcome path: a replica made from the recorded state is the same state.
        pb::RoomState recorded;
        REQUIRE(recorded.ParseFromString(sequence.state));
        CHECK(model::room_state::from_proto(recorded).canonical_hash() == sequence.hash);
    }
}

TEST_CASE("the golden scenarios cover what they claim")
{
    const auto state_of = [](const std::string& name) {
        const auto sequence = load(name);
        pb::RoomState state;
        REQUIRE(state.ParseFromString(sequence.state));
        return state;
    };
    SUBCASE("chat overflows the window of 200 and keeps its traces")
    {
        const auto state = state_of("chat");
        REQUIRE(state.recent_chat_size() == 200);
        CHECK(state.recent_chat(0).seq() > 3); // the first messages left the window
        bool reacted = false, edited = false;
        for (const auto& m : state.recent_chat()) {
            reacted = reacted || (m.reactions_size() == 1 && m.reactions(0).participant_ids_size() == 2);
            edited = edited || m.edited_seq() != 0;
        }
        CHECK(reacted);
        CHECK(edited);
    }
    SUBCASE("threads detach from deleted features")
    {
        const auto state = state_of("threads");
        int detached = 0;
        for (const auto& t : state.threads())
            detached += t.feature_deleted();
        CHECK(detached == 2);
    }
    SUBCASE("votes: an anonymous round names ballot ids, not participants; closed rounds have results")
    {
        const auto state = state_of("voting");
        REQUIRE(state.votes_size() == 3);
        for (const auto& round : state.votes()) {
            CHECK(round.closed());
            for (const auto& ballot : round.ballots())
                CHECK(
                    (round.anonymous() ? ballot.voter().rfind("ballot-", 0) == 0 : ballot.voter().rfind("u-", 0) == 0));
        }
    }
    SUBCASE("moderation ends archived with a removed participant and a mute")
    {
        const auto state = state_of("moderation");
        CHECK(state.archived());
        CHECK(state.removed_size() == 2);
        CHECK(state.muted_size() == 1);
        CHECK_FALSE(state.info().has_bounds());
    }
}

TEST_CASE("a golden event applied out of order is refused and changes nothing")
{
    const auto sequence = load("features");
    REQUIRE(sequence.events.size() >= 2);
    pb::Event second;
    REQUIRE(second.ParseFromString(sequence.events[1].bytes));
    model::room_state state(sequence.room_id);
    const auto before = state.canonical_hash();
    CHECK_FALSE(state.apply(second));
    CHECK(state.seq() == 0);
    CHECK(state.canonical_hash() == before);
}

TEST_CASE("base64 round-trips every length and refuses what is not padded standard base64")
{
    const std::string bytes = std::string("\x00\xff\x10 maptable \xe2\x82\xac", 15);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const auto encoded = golden::base64_encode(bytes.substr(0, n));
        CHECK(encoded.size() % 4 == 0);
        CHECK(golden::base64_decode(encoded) == bytes.substr(0, n));
    }
    CHECK(golden::base64_encode("foob") == "Zm9vYg==");
    CHECK_FALSE(golden::base64_decode("Zm9vYg="));  // not a multiple of 4
    CHECK_FALSE(golden::base64_decode("Zm9v!g==")); // not in the alphabet
    CHECK_FALSE(golden::base64_decode("Zm=vYg==")); // padding inside
    CHECK_FALSE(golden::base64_decode("Zg==Zm9v")); // padding before the end
}

TEST_CASE("a malformed golden file is refused with the line and the reason")
{
    const std::string hash(64, 'a');
    std::string error;
    CHECK(golden::parse("room r\nevent AAAA " + hash + "\nstate \nhash " + hash + "\n", error));

    const auto refused = [&](const std::string& text, const std::string& why) {
        error.clear();
        CHECK_FALSE(golden::parse(text, error));
        CHECK_MESSAGE(error.find(why) != std::string::npos, error);
    };
    refused("room r\nevent A*AA " + hash + "\nstate \nhash " + hash + "\n", "line 2: the event is not base64");
    refused("room r\nevent AAAA 12\nstate \nhash " + hash + "\n", "line 2: the hash after the event");
    refused("room r\nstate \nevent AAAA " + hash + "\nhash " + hash + "\n", "an event after the state line");
    refused("room r\nstate AAAA\n", "lacks its room, state or hash");
    refused("room r\nhash " + hash + "\n", "the hash line comes after the state line");
    refused("room r\nstate \nhash " + hash + "\nevent AAAA " + hash + "\n", "nothing may follow the hash line");
    refused("room r\nfeature x\n", "unknown keyword 'feature'");
    refused("state \nhash " + hash + "\n", "lacks its room");
}
