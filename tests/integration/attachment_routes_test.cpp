// Attachments against a real server: a photo uploaded with a join token is
// stored without its EXIF and served with nosniff; spoofed types, observers,
// other rooms' tokens, removed participants and files over the limit are
// refused with a JSON reason; a retry with the same Idempotency-Key gets the
// first answer and leaves one file; attachments survive a kill -9; a deleted
// one answers 410. On PostgreSQL, two nodes on one database serve each
// other's uploads.
#include "http_probe.hpp"
#include "postgres_server.hpp"
#include "server_process.hpp"

#include "media/attachment_store.hpp"
#include "test_images.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace maptable;
using namespace maptable::test;
namespace t = maptable::media::testing;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct upload_options {
    std::string content_type = "image/jpeg";
    std::string idempotency_key = "";
};

http_reply upload(const server_process& server, const std::string& room, const std::string& token,
                  const std::string& body, const upload_options& o = {})
{
    std::string request = "POST /v1/rooms/" + room + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.empty())
        request += "Authorization: Bearer " + token + "\r\n";
    if (!o.content_type.empty())
        request += "Content-Type: " + o.content_type + "\r\n";
    if (!o.idempotency_key.empty())
        request += "Idempotency-Key: " + o.idempotency_key + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    return raw_request(server.port(), request);
}

http_reply get(const server_process& server, const std::string& target, const std::string& token)
{
    return call_api(server.port(), {.target = target, .bearer = token});
}

std::string error_of(const http_reply& r)
{
    const auto body = json_body(r);
    if (!body.is_object() || !body.as_object().contains("error"))
        return "(no JSON error: " + r.body.substr(0, 200) + ")";
    return std::string(body.at("error").as_string());
}

// The files of stored bytes (not thumbnails, not the index) under the data dir.
std::size_t stored_files(const server_process& server)
{
    std::size_t n = 0;
    const auto root = server.data_dir() / "attachments";
    if (!fs::exists(root))
        return 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().parent_path() != root && e.path().extension() != ".thumb")
            ++n;
    return n;
}

std::string photo()
{
    return t::with_exif(t::make_image("jpeg", 64, 32), {});
}

pb::ClientMessage remove_participant(const std::string& id)
{
    pb::ClientMessage m;
    m.mutable_remove_participant()->set_participant_id(id);
    return m;
}

constexpr const char* admin_key = "attachment-admin-key-0123456789";

http_reply admin_call(const server_process& server, const std::string& method, const std::string& target,
                      const std::string& body = {})
{
    return call_api(server.port(), {.method = method, .target = target, .bearer = admin_key, .body = body});
}

void require_made(const http_reply& r)
{
    REQUIRE_MESSAGE((r.status == 201 || r.status == 200), r.status << " " << r.body);
}

// Network `id` with the city of Lisbon, its living lab `{id}-lab` and a
// study trip `{id}-trip`, made through the admin API.
void make_network(const server_process& server, const std::string& id)
{
    require_made(admin_call(server, "POST", "/v1/admin/networks",
                            R"({"id": ")" + id + R"(", "title": "Safe streets )" + id + R"(", "languages": ["en"]})"));
    const std::string base = "/v1/admin/networks/" + id;
    require_made(admin_call(server, "POST", base + "/cities",
                            R"({"id": "lisbon", "name": "Lisbon", "country": "PT",
                                "position": {"lon": -9.14, "lat": 38.72}})"));
    require_made(admin_call(server, "POST", base + "/rooms",
                            R"({"room_id": ")" + id + R"(-lab", "title": "Intendente", "kind": "living_lab",
                                "city_id": "lisbon"})"));
    require_made(admin_call(server, "POST", base + "/rooms",
                            R"({"room_id": ")" + id + R"(-trip", "title": "Study trip", "kind": "study_trip",
                                "city_id": "lisbon"})"));
}

struct invitation {
    std::string token;
    std::string jti;
};

invitation invite(const server_process& server, const std::string& network, const std::string& body)
{
    const auto r = admin_call(server, "POST", "/v1/admin/networks/" + network + "/invitations", body);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto v = json_body(r);
    return {std::string(v.at("token").as_string()), std::string(v.at("jti").as_string())};
}
} // namespace

