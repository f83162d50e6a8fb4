// Attachments on features and comments against a real server: an upload is
// in the room's state once its 201 came; a feature or comment may name only
// the room's own attachments; what a deleted feature or comment (or a patch
// that drops it) showed answers 410 Gone, also after a kill -9 and restart,
// while an upload nothing named yet is still served.
#include "http_probe.hpp"
#include "server_process.hpp"

#include "test_images.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace maptable;
using namespace maptable::test;
namespace t = maptable::media::testing;
namespace json = boost::json;

namespace {

http_reply upload(const server_process& server, const std::string& room, const std::string& token,
                  const std::string& body, const std::string& key = {})
{
    std::string request = "POST /v1/rooms/" + room + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    request += "Authorization: Bearer " + token + "\r\nContent-Type: image/jpeg\r\n";
    if (!key.empty())
        request += "Idempotency-Key: " + key + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    return raw_request(server.port(), request);
}

std::string uploaded(const server_process& server, const std::string& room, const std::string& token,
                     const std::string& key = {})
{
    const auto r = upload(server, room, token, t::with_exif(t::make_image("jpeg", 64, 32), {}), key);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return std::string(json_body(r).at("id").as_string());
}

int status_of(const server_process& server, const std::string& room, const std::string& id, const std::string& token,
              bool thumbnail = false)
{
    return call_api(server.port(),
                    {.target = "/v1/rooms/" + room + "/attachments/" + id + (thumbnail ? "/thumbnail" : ""),
                     .bearer = token})
        .status;
}

pb::ClientMessage add_with(const std::string& id, std::vector<std::string> attachments)
{
    pb::ClientMessage m;
    auto& f = *m.mutable_add_feature()->mutable_feature();
    f = point_feature(id, 13.4, 52.5, "photo note " + id);
    for (auto& a : attachments)
        f.add_attachment_ids(a);
    return m;
}

pb::ClientMessage delete_feature(const std::string& id, const std::string& reason = {})
{
    pb::ClientMessage m;
    m.mutable_delete_feature()->set_id(id);
    m.mutable_delete_feature()->set_reason(reason);
    return m;
}

} // namespace

TEST_CASE("an upload is in the room's state by its 201, and a feature shows it; every client sees the list")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto id = uploaded(server, "trip", token);

    client ana(server.options("trip", "ana"));
    join_or_fail(ana);
    const auto replica = ana.replica();
    const auto& attachments = replica.data().attachments;
    REQUIRE(attachments.count(id) == 1);
    CHECK(attachments.at(id).uploader_id() == "ana");
    CHECK(attachments.at(id).content_type() == "image/jpeg");
    CHECK(attachments.at(id).taken_at().lat() == doctest::Approx(52.52).epsilon(0.001));
    CHECK(attachments.at(id).released_seq() == 0);

    const auto added = ana.send(add_with("note-1", {id})).get();
    REQUIRE_MESSAGE(added.ok, added.message);
    client bob(server.options("trip", "bob"));
    join_or_fail(bob);
    const auto seen = bob.replica();
    const auto& feature = seen.data().features.at("note-1");
    REQUIRE(feature.attachment_ids_size() == 1);
    CHECK(feature.attachment_ids(0) == id);
    CHECK(status_of(server, "trip", id, token) == 200);
}

TEST_CASE("a retried upload (same Idempotency-Key) is added to the room once")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto first = uploaded(server, "trip", token, "photo-17");
    const auto second = uploaded(server, "trip", token, "photo-17");
    CHECK(first == second);
    client ana(server.options("trip", "ana"));
    join_or_fail(ana);
    CHECK(ana.replica().data().attachments.size() == 1);
    CHECK(ana.replica().seq() == 1); // one AttachmentAdded, not two
}

TEST_CASE("an unknown attachment id, or another room's, is refused with ATTACHMENT_NOT_FOUND")
{
    server_process server;
    const auto other = uploaded(server, "elsewhere", server.token("elsewhere", "ana"));
    const auto mine = uploaded(server, "trip", server.token("trip", "ana"));
    client ana(server.options("trip", "ana"));
    join_or_fail(ana);

    const auto unknown = ana.send(add_with("f-1", {"0123456789abcdef0123456789abcdef"})).get();
    CHECK_FALSE(unknown.ok);
    CHECK(unknown.code == pb::ERROR_CODE_ATTACHMENT_NOT_FOUND);
    const auto foreign = ana.send(add_with("f-2", {other})).get();
    CHECK_FALSE(foreign.ok);
    CHECK(foreign.code == pb::ERROR_CODE_ATTACHMENT_NOT_FOUND);
    CHECK(foreign.message.find("upload it to this room first") != std::string::npos);
    const auto twice = ana.send(add_with("f-3", {mine, mine})).get();
    CHECK_FALSE(twice.ok);
    CHECK(twice.code == pb::ERROR_CODE_INVALID_ID);
    std::vector<std::string> eleven(11, mine);
    const auto many = ana.send(add_with("f-4", eleven)).get();
    CHECK_FALSE(many.ok);
    CHECK(many.code == pb::ERROR_CODE_INVALID_LIMIT);

    // A comment is held to the same rule.
    pb::ClientMessage start;
    auto& thread = *start.mutable_start_thread();
    thread.set_thread_id("t-1");
    thread.mutable_position()->set_lon(13.4);
    thread.mutable_position()->set_lat(52.5);
    thread.set_text("look at this");
    thread.add_attachment_ids(other);
    const auto comment = ana.send(start).get();
    CHECK(comment.code == pb::ERROR_CODE_ATTACHMENT_NOT_FOUND);
    CHECK(ana.replica().data().features.empty());
    CHECK(ana.replica().data().threads.empty());

    // A participant cannot add an attachment to the room's log by hand.
    pb::ClientMessage forged;
    forged.mutable_add_attachment()->mutable_attachment()->set_id("0123456789abcdef0123456789abcdef");
    forged.mutable_add_attachment()->mutable_attachment()->set_content_type("image/jpeg");
    CHECK(ana.send(forged).get().code == pb::ERROR_CODE_PERMISSION_DENIED);
}

