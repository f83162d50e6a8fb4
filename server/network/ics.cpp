#include "network/ics.hpp"

#include <boost/date_time/posix_time/posix_time.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

namespace maptable::network {
namespace {

std::uint64_t big_endian(const std::string& bytes, std::size_t at, std::size_t width)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i)
        v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
    return v;
}

std::int64_t signed_of(std::uint64_t v, std::size_t width)
{
    if (width == 4)
        return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
}

// The offset of a TZif footer's POSIX TZ string when it has no daylight
// saving part ("<+03>-3", "JST-9"): POSIX writes hours west of UTC. A string
// with rules (",M3.5.0") gives nullopt: the file's own transitions, which
// Debian's tzdata keeps up to 2037, are used instead.
std::optional<std::int64_t> fixed_offset(const std::string& rule)
{
    std::size_t at = 0;
    if (at < rule.size() && rule[at] == '<') {
        at = rule.find('>');
        if (at == std::string::npos)
            return std::nullopt;
        ++at;
    } else {
        while (at < rule.size() && std::isalpha(static_cast<unsigned char>(rule[at])))
            ++at;
    }
    int sign = -1; // west of UTC is positive in POSIX
    if (at < rule.size() && (rule[at] == '+' || rule[at] == '-'))
        sign = rule[at++] == '-' ? 1 : -1;
    std::int64_t seconds = 0;
    for (std::int64_t unit : {3600, 60, 1}) {
        std::int64_t value = 0;
        std::size_t digits = 0;
        while (at < rule.size() && std::isdigit(static_cast<unsigned char>(rule[at]))) {
            value = value * 10 + (rule[at++] - '0');
            ++digits;
        }
        if (digits == 0 && unit == 3600)
            return std::nullopt;
        seconds += value * unit;
        if (at < rule.size() && rule[at] == ':')
            ++at;
        else
            break;
    }
    if (at != rule.size()) // a daylight saving part follows
        return std::nullopt;
    return sign * seconds;
}

std::string two(int v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

// Unix seconds as YYYYMMDDTHHMMSS (civil time of the UTC instant).
std::string ics_time(std::int64_t t)
{
    const auto p = boost::posix_time::from_time_t(static_cast<std::time_t>(t));
    const auto d = p.date();
    const auto tod = p.time_of_day();
    return std::to_string(int(d.year())) + two(d.month()) + two(d.day()) + "T" + two(int(tod.hours())) +
        two(int(tod.minutes())) + two(int(tod.seconds()));
}

} // namespace

std::optional<std::int64_t> utc_offset(const std::string& zone, std::int64_t t)
{
    if (zone == "UTC")
        return 0;
    // The name was checked (an IANA-like name without ".."); checked again
    // here, as it becomes a path.
    if (zone.empty() || zone.find("..") != std::string::npos || zone.front() == '/')
        return std::nullopt;
    std::ifstream in("/usr/share/zoneinfo/" + zone, std::ios::binary);
    if (!in)
        return std::nullopt;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
        if (bytes.size() < 44 || bytes.compare(0, 4, "TZif") != 0)
            return std::nullopt;
        const char version = bytes[4];
        std::size_t at = 0;
        std::size_t width = 4;
        auto counts = [&](std::size_t header) {
            std::vector<std::uint64_t> c;
            for (std::size_t i = 0; i < 6; ++i)
                c.push_back(big_endian(bytes, header + 20 + 4 * i, 4));
            return c; // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
        };
        auto c = counts(0);
        auto block_size = [&](const std::vector<std::uint64_t>& k, std::size_t w) {
            return k[3] * w + k[3] + k[4] * 6 + k[5] + k[2] * (w + 4) + k[1] + k[0];
        };
        if (version >= '2') {
            // Skip the 32-bit block: the 64-bit one follows with its own header.
            at = 44 + block_size(c, 4);
            c = counts(at);
            width = 8;
        }
        const std::size_t times = at + 44;
        const std::size_t indexes = times + c[3] * width;
        const std::size_t types = indexes + c[3];
        const auto type_offset = [&](std::size_t type) {
            return static_cast<std::int64_t>(static_cast<std::int32_t>(big_endian(bytes, types + type * 6, 4)));
        };
        std::optional<std::string> footer;
        if (version >= '2') {
            const std::size_t end = at + 44 + block_size(c, width);
            if (end < bytes.size() && bytes[end] == '\n') {
                const auto close = bytes.find('\n', end + 1);
                if (close != std::string::npos && close > end + 1)
                    footer = bytes.substr(end + 1, close - end - 1);
            }
        }
        std::optional<std::size_t> found;
        std::int64_t last_transition = 0;
        for (std::uint64_t i = 0; i < c[3]; ++i) {
            const auto when = signed_of(big_endian(bytes, times + i * width, width), width);
            last_transition = when;
            if (when <= t)
                found = static_cast<unsigned char>(bytes.at(indexes + i));
        }
        if (footer && (c[3] == 0 || t >= last_transition))
            if (auto fixed = fixed_offset(*footer))
                return fixed;
        if (c[4] == 0)
            return std::nullopt;
        return type_offset(found.value_or(0));
    } catch (const std::out_of_range&) {
        return std::nullopt;
    }
}