TEST_CASE("a photo uploaded with a join token is stored without EXIF, rotated, and served with nosniff")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto original = photo();
    REQUIRE(original.find("SN-CAMERA-0042917") != std::string::npos);

    const auto r = upload(server, "trip", token, original);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto answer = json_body(r).as_object();
    const std::string id(answer.at("id").as_string());
    CHECK(answer.at("type").as_string() == "jpeg");
    CHECK(answer.at("width").to_number<int>() == 32); // orientation 6: upright is 32 x 64
    CHECK(answer.at("height").to_number<int>() == 64);
    CHECK(answer.at("url").as_string() == "/v1/rooms/trip/attachments/" + id);
    CHECK(answer.at("thumbnail_url").as_string() == "/v1/rooms/trip/attachments/" + id + "/thumbnail");
    REQUIRE(answer.contains("gps"));
    CHECK(answer.at("gps").at("lat").to_number<double>() == doctest::Approx(52.52).epsilon(0.001));
    CHECK(answer.at("gps").at("lon").to_number<double>() == doctest::Approx(-13.41).epsilon(0.001));
    CHECK(r.header("Location") == "/v1/rooms/trip/attachments/" + id);

    // The bytes on disk, under their SHA-256, have no EXIF, no serial, no GPS.
    REQUIRE(stored_files(server) == 1);
    std::string on_disk;
    for (const auto& e : fs::recursive_directory_iterator(server.data_dir() / "attachments"))
        if (e.is_regular_file() && e.path().parent_path() != server.data_dir() / "attachments" &&
            e.path().extension() != ".thumb") {
            std::ifstream in(e.path(), std::ios::binary);
            on_disk.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            CHECK(e.path().filename().string() == media::sha256_hex(on_disk));
        }
    CHECK_FALSE(t::has_exif_segment(on_disk));
    CHECK(on_disk.find("SN-CAMERA") == std::string::npos);
    CHECK(t::image_size(on_disk) == std::pair{32, 64});

    // Served as stored, with its sniffed type and nosniff.
    const auto served = get(server, "/v1/rooms/trip/attachments/" + id, token);
    REQUIRE_MESSAGE(served.status == 200, served.body);
    CHECK(served.body == on_disk);
    CHECK(served.header("Content-Type") == "image/jpeg");
    CHECK(served.header("X-Content-Type-Options") == "nosniff");
    CHECK(served.header("Cache-Control").find("private") != std::string::npos);
    CHECK_FALSE(served.header("ETag").empty());

    // A browser that has it revalidates with its ETag and gets no body.
    const auto revalidated =
        http_request(server.port(), "/v1/rooms/trip/attachments/" + id,
                     {{"Authorization", "Bearer " + token}, {"If-None-Match", served.header("ETag")}});
    CHECK(revalidated.status == 304);
    CHECK(revalidated.body.empty());

    const auto thumb = get(server, "/v1/rooms/trip/attachments/" + id + "/thumbnail", token);
    REQUIRE_MESSAGE(thumb.status == 200, thumb.body);
    CHECK(thumb.header("Content-Type") == "image/webp");
    CHECK(thumb.header("X-Content-Type-Options") == "nosniff");
    CHECK(thumb.body.starts_with("RIFF"));
    CHECK(thumb.body.find("SN-CAMERA") == std::string::npos);
    CHECK(server.log().find("attachment " + id + " stored in room trip by ana") != std::string::npos);
}

TEST_CASE("a PDF is stored as sent and served as a download; it has no thumbnail")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto r = upload(server, "trip", token, t::minimal_pdf(), {.content_type = "application/pdf"});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto answer = json_body(r).as_object();
    CHECK(answer.at("thumbnail_url").is_null());
    const std::string id(answer.at("id").as_string());
    const auto served = get(server, "/v1/rooms/trip/attachments/" + id, token);
    CHECK(served.body == t::minimal_pdf());
    CHECK(served.header("Content-Type") == "application/pdf");
    CHECK(served.header("Content-Disposition").starts_with("attachment"));
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id + "/thumbnail", token).status == 404);
}

