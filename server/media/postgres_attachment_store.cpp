// Layer: media. Attachments on PostgreSQL (see postgres_attachment_store.hpp).
// One connection behind a mutex; every statement's values sent as
// parameters, in binary.
#include "media/postgres_attachment_store.hpp"

#include "store/pg_connection.hpp"

#include <mutex>
#include <stdexcept>

namespace maptable::media {

namespace {

using store::pg_params;
using store::pg_rows;

constexpr const char* select_record =
    "SELECT id, room, uploader, type, sha256, size, width, height, gps_lat, gps_lon, has_thumbnail, created_ms, "
    "deleted_ms, idempotency_key FROM attachments ";

attachment_record read_record(const pg_rows& rows, int i)
{
    attachment_record r;
    r.id = rows.text(i, 0);
    r.room = rows.text(i, 1);
    r.uploader = rows.text(i, 2);
    const auto type = type_from_name(rows.text(i, 3));
    if (!type)
        throw std::runtime_error("attachments: attachment " + r.id + " has an unknown type");
    r.type = *type;
    r.sha256 = rows.text(i, 4);
    r.size = static_cast<std::uint64_t>(rows.integer(i, 5));
    r.width = static_cast<int>(rows.integer(i, 6));
    r.height = static_cast<int>(rows.integer(i, 7));
    if (!rows.is_null(i, 8) && !rows.is_null(i, 9))
        r.gps = gps_position{rows.real(i, 8), rows.real(i, 9)};
    r.has_thumbnail = rows.integer(i, 10) != 0;
    r.created_ms = rows.integer(i, 11);
    if (!rows.is_null(i, 12))
        r.deleted_ms = rows.integer(i, 12);
    if (!rows.is_null(i, 13))
        r.idempotency_key = rows.text(i, 13);
    return r;
}

std::optional<attachment_record> first(const pg_rows& rows)
{
    if (rows.size() == 0)
        return std::nullopt;
    return read_record(rows, 0);
}

class postgres_attachment_store final : public attachment_store {
public:
    explicit postgres_attachment_store(const std::string& url) : conn_(url, false) {}

    std::optional<attachment_record> find(std::string_view id) override
    {
        std::lock_guard lock(mutex_);
        return first(conn_.exec((std::string(select_record) + "WHERE id = $1").c_str(), pg_params().text(id)));
    }

    std::optional<attachment_record> find_by_key(std::string_view room, std::string_view uploader,
                                                 std::string_view key) override
    {
        std::lock_guard lock(mutex_);
        return find_by_key_locked(room, uploader, key);
    }

    std::optional<std::string> read(const attachment_record& record) override
    {
        return read_column("bytes", record.sha256);
    }

    std::optional<std::string> read_thumbnail(const attachment_record& record) override
    {
        if (!record.has_thumbnail)
            return std::nullopt;
        return read_column("thumbnail", record.sha256);
    }

    bool mark_deleted(std::string_view id, std::int64_t now_ms) override
    {
        std::lock_guard lock(mutex_);
        return in_transaction([&] {
            const auto found = conn_.exec("SELECT sha256 FROM attachments WHERE id = $1", pg_params().text(id));
            if (found.size() == 0)
                return false;
            const auto sha256 = found.text(0, 0);
            conn_.exec(lock_bytes_sql, pg_params().text(sha256));
            conn_.exec("UPDATE attachments SET deleted_ms = COALESCE(deleted_ms, $2) WHERE id = $1",
                       pg_params().text(id).integer(now_ms));
            // Under the lock, this statement's snapshot sees every upload of
            // these bytes that committed before it.
            conn_.exec("DELETE FROM attachment_blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM attachments "
                       "WHERE sha256 = $1 AND deleted_ms IS NULL)",
                       pg_params().text(sha256));
            return true;
        });
    }

    std::string where(const attachment_record& record) const override
    {
        return "attachment_blobs row " + record.sha256 + " in postgresql " + conn_.where();
    }

