// Layer: media. A minimal TIFF/EXIF reader for the GPS IFD (see exif_gps.hpp).
// Every offset is checked against the block's size before it is read.
#include "media/exif_gps.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace maptable::media {
namespace {

constexpr std::uint16_t tag_gps_ifd = 0x8825;
constexpr std::uint16_t tag_lat_ref = 0x0001;
constexpr std::uint16_t tag_lat = 0x0002;
constexpr std::uint16_t tag_lon_ref = 0x0003;
constexpr std::uint16_t tag_lon = 0x0004;
constexpr std::uint16_t type_ascii = 2;
constexpr std::uint16_t type_long = 4;
constexpr std::uint16_t type_rational = 5;
// An IFD with more entries than this is not a camera's: stop reading.
constexpr std::uint16_t max_entries = 1000;

class tiff_reader {
public:
    explicit tiff_reader(std::string_view tiff) : tiff_(tiff) {}

    bool read_header(std::uint32_t& first_ifd)
    {
        if (tiff_.size() < 8)
            return false;
        if (tiff_.substr(0, 2) == "II")
            little_ = true;
        else if (tiff_.substr(0, 2) == "MM")
            little_ = false;
        else
            return false;
        std::uint16_t magic = 0;
        return u16(2, magic) && magic == 42 && u32(4, first_ifd);
    }

    bool u16(std::size_t at, std::uint16_t& out) const
    {
        if (at > tiff_.size() || tiff_.size() - at < 2)
            return false;
        const auto b0 = static_cast<std::uint8_t>(tiff_[at]);
        const auto b1 = static_cast<std::uint8_t>(tiff_[at + 1]);
        out = little_ ? static_cast<std::uint16_t>(b0 | b1 << 8) : static_cast<std::uint16_t>(b1 | b0 << 8);
        return true;
    }

    bool u32(std::size_t at, std::uint32_t& out) const
    {
        if (at > tiff_.size() || tiff_.size() - at < 4)
            return false;
        std::array<std::uint32_t, 4> b{};
        for (std::size_t i = 0; i < 4; ++i)
            b[i] = static_cast<std::uint8_t>(tiff_[at + i]);
        out = little_ ? (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) : (b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24);
        return true;
    }

    struct entry {
        std::uint16_t type = 0;
        std::uint32_t count = 0;
        std::size_t value_at = 0; // where the value is: inline in the entry, or at its offset
    };

    // The entry with tag in the IFD at ifd, or nullopt.
    std::optional<entry> find(std::uint32_t ifd, std::uint16_t tag) const
    {
        std::uint16_t n = 0;
        if (!u16(ifd, n) || n > max_entries)
            return std::nullopt;
        for (std::uint16_t i = 0; i < n; ++i) {
            const std::size_t at = std::size_t(ifd) + 2 + std::size_t(i) * 12;
            std::uint16_t t = 0;
            entry e;
            if (!u16(at, t) || !u16(at + 2, e.type) || !u32(at + 4, e.count))
                return std::nullopt;
            if (t != tag)
                continue;
            const std::size_t unit = e.type == type_rational ? 8 : e.type == type_long ? 4 : 1;
            if (e.count > tiff_.size())
                return std::nullopt;
            const std::size_t bytes = unit * e.count;
            if (bytes <= 4) {
                e.value_at = at + 8;
            } else {
                std::uint32_t offset = 0;
                if (!u32(at + 8, offset))
                    return std::nullopt;
                e.value_at = offset;
            }
            if (e.value_at > tiff_.size() || tiff_.size() - e.value_at < bytes)
                return std::nullopt;
            return e;
        }
        return std::nullopt;
    }

    std::optional<char> ascii_ref(std::uint32_t ifd, std::uint16_t tag) const
    {
        const auto e = find(ifd, tag);
        if (!e || e->type != type_ascii || e->count < 1)
            return std::nullopt;
        return tiff_[e->value_at];
    }

    // Degrees, minutes, seconds as three rationals, in degrees.
    std::optional<double> degrees(std::uint32_t ifd, std::uint16_t tag) const
    {
        const auto e = find(ifd, tag);
        if (!e || e->type != type_rational || e->count != 3)
            return std::nullopt;
        double parts[3] = {};
        for (std::size_t i = 0; i < 3; ++i) {
            std::uint32_t num = 0, den = 0;
            if (!u32(e->value_at + i * 8, num) || !u32(e->value_at + i * 8 + 4, den) || den == 0)
                return std::nullopt;
            parts[i] = static_cast<double>(num) / den;
        }
        if (parts[1] >= 60 || parts[2] >= 60)
            return std::nullopt;
        return parts[0] + parts[1] / 60 + parts[2] / 3600;
    }

private:
    std::string_view tiff_;
    bool little_ = true;
};

} // namespace

std::optional<gps_position> read_exif_gps(std::string_view exif)
{
    if (exif.substr(0, 6) == std::string_view("Exif\0\0", 6))
        exif.remove_prefix(6);
    tiff_reader tiff(exif);
    std::uint32_t ifd0 = 0;
    if (!tiff.read_header(ifd0))
        return std::nullopt;
    const auto pointer = tiff.find(ifd0, tag_gps_ifd);
    std::uint32_t gps_ifd = 0;
    if (!pointer || pointer->type != type_long || pointer->count != 1 || !tiff.u32(pointer->value_at, gps_ifd))
        return std::nullopt;
    const auto lat_ref = tiff.ascii_ref(gps_ifd, tag_lat_ref);
    const auto lon_ref = tiff.ascii_ref(gps_ifd, tag_lon_ref);
    auto lat = tiff.degrees(gps_ifd, tag_lat);
    auto lon = tiff.degrees(gps_ifd, tag_lon);
    if (!lat_ref || !lon_ref || !lat || !lon)
        return std::nullopt;
    if (*lat_ref == 'S')
        *lat = -*lat;
    else if (*lat_ref != 'N')
        return std::nullopt;
    if (*lon_ref == 'W')
        *lon = -*lon;
    else if (*lon_ref != 'E')
        return std::nullopt;
    if (!std::isfinite(*lat) || !std::isfinite(*lon) || std::abs(*lat) > 90 || std::abs(*lon) > 180)
        return std::nullopt;
    return gps_position{*lat, *lon};
}

} // namespace maptable::media
