// Layer: media. The attachments of one node: content-addressed files and
// the SQLite metadata index beside them (see attachment_store.hpp).
#include "media/attachment_store.hpp"

#include "store/random_hex.hpp"
#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace maptable::media {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path)
{
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void fsync_directory(const fs::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw_errno("cannot open the directory", dir);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0)
        throw_errno("cannot fsync the directory", dir);
}

// Writes bytes to path whole or not at all: a temporary file in the same
// directory, fsynced, renamed over path, then the directory fsynced so that
// the rename itself survives a power cut.
void write_durably(const fs::path& path, std::string_view bytes)
{
    const auto dir = path.parent_path();
    auto temp = path;
    temp += ".tmp-" + store::random_hex(4, "a temporary file name");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        throw_errno("cannot create", temp);
    std::size_t written = 0;
    while (written < bytes.size()) {
        const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            errno = saved;
            throw_errno("cannot write", temp);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int saved = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        errno = saved;
        throw_errno("cannot fsync", temp);
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        throw_errno("cannot rename into place", path);
    }
    fsync_directory(dir);
}

// Stores bytes under path unless a file of the same size is there already
// (content-addressed: same name, same bytes).
void write_once(const fs::path& path, std::string_view bytes)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!ec && size == bytes.size())
        return;
    write_durably(path, bytes);
}

std::optional<std::string> read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return std::nullopt;
    return bytes;
}

// ---------------------------------------------------------------- SQLite index

// Every statement names this database in its errors.
constexpr const char* index_name = "attachment index";

constexpr const char* columns =
    "id, room, uploader, type, sha256, size, width, height, gps_lat, gps_lon, has_thumbnail, created_ms, "
    "deleted_ms, idempotency_key";

std::string text_column(sqlite3_stmt* s, int i)
{
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

attachment_record row_to_record(sqlite3_stmt* s)
{
    attachment_record r;
    r.id = text_column(s, 0);
    r.room = text_column(s, 1);
    r.uploader = text_column(s, 2);
    const auto type = type_from_name(text_column(s, 3));
    if (!type)
        throw std::runtime_error("attachment index: attachment " + r.id + " has an unknown type");
    r.type = *type;
    r.sha256 = text_column(s, 4);
    r.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 5));
    r.width = sqlite3_column_int(s, 6);
    r.height = sqlite3_column_int(s, 7);
    if (sqlite3_column_type(s, 8) != SQLITE_NULL && sqlite3_column_type(s, 9) != SQLITE_NULL)
        r.gps = gps_position{sqlite3_column_double(s, 8), sqlite3_column_double(s, 9)};
    r.has_thumbnail = sqlite3_column_int(s, 10) != 0;
    r.created_ms = sqlite3_column_int64(s, 11);
    if (sqlite3_column_type(s, 12) != SQLITE_NULL)
        r.deleted_ms = sqlite3_column_int64(s, 12);
    r.idempotency_key = text_column(s, 13);
    return r;
}

class sqlite_attachment_index final : public attachment_index {
public:
    explicit sqlite_attachment_index(const fs::path& file)
    {
        if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                            nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("cannot open the attachment index " + file.string() + ": " + message);
        }
        sqlite3_busy_timeout(db_, 5000);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("CREATE TABLE IF NOT EXISTS attachments ("
             " id TEXT PRIMARY KEY,"
             " room TEXT NOT NULL,"
             " uploader TEXT NOT NULL,"
             " type TEXT NOT NULL,"
             " sha256 TEXT NOT NULL,"
             " size INTEGER NOT NULL,"
             " width INTEGER NOT NULL,"
             " height INTEGER NOT NULL,"
             " gps_lat REAL,"
             " gps_lon REAL,"
             " has_thumbnail INTEGER NOT NULL,"
             " created_ms INTEGER NOT NULL,"
             " deleted_ms INTEGER,"
             " idempotency_key TEXT)");
        // A retried upload finds its first answer by the client's key.
        exec("CREATE UNIQUE INDEX IF NOT EXISTS attachments_by_key ON attachments (room, uploader, idempotency_key)"
             " WHERE idempotency_key IS NOT NULL");
        // Whether a file is still needed, when one of its attachments is deleted.
        exec("CREATE INDEX IF NOT EXISTS attachments_by_sha ON attachments (sha256)");
        // Moderation deletes a room's attachments (and will, by feature).
        exec("CREATE INDEX IF NOT EXISTS attachments_by_room ON attachments (room)");
    }

    ~sqlite_attachment_index() override { sqlite3_close(db_); }

    attachment_record insert(const attachment_record& r) override
    {
        store::sqlite_statement s(
            db_,
            "INSERT INTO attachments (id, room, uploader, type, sha256, size, width, height, gps_lat,"
            " gps_lon, has_thumbnail, created_ms, deleted_ms, idempotency_key)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13)"
            " ON CONFLICT DO NOTHING",
            index_name);
        s.bind(1, r.id);
        s.bind(2, r.room);
        s.bind(3, r.uploader);
        s.bind(4, type_name(r.type));
        s.bind(5, r.sha256);
        s.bind(6, static_cast<std::int64_t>(r.size));
        s.bind(7, static_cast<std::int64_t>(r.width));
        s.bind(8, static_cast<std::int64_t>(r.height));
        if (r.gps) {
            s.bind(9, r.gps->lat);
            s.bind(10, r.gps->lon);
        } else {
            s.bind_null(9);
            s.bind_null(10);
        }
        s.bind(11, static_cast<std::int64_t>(r.has_thumbnail ? 1 : 0));
        s.bind(12, r.created_ms);
        if (r.idempotency_key.empty())
            s.bind_null(13);
        else
            s.bind(13, r.idempotency_key);
        s.next();
        if (sqlite3_changes(db_) == 1 || r.idempotency_key.empty())
            return r;
        if (auto earlier = find_by_key(r.room, r.uploader, r.idempotency_key))
            return *earlier;
        throw std::runtime_error("attachment index: attachment " + r.id + " was neither stored nor found by its key");
    }

    std::optional<attachment_record> find(std::string_view id) override
    {
        store::sqlite_statement s(db_, (std::string("SELECT ") + columns + " FROM attachments WHERE id = ?1"),
                                  index_name);
        s.bind(1, id);
        if (!s.next())
            return std::nullopt;
        return row_to_record(s.get());
    }

    std::optional<attachment_record> find_by_key(std::string_view room, std::string_view uploader,
                                                 std::string_view key) override
    {
        store::sqlite_statement s(db_,
                                  (std::string("SELECT ") + columns +
                                   " FROM attachments WHERE room = ?1 AND uploader = ?2 AND idempotency_key = ?3"),
                                  index_name);
        s.bind(1, room);
        s.bind(2, uploader);
        s.bind(3, key);
        if (!s.next())
            return std::nullopt;
        return row_to_record(s.get());
    }

    bool mark_deleted(std::string_view id, std::int64_t now_ms) override
    {
        store::sqlite_statement s(db_, "UPDATE attachments SET deleted_ms = COALESCE(deleted_ms, ?2) WHERE id = ?1",
                                  index_name);
        s.bind(1, id);
        s.bind(2, now_ms);
        s.next();
        return sqlite3_changes(db_) == 1;
    }

    bool in_use(std::string_view sha256) override
    {
        store::sqlite_statement s(db_, "SELECT 1 FROM attachments WHERE sha256 = ?1 AND deleted_ms IS NULL LIMIT 1",
                                  index_name);
        s.bind(1, sha256);
        return s.next();
    }

