// A room's map as SVG, drawn from its own features and reference layers: no
// tiles and no network access, so a report made years later, offline, or on
// a server without a tile source still shows each living lab.
#include "harvest/harvest.hpp"
#include "harvest/markup.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace maptable::harvest {

namespace {

// Web Mercator's limit: beyond it the projection runs off to infinity.
constexpr double max_lat = 85.05112878;

struct xy {
    double x = 0;
    double y = 0;
};

// Web Mercator on a unit square: x grows east, y grows south, as SVG's does.
xy project(const pb::LonLat& p)
{
    const double lat = std::clamp(p.lat(), -max_lat, max_lat) * std::numbers::pi / 180.0;
    return {(p.lon() + 180.0) / 360.0, (1.0 - std::log(std::tan(lat) + 1.0 / std::cos(lat)) / std::numbers::pi) / 2.0};
}

struct extent {
    double min_x = 1, min_y = 1, max_x = 0, max_y = 0;
    bool empty() const { return min_x > max_x; }
    void add(const xy& p)
    {
        min_x = std::min(min_x, p.x);
        min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x);
        max_y = std::max(max_y, p.y);
    }
};

// Maps projected points into the picture, keeping the aspect ratio and a
// margin so that markers at the edge are whole.
struct frame {
    double scale = 1, offset_x = 0, offset_y = 0;

    frame(extent e, int width, int height)
    {
        constexpr double margin = 24;
        // A single place (or a short street) would be drawn at an absurd
        // zoom: show at least about 200 m around it.
        constexpr double min_span = 5e-6;
        const double cx = (e.min_x + e.max_x) / 2, cy = (e.min_y + e.max_y) / 2;
        const double span_x = std::max(e.max_x - e.min_x, min_span);
        const double span_y = std::max(e.max_y - e.min_y, min_span);
        scale = std::min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y);
        offset_x = width / 2.0 - cx * scale;
        offset_y = height / 2.0 - cy * scale;
    }

    // Where p is in the picture, in pixels.
    xy at(const pb::LonLat& p) const
    {
        const xy q = project(p);
        return {q.x * scale + offset_x, q.y * scale + offset_y};
    }

    std::string point(const pb::LonLat& p) const
    {
        const xy q = at(p);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f,%.1f", q.x, q.y);
        return buf;
    }

    std::string points(const pb::Geometry& g) const
    {
        std::string out;
        for (const auto& p : g.positions()) {
            if (!out.empty())
                out += ' ';
            out += point(p);
        }
        return out;
    }
};

// "#rrggbb" as given, else the fallback: a colour is user text and goes
// into an attribute, so anything else is never written.
std::string colour_or(const std::string& colour, const char* fallback)
{
    if (colour.size() != 7 || colour[0] != '#')
        return fallback;
    for (std::size_t i = 1; i < 7; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(colour[i])))
            return fallback;
    return colour;
}

// One shape for one feature: a circle for a point, a square for a note, a
// polyline for a line, a polygon for an area. attributes: class and id.
std::string shape(const pb::Geometry& g, const std::string& colour, const std::string& attributes,
                  const std::string& title, const frame& f)
{
    const std::string tip = title.empty() ? std::string() : "<title>" + escape_html(title) + "</title>";
    char place[96];
    switch (g.kind()) {
    case pb::FEATURE_KIND_POINT: {
        const xy q = f.at(g.positions(0));
        std::snprintf(place, sizeof place, "cx=\"%.1f\" cy=\"%.1f\"", q.x, q.y);
        return "<circle " + attributes + " " + place + " r=\"6\" fill=\"" + colour +
            "\" stroke=\"#ffffff\" stroke-width=\"1.5\">" + tip + "</circle>";
    }
    case pb::FEATURE_KIND_NOTE: {
        const xy q = f.at(g.positions(0));
        std::snprintf(place, sizeof place, "x=\"%.1f\" y=\"%.1f\"", q.x - 6, q.y - 6);
        return "<rect " + attributes + " " + place + " width=\"12\" height=\"12\" fill=\"" + colour +
            "\" stroke=\"#5c4b00\" stroke-width=\"1\">" + tip + "</rect>";
    }
    case pb::FEATURE_KIND_LINE:
        return "<polyline " + attributes + " points=\"" + f.points(g) + "\" fill=\"none\" stroke=\"" + colour +
            "\" stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\">" + tip + "</polyline>";
    case pb::FEATURE_KIND_AREA:
        return "<polygon " + attributes + " points=\"" + f.points(g) + "\" fill=\"" + colour +
            "\" fill-opacity=\"0.3\" stroke=\"" + colour + "\" stroke-width=\"2\">" + tip + "</polygon>";
    default: return {};
    }
}

const char* default_colour(pb::FeatureKind kind)
{
    switch (kind) {
    case pb::FEATURE_KIND_NOTE: return "#f2c94c";
    case pb::FEATURE_KIND_AREA: return "#2f80ed";
    case pb::FEATURE_KIND_LINE: return "#eb5757";
    default: return "#d64545";
    }
}

bool drawable(const pb::Geometry& g)
{
    switch (g.kind()) {
    case pb::FEATURE_KIND_POINT:
    case pb::FEATURE_KIND_NOTE: return g.positions_size() >= 1;
    case pb::FEATURE_KIND_LINE: return g.positions_size() >= 2;
    case pb::FEATURE_KIND_AREA: return g.positions_size() >= 3;
    default: return false;
    }
}

} // namespace

std::string map_svg(const model::room_state& state, int width, int height)
{
    extent e;
    for (const auto& [id, layer] : state.data().layers)
        for (const auto& lf : layer.features())
            if (drawable(lf.geometry()))
                for (const auto& p : lf.geometry().positions())
                    e.add(project(p));
    for (const auto& [id, f] : state.features())
        if (drawable(f.geometry()))
            for (const auto& p : f.geometry().positions())
                e.add(project(p));

    const std::string size = std::to_string(width) + "\" height=\"" + std::to_string(height);
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + size + "\" viewBox=\"0 0 " +
        std::to_string(width) + " " + std::to_string(height) + "\" role=\"img\" aria-label=\"" +
        escape_html("Map of " + (state.info().title().empty() ? state.info().id() : state.info().title())) + "\">";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"#f4f1ea\"/>";
    if (e.empty()) {
        out += "<text x=\"50%\" y=\"50%\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" "
               "fill=\"#666666\">Nothing is on this map.</text></svg>";
        return out;
    }
    const frame f(e, width, height);
    // Reference layers first: the room's own marks are drawn over them, as
    // the app draws them.
    for (const auto& [id, layer] : state.data().layers) {
        const auto colour = colour_or(layer.style().colour(), "#7a7a7a");
        out += "<g class=\"layer\" data-layer=\"" + escape_html(id) + "\">";
        for (const auto& lf : layer.features())
            if (drawable(lf.geometry()))
                out += shape(lf.geometry(), colour, "class=\"layer-feature\"", lf.title(), f);
        out += "</g>";
    }
    for (const auto& [id, feature] : state.features()) {
        if (!drawable(feature.geometry()))
            continue;
        out += shape(feature.geometry(), colour_or(feature.colour(), default_colour(feature.geometry().kind())),
                     "class=\"feature\" data-feature=\"" + escape_html(id) + "\"", feature.title(), f);
    }
    out += "</svg>";
    return out;
}

} // namespace maptable::harvest
