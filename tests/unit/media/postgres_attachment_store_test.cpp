// Unit tests, media: attachments on a real PostgreSQL (started by the test,
// tests/unit/store/postgres_server.hpp), as several nodes share them: two
// stores on one database stand for two nodes. Skips, with a message, only
// when PostgreSQL's binaries are not installed.
#include "media/postgres_attachment_store.hpp"
#include "postgres_server.hpp"
#include "store/pg_connection.hpp"
#include "store/postgres_event_log.hpp"
#include "test_images.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace maptable::media;
namespace t = maptable::media::testing;
using maptable::testing::postgres_server;

namespace {

// A fresh database with the event log's schema (which holds the attachment tables).
std::string migrated_database(postgres_server& server)
{
    const auto url = server.create_database();
    maptable::store::postgres_event_log log(url);
    return url;
}

processed_upload photo(int width = 48)
{
    auto result = process_upload(t::with_exif(t::make_image("jpeg", width, 24), {}), {}, {});
    REQUIRE(std::holds_alternative<processed_upload>(result));
    return std::get<processed_upload>(std::move(result));
}

} // namespace

TEST_CASE("on PostgreSQL, an upload taken by one node is found and read, bytes and thumbnail, by another")
{
    SKIP_WITHOUT_POSTGRES(server);
    const auto url = migrated_database(*server);
    auto node1 = open_postgres_attachment_store(url);
    auto node2 = open_postgres_attachment_store(url);
    const auto upload = photo();
    REQUIRE(upload.gps);
    const auto put = node1->put(upload, "room-a", "alice", "", 1000);
    CHECK(put.created);

    const auto found = node2->find(put.record.id);
    REQUIRE(found);
    CHECK(found->room == "room-a");
    CHECK(found->uploader == "alice");
    CHECK(found->type == media_type::jpeg);
    CHECK(found->sha256 == sha256_hex(upload.bytes));
    CHECK(found->size == upload.bytes.size());
    CHECK(found->width == 24);
    CHECK(found->height == 48);
    REQUIRE(found->gps);
    // Bit for bit: float8 travels in binary.
    CHECK(found->gps->lat == upload.gps->lat);
    CHECK(found->gps->lon == upload.gps->lon);
    CHECK(found->has_thumbnail);
    CHECK(found->created_ms == 1000);
    CHECK_FALSE(found->deleted_ms);
    CHECK(node2->read(*found) == upload.bytes);
    CHECK(node2->read_thumbnail(*found) == upload.thumbnail);
    CHECK_FALSE(node2->find("0123456789abcdef0123456789abcdef"));
}

TEST_CASE("on PostgreSQL, a retry on another node with the same key gets the first record, and the bytes are "
          "stored once")
{
    SKIP_WITHOUT_POSTGRES(server);
    const auto url = migrated_database(*server);
    auto node1 = open_postgres_attachment_store(url);
    auto node2 = open_postgres_attachment_store(url);
    const auto upload = photo();
    const auto first = node1->put(upload, "room-a", "alice", "req-1", 1000);
    const auto again = node2->put(upload, "room-a", "alice", "req-1", 2000);
    CHECK(first.created);
    CHECK_FALSE(again.created);
    CHECK(again.record.id == first.record.id);
    CHECK(again.record.created_ms == 1000);
    CHECK(node2->find_by_key("room-a", "alice", "req-1")->id == first.record.id);
    // Bob's same key is his own upload; the same bytes are still one row.
    const auto bob = node2->put(upload, "room-a", "bob", "req-1", 3000);
    CHECK(bob.created);
    CHECK(bob.record.id != first.record.id);
    // A PDF: stored as sent, no thumbnail.
    auto pdf = check_pdf(t::minimal_pdf(), {});
    REQUIRE(std::holds_alternative<processed_upload>(pdf));
    const auto doc = node1->put(std::get<processed_upload>(pdf), "room-a", "alice", "", 1).record;
    CHECK_FALSE(node2->find(doc.id)->has_thumbnail);
    CHECK(node2->read(doc) == t::minimal_pdf());
    CHECK_FALSE(node2->read_thumbnail(doc));
    CHECK_FALSE(node2->find(doc.id)->gps);
}

TEST_CASE("on PostgreSQL, a deletion on one node is seen by the other; the bytes go with the last attachment "
          "that has them")
{
    SKIP_WITHOUT_POSTGRES(server);
    const auto url = migrated_database(*server);
    auto node1 = open_postgres_attachment_store(url);
    auto node2 = open_postgres_attachment_store(url);
    const auto upload = photo();
    const auto in_a = node1->put(upload, "room-a", "alice", "", 1000).record;
    const auto in_b = node2->put(upload, "room-b", "bob", "", 1000).record;

    CHECK(node2->mark_deleted(in_a.id, 5000));
    CHECK(node1->find(in_a.id)->deleted_ms == 5000);
    CHECK(node1->read(in_b) == upload.bytes);

    CHECK(node1->mark_deleted(in_b.id, 6000));
    CHECK_FALSE(node2->read(in_b));
    CHECK_FALSE(node2->read_thumbnail(in_b));
    // Deleting again keeps the first time; an unknown id is false.
    CHECK(node2->mark_deleted(in_b.id, 7000));
    CHECK(node1->find(in_b.id)->deleted_ms == 6000);
    CHECK_FALSE(node1->mark_deleted("0123456789abcdef0123456789abcdef", 1));
    // Uploaded again, the bytes are back for the new attachment.
    const auto again = node1->put(upload, "room-a", "alice", "", 8000).record;
    CHECK(node2->read(again) == upload.bytes);
}

TEST_CASE("on PostgreSQL, a deletion waits for an upload of the same bytes on another node, and keeps the bytes "
          "that upload needs")
{
    SKIP_WITHOUT_POSTGRES(server);
    const auto url = migrated_database(*server);
    auto node1 = open_postgres_attachment_store(url);
    auto node2 = open_postgres_attachment_store(url);
    const auto upload = photo();
    const auto old = node1->put(upload, "room-a", "alice", "", 1000).record;

    // Another node's upload of the same bytes, caught in the middle: its
    // transaction holds the bytes' lock and has just added its row.
    maptable::store::pg_connection other(url, false);
    other.exec("BEGIN");
    other.exec(lock_bytes_sql, maptable::store::pg_params().text(old.sha256));
    const std::string new_id = "0123456789abcdef0123456789abcdef";
    other.exec("INSERT INTO attachments(id, room, uploader, type, sha256, size, width, height, has_thumbnail, "
               "created_ms) SELECT $1, room, 'bob', type, sha256, size, width, height, has_thumbnail, 2000 FROM "
               "attachments WHERE id = $2",
               maptable::store::pg_params().text(new_id).text(old.id));

    // The last attachment the deletion can see goes meanwhile.
    std::atomic<bool> deleted{false};
    std::thread deleting([&] {
        node2->mark_deleted(old.id, 3000);
        deleted = true;
    });
    // Until the deletion waits for the lock (or, were it not to, is done).
    maptable::store::pg_connection watcher(url, true);
    while (!deleted && watcher.exec("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").size() == 0)
        std::this_thread::yield();
    other.exec("COMMIT");
    deleting.join();

    CHECK(node1->find(old.id)->deleted_ms == 3000);
    const auto kept = node1->find(new_id);
    REQUIRE(kept);
    CHECK(node1->read(*kept) == upload.bytes);
    CHECK(node1->read_thumbnail(*kept) == upload.thumbnail);
}
