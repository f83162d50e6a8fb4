// Layer: media. Where attachments live: each upload's record (its id,
// room, uploader, type, size, GPS, whether it was deleted) and its bytes,
// stored once per content (SHA-256) however often, in however many rooms,
// they are uploaded. Each upload is its own attachment (its own random id,
// room, uploader), so deleting one room's attachment never touches another's.
//
// Two kinds, chosen with the event log's store:
//   - file_attachment_store (below): files beside the log, content-addressed,
//     with a SQLite index; one node.
//   - the PostgreSQL store (postgres_attachment_store.hpp): records and bytes
//     in the event log's database, so that every node serves every upload.
//
// Blocking (files, databases): call only from the work pool. Thread-safe.
#pragma once

#include "media/exif_gps.hpp"
#include "media/image_pipeline.hpp"
#include "media/sniff.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace maptable::media {

// One uploaded file, as the metadata records it.
struct attachment_record {
    std::string id; // 32 hex digits, random: not guessable from the content
    std::string room;
    std::string uploader; // the participant (the join token's subject)
    media_type type = media_type::jpeg;
    std::string sha256;     // of the stored bytes, hex: where they are on disk
    std::uint64_t size = 0; // of the stored bytes
    int width = 0;          // 0 for PDFs
    int height = 0;
    std::optional<gps_position> gps;
    bool has_thumbnail = false;
    std::int64_t created_ms = 0;            // server time, Unix milliseconds
    std::optional<std::int64_t> deleted_ms; // set by moderation; the bytes are then gone
    std::string idempotency_key;            // the client's request id; empty when none was sent
};

// The metadata of a file_attachment_store. Implementations are called under the store's
// mutex, one call at a time; they throw std::runtime_error when the
// database fails (an infrastructure failure, not the client's).
class attachment_index {
public:
    virtual ~attachment_index() = default;
    // Adds record, unless (room, uploader, idempotency_key) is taken by an
    // earlier one (a key is never empty here): then returns that one.
    virtual attachment_record insert(const attachment_record& record) = 0;
    virtual std::optional<attachment_record> find(std::string_view id) = 0;
    virtual std::optional<attachment_record> find_by_key(std::string_view room, std::string_view uploader,
                                                         std::string_view idempotency_key) = 0;
    // Marks id deleted at now_ms; false when there is no such id.
    virtual bool mark_deleted(std::string_view id, std::int64_t now_ms) = 0;
    // Whether an attachment that is not deleted stores these bytes.
    virtual bool in_use(std::string_view sha256) = 0;
};

// The metadata in a SQLite file of its own (WAL, synchronous=FULL: an upload
// is answered only after its row is durable). Its own file, not the event
// log's: the log's database belongs to the store layer's writer thread, and
// uploads must not queue behind (or in front of) a room's group commits.
std::unique_ptr<attachment_index> open_sqlite_attachment_index(const std::filesystem::path& file);

class attachment_store {
public:
    virtual ~attachment_store() = default;

    struct put_result {
        attachment_record record;
        bool created = false; // false: the idempotency key's earlier answer
    };

    // Stores upload for (room, uploader). With a non-empty idempotency_key
    // that this uploader already used in this room, stores nothing and
    // returns the first record: a client's retry gets the first answer.
    put_result put(const processed_upload& upload, std::string_view room, std::string_view uploader,
                   std::string_view idempotency_key, std::int64_t now_ms);

    virtual std::optional<attachment_record> find(std::string_view id) = 0;
    virtual std::optional<attachment_record> find_by_key(std::string_view room, std::string_view uploader,
                                                         std::string_view idempotency_key) = 0;

    // The stored bytes or thumbnail of a record; nullopt when they are
    // missing (deleted, or lost outside the server).
    virtual std::optional<std::string> read(const attachment_record& record) = 0;
    virtual std::optional<std::string> read_thumbnail(const attachment_record& record) = 0;

    // Moderation: the attachment is deleted (GET answers 410 Gone), and its
    // bytes and thumbnail are removed when no other attachment that is not
    // deleted has the same bytes. False when there is no such id.
    virtual bool mark_deleted(std::string_view id, std::int64_t now_ms) = 0;

    // Where a record's bytes are (a path, or the database), and where the
    // store is, for log lines.
    virtual std::string where(const attachment_record& record) const = 0;
    virtual std::string describe() const = 0;

protected:
    // Stores record (made by put, with a fresh id) and upload's bytes,
    // unless record's idempotency key is taken: then returns that record.
    virtual put_result store(const attachment_record& record, const processed_upload& upload) = 0;
};

// Files under <data-dir>/attachments, the metadata in index.db beside them:
//
//   <root>/<first 2 hex of sha256>/<sha256>          the stored bytes
//   <root>/<first 2 hex of sha256>/<sha256>.thumb    its thumbnail (photos)
//   <root>/index.db                                  the metadata (SQLite)
//
// A file is written to a temporary name, fsynced, renamed and its directory
// fsynced: after a crash it is either whole or absent, never half written.
// One mutex serialises writes and deletions, so that a deletion cannot
// unlink a file that a concurrent upload of the same bytes has just counted
// on.
class file_attachment_store final : public attachment_store {
public:
    // Files under root (created when missing), metadata in index.
    file_attachment_store(std::filesystem::path root, std::unique_ptr<attachment_index> index);
    // <data_dir>/attachments with its SQLite index.
    static std::unique_ptr<file_attachment_store> open(const std::filesystem::path& data_dir);

    std::optional<attachment_record> find(std::string_view id) override;
    std::optional<attachment_record> find_by_key(std::string_view room, std::string_view uploader,
                                                 std::string_view idempotency_key) override;
    std::optional<std::string> read(const attachment_record& record) override;
    std::optional<std::string> read_thumbnail(const attachment_record& record) override;
    bool mark_deleted(std::string_view id, std::int64_t now_ms) override;
    std::string where(const attachment_record& record) const override;
    std::string describe() const override;

    std::filesystem::path blob_path(std::string_view sha256) const;
    std::filesystem::path thumbnail_path(std::string_view sha256) const;
    const std::filesystem::path& root() const { return root_; }

private:
    put_result store(const attachment_record& record, const processed_upload& upload) override;

    std::filesystem::path root_;
    std::unique_ptr<attachment_index> index_;
    std::mutex mutex_;
};

// The SHA-256 of bytes, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// Whether text is an attachment id (32 lower-case hex digits): anything else
// is refused before it reaches a path or a query.
bool valid_attachment_id(std::string_view text);

} // namespace maptable::media
