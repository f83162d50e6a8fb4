// Layer: model tests. The full permission matrix (docs/PERMISSIONS.md):
// every role x every event command, with the default settings and again
// under each lock setting, mute, removal and archive.
//
// The room is built so that every command is valid content-wise for every
// sender (each sender has a feature, a chat message, a thread with a comment
// and a dot of their own; there is an agenda, an open vote round, a raised
// hand...), so the outcome shows only the permission. The expectations are
// a table: a command without a row, or a row without a command, fails, and
// so does a ClientMessage body that has neither a row nor a reason to have none.
#include "model_fixture.hpp"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace fixture;

namespace {

const model::actor no_role{"non-1", "Nel", pb::ROLE_UNSPECIFIED, ""};
// Somebody else in the room: the target of mute and remove, the first in the
// hand queue, and the author of the content that is nobody's own.
const std::string bystander = "par-2";

// The columns of the matrix, in this order.
const std::array<const model::actor*, 5> columns{&facilitator, &participant, &observer, &no_role, &admin};
const std::array<const char*, 5> column_names{"facilitator", "participant", "observer", "no role", "admin"};

using cells = std::array<std::string, 5>;
using matrix = std::map<std::string, cells>;

const std::string ok = "accepted";
const std::string denied = "ERROR_CODE_PERMISSION_DENIED";
const std::string locked = "ERROR_CODE_LOCKED";
const std::string muted = "ERROR_CODE_MUTED";
const std::string not_author = "ERROR_CODE_NOT_AUTHOR";
const std::string archived = "ERROR_CODE_ROOM_ARCHIVED";
const std::string removed = "ERROR_CODE_PARTICIPANT_REMOVED";

// The bodies of ClientMessage that are not event commands: the session
// answers them, the room state refuses them whoever sends them.
const std::set<std::string> not_event_commands{"join",          "get_chat_history", "move_cursor", "change_viewport",
                                               "refresh_token", "get_state_at"};

// ---------------------------------------------------------------- the room

std::vector<std::string> everyone_ids()
{
    std::vector<std::string> ids;
    for (const model::actor* a : columns)
        ids.push_back(a->id);
    ids.push_back(bystander);
    return ids;
}

std::uint64_t index_of(const std::string& id)
{
    const std::vector<std::string> ids = everyone_ids();
    return static_cast<std::uint64_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}
// Each sender's chat message and first comment, in seq order.
std::uint64_t chat_seq_of(const std::string& id)
{
    return 10 + index_of(id);
}
std::uint64_t comment_seq_of(const std::string& id)
{
    return 20 + index_of(id);
}
std::string feature_of(const std::string& id)
{
    return "f-" + id;
}
std::string thread_of(const std::string& id)
{
    return "t-" + id;
}

pb::RoomState base_room()
{
    pb::RoomState s = model::room_state("matrix").to_proto();
    s.set_seq(50);
    for (const std::string& id : everyone_ids()) {
        pb::Feature f = point(feature_of(id));
        f.set_author_id(id);
        f.set_created_seq(1);
        f.set_updated_seq(1);
        *s.add_features() = f;

        pb::ChatMessage& m = *s.add_recent_chat();
        m.set_seq(chat_seq_of(id));
        m.set_author_id(id);
        m.set_text("words of " + id);

        pb::Thread& t = *s.add_threads();
        t.set_id(thread_of(id));
        t.set_feature_id(feature_of(bystander));
        *t.mutable_position() = lon_lat(13.4, 52.5);
        t.set_author_id(id);
        t.set_created_seq(comment_seq_of(id));
        pb::Comment& c = *t.add_comments();
        c.set_seq(comment_seq_of(id));
        c.set_author_id(id);
        c.set_text("comment of " + id);
    }
    // to_proto orders features and threads by id; keep that canonical order.
    std::sort(s.mutable_features()->begin(), s.mutable_features()->end(),
              [](const pb::Feature& a, const pb::Feature& b) { return a.id() < b.id(); });
    std::sort(s.mutable_threads()->begin(), s.mutable_threads()->end(),
              [](const pb::Thread& a, const pb::Thread& b) { return a.id() < b.id(); });

    pb::AgendaStep& s1 = *s.add_agenda();
    s1.set_id("s1");
    s1.set_title("Arrive");
    pb::AgendaStep& s2 = *s.add_agenda();
    s2.set_id("s2");
    s2.set_title("Map the route");
    s.set_current_step("s1");

    pb::RaisedHand& hand = *s.add_hands();
    hand.set_participant_id(bystander);
    hand.set_raised_seq(40);

    // An open round where everyone has spent one of three dots on the
    // bystander's feature. Ballots are sorted by (voter, feature).
    pb::VoteRound& round = *s.add_votes();
    round.set_id("v1");
    round.set_title("Where first?");
    round.set_dots_per_person(3);
    round.set_opened_seq(41);
    std::vector<std::string> voters = everyone_ids();
    std::sort(voters.begin(), voters.end());
    for (const std::string& id : voters) {
        pb::Ballot& b = *round.add_ballots();
        b.set_voter(id);
        b.set_feature_id(feature_of(bystander));
        b.set_dots(1);
    }
    return s;
}

// ---------------------------------------------------------------- the commands

// Each row: how the sender `who` sends it so that it is valid for them in
// room `s` (their own content where the command needs an author), and an
// optional change to the room that the command needs and the others must not
// have (a running session for end_session).
struct command_row {
    std::function<pb::ClientMessage(const model::actor& who, const pb::RoomState& s)> build;
    std::function<void(pb::RoomState&)> prepare = {};
};

using M = pb::ClientMessage;

std::map<std::string, command_row> commands()
{
    auto msg = [](auto fill) {
        return [fill](const model::actor& who, const pb::RoomState& s) {
            M m;
            fill(m, who, s);
            return m;
        };
    };
    using A = const model::actor&;
    using S = const pb::RoomState&;
    std::map<std::string, command_row> rows;
    rows["add_feature"] = {
        msg([](M& m, A who, S) { *m.mutable_add_feature()->mutable_feature() = point("new-" + who.id); })};
    rows["update_feature"] = {msg([](M& m, A who, S) {
        m.mutable_update_feature()->set_id(feature_of(who.id));
        m.mutable_update_feature()->mutable_patch()->set_title("Renamed");
    })};
    rows["delete_feature"] = {msg([](M& m, A who, S) { m.mutable_delete_feature()->set_id(feature_of(who.id)); })};
    rows["send_chat"] = {msg([](M& m, A, S) { m.mutable_send_chat()->set_text("hello"); })};
    rows["react_to_chat"] = {msg([](M& m, A who, S) {
        m.mutable_react_to_chat()->set_message_seq(chat_seq_of(who.id));
        m.mutable_react_to_chat()->set_emoji("\xF0\x9F\x91\x8D");
    })};
    rows["edit_chat"] = {msg([](M& m, A who, S) {
        m.mutable_edit_chat()->set_message_seq(chat_seq_of(who.id));
        m.mutable_edit_chat()->set_text("better words");
    })};
    rows["delete_chat"] = {msg([](M& m, A who, S) { m.mutable_delete_chat()->set_message_seq(chat_seq_of(who.id)); })};
    rows["update_room_info"] = {
        msg([](M& m, A, S) { m.mutable_update_room_info()->mutable_change()->set_title("Harbour"); })};
    rows["update_settings"] = {msg([](M& m, A, S s) {
        m.mutable_update_settings()->mutable_change()->set_hide_cursors(!s.settings().hide_cursors());
    })};
    rows["mute_participant"] = {msg([](M& m, A, S) {
        m.mutable_mute_participant()->set_participant_id(bystander);
        m.mutable_mute_participant()->set_muted(true);
    })};
    rows["remove_participant"] = {
        msg([](M& m, A, S) { m.mutable_remove_participant()->set_participant_id(bystander); })};
    rows["start_thread"] = {msg([](M& m, A who, S) {
        m.mutable_start_thread()->set_thread_id("new-" + who.id);
        m.mutable_start_thread()->set_feature_id(feature_of(bystander));
        m.mutable_start_thread()->set_text("Look here");
    })};
    rows["add_comment"] = {msg([](M& m, A, S) {
        m.mutable_add_comment()->set_thread_id(thread_of(bystander));
        m.mutable_add_comment()->set_text("I agree");
    })};
    rows["edit_comment"] = {msg([](M& m, A who, S) {
        m.mutable_edit_comment()->set_thread_id(thread_of(who.id));
        m.mutable_edit_comment()->set_comment_seq(comment_seq_of(who.id));
        m.mutable_edit_comment()->set_text("better words");
    })};
    rows["delete_comment"] = {msg([](M& m, A who, S) {
        m.mutable_delete_comment()->set_thread_id(thread_of(who.id));
        m.mutable_delete_comment()->set_comment_seq(comment_seq_of(who.id));
    })};
    rows["resolve_thread"] = {msg([](M& m, A who, S) {
        m.mutable_resolve_thread()->set_thread_id(thread_of(who.id));
        m.mutable_resolve_thread()->set_resolved(true);
    })};
    rows["set_agenda"] = {msg([](M& m, A, S) {
        pb::AgendaStep& step = *m.mutable_set_agenda()->add_steps();
        step.set_id("only");
        step.set_title("One step");
    })};
    rows["open_agenda_step"] = {msg([](M& m, A, S) { m.mutable_open_agenda_step()->set_step_id("s2"); })};
    rows["control_timer"] = {msg([](M& m, A, S) {
        m.mutable_control_timer()->set_action(pb::ControlTimer::ACTION_START);
        m.mutable_control_timer()->set_duration_ms(60'000);
    })};
    rows["share_view"] = {msg([](M& m, A, S) {
        pb::Viewport& v = *m.mutable_share_view()->mutable_viewport();
        *v.mutable_south_west() = lon_lat(13.3, 52.4);
        *v.mutable_north_east() = lon_lat(13.5, 52.6);
        v.set_zoom(13);
    })};
    rows["set_follow"] = {msg([](M& m, A, S) { m.mutable_set_follow()->set_on(true); })};
    rows["spotlight"] = {msg([](M& m, A, S) { m.mutable_spotlight()->set_feature_id(feature_of(bystander)); })};
    rows["raise_hand"] = {msg([](M& m, A, S) { m.mutable_raise_hand()->set_raised(true); })};
    rows["call_next_hand"] = {msg([](M& m, A, S) { m.mutable_call_next_hand(); })};
    rows["clear_hands"] = {msg([](M& m, A, S) { m.mutable_clear_hands(); })};
    rows["open_vote"] = {msg([](M& m, A, S) {
        pb::VoteRound& round = *m.mutable_open_vote()->mutable_round();
        round.set_id("v2");
        round.set_title("Second round");
        round.set_dots_per_person(2);
    })};
    rows["place_dot"] = {msg([](M& m, A, S) {
        m.mutable_place_dot()->set_vote_id("v1");
        m.mutable_place_dot()->set_feature_id(feature_of(facilitator.id));
    })};
    rows["remove_dot"] = {msg([](M& m, A, S) {
        m.mutable_remove_dot()->set_vote_id("v1");
        m.mutable_remove_dot()->set_feature_id(feature_of(bystander));
    })};
    rows["close_vote"] = {msg([](M& m, A, S) { m.mutable_close_vote()->set_vote_id("v1"); })};
    rows["start_session"] = {msg([](M& m, A, S) { m.mutable_start_session()->set_title("Evening meeting"); })};
    rows["end_session"] = {msg([](M& m, A, S) { m.mutable_end_session(); }), [](pb::RoomState& s) {
                               pb::Session& session = *s.add_sessions();
                               session.set_id(45);
                               session.set_title("Running");
                               s.set_current_session(45);
                           }};
    rows["archive_room"] = {msg([](M& m, A, S s) { m.mutable_archive_room()->set_archived(!s.archived()); })};
    // Reference layers: a layer "l1" with one point, for the commands on it.
    const auto with_layer = [](pb::RoomState& s) {
        pb::ReferenceLayer& layer = *s.add_layers();
        layer.set_id("l1");
        layer.set_name("Parks");
        pb::LayerFeature& f = *layer.add_features();
        *f.mutable_geometry() = point("x").geometry();
        f.set_title("Park");
    };
    rows["add_layer"] = {msg([](M& m, A, S) {
        pb::ReferenceLayer& layer = *m.mutable_add_layer()->mutable_layer();
        layer.set_id("l2");
        layer.set_name("Routes");
        *layer.add_features()->mutable_geometry() = point("x").geometry();
    })};
    rows["remove_layer"] = {msg([](M& m, A, S) { m.mutable_remove_layer()->set_layer_id("l1"); }), with_layer};
    rows["update_layer"] = {msg([](M& m, A, S) {
                                m.mutable_update_layer()->set_layer_id("l1");
                                m.mutable_update_layer()->set_name("Green spaces");
                            }),
                            with_layer};
    rows["copy_layer_features"] = {msg([](M& m, A who, S) {
                                       m.mutable_copy_layer_features()->set_layer_id("l1");
                                       m.mutable_copy_layer_features()->add_indexes(0);
                                       m.mutable_copy_layer_features()->add_feature_ids("copy-" + who.id);
                                   }),
                                   with_layer};
    // Breakout groups: sent by the server on a facilitator's behalf.
    const auto with_round = [](pb::RoomState& s) {
        pb::BreakoutRound& round = *s.mutable_breakouts();
        round.set_id("r1");
        round.set_mode(pb::BREAKOUT_MODE_BY_HAND);
        round.set_open(true);
        pb::BreakoutGroup& g = *round.add_groups();
        g.set_id("g1");
        g.set_name("North");
        g.set_room_id("matrix.r1.g1");
    };
    rows["start_breakouts"] = {msg([](M& m, A, S) {
        pb::BreakoutRound& round = *m.mutable_start_breakouts()->mutable_round();
        round.set_id("r1");
        round.set_mode(pb::BREAKOUT_MODE_BY_HAND);
        pb::BreakoutGroup& g = *round.add_groups();
        g.set_id("g1");
        g.set_name("North");
        g.set_room_id("matrix.r1.g1");
    })};
    rows["open_breakout_group"] = {msg([](M& m, A, S) {
        pb::BreakoutMembership& membership = *m.mutable_open_breakout_group()->mutable_membership();
        membership.set_parent_room_id("plenary");
        membership.set_round_id("r1");
        membership.set_group_id("g1");
        membership.set_group_name("North");
    })};
    rows["end_breakouts"] = {msg([](M& m, A, S) { m.mutable_end_breakouts()->set_round_id("r1"); }), with_round};
    rows["broadcast_to_groups"] = {
        msg([](M& m, A, S) { m.mutable_broadcast_to_groups()->set_text("Five minutes left"); }), with_round};
    // Study trips.
    rows["set_itinerary"] = {msg([](M& m, A, S) {
        pb::ItineraryStop& stop = *m.mutable_set_itinerary()->add_stops();
        stop.set_id("stop-1");
        stop.set_title("Market hall");
        *stop.mutable_position() = lon_lat(13.4, 52.5);
    })};
    rows["add_attachment"] = {msg([](M& m, A, S) {
        pb::Attachment& a = *m.mutable_add_attachment()->mutable_attachment();
        a.set_id("0123456789abcdef0123456789abcdef");
        a.set_content_type("image/jpeg");
        a.set_size(1000);
    })};
    return rows;
}

// ---------------------------------------------------------------- the matrix

//                                   facilitator participant observer no role admin
const matrix default_matrix{
    {"add_feature", {ok, ok, denied, denied, ok}},
    {"update_feature", {ok, ok, denied, denied, ok}},
    {"delete_feature", {ok, ok, denied, denied, ok}},
    {"send_chat", {ok, ok, denied, denied, ok}},
    {"react_to_chat", {ok, ok, denied, denied, ok}},
    {"edit_chat", {ok, ok, ok, denied, ok}},
    {"delete_chat", {ok, ok, ok, denied, ok}},
    {"update_room_info", {ok, denied, denied, denied, ok}},
    {"update_settings", {ok, denied, denied, denied, ok}},
    {"mute_participant", {ok, denied, denied, denied, ok}},
    {"remove_participant", {ok, denied, denied, denied, ok}},
    {"start_thread", {ok, ok, denied, denied, ok}},
    {"add_comment", {ok, ok, denied, denied, ok}},
    {"edit_comment", {ok, ok, ok, denied, ok}},
    {"delete_comment", {ok, ok, ok, denied, ok}},
    {"resolve_thread", {ok, ok, ok, denied, ok}},
    {"set_agenda", {ok, denied, denied, denied, ok}},
    {"open_agenda_step", {ok, denied, denied, denied, ok}},
    {"control_timer", {ok, denied, denied, denied, ok}},
    {"share_view", {ok, denied, denied, denied, ok}},
    {"set_follow", {ok, denied, denied, denied, ok}},
    {"spotlight", {ok, denied, denied, denied, ok}},
    {"raise_hand", {ok, ok, denied, denied, ok}},
    {"call_next_hand", {ok, denied, denied, denied, ok}},
    {"clear_hands", {ok, denied, denied, denied, ok}},
    {"open_vote", {ok, denied, denied, denied, ok}},
    {"place_dot", {ok, ok, denied, denied, ok}},
    {"remove_dot", {ok, ok, denied, denied, ok}},
    {"close_vote", {ok, denied, denied, denied, ok}},
    {"start_session", {ok, denied, denied, denied, ok}},
    {"end_session", {ok, denied, denied, denied, ok}},
    {"archive_room", {ok, denied, denied, denied, ok}},
    {"remove_layer", {ok, denied, denied, denied, ok}},
    {"update_layer", {ok, denied, denied, denied, ok}},
    {"copy_layer_features", {ok, denied, denied, denied, ok}},
    {"set_itinerary", {ok, denied, denied, denied, ok}},
    // Sent only by the server, on a person's behalf (docs/PERMISSIONS.md).
    {"add_layer", {denied, denied, denied, denied, ok}},
    {"add_attachment", {denied, denied, denied, denied, ok}},
    {"start_breakouts", {denied, denied, denied, denied, ok}},
    {"open_breakout_group", {denied, denied, denied, denied, ok}},
    {"end_breakouts", {denied, denied, denied, denied, ok}},
    {"broadcast_to_groups", {denied, denied, denied, denied, ok}},
};

// The default matrix with whole rows replaced: every cell of every row is
// still checked, so a setting that changes a row it should not fails too.
matrix with(matrix m, const matrix& changed_rows)
{
    for (const auto& changed : changed_rows) {
        REQUIRE_MESSAGE(m.count(changed.first), "no such row: " << changed.first);
        m[changed.first] = changed.second;
    }
    return m;
}

// Every sender but the admin API gets `code` for every command.
matrix all_but_admin(const std::string& code)
{
    matrix m = default_matrix;
    for (auto& [name, row] : m)
        for (int i = 0; i < 4; ++i)
            row[static_cast<std::size_t>(i)] = code;
    return m;
}

struct scenario {
    const char* name;
    std::function<void(pb::RoomState&)> setup;
    matrix expected;
};

void mute_everyone(pb::RoomState& s)
{
    std::vector<std::string> ids;
    for (const model::actor* a : columns)
        ids.push_back(a->id);
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids)
        s.add_muted(id);
}

std::vector<scenario> scenarios()
{
    std::vector<scenario> list;
    list.push_back({"default settings", [](pb::RoomState&) {}, default_matrix});

    list.push_back({"map_locked", [](pb::RoomState& s) { s.mutable_settings()->set_map_locked(true); },
                    with(default_matrix,
                         {
                             // A facilitator may still delete, as moderation.
                             {"add_feature", {locked, locked, denied, denied, ok}},
                             {"update_feature", {locked, locked, denied, denied, ok}},
                             {"delete_feature", {ok, locked, denied, denied, ok}},
                         })});

    list.push_back({"annotate = facilitators",
                    [](pb::RoomState& s) { s.mutable_settings()->set_annotate(pb::AUDIENCE_FACILITATORS); },
                    with(default_matrix,
                         {
                             {"add_feature", {ok, locked, denied, denied, ok}},
                             {"update_feature", {ok, locked, denied, denied, ok}},
                             {"delete_feature", {ok, locked, denied, denied, ok}},
                         })});

    // Observers never draw, whatever the annotate audience says.
    list.push_back({"annotate = everyone",
                    [](pb::RoomState& s) { s.mutable_settings()->set_annotate(pb::AUDIENCE_EVERYONE); },
                    default_matrix});
    list.push_back({"annotate = participants (explicit)",
                    [](pb::RoomState& s) { s.mutable_settings()->set_annotate(pb::AUDIENCE_PARTICIPANTS); },
                    default_matrix});

    list.push_back({"chat = facilitators",
                    [](pb::RoomState& s) { s.mutable_settings()->set_chat(pb::AUDIENCE_FACILITATORS); },
                    with(default_matrix,
                         {
                             // Editing and deleting your own words is not chatting.
                             {"send_chat", {ok, locked, denied, denied, ok}},
                             {"react_to_chat", {ok, locked, denied, denied, ok}},
                         })});

    list.push_back({"comment = facilitators",
                    [](pb::RoomState& s) { s.mutable_settings()->set_comment(pb::AUDIENCE_FACILITATORS); },
                    with(default_matrix,
                         {
                             {"start_thread", {ok, locked, denied, denied, ok}},
                             {"add_comment", {ok, locked, denied, denied, ok}},
                         })});

    list.push_back({"chat = everyone", [](pb::RoomState& s) { s.mutable_settings()->set_chat(pb::AUDIENCE_EVERYONE); },
                    with(default_matrix,
                         {
                             {"send_chat", {ok, ok, ok, denied, ok}},
                             {"react_to_chat", {ok, ok, ok, denied, ok}},
                         })});

    list.push_back({"comment = everyone",
                    [](pb::RoomState& s) { s.mutable_settings()->set_comment(pb::AUDIENCE_EVERYONE); },
                    with(default_matrix,
                         {
                             {"start_thread", {ok, ok, ok, denied, ok}},
                             {"add_comment", {ok, ok, ok, denied, ok}},
                         })});

    const matrix muted_rows{
        // The role is checked before the mute: an observer learns it may not
        // chat at all, not that it is muted.
        {"send_chat", {muted, muted, denied, denied, ok}},   {"react_to_chat", {muted, muted, denied, denied, ok}},
        {"edit_chat", {muted, muted, muted, denied, ok}},    {"start_thread", {muted, muted, denied, denied, ok}},
        {"add_comment", {muted, muted, denied, denied, ok}}, {"edit_comment", {muted, muted, muted, denied, ok}},
    };
    list.push_back({"sender muted", mute_everyone, with(default_matrix, muted_rows)});

    list.push_back({"sender muted, chat and comment = everyone",
                    [](pb::RoomState& s) {
        mute_everyone(s);
        s.mutable_settings()->set_chat(pb::AUDIENCE_EVERYONE);
        s.mutable_settings()->set_comment(pb::AUDIENCE_EVERYONE);
                    },
                    with(with(default_matrix, muted_rows),
                         {
                             {"send_chat", {muted, muted, muted, denied, ok}},
                             {"react_to_chat", {muted, muted, muted, denied, ok}},
                             {"start_thread", {muted, muted, muted, denied, ok}},
                             {"add_comment", {muted, muted, muted, denied, ok}},
                         })});

    // A lock is checked before the mute: the lock is what the sender would
    // have to wait for first.
    list.push_back({"sender muted, chat and comment = facilitators",
                    [](pb::RoomState& s) {
        mute_everyone(s);
        s.mutable_settings()->set_chat(pb::AUDIENCE_FACILITATORS);
        s.mutable_settings()->set_comment(pb::AUDIENCE_FACILITATORS);
                    },
                    with(with(default_matrix, muted_rows),
                         {
                             {"send_chat", {muted, locked, denied, denied, ok}},
                             {"react_to_chat", {muted, locked, denied, denied, ok}},
                             {"start_thread", {muted, locked, denied, denied, ok}},
                             {"add_comment", {muted, locked, denied, denied, ok}},
                         })});

    list.push_back({"sender removed",
                    [](pb::RoomState& s) {
        std::vector<std::string> ids;
        for (const model::actor* a : columns)
            ids.push_back(a->id);
        std::sort(ids.begin(), ids.end());
        for (const std::string& id : ids)
            s.add_removed(id);
                    },
                    [] {
        matrix m = all_but_admin(removed); // removal comes before the role
        return m;
    }()});

    list.push_back({"room archived", [](pb::RoomState& s) { s.set_archived(true); },
                    [] {
        matrix m = all_but_admin(archived);
        for (auto& [name, row] : m)
            row[4] = archived;                                // read-only for the admin API too...
        m["archive_room"] = {ok, denied, denied, denied, ok}; // ...but a facilitator or it may reopen the room
        return m;
                    }()});

    list.push_back({"room archived and sender removed",
                    [](pb::RoomState& s) {
        s.set_archived(true);
        s.add_removed(participant.id);
                    },
                    [] {
        matrix m = all_but_admin(archived);
        for (auto& [name, row] : m)
            row[4] = archived;
        // Archive is checked first, then removal, then the role.
        m["archive_room"] = {ok, removed, denied, denied, ok};
        return m;
    }()});
    return list;
}

std::string describe(const std::string& scenario_name, std::size_t column, const std::string& command_name)
{
    return scenario_name + std::string(": ") + column_names[column] + " sends " + command_name;
}

} // namespace

