// Unit tests, media: the content-addressed files and their metadata, on a
// real directory and a real SQLite file.
#include "media/attachment_store.hpp"
#include "test_images.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

using namespace maptable::media;
namespace t = maptable::media::testing;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        std::random_device rd;
        path = fs::temp_directory_path() / ("maptable-media-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

processed_upload photo()
{
    auto result = process_upload(t::with_exif(t::make_image("jpeg", 48, 24), {}), {}, {});
    REQUIRE(std::holds_alternative<processed_upload>(result));
    return std::get<processed_upload>(std::move(result));
}

std::size_t files_under(const fs::path& root, std::string_view suffix = {})
{
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().parent_path() != root &&
            (suffix.empty() ? e.path().extension() != ".thumb" : e.path().extension() == suffix))
            ++n;
    return n;
}

} // namespace

TEST_CASE("an attachment is stored under its content's SHA-256, with a thumbnail, and read back")
{
    temp_dir dir;
    auto store = file_attachment_store::open(dir.path);
    const auto upload = photo();
    const auto put = store->put(upload, "room-a", "alice", "", 1000);
    CHECK(put.created);
    const auto& r = put.record;
    CHECK(valid_attachment_id(r.id));
    CHECK(r.sha256 == sha256_hex(upload.bytes));
    CHECK(fs::exists(dir.path / "attachments" / r.sha256.substr(0, 2) / r.sha256));
    CHECK(fs::exists(dir.path / "attachments" / r.sha256.substr(0, 2) / (r.sha256 + ".thumb")));
    CHECK(store->read(r) == upload.bytes);
    CHECK(store->read_thumbnail(r) == upload.thumbnail);
    // The stored file itself has no EXIF.
    CHECK_FALSE(t::has_exif_segment(*store->read(r)));

    const auto found = store->find(r.id);
    REQUIRE(found);
    CHECK(found->room == "room-a");
    CHECK(found->uploader == "alice");
    CHECK(found->type == media_type::jpeg);
    CHECK(found->size == upload.bytes.size());
    CHECK(found->width == 24);
    CHECK(found->height == 48);
    REQUIRE(found->gps);
    CHECK(found->gps->lat == doctest::Approx(upload.gps->lat));
    CHECK_FALSE(found->deleted_ms);
    CHECK_FALSE(store->find("0123456789abcdef0123456789abcdef"));
}

TEST_CASE("a retry with the same idempotency key gets the first record, and the bytes are one file")
{
    temp_dir dir;
    auto store = file_attachment_store::open(dir.path);
    const auto upload = photo();
    const auto first = store->put(upload, "room-a", "alice", "req-1", 1000);
    const auto again = store->put(upload, "room-a", "alice", "req-1", 2000);
    CHECK(first.created);
    CHECK_FALSE(again.created);
    CHECK(again.record.id == first.record.id);
    CHECK(again.record.created_ms == 1000);
    // The key is the uploader's in that room: another uploader's same key is another upload.
    const auto bob = store->put(upload, "room-a", "bob", "req-1", 3000);
    CHECK(bob.created);
    CHECK(bob.record.id != first.record.id);
    // Two attachments of the same bytes (alice's, retried once, and bob's): one file.
    CHECK(files_under(dir.path / "attachments") == 1);
    CHECK(files_under(dir.path / "attachments", ".thumb") == 1);
    CHECK(store->find_by_key("room-a", "alice", "req-1")->id == first.record.id);
}

TEST_CASE("attachments survive reopening the store")
{
    temp_dir dir;
    std::string id;
    std::string bytes;
    {
        auto store = file_attachment_store::open(dir.path);
        const auto put = store->put(photo(), "room-a", "alice", "k", 1000);
        id = put.record.id;
        bytes = *store->read(put.record);
    }
    auto store = file_attachment_store::open(dir.path);
    const auto found = store->find(id);
    REQUIRE(found);
    CHECK(store->read(*found) == bytes);
    CHECK(store->find_by_key("room-a", "alice", "k")->id == id);
}

TEST_CASE("mark_deleted: the record says deleted and the bytes leave the disk, unless another attachment has them")
{
    temp_dir dir;
    auto store = file_attachment_store::open(dir.path);
    const auto upload = photo();
    const auto in_a = store->put(upload, "room-a", "alice", "", 1000).record;
    const auto in_b = store->put(upload, "room-b", "bob", "", 1000).record;

    CHECK(store->mark_deleted(in_a.id, 5000));
    const auto deleted = store->find(in_a.id);
    REQUIRE(deleted);
    CHECK(deleted->deleted_ms == 5000);
    // Room b's attachment of the same bytes is untouched.
    CHECK_FALSE(store->find(in_b.id)->deleted_ms);
    CHECK(store->read(in_b) == upload.bytes);

    CHECK(store->mark_deleted(in_b.id, 6000));
    CHECK_FALSE(fs::exists(store->blob_path(in_b.sha256)));
    CHECK_FALSE(fs::exists(store->thumbnail_path(in_b.sha256)));
    CHECK_FALSE(store->read(in_b));
    // Deleting again keeps the first time; an unknown id is false.
    CHECK(store->mark_deleted(in_b.id, 7000));
    CHECK(store->find(in_b.id)->deleted_ms == 6000);
    CHECK_FALSE(store->mark_deleted("0123456789abcdef0123456789abcdef", 1));
}

TEST_CASE("a PDF is stored as sent, without a thumbnail file")
{
    temp_dir dir;
    auto store = file_attachment_store::open(dir.path);
    auto checked = check_pdf(t::minimal_pdf(), {});
    REQUIRE(std::holds_alternative<processed_upload>(checked));
    const auto r = store->put(std::get<processed_upload>(checked), "room-a", "alice", "", 1).record;
    CHECK(r.type == media_type::pdf);
    CHECK_FALSE(r.has_thumbnail);
    CHECK(store->read(r) == t::minimal_pdf());
    CHECK_FALSE(store->read_thumbnail(r));
    CHECK(files_under(dir.path / "attachments", ".thumb") == 0);
}

TEST_CASE("attachment ids are 32 lower-case hex digits, nothing else")
{
    CHECK(valid_attachment_id("0123456789abcdef0123456789abcdef"));
    CHECK_FALSE(valid_attachment_id("0123456789ABCDEF0123456789abcdef"));
    CHECK_FALSE(valid_attachment_id("../../../../etc/passwd"));
    CHECK_FALSE(valid_attachment_id(""));
}
