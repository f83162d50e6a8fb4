// Layer: model tests. Study trips (protocol/model/rules/field_trip.cpp and
// the attachment checks of features.cpp and comments.cpp): the server adds
// an upload to the room once; features and comments name only the room's
// own attachments; what nothing live names any more is released (and stays
// so through a snapshot); the itinerary's stops are checked and replace the
// old list. Each test that changes the room checks a replica of its events.
#include "../model/model_fixture.hpp"

#include <cmath>
#include <string>
#include <vector>

using namespace fixture;

namespace {

const std::string photo_a = "0123456789abcdef0123456789abcdef";
const std::string photo_b = "fedcba9876543210fedcba9876543210";
const std::string photo_c = "00000000000000000000000000000001";

struct logged_room {
    model::room_state room{"trip"};
    std::vector<pb::Event> log;

    pb::Event go(const pb::ClientMessage& c, const model::actor& who)
    {
        log.push_back(run(room, c, who));
        return log.back();
    }
    const pb::Attachment& attachment(const std::string& id) const
    {
        const auto it = room.data().attachments.find(id);
        REQUIRE_MESSAGE(it != room.data().attachments.end(), "no attachment " << id);
        return it->second;
    }
    void check_replica() const
    {
        CHECK(replica_of("trip", log).canonical_hash() == room.canonical_hash());
        // And through a snapshot: what a restarted server loads.
        CHECK(model::room_state::from_proto(room.to_proto()).canonical_hash() == room.canonical_hash());
    }
};

pb::ClientMessage add_attachment(const std::string& id, const std::string& type = "image/jpeg")
{
    return command([&](pb::ClientMessage& m) {
        auto& a = *m.mutable_add_attachment()->mutable_attachment();
        a.set_id(id);
        a.set_content_type(type);
        a.set_size(1234);
        a.set_width(640);
        a.set_height(480);
    });
}

// The uploader, as the upload route sends it (submit_on_behalf: the admin role, their name).
const model::actor uploader{"par-1", "Pat", pb::ROLE_ADMIN, ""};

pb::Feature with_photos(pb::Feature f, std::vector<std::string> ids)
{
    for (const auto& id : ids)
        f.add_attachment_ids(id);
    return f;
}

pb::ClientMessage delete_feature(const std::string& id)
{
    return command([&](pb::ClientMessage& m) { m.mutable_delete_feature()->set_id(id); });
}

pb::ClientMessage set_photos(const std::string& id, std::vector<std::string> ids)
{
    return command([&](pb::ClientMessage& m) {
        m.mutable_update_feature()->set_id(id);
        auto& list = *m.mutable_update_feature()->mutable_patch()->mutable_attachments();
        for (const auto& a : ids)
            list.add_ids(a);
    });
}

pb::ItineraryStop stop(const std::string& id, double lon = 13.4, double lat = 52.5)
{
    pb::ItineraryStop s;
    s.set_id(id);
    s.set_title("Stop " + id);
    *s.mutable_position() = lon_lat(lon, lat);
    return s;
}

pb::ClientMessage itinerary(std::vector<pb::ItineraryStop> stops)
{
    return command([&](pb::ClientMessage& m) {
        for (auto& s : stops)
            *m.mutable_set_itinerary()->add_stops() = s;
    });
}

} // namespace

TEST_CASE("the server adds an upload once, as its uploader; nobody else may add one")
{
    logged_room r;
    const auto added = r.go(add_attachment(photo_a), uploader);
    CHECK(r.attachment(photo_a).uploader_id() == "par-1");
    CHECK(r.attachment(photo_a).added_seq() == added.seq());
    CHECK(r.attachment(photo_a).released_seq() == 0);
    CHECK(added.actor_id() == "par-1");
    // A retried upload: the route takes NO_CHANGE as success.
    CHECK(outcome(r.room, add_attachment(photo_a), uploader) == "ERROR_CODE_NO_CHANGE");
    CHECK(outcome(r.room, add_attachment(photo_b), participant) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, add_attachment(photo_b), facilitator) == "ERROR_CODE_PERMISSION_DENIED");
    CHECK(outcome(r.room, add_attachment("not-hex"), admin) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(r.room, add_attachment(photo_b, "image/svg+xml"), admin) == "ERROR_CODE_INVALID_SETTING");
    auto far = add_attachment(photo_b);
    *far.mutable_add_attachment()->mutable_attachment()->mutable_taken_at() = lon_lat(200, 0);
    CHECK(outcome(r.room, far, admin) == "ERROR_CODE_INVALID_COORDINATE");
    r.check_replica();
}

TEST_CASE("a feature names only the room's attachments, at most ten, none twice")
{
    logged_room r;
    r.go(add_attachment(photo_a), uploader);
    r.go(add_attachment(photo_b), uploader);
    CHECK(outcome(r.room, add(with_photos(point("f1"), {photo_c})), participant) == "ERROR_CODE_ATTACHMENT_NOT_FOUND");
    CHECK(outcome(r.room, add(with_photos(point("f1"), {photo_a, photo_a})), participant) == "ERROR_CODE_INVALID_ID");
    CHECK(outcome(r.room, add(with_photos(point("f1"), std::vector<std::string>(11, photo_a))), participant) ==
          "ERROR_CODE_INVALID_LIMIT");
    r.go(add(with_photos(point("f1"), {photo_a, photo_b})), participant);
    REQUIRE(r.room.data().features.at("f1").attachment_ids_size() == 2);
    CHECK(outcome(r.room, set_photos("f1", {photo_c}), participant) == "ERROR_CODE_ATTACHMENT_NOT_FOUND");
    // A patch with only an attachment list is not empty.
    r.go(set_photos("f1", {photo_b, photo_a}), participant);
    CHECK(r.room.data().features.at("f1").attachment_ids(0) == photo_b);
    CHECK(r.attachment(photo_a).released_seq() == 0); // reordered, not dropped
    r.check_replica();
}

