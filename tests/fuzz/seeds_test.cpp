// Layer: tests (fuzz). The seed corpus and the fuzzer's checks, run as plain
// tests: the seeds must be messages the server accepts (or the fuzz run would
// start from nothing), and check_client_message must see them as such.
#include "fuzz_room.hpp"

#include "model/limits.hpp"
#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

namespace fuzz = maptable::fuzz;
namespace pb = maptable::v1;
namespace model = maptable::model;

namespace {

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

pb::ClientMessage seed(const std::string& name)
{
    for (const auto& [seed_name, message] : fuzz::seed_messages())
        if (seed_name == name)
            return message;
    FAIL("no seed named " << name);
    return {};
}

// How many of the three roles (facilitator, participant, observer) get an
// event from it against the fuzz room: written from docs/PERMISSIONS.md and
// the room's content (who wrote what, who has dots and a raised hand).
int roles_allowed(const pb::ClientMessage& m)
{
    using M = pb::ClientMessage;
    switch (m.body_case()) {
    case M::kAddFeature:
    case M::kSendChat:
    case M::kStartThread:
    case M::kAddComment:
    case M::kReactToChat:
    case M::kPlaceDot:
    case M::kRemoveDot: // both have a dot on f-area
        return 2;
    case M::kUpdateFeature: // f-point and f-area are the participant's
    case M::kDeleteFeature: // f-note is the facilitator's
        return m.update_feature().id() == "f-note" || m.delete_feature().id() == "f-note" ? 1 : 2;
    case M::kEditComment: // the participant's comment: its author and a facilitator
    case M::kDeleteComment:
    case M::kResolveThread: // the participant started t-1
        return 2;
    case M::kRaiseHand:  // the participant's hand is up already
    case M::kEditChat:   // message 6 is the facilitator's: only its author edits
    case M::kDeleteChat: // the facilitator's own message
        return 1;
    case M::kEndSession:        // no session runs
    case M::kAddLayer:          // the server only, on an importer's behalf
    case M::kAddAttachment:     // the server only, on an uploader's behalf
    case M::kStartBreakouts:    // the server only, on a facilitator's behalf
    case M::kOpenBreakoutGroup: // ...
    case M::kEndBreakouts:
    case M::kBroadcastToGroups:
    case M::kRemoveLayer: // the fuzz room has no reference layer
    case M::kUpdateLayer:
    case M::kCopyLayerFeatures: return 0;
    default: return model::produces_event(m) ? 1 : 0; // facilitators only, or not an event command
    }
}

} // namespace

TEST_CASE("the fuzz room holds features and chat")
{
    const auto& room = fuzz::populated_room();
    CHECK(room.seq() == 15);
    CHECK(room.features().size() == 4);
    CHECK(room.recent_chat().size() == 3);
    CHECK(room.info().title() == "Harbour workshop");
}

TEST_CASE("every seed decodes and is accepted from exactly the roles that may send it")
{
    const auto seeds = fuzz::seed_messages();
    REQUIRE(seeds.size() >= 10);
    std::set<int> kinds;
    for (const auto& seed : seeds) {
        const auto& [name, message] = seed;
        CAPTURE(seed.first); // not name: clang 14 cannot capture a structured binding
        kinds.insert(message.body_case());
        const fuzz::outcome out = fuzz::check_client_message(message.SerializeAsString());
        CHECK(out.decoded);
        CHECK(out.accepted == roles_allowed(message));
        if (message.has_move_cursor() || message.has_change_viewport())
            CHECK(out.presence_ok);
    }
    // Every kind of client message has a seed.
    CHECK(kinds.size() == static_cast<std::size_t>(pb::ClientMessage::GetDescriptor()->oneof_decl(0)->field_count()));
}

TEST_CASE("the generated corpus holds the seeds as encoded messages")
{
    const std::filesystem::path dir = MAPTABLE_FUZZ_SEED_DIR;
    for (const auto& seed : fuzz::seed_messages()) {
        const auto& [name, message] = seed;
        CAPTURE(seed.first); // not name: clang 14 cannot capture a structured binding
        const auto path = dir / (name + ".bin");
        REQUIRE(std::filesystem::exists(path));
        CHECK(read_file(path) == message.SerializeAsString());
    }
}

TEST_CASE("bytes that are not a message are refused without a crash")
{
    const std::string add_point = seed("add_point").SerializeAsString();
    for (std::size_t cut = 1; cut < add_point.size(); ++cut) {
        CAPTURE(cut);
        const auto out = fuzz::check_client_message(std::string_view(add_point).substr(0, cut));
        CHECK(out.accepted == 0);
    }
    CHECK_FALSE(fuzz::check_client_message("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").decoded);

    pb::ClientMessage bad_utf8;
    bad_utf8.mutable_send_chat()->set_text("ok");
    std::string bytes = bad_utf8.SerializeAsString();
    bytes.back() = '\xc0'; // "o\xc0": an invalid UTF-8 sequence in a proto3 string
    CHECK_FALSE(fuzz::check_client_message(bytes).decoded);
}

TEST_CASE("out-of-range presence and content are refused for every role")
{
    pb::ClientMessage cursor;
    cursor.mutable_move_cursor()->mutable_position()->set_lon(std::numeric_limits<double>::quiet_NaN());
    const auto out = fuzz::check_client_message(cursor.SerializeAsString());
    CHECK(out.decoded);
    CHECK_FALSE(out.presence_ok);

    pb::ClientMessage viewport;
    viewport.mutable_change_viewport()->mutable_viewport()->set_zoom(maptable::model::limits().max_zoom + 1);
    CHECK_FALSE(fuzz::check_client_message(viewport.SerializeAsString()).presence_ok);

    pb::ClientMessage far_away = seed("add_point");
    far_away.mutable_add_feature()->mutable_feature()->mutable_geometry()->mutable_positions(0)->set_lat(90.5);
    const auto refused = fuzz::check_client_message(far_away.SerializeAsString());
    CHECK(refused.decoded);
    CHECK(refused.accepted == 0);
}