TEST_CASE("an upload whose declared type disagrees with its content is refused with 415, and nothing is stored")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto spoofed = upload(server, "trip", token, t::minimal_pdf(), {.content_type = "image/png"});
    CHECK(spoofed.status == 415);
    CHECK(error_of(spoofed) == "declared image/png but the content is a PDF");
    // An SVG (script inside) named a PNG, and HTML named a JPEG.
    const auto svg =
        upload(server, "trip", token, "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
               {.content_type = "image/png"});
    CHECK(svg.status == 415);
    CHECK(error_of(svg).find("SVG") != std::string::npos);
    CHECK(upload(server, "trip", token, "<!DOCTYPE html><html></html>", {.content_type = "image/jpeg"}).status == 415);
    CHECK(stored_files(server) == 0);
    CHECK(server.log().find("refused (415): declared image/png but the content is a PDF") != std::string::npos);

    // A damaged photo: 400 with a reason.
    const auto jpeg = photo();
    const auto damaged = upload(server, "trip", token, jpeg.substr(0, jpeg.size() / 2));
    CHECK(damaged.status == 400);
    CHECK(error_of(damaged).find("damaged or truncated") != std::string::npos);
    CHECK(stored_files(server) == 0);
}

TEST_CASE("observers may look but not upload; other rooms' tokens and requests without a token are refused")
{
    server_process server;
    const auto ana = server.token("trip", "ana");
    const auto observer = server.token("trip", "olga", pb::ROLE_OBSERVER);
    const auto other_room = server.token("elsewhere", "ana");

    const auto by_observer = upload(server, "trip", observer, photo());
    CHECK(by_observer.status == 403);
    CHECK(error_of(by_observer).find("observers may look at attachments but not upload them") != std::string::npos);

    const auto wrong_room = upload(server, "trip", other_room, photo());
    CHECK(wrong_room.status == 403);
    CHECK(error_of(wrong_room).find("TOKEN_WRONG_ROOM") != std::string::npos);

    const auto no_token = upload(server, "trip", "", photo());
    CHECK(no_token.status == 401);
    CHECK(upload(server, "trip", "not-a-token", photo()).status == 401);
    CHECK(stored_files(server) == 0);

    const auto r = upload(server, "trip", ana, photo());
    REQUIRE(r.status == 201);
    const std::string id(json_body(r).at("id").as_string());
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id, observer).status == 200);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id, other_room).status == 403);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id, "").status == 401);
    // Another room's attachment through that room's path: not found there.
    CHECK(get(server, "/v1/rooms/elsewhere/attachments/" + id, other_room).status == 404);
    CHECK(get(server, "/v1/rooms/trip/attachments/../../../etc/passwd", ana).status == 404);
}

TEST_CASE("a participant a facilitator removed can neither upload nor view")
{
    server_process server;
    client fay(server.options("trip", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    const auto bob = server.token("trip", "bob");
    const auto r = upload(server, "trip", bob, photo());
    REQUIRE(r.status == 201);
    const std::string id(json_body(r).at("id").as_string());

    const auto removed = fay.send(remove_participant("bob")).get();
    REQUIRE_MESSAGE(removed.ok, removed.message);
    const auto again = upload(server, "trip", bob, photo());
    CHECK(again.status == 403);
    CHECK(error_of(again).find("PARTICIPANT_REMOVED") != std::string::npos);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id, bob).status == 403);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id, server.token("trip", "fay", pb::ROLE_FACILITATOR)).status ==
          200);
}

TEST_CASE(
    "a file over the limit, or an upload without a valid token, is refused from its header, before its body is read")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    // 21 MB announced, nothing sent: the answer comes from the header alone.
    const auto r = raw_request(server.port(),
                               "POST /v1/rooms/trip/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Bearer " +
                                   token +
                                   "\r\nContent-Type: image/jpeg\r\n"
                                   "Content-Length: " +
                                   std::to_string(21 * 1024 * 1024) + "\r\n\r\n");
    CHECK(r.status == 413);
    CHECK(error_of(r).find("larger than the limit of 20 MB") != std::string::npos);
    // Without a token, or with an observer's, a large upload is refused
    // from its header too: 5 MB announced, nothing sent, answered at once.
    const auto announce = [&](const std::string& credential) {
        return raw_request(server.port(),
                           "POST /v1/rooms/trip/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                               (credential.empty() ? "" : "Authorization: Bearer " + credential + "\r\n") +
                               "Content-Length: " + std::to_string(5 * 1024 * 1024) + "\r\n\r\n");
    };
    CHECK(announce("").status == 401);
    CHECK(announce(server.token("trip", "olga", pb::ROLE_OBSERVER)).status == 403);
    CHECK(announce(server.token("elsewhere", "ana")).status == 403);
    CHECK(server.log().find("attachment upload refused (413): its body is over the limit") != std::string::npos);
    CHECK(server.log().find("refused from its header (401)") != std::string::npos);
    // Other routes keep their small limit: the upload's does not leak to them.
    const auto other = raw_request(server.port(),
                                   "POST /v1/rooms/trip/state HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Length: 1000000\r\n\r\n");
    CHECK(other.status == 400);
    CHECK(stored_files(server) == 0);
}