private:
    void exec(const char* sql)
    {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            std::string message = error ? error : "unknown error";
            sqlite3_free(error);
            throw std::runtime_error("attachment index: " + message);
        }
    }

    sqlite3* db_ = nullptr;
};

} // namespace

std::unique_ptr<attachment_index> open_sqlite_attachment_index(const fs::path& file)
{
    return std::make_unique<sqlite_attachment_index>(file);
}

file_attachment_store::file_attachment_store(fs::path root, std::unique_ptr<attachment_index> index)
    : root_(std::move(root)), index_(std::move(index))
{
    fs::create_directories(root_);
}

std::unique_ptr<file_attachment_store> file_attachment_store::open(const fs::path& data_dir)
{
    const auto root = data_dir / "attachments";
    fs::create_directories(root);
    return std::make_unique<file_attachment_store>(root, open_sqlite_attachment_index(root / "index.db"));
}

fs::path file_attachment_store::blob_path(std::string_view sha256) const
{
    return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

fs::path file_attachment_store::thumbnail_path(std::string_view sha256) const
{
    auto path = blob_path(sha256);
    path += ".thumb";
    return path;
}

attachment_store::put_result file_attachment_store::store(const attachment_record& record,
                                                          const processed_upload& upload)
{
    std::lock_guard lock(mutex_);
    if (!record.idempotency_key.empty())
        if (auto earlier = index_->find_by_key(record.room, record.uploader, record.idempotency_key))
            return {std::move(*earlier), false};
    // The files first, then the row: a row never names a file that is not
    // whole on disk. A crash between the two leaves a file no row names,
    // which a later upload of the same bytes reuses.
    const auto dir = blob_path(record.sha256).parent_path();
    if (!fs::exists(dir)) {
        fs::create_directories(dir);
        fsync_directory(root_);
    }
    write_once(blob_path(record.sha256), upload.bytes);
    if (record.has_thumbnail)
        write_once(thumbnail_path(record.sha256), upload.thumbnail);
    auto stored = index_->insert(record);
    const bool created = stored.id == record.id;
    return {std::move(stored), created};
}

std::optional<attachment_record> file_attachment_store::find(std::string_view id)
{
    std::lock_guard lock(mutex_);
    return index_->find(id);
}

std::optional<attachment_record> file_attachment_store::find_by_key(std::string_view room, std::string_view uploader,
                                                                    std::string_view idempotency_key)
{
    std::lock_guard lock(mutex_);
    return index_->find_by_key(room, uploader, idempotency_key);
}

std::optional<std::string> file_attachment_store::read(const attachment_record& record)
{
    return read_file(blob_path(record.sha256));
}

std::optional<std::string> file_attachment_store::read_thumbnail(const attachment_record& record)
{
    if (!record.has_thumbnail)
        return std::nullopt;
    return read_file(thumbnail_path(record.sha256));
}

bool file_attachment_store::mark_deleted(std::string_view id, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    const auto record = index_->find(id);
    if (!record || !index_->mark_deleted(id, now_ms))
        return false;
    if (!index_->in_use(record->sha256)) {
        std::error_code ignored;
        fs::remove(blob_path(record->sha256), ignored);
        fs::remove(thumbnail_path(record->sha256), ignored);
        fsync_directory(blob_path(record->sha256).parent_path());
    }
    return true;
}

std::string file_attachment_store::where(const attachment_record& record) const
{
    return blob_path(record.sha256).string();
}

std::string file_attachment_store::describe() const
{
    return root_.string();
}

} // namespace maptable::media