TEST_CASE("every ClientMessage body is an event command with a matrix row, or one the session answers")
{
    const auto rows = commands();
    const google::protobuf::OneofDescriptor* body = pb::ClientMessage::descriptor()->FindOneofByName("body");
    REQUIRE(body != nullptr);
    std::set<std::string> fields;
    for (int i = 0; i < body->field_count(); ++i) {
        const google::protobuf::FieldDescriptor* field = body->field(i);
        const std::string name = field->name();
        fields.insert(name);
        CAPTURE(name);
        const char* known = model::command_name(static_cast<pb::ClientMessage::BodyCase>(field->number()));
        REQUIRE_MESSAGE(known != nullptr, "command_name() does not know " << name);
        CHECK(std::string(known) == name);
        if (not_event_commands.count(name)) {
            CHECK_FALSE(rows.count(name));
            continue;
        }
        CHECK_MESSAGE(rows.count(name), "no way to send " << name << " in the permission matrix test");
        CHECK_MESSAGE(default_matrix.count(name), "no row for " << name << " in the permission matrix");
    }
    for (const auto& entry : rows)
        CHECK_MESSAGE(fields.count(entry.first),
                      "the matrix sends " << entry.first << ", which is not a ClientMessage body");
    for (const auto& entry : default_matrix)
        CHECK_MESSAGE(rows.count(entry.first), "the matrix has a row for " << entry.first << " but no way to send it");
    for (const std::string& name : not_event_commands)
        CHECK_MESSAGE(fields.count(name), name << " is not a ClientMessage body");
}