std::string ics_escape(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        switch (ch) {
        case '\\': out += "\\\\"; break;
        case ';': out += "\\;"; break;
        case ',': out += "\\,"; break;
        case '\r':
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            out += "\\n";
            break;
        case '\n': out += "\\n"; break;
        default:
            // Other control characters are not allowed in TEXT.
            if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t')
                break;
            out += ch;
        }
    }
    return out;
}

std::string ics_line(std::string_view line)
{
    std::string out;
    std::size_t width = 0; // octets on the current physical line
    for (std::size_t i = 0; i < line.size();) {
        std::size_t len = 1;
        const auto lead = static_cast<unsigned char>(line[i]);
        if (lead >= 0xF0)
            len = 4;
        else if (lead >= 0xE0)
            len = 3;
        else if (lead >= 0xC0)
            len = 2;
        len = std::min(len, line.size() - i);
        if (width + len > 75) {
            out += "\r\n ";
            width = 1; // the space that starts a continuation line counts
        }
        out.append(line.substr(i, len));
        width += len;
        i += len;
    }
    out += "\r\n";
    return out;
}

std::string sessions_calendar(const pb::NetworkState& state, std::string_view base_url, std::int64_t now_ms)
{
    const auto& network = state.network();
    std::string out;
    out += ics_line("BEGIN:VCALENDAR");
    out += ics_line("VERSION:2.0");
    out += ics_line("PRODID:-//maptable//learning network sessions//EN");
    out += ics_line("CALSCALE:GREGORIAN");
    out += ics_line("METHOD:PUBLISH");
    out += ics_line("X-WR-CALNAME:" + ics_escape(network.title()));
    const std::int64_t stamp = now_ms / 1000;
    for (const auto& session : state.sessions()) {
        const std::int64_t start = session.starts_ms() / 1000;
        const std::int64_t end = session.ends_ms() / 1000;
        auto when = [&](std::string_view name, std::int64_t t) {
            const auto offset = session.time_zone() == "UTC" ? std::nullopt : utc_offset(session.time_zone(), t);
            if (!offset) // UTC, or a zone this system does not know: the instant in UTC
                return std::string(name) + ":" + ics_time(t) + "Z";
            return std::string(name) + ";TZID=" + session.time_zone() + ":" + ics_time(t + *offset);
        };
        std::string description;
        for (int i = 0; i < session.agenda_size(); ++i) {
            if (i > 0)
                description += '\n';
            description += std::to_string(i + 1);
            description += ". ";
            description += session.agenda(i);
        }
        out += ics_line("BEGIN:VEVENT");
        out += ics_line("UID:" + session.id() + "@" + network.id() + ".maptable");
        out += ics_line("DTSTAMP:" + ics_time(stamp) + "Z");
        out += ics_line(when("DTSTART", start));
        out += ics_line(when("DTEND", end));
        out += ics_line("SUMMARY:" + ics_escape(session.title()));
        if (!description.empty())
            out += ics_line("DESCRIPTION:" + ics_escape(description));
        out += ics_line("URL:" + std::string(base_url) + "/#room=" + session.room_id());
        out += ics_line("END:VEVENT");
    }
    out += ics_line("END:VCALENDAR");
    return out;
}

} // namespace maptable::network
