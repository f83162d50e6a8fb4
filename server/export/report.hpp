// Layer: export (pure). The session report: what a workshop decided, as a
// Markdown document a facilitator can send round or paste into minutes.
#pragma once

#include "export/table_export.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace maptable::exports {

// Sections, in order: the title, city and description (and, for a room of a
// learning network, the network, the room's kind and its city's id); the sessions with
// their dates; the agenda (steps, prompts); vote results (closed rounds with
// their final tally, open ones with the dots so far); features by category
// (with their dots and comment counts); discussion threads with their
// comments; participants (everyone named on an event of the log, with how
// many changes they made).
//
// session_id != 0 narrows the report to one session: its dates, the rounds
// opened in it, the features added in it and the threads started in it; the
// agenda and the participants stay the room's. Deleted comments show as
// "(deleted)"; deleted features are left out.
std::string session_report(const room_record& record, std::uint64_t session_id = 0);

// Text from participants, made inert for Markdown: its characters escaped,
// line breaks folded, so a title cannot open a heading, a link or a table.
// Shared by the session report and the network harvest.
std::string markdown_inline_text(std::string_view s);

} // namespace maptable::exports