TEST_CASE("a retry with the same Idempotency-Key gets the first answer, and the photo is one file on disk")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto bytes = photo();
    const auto first = upload(server, "trip", token, bytes, {.idempotency_key = "offline-7f3a"});
    const auto retry = upload(server, "trip", token, bytes, {.idempotency_key = "offline-7f3a"});
    REQUIRE_MESSAGE(first.status == 201, first.body);
    REQUIRE_MESSAGE(retry.status == 201, retry.body);
    CHECK(json_body(retry).at("id") == json_body(first).at("id"));
    CHECK(retry.header("Idempotent-Replayed") == "true");
    CHECK(first.header("Idempotent-Replayed").empty());
    CHECK(stored_files(server) == 1);
    // Without the key, the same photo is a second attachment of the same file.
    const auto fresh = upload(server, "trip", token, bytes);
    CHECK(json_body(fresh).at("id") != json_body(first).at("id"));
    CHECK(stored_files(server) == 1);
    // A key that is no request id is refused.
    CHECK(upload(server, "trip", token, bytes, {.idempotency_key = std::string(200, 'k')}).status == 400);
}

TEST_CASE("attachments are still served after the server is killed and restarted; the retry key too")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto r = upload(server, "trip", token, photo(), {.idempotency_key = "before-the-crash"});
    REQUIRE(r.status == 201);
    const std::string id(json_body(r).at("id").as_string());
    const auto before = get(server, "/v1/rooms/trip/attachments/" + id, token);
    REQUIRE(before.status == 200);

    server.kill9();
    server.start();
    const auto after = get(server, "/v1/rooms/trip/attachments/" + id, token);
    CHECK(after.status == 200);
    CHECK(after.body == before.body);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id + "/thumbnail", token).status == 200);
    const auto retry = upload(server, "trip", token, photo(), {.idempotency_key = "before-the-crash"});
    CHECK(json_body(retry).at("id").as_string() == id);
    CHECK(stored_files(server) == 1);
}

TEST_CASE("a deleted attachment answers 410 Gone, and its bytes are off the disk")
{
    server_process server;
    const auto token = server.token("trip", "ana");
    const auto r = upload(server, "trip", token, photo());
    REQUIRE(r.status == 201);
    const std::string id(json_body(r).at("id").as_string());
    REQUIRE(stored_files(server) == 1);

    // Moderation's deletion comes with the protocol; until then the store is
    // reached directly (a second SQLite connection beside the server's).
    {
        auto store = media::file_attachment_store::open(server.data_dir());
        REQUIRE(store->mark_deleted(id, 1));
    }
    const auto gone = get(server, "/v1/rooms/trip/attachments/" + id, token);
    CHECK(gone.status == 410);
    CHECK(error_of(gone).find("deleted") != std::string::npos);
    CHECK(get(server, "/v1/rooms/trip/attachments/" + id + "/thumbnail", token).status == 410);
    CHECK(stored_files(server) == 0);
}