TEST_CASE("each row sends the command it names")
{
    const pb::RoomState room = base_room();
    for (const auto& [name, row] : commands())
        for (const model::actor* who : columns) {
            const pb::ClientMessage m = row.build(*who, room);
            REQUIRE(model::command_name(m.body_case()) != nullptr);
            CHECK(std::string(model::command_name(m.body_case())) == name);
            CHECK(model::produces_event(m));
        }
}

TEST_CASE("the permission matrix: every role x every command, under each setting")
{
    const auto rows = commands();
    for (const scenario& sc : scenarios()) {
        REQUIRE_MESSAGE(sc.expected.size() == rows.size(), sc.name << ": the expected matrix misses rows");
        for (const auto& entry : rows) {
            const std::string& name = entry.first; // not a structured binding: clang 14 cannot capture one
            const auto& row = entry.second;
            pb::RoomState proto = base_room();
            if (row.prepare)
                row.prepare(proto);
            sc.setup(proto);
            const model::room_state room = model::room_state::from_proto(proto);
            const auto expected = sc.expected.find(name);
            REQUIRE_MESSAGE(expected != sc.expected.end(), sc.name << ": no row for " << name);
            for (std::size_t col = 0; col < columns.size(); ++col) {
                const pb::ClientMessage m = row.build(*columns[col], proto);
                CHECK_MESSAGE(outcome(room, m, *columns[col]) == expected->second[col], describe(sc.name, col, name));
            }
        }
    }
}