TEST_CASE("the photo of a removed feature answers 410 Gone, thumbnail too, also after a kill -9 and restart")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto photo = uploaded(server, "trip", token);
    const auto loose = uploaded(server, "trip", token); // uploaded, never attached
    const auto shared = uploaded(server, "trip", token);
    {
        client ana(server.options("trip", "ana"));
        join_or_fail(ana);
        REQUIRE(ana.send(add_with("note-1", {photo, shared})).get().ok);
        REQUIRE(ana.send(add_with("note-2", {shared})).get().ok);
        client fay(server.options("trip", "fay", pb::ROLE_FACILITATOR));
        join_or_fail(fay);
        const auto removed = fay.send(delete_feature("note-1", "a face in the picture")).get();
        REQUIRE_MESSAGE(removed.ok, removed.message);
        // note-2 still shows the shared photo; the removed note's own one is released.
        CHECK(fay.replica().data().attachments.at(photo).released_seq() == removed.seq);
        CHECK(fay.replica().data().attachments.at(shared).released_seq() == 0);
        // Nothing may name it again.
        const auto again = ana.send(add_with("note-3", {photo})).get();
        CHECK(again.code == pb::ERROR_CODE_ATTACHMENT_NOT_FOUND);
    }
    CHECK(status_of(server, "trip", photo, token) == 410);
    CHECK(status_of(server, "trip", photo, token, true) == 410);
    CHECK(status_of(server, "trip", shared, token) == 200);
    CHECK(status_of(server, "trip", loose, token) == 200);

    server.kill9();
    server.start();
    CHECK(status_of(server, "trip", photo, token) == 410);
    CHECK(status_of(server, "trip", photo, token, true) == 410);
    CHECK(status_of(server, "trip", shared, token) == 200);
    CHECK(status_of(server, "trip", loose, token) == 200);
}

TEST_CASE("a patch that drops a photo, and a deleted comment, release theirs")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto kept = uploaded(server, "trip", token);
    const auto dropped = uploaded(server, "trip", token);
    const auto in_comment = uploaded(server, "trip", token);
    client ana(server.options("trip", "ana"));
    join_or_fail(ana);
    REQUIRE(ana.send(add_with("note-1", {kept, dropped})).get().ok);

    pb::ClientMessage patch;
    patch.mutable_update_feature()->set_id("note-1");
    patch.mutable_update_feature()->mutable_patch()->mutable_attachments()->add_ids(kept);
    const auto patched = ana.send(patch).get();
    REQUIRE_MESSAGE(patched.ok, patched.message);
    CHECK(ana.replica().data().features.at("note-1").attachment_ids_size() == 1);
    CHECK(status_of(server, "trip", dropped, token) == 410);
    CHECK(status_of(server, "trip", kept, token) == 200);

    pb::ClientMessage start;
    start.mutable_start_thread()->set_thread_id("t-1");
    start.mutable_start_thread()->set_feature_id("note-1");
    start.mutable_start_thread()->set_text("the bench from the other side");
    start.mutable_start_thread()->add_attachment_ids(in_comment);
    const auto started = ana.send(start).get();
    REQUIRE_MESSAGE(started.ok, started.message);
    CHECK(ana.replica().data().threads.at("t-1").comments(0).attachment_ids(0) == in_comment);
    CHECK(status_of(server, "trip", in_comment, token) == 200);

    client fay(server.options("trip", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    pb::ClientMessage remove;
    remove.mutable_delete_comment()->set_thread_id("t-1");
    remove.mutable_delete_comment()->set_comment_seq(started.seq);
    remove.mutable_delete_comment()->set_reason("private address");
    REQUIRE(fay.send(remove).get().ok);
    CHECK(status_of(server, "trip", in_comment, token) == 410);
    CHECK(server.log().find("released at seq") != std::string::npos);
}