TEST_CASE("a network invitation uploads where the network makes its holder a participant; others are refused")
{
    server_process server({"--admin-key", admin_key});
    make_network(server, "na");
    make_network(server, "nb");
    const auto luis =
        invite(server, "na", R"({"subject": "lu", "name": "Luis", "role": "participant", "city_id": "lisbon"})");
    const auto olga = invite(server, "na", R"({"subject": "ol", "name": "Olga", "role": "observer"})");
    const auto ben = invite(server, "nb", R"({"subject": "be", "name": "Ben", "role": "participant"})");

    // In his city's living lab Luis is a participant: the photo is stored and
    // the room's log has it under his name.
    const auto r = upload(server, "na-lab", luis.token, photo());
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(json_body(r).at("id").as_string());
    CHECK(stored_files(server) == 1);
    {
        client fay(server.options("na-lab", "fay", pb::ROLE_FACILITATOR));
        join_or_fail(fay);
        const auto replica = fay.replica();
        const auto& attachments = replica.data().attachments;
        REQUIRE(attachments.contains(id));
        CHECK(attachments.at(id).uploader_id() == "lu");
    }
    CHECK(get(server, "/v1/rooms/na-lab/attachments/" + id, luis.token).status == 200);
    // An observer of the network may look, not upload.
    CHECK(get(server, "/v1/rooms/na-lab/attachments/" + id, olga.token).status == 200);
    const auto by_observer = upload(server, "na-lab", olga.token, photo());
    CHECK(by_observer.status == 403);
    CHECK(error_of(by_observer).find("ERROR_CODE_PERMISSION_DENIED") != std::string::npos);
    // The study trip is not his living lab: there the network makes him an
    // observer (members_elsewhere), whatever his invitation claims.
    const auto elsewhere = upload(server, "na-trip", luis.token, photo());
    CHECK(elsewhere.status == 403);
    CHECK(error_of(elsewhere).find("role is observer") != std::string::npos);
    // Another network's invitation, for upload and for reading.
    const auto other_network = upload(server, "na-lab", ben.token, photo());
    CHECK(other_network.status == 403);
    CHECK(error_of(other_network).find("ERROR_CODE_TOKEN_WRONG_NETWORK") != std::string::npos);
    CHECK(get(server, "/v1/rooms/na-lab/attachments/" + id, ben.token).status == 403);
    // A revoked invitation.
    REQUIRE(admin_call(server, "POST", "/v1/admin/revocations", R"({"jti": ")" + luis.jti + R"("})").status < 300);
    const auto revoked = upload(server, "na-lab", luis.token, photo());
    CHECK(revoked.status == 401);
    CHECK(error_of(revoked).find("ERROR_CODE_TOKEN_REVOKED") != std::string::npos);
    CHECK(get(server, "/v1/rooms/na-lab/attachments/" + id, luis.token).status == 401);
    // Nothing refused was stored.
    CHECK(stored_files(server) == 1);
}

TEST_CASE("on PostgreSQL, a photo uploaded to one node is served by another; an upload there is sent to the "
          "room's owner")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    const auto node = [&url](const std::string& id) {
        return std::vector<std::string>{"--store", url, "--node-id", id, "--lease-ms", "1000"};
    };
    server_process a(node("node-a"));
    server_process b(node("node-b"));

    const auto bytes = photo();
    const auto r = upload(a, "trip", a.token("trip", "ana"), bytes, {.idempotency_key = "taken-on-a"});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const std::string id(json_body(r).at("id").as_string());
    const auto on_a = get(a, "/v1/rooms/trip/attachments/" + id, a.token("trip", "ana"));
    REQUIRE(on_a.status == 200);

    // Node b never took the upload, and serves it: the bytes are in the database.
    const auto token_b = b.token("trip", "ben");
    const auto on_b = get(b, "/v1/rooms/trip/attachments/" + id, token_b);
    CHECK(on_b.status == 200);
    CHECK(on_b.body == on_a.body);
    CHECK(get(b, "/v1/rooms/trip/attachments/" + id + "/thumbnail", token_b).status == 200);
    CHECK(stored_files(a) == 0);
    CHECK(stored_files(b) == 0);

    // Ana's retry reaches node b (her first answer was lost): b sends it to
    // the room's owner, where the same request gets the first attachment.
    const auto retry = upload(b, "trip", b.token("trip", "ana"), bytes, {.idempotency_key = "taken-on-a"});
    REQUIRE_MESSAGE(retry.status == 307, retry.body);
    CHECK(retry.header("Location") == "http://127.0.0.1:" + std::to_string(a.port()) + "/v1/rooms/trip/attachments");
    CHECK(error_of(retry).find("Idempotency-Key") != std::string::npos);
    const auto followed = upload(a, "trip", a.token("trip", "ana"), bytes, {.idempotency_key = "taken-on-a"});
    CHECK(followed.status == 201);
    CHECK(json_body(followed).at("id").as_string() == id);
    CHECK(followed.header("Idempotent-Replayed") == "true");
}