TEST_CASE("the matrix room is valid for every sender: with the admin API's rights, each command is accepted")
{
    // Guards the matrix: an "accepted" cell must not hide a content error in
    // the room the test built, and a refused cell must be refused for its
    // permission, not its content. The admin API passes every permission, so
    // every row must be accepted for it (archive_room included).
    const auto rows = commands();
    for (const auto& entry : rows) {
        const std::string& name = entry.first; // not a structured binding: clang 14 cannot capture one
        const auto& row = entry.second;
        pb::RoomState proto = base_room();
        if (row.prepare)
            row.prepare(proto);
        const model::room_state room = model::room_state::from_proto(proto);
        CHECK_MESSAGE(outcome(room, row.build(admin, proto), admin) == ok, name);
    }
}

TEST_CASE("authorship: others' content is for its author or a facilitator, with NOT_AUTHOR otherwise")
{
    // The same commands aimed at the bystander's content.
    using builder = std::function<pb::ClientMessage()>;
    const std::map<std::string, std::pair<builder, cells>> others{
        {"update_feature",
         {[] {
        return command([](M& m) {
            m.mutable_update_feature()->set_id(feature_of(bystander));
            m.mutable_update_feature()->mutable_patch()->set_title("Mine now");
        });
          },
          {ok, not_author, denied, denied, ok}}},
        {"delete_feature",
         {[] { return command([](M& m) { m.mutable_delete_feature()->set_id(feature_of(bystander)); }); },
          {ok, not_author, denied, denied, ok}}},
        // Chat is edited by its author only: a facilitator deletes, never puts words in someone's mouth.
        {"edit_chat",
         {[] {
        return command([](M& m) {
            m.mutable_edit_chat()->set_message_seq(chat_seq_of(bystander));
            m.mutable_edit_chat()->set_text("other words");
        });
          },
          {not_author, not_author, not_author, denied, not_author}}},
        {"delete_chat",
         {[] { return command([](M& m) { m.mutable_delete_chat()->set_message_seq(chat_seq_of(bystander)); }); },
          {ok, not_author, not_author, denied, ok}}},
        {"edit_comment",
         {[] {
        return command([](M& m) {
            m.mutable_edit_comment()->set_thread_id(thread_of(bystander));
            m.mutable_edit_comment()->set_comment_seq(comment_seq_of(bystander));
            m.mutable_edit_comment()->set_text("other words");
        });
          },
          {ok, not_author, not_author, denied, ok}}},
        {"delete_comment",
         {[] {
        return command([](M& m) {
            m.mutable_delete_comment()->set_thread_id(thread_of(bystander));
            m.mutable_delete_comment()->set_comment_seq(comment_seq_of(bystander));
        });
          },
          {ok, not_author, not_author, denied, ok}}},
        {"resolve_thread",
         {[] {
        return command([](M& m) {
            m.mutable_resolve_thread()->set_thread_id(thread_of(bystander));
            m.mutable_resolve_thread()->set_resolved(true);
        });
          },
          {ok, not_author, not_author, denied, ok}}},
        // A dot is its voter's: nobody removes another's (there is none of
        // theirs on this feature), which is content, not permission.
        {"remove_dot",
         {[] {
        return command([](M& m) {
            m.mutable_remove_dot()->set_vote_id("v1");
            m.mutable_remove_dot()->set_feature_id(feature_of(facilitator.id));
        });
          },
          {"ERROR_CODE_NO_DOT_TO_REMOVE", "ERROR_CODE_NO_DOT_TO_REMOVE", denied, denied,
           "ERROR_CODE_NO_DOT_TO_REMOVE"}}},
        };
    const model::room_state room = model::room_state::from_proto(base_room());
    for (const auto& other : others) {
        const std::string& name = other.first; // not a structured binding: clang 14 cannot capture one
        const auto& entry = other.second;
        for (std::size_t col = 0; col < columns.size(); ++col)
            CHECK_MESSAGE(outcome(room, entry.first(), *columns[col]) == entry.second[col],
                          describe("someone else's content", col, name));
    }
}

TEST_CASE("a refusal text names the command and what would be needed, never an empty message")
{
    const model::room_state room = model::room_state::from_proto(base_room());
    const auto rows = commands();
    const auto observer_chat = refusal(room, rows.at("send_chat").build(observer, base_room()), observer);
    CHECK(observer_chat.message.find("send_chat") != std::string::npos);
    CHECK(observer_chat.message.find("unless a facilitator lets everyone chat") != std::string::npos);
    const auto participant_agenda = refusal(room, rows.at("set_agenda").build(participant, base_room()), participant);
    CHECK(participant_agenda.message.find("only a facilitator") != std::string::npos);
    const auto participant_archive =
        refusal(room, rows.at("archive_room").build(participant, base_room()), participant);
    CHECK(participant_archive.message.find("only a facilitator") != std::string::npos);
}