    std::string describe() const override { return "postgresql " + conn_.where(); }

private:
    put_result store(const attachment_record& record, const processed_upload& upload) override
    {
        std::lock_guard lock(mutex_);
        auto stored = in_transaction([&]() -> std::optional<put_result> {
            conn_.exec(lock_bytes_sql, pg_params().text(record.sha256));
            if (!record.idempotency_key.empty())
                if (auto earlier = find_by_key_locked(record.room, record.uploader, record.idempotency_key))
                    return put_result{std::move(*earlier), false};
            // The bytes and the row commit together: a row never names bytes
            // that are not there.
            pg_params blob;
            blob.text(record.sha256).bytes(upload.bytes);
            if (record.has_thumbnail)
                blob.bytes(upload.thumbnail);
            else
                blob.null_bytes();
            conn_.exec("INSERT INTO attachment_blobs(sha256, bytes, thumbnail) VALUES($1, $2, $3) "
                       "ON CONFLICT (sha256) DO NOTHING",
                       blob);
            pg_params row;
            row.text(record.id)
                .text(record.room)
                .text(record.uploader)
                .text(type_name(record.type))
                .text(record.sha256)
                .integer(static_cast<std::int64_t>(record.size))
                .integer(record.width)
                .integer(record.height);
            if (record.gps)
                row.real(record.gps->lat).real(record.gps->lon);
            else
                row.null_real().null_real();
            row.integer(record.has_thumbnail ? 1 : 0).integer(record.created_ms);
            if (record.idempotency_key.empty())
                row.null_text();
            else
                row.text(record.idempotency_key);
            const auto inserted = conn_.exec(
                "INSERT INTO attachments(id, room, uploader, type, sha256, size, width, height, gps_lat, gps_lon, "
                "has_thumbnail, created_ms, deleted_ms, idempotency_key) "
                "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13) ON CONFLICT DO NOTHING",
                row);
            if (inserted.affected() == 1)
                return put_result{record, true};
            return std::nullopt; // the key, taken meanwhile by an upload of other bytes: rolled back
        });
        if (stored)
            return std::move(*stored);
        if (auto earlier = find_by_key_locked(record.room, record.uploader, record.idempotency_key))
            return {std::move(*earlier), false};
        throw std::runtime_error("attachments: attachment " + record.id + " was neither stored nor found by its key");
    }

    std::optional<attachment_record> find_by_key_locked(std::string_view room, std::string_view uploader,
                                                        std::string_view key)
    {
        return first(conn_.exec(
            (std::string(select_record) + "WHERE room = $1 AND uploader = $2 AND idempotency_key = $3").c_str(),
            pg_params().text(room).text(uploader).text(key)));
    }

    std::optional<std::string> read_column(const char* column, const std::string& sha256)
    {
        std::lock_guard lock(mutex_);
        const auto rows =
            conn_.exec((std::string("SELECT ") + column + " FROM attachment_blobs WHERE sha256 = $1").c_str(),
                       pg_params().text(sha256));
        if (rows.size() == 0 || rows.is_null(0, 0))
            return std::nullopt;
        return rows.text(0, 0);
    }

    // Runs work in one transaction: committed when it returns a value that
    // is not empty (true, or a result), rolled back otherwise or when it throws.
    template <class Work>
    auto in_transaction(Work work) -> decltype(work())
    {
        conn_.exec("BEGIN");
        try {
            auto result = work();
            conn_.exec(result ? "COMMIT" : "ROLLBACK");
            return result;
        } catch (...) {
            conn_.rollback_quietly();
            throw;
        }
    }

    std::mutex mutex_;
    store::pg_connection conn_;
};

} // namespace

std::unique_ptr<attachment_store> open_postgres_attachment_store(const std::string& url)
{
    return std::make_unique<postgres_attachment_store>(url);
}

} // namespace maptable::media
