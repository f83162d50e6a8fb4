// Layer: network. A network's planned sessions as an iCalendar file
// (RFC 5545): one VEVENT per session, its start and end in the session's own
// time zone (DTSTART;TZID=Europe/Lisbon:20270315T100000), lines folded at
// 75 octets and text escaped as the RFC says. Pure but for reading the
// system's time zone files (/usr/share/zoneinfo).
#pragma once

#include "maptable/v1/network.pb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maptable::network {

namespace pb = maptable::v1;

// The UTC offset (seconds east) of IANA zone `zone` at Unix time t, from the
// system's zoneinfo; nullopt when the zone is not known there.
std::optional<std::int64_t> utc_offset(const std::string& zone, std::int64_t unix_seconds);

// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline.
std::string ics_escape(std::string_view text);

// One content line, folded (RFC 5545 3.1): at most 75 octets a line, never
// inside a UTF-8 sequence, CRLF after each.
std::string ics_line(std::string_view line);

// The calendar. room_url(room_id) is the URL of a session's room;
// now_ms the DTSTAMP.
std::string sessions_calendar(const pb::NetworkState& network, std::string_view base_url, std::int64_t now_ms);

} // namespace maptable::network
