// Layer: media. Attachments in the PostgreSQL database of the event log
// (tables attachments and attachment_blobs, created by the log's schema
// migration 3): every node of a deployment on one database serves every
// upload, whichever node took it, and a backup of the database holds them.
//
// Across nodes, an upload and a deletion of the same bytes take one
// transaction-scoped advisory lock on the bytes' hash, as the file store's
// mutex does on one node: a deletion never removes bytes that an upload on
// another node has just counted on.
#pragma once

#include "media/attachment_store.hpp"

#include <memory>
#include <string>

namespace maptable::media {

// Connects to url (a postgresql:// URL). The tables must exist: open the
// event log, which migrates the schema, first. Throws store::pg_error when
// the database cannot be reached.
std::unique_ptr<attachment_store> open_postgres_attachment_store(const std::string& url);

// The lock an upload or a deletion of the bytes with SHA-256 $1 holds until
// its transaction ends. (hashtextextended: advisory lock keys are bigints.)
inline constexpr const char* lock_bytes_sql = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7809644666444391781))";

} // namespace maptable::media