TEST_CASE("deleting a feature releases the photos nothing else shows; a released one cannot be named again")
{
    logged_room r;
    r.go(add_attachment(photo_a), uploader);
    r.go(add_attachment(photo_b), uploader);
    r.go(add(with_photos(point("f1"), {photo_a, photo_b})), participant);
    r.go(add(with_photos(point("f2"), {photo_b})), participant2);
    const auto deleted = r.go(delete_feature("f1"), facilitator);
    CHECK(r.attachment(photo_a).released_seq() == deleted.seq());
    CHECK(r.attachment(photo_b).released_seq() == 0); // f2 still shows it
    CHECK(outcome(r.room, add(with_photos(point("f3"), {photo_a})), participant) == "ERROR_CODE_ATTACHMENT_NOT_FOUND");
    const auto dropped = r.go(set_photos("f2", {}), participant2);
    CHECK(r.attachment(photo_b).released_seq() == dropped.seq());
    r.check_replica();
}

TEST_CASE("a deleted comment releases its photos; comments name only the room's own")
{
    logged_room r;
    r.go(add_attachment(photo_a), uploader);
    r.go(add_attachment(photo_b), uploader);
    const auto start = command([&](pb::ClientMessage& m) {
        auto& s = *m.mutable_start_thread();
        s.set_thread_id("t1");
        *s.mutable_position() = lon_lat(13.4, 52.5);
        s.set_text("the view from the bridge");
        s.add_attachment_ids(photo_a);
    });
    const auto started = r.go(start, participant);
    CHECK(r.room.find_thread("t1")->comments(0).attachment_ids(0) == photo_a);
    const auto reply = command([&](pb::ClientMessage& m) {
        m.mutable_add_comment()->set_thread_id("t1");
        m.mutable_add_comment()->set_text("and from below");
        m.mutable_add_comment()->add_attachment_ids(photo_b);
    });
    r.go(reply, participant2);
    auto unknown = reply;
    unknown.mutable_add_comment()->set_attachment_ids(0, photo_c);
    CHECK(outcome(r.room, unknown, participant2) == "ERROR_CODE_ATTACHMENT_NOT_FOUND");
    const auto removed = r.go(command([&](pb::ClientMessage& m) {
                                  m.mutable_delete_comment()->set_thread_id("t1");
                                  m.mutable_delete_comment()->set_comment_seq(started.seq());
                                  m.mutable_delete_comment()->set_reason("a child's face");
                              }),
                              facilitator);
    CHECK(r.attachment(photo_a).released_seq() == removed.seq());
    CHECK(r.attachment(photo_b).released_seq() == 0);
    CHECK(r.room.find_thread("t1")->comments(0).attachment_ids_size() == 0);
    r.check_replica();
}

TEST_CASE("the itinerary: facilitators set it whole; stops are checked")
{
    logged_room r;
    CHECK(outcome(r.room, itinerary({stop("a")}), participant) == "ERROR_CODE_PERMISSION_DENIED");
    r.go(itinerary({stop("a"), stop("b"), stop("c")}), facilitator);
    REQUIRE(r.room.data().itinerary.size() == 3);
    CHECK(r.room.data().itinerary[1].id() == "b");
    r.go(itinerary({stop("c"), stop("a")}), facilitator);
    REQUIRE(r.room.data().itinerary.size() == 2);
    CHECK(r.room.data().itinerary[0].id() == "c");

    CHECK(outcome(r.room, itinerary({stop("a"), stop("a")}), facilitator) == "ERROR_CODE_INVALID_ITINERARY");
    CHECK(outcome(r.room, itinerary({stop("")}), facilitator) == "ERROR_CODE_INVALID_ITINERARY");
    CHECK(outcome(r.room, itinerary({stop("a", 13.4, 95)}), facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    CHECK(outcome(r.room, itinerary({stop("a", std::nan(""), 52)}), facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    auto untitled = stop("a");
    untitled.set_title("  ");
    CHECK(outcome(r.room, itinerary({untitled}), facilitator) == "ERROR_CODE_EMPTY_MESSAGE");
    auto nowhere = stop("a");
    nowhere.clear_position();
    CHECK(outcome(r.room, itinerary({nowhere}), facilitator) == "ERROR_CODE_INVALID_COORDINATE");
    auto at_feature = stop("a");
    at_feature.set_feature_id("f1");
    CHECK(outcome(r.room, itinerary({at_feature}), facilitator) == "ERROR_CODE_FEATURE_NOT_FOUND");
    r.go(add(point("f1")), participant);
    r.go(itinerary({at_feature}), facilitator);
    std::vector<pb::ItineraryStop> many;
    for (int i = 0; i < 51; ++i)
        many.push_back(stop("s" + std::to_string(i)));
    CHECK(outcome(r.room, itinerary(many), facilitator) == "ERROR_CODE_INVALID_ITINERARY");
    many.pop_back();
    r.go(itinerary(many), facilitator);
    CHECK(r.room.data().itinerary.size() == 50);

    pb::ClientMessage bounds;
    auto& b = *bounds.mutable_update_room_info()->mutable_change()->mutable_bounds();
    *b.mutable_south_west() = lon_lat(13, 52);
    *b.mutable_north_east() = lon_lat(14, 53);
    r.go(bounds, facilitator);
    CHECK(outcome(r.room, itinerary({stop("a", 18.4, -33.9)}), facilitator) == "ERROR_CODE_OUTSIDE_BOUNDS");
    r.check_replica();
}
