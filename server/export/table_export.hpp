// Layer: export (pure: no I/O, no clock). A room's log folded once for every
// export, and the chat and the comment threads as JSON and CSV.
//
// Exports read the log, not only the state: the state keeps the newest 200
// chat messages and forgets deleted features and deleted words, while an
// export has every message and, for the audit trail (include_deleted), what
// moderation removed.
#pragma once

#include "export/room_kind_name.hpp"
#include "model/room_state.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace maptable::exports {

namespace pb = maptable::v1;

// A feature as it was when it was deleted.
struct deleted_feature {
    pb::Feature feature;
    std::string deleted_by; // participant id of whoever deleted it
    std::string reason;
    std::uint64_t seq = 0; // of the deletion
};

// Someone whose name is on an event of the log.
struct participant_seen {
    std::string id;
    std::string name;         // the newest name seen
    std::uint64_t events = 0; // events they caused
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
};

struct room_record {
    explicit room_record(std::string room_id) : state(std::move(room_id)) {}

    model::room_state state;                                // after the last event folded
    std::vector<pb::ChatMessage> chat;                      // every message, seq order, changes folded in
    std::map<std::uint64_t, std::string> deleted_chat_text; // seq -> the words before the deletion
    std::map<std::pair<std::string, std::uint64_t>, std::string> deleted_comment_text; // (thread, seq) -> words
    // Comments deleted after the seq an export is at (fold_later_deletion):
    // exported as deleted, with who deleted them and why. (thread, seq) ->
    // the deletion's event.
    std::map<std::pair<std::string, std::uint64_t>, pb::Event> later_comment_deletions;
    std::map<std::string, deleted_feature> deleted_features; // by id (the last deletion of an id)
    std::map<std::string, std::uint64_t> feature_session;    // feature id -> session it was added in
    std::map<std::string, participant_seen> participants;    // by id
    std::int64_t first_event_ms = 0;
    std::int64_t last_event_ms = 0;
};

// Folds events (seq order, from seq 1, no gaps) into a record. Events out of
// order are skipped, as room_state::apply does.
room_record fold_log(const std::string& room_id, std::span<const pb::Event> events);

// Folds one more event into record: the same as fold_log, a page at a time
// (a long log is read in pages, never held whole). False, and nothing
// changed, when e does not continue the record's seq.
bool fold_event(room_record& record, const pb::Event& e);

// An event after the seq an export is at (record was folded to that seq): only
// a deletion of chat or of a comment counts. What it takes back is exported as
// deleted, with who deleted it and why, its words only with include_deleted:
// an export at a past seq shows nothing that was taken back since, as the
// Welcome, chat history and replay do not.
void fold_later_deletion(room_record& record, const pb::Event& e);

// A comment of thread t as every export shows it: c, or c deleted when a
// deletion after the export's seq took it back (fold_later_deletion).
pb::Comment exported_comment(const room_record& record, const pb::Thread& t, const pb::Comment& c);

// Every chat message, oldest first: {"room_id", "seq", "messages": [{seq,
// time_ms, time (ISO 8601 UTC), author_id, author_name, text, reply_to,
// feature_id, mentions, edited_seq, deleted, deleted_by, delete_reason,
// reactions: [{emoji, participant_ids}], session_id}]}. A deleted message
// keeps its place with "text": "" unless include_deleted.
std::string chat_json(const room_record& record, bool include_deleted);

// The same, one row per message (RFC 4180: CRLF line ends, every field that
// holds a comma, quote, CR or LF quoted, quotes doubled; a text that starts
// like a spreadsheet formula neutralised, see csv_field). Reactions as
// "emoji count" pairs separated by spaces.
std::string chat_csv(const room_record& record, bool include_deleted);

// Every thread with its comments: {"room_id", "seq", "threads": [{id,
// feature_id, feature_title, position {lon, lat}, feature_deleted, resolved,
// resolved_by, author_id, created_seq, session_id, comments: [{seq, time_ms,
// time, author_id, author_name, text, edited_seq, deleted, deleted_by,
// delete_reason}]}]}, threads by id, comments oldest first.
std::string comments_json(const room_record& record, bool include_deleted);

// One row per comment, with its thread's columns first.
std::string comments_csv(const room_record& record, bool include_deleted);

// ---------------------------------------------------------------- helpers shared by the exports

// JSON text with doubles in their shortest exact form (Boost.JSON 1.81
// writes 18.4231 as 1.84231E1).
std::string write_json(const boost::json::value& value);

// Whether a spreadsheet would take value as a formula: it starts with =, +,
// -, @, a tab or a carriage return, and is not a plain number ("-33.92").
bool starts_like_formula(std::string_view value);

// One CSV field, quoted when it must be (RFC 4180). A value that starts like
// a formula is written as text, as OWASP recommends against CSV injection:
// a single quote before it, and the whole in quotes ("=1+1" -> "'=1+1").
std::string csv_field(std::string_view value);

// "2026-11-27T13:20:03.250Z" for Unix milliseconds.
std::string iso_time(std::int64_t unix_ms);

// The room's place in its learning network (docs/NETWORKS.md), as the
// exports name it: {"id": "<network>", "kind": "living_lab", "city_id":
// "<city>" or ""}. Its RoomInfo is the one record of it (set by the admin
// API in the room's own log), so an export at a past seq names the network
// the room was in then. nullopt for a room in no network: its exports keep
// the shape they always had.
std::optional<boost::json::object> network_place(const pb::RoomInfo& info);

} // namespace maptable::exports
