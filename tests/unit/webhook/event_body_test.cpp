#include "webhook/event_body.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <set>

using namespace maptable::webhook;
namespace pb = maptable::v1;
namespace json = boost::json;

TEST_CASE("an event becomes a JSON body with its type, room, seq, time, actor and data")
{
    pb::Event e;
    e.set_seq(42);
    e.set_time_ms(1700000000123);
    e.set_actor_id("fay");
    e.set_actor_name("Fay");
    e.set_session_id(3);
    auto* feature = e.mutable_feature_added()->mutable_feature();
    feature->set_id("pier");
    feature->set_title("Old pier");

    const auto body = json::parse(event_json("harbour", e)).as_object();
    CHECK(body.at("type") == "feature.added");
    CHECK(body.at("room") == "harbour");
    CHECK(body.at("seq") == 42);
    CHECK(body.at("time_ms") == 1700000000123);
    CHECK(body.at("actor").at("id") == "fay");
    CHECK(body.at("actor").at("name") == "Fay");
    CHECK(body.at("session_id") == 3);
    CHECK(body.at("data").at("feature").at("id") == "pier");
    CHECK(body.at("data").at("feature").at("title") == "Old pier");
}

TEST_CASE("an anonymous ballot's event has a null actor")
{
    pb::Event e;
    e.set_seq(7);
    e.mutable_dot_placed();
    const auto body = json::parse(event_json("r", e)).as_object();
    CHECK(body.at("type") == "vote.dot_placed");
    CHECK(body.at("actor").is_null());
    CHECK(body.at("data").is_object());
}

TEST_CASE("text that needs escaping stays one JSON string")
{
    pb::Event e;
    e.set_seq(1);
    e.mutable_chat_posted()->mutable_message()->set_text("quote \" backslash \\ newline \n </script> ü");
    const auto body = json::parse(event_json("r", e)).as_object();
    CHECK(body.at("data").at("message").at("text") == "quote \" backslash \\ newline \n </script> ü");
}

TEST_CASE("every member of the Event oneof has a type, and no two share one")
{
    // Walks the oneof by descriptor: an event added to the protocol without
    // a row in event_body.cpp fails here.
    const auto* oneof = pb::Event::descriptor()->FindOneofByName("body");
    REQUIRE(oneof != nullptr);
    std::set<std::string_view> types;
    for (int i = 0; i < oneof->field_count(); ++i) {
        const auto* field = oneof->field(i);
        pb::Event e;
        e.GetReflection()->MutableMessage(&e, field);
        const auto type = event_type(e);
        INFO(field->name());
        CHECK_FALSE(type.empty());
        CHECK(type.find('.') != std::string_view::npos);
        types.insert(type);
        const auto body = json::parse(event_json("r", e)).as_object();
        CHECK(body.at("type").as_string() == type);
    }
    CHECK(types.size() == static_cast<std::size_t>(oneof->field_count()));
    CHECK(event_types().size() == types.size());
    CHECK(event_type(pb::Event{}).empty());
}

TEST_CASE("the kinds an operator asks for: the types the issue names, groups, and everything")
{
    for (const char* kind : {"*", "feature", "chat", "comment", "vote.closed", "session.ended", "participant",
                             "participant.removed", "feature.added", "vote", "participant.joined", "participant.left"})
        CHECK_MESSAGE(known_kind(kind), kind);
    for (const char* kind : {"", "features", "vote.", ".closed", "presence", "feature.*", "chat.posted.x", "CHAT"})
        CHECK_MESSAGE(!known_kind(kind), kind);

    CHECK(wanted({"*"}, "chat.posted"));
    CHECK(wanted({"chat"}, "chat.posted"));
    CHECK(wanted({"chat"}, "chat.deleted"));
    CHECK_FALSE(wanted({"chat"}, "comment.added"));
    CHECK(wanted({"comment"}, "comment.thread_started"));
    CHECK(wanted({"vote.closed"}, "vote.closed"));
    CHECK_FALSE(wanted({"vote.closed"}, "vote.opened"));
    CHECK(wanted({"feature", "session.ended"}, "session.ended"));
    CHECK_FALSE(wanted({"feature", "session.ended"}, "session.started"));
    CHECK_FALSE(wanted({"*"}, ""));
    CHECK_FALSE(wanted({}, "chat.posted"));
    // Joins and leaves are in the participant group, and in everything.
    CHECK(wanted({"participant"}, "participant.joined"));
    CHECK(wanted({"*"}, "participant.left"));
    CHECK(wanted({"participant.left"}, "participant.left"));
    CHECK_FALSE(wanted({"participant.left"}, "participant.joined"));
    CHECK_FALSE(wanted({"participant.removed"}, "participant.left"));
}

TEST_CASE("a join or leave becomes a body in the events' envelope, with the seq it followed")
{
    presence_change joined;
    joined.what = presence_change::kind::joined;
    joined.participant_id = "ana";
    joined.name = "Ana \"the planner\"";
    joined.role = static_cast<int>(pb::ROLE_FACILITATOR);
    joined.time_ms = 1700000000123;
    joined.after_seq = 12;
    joined.session_id = 3;
    const auto body = json::parse(presence_json("harbour", joined)).as_object();
    CHECK(body.at("type") == "participant.joined");
    CHECK(body.at("room") == "harbour");
    CHECK(body.at("seq") == 12);
    CHECK(body.at("time_ms") == 1700000000123);
    CHECK(body.at("session_id") == 3);
    CHECK(body.at("actor").at("id") == "ana");
    CHECK(body.at("actor").at("name") == "Ana \"the planner\"");
    CHECK(body.at("data").at("participant").at("id") == "ana");
    CHECK(body.at("data").at("participant").at("role") == "ROLE_FACILITATOR");

    auto left = joined;
    left.what = presence_change::kind::left;
    left.role = 999; // not a Role: named unspecified, never a crash
    const auto gone = json::parse(presence_json("harbour", left)).as_object();
    CHECK(gone.at("type") == "participant.left");
    CHECK(gone.at("data").at("participant").at("role") == "ROLE_UNSPECIFIED");
    CHECK(presence_types().size() == 2);
}
