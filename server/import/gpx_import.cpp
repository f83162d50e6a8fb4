// Layer: import. GPX reader (see gpx_import.hpp).
#include "import/gpx_import.hpp"

#include "import/layer_builder.hpp"
#include "import/xml_document.hpp"

namespace maptable::imports {

using namespace detail;

namespace {

class gpx_reader {
public:
    gpx_reader(layer_builder& builder, std::string_view bytes) : builder_(builder), lines_(bytes) {}

    void read(const pugi::xml_node& root)
    {
        pugi::xml_node name = child(child(root, "metadata"), "name");
        if (name.empty())
            name = child(root, "name");
        if (!name.empty())
            builder_.set_name(text_of(name), where_is(name, lines_));

        for (const auto& c : root.children()) {
            if (c.type() != pugi::node_element)
                continue;
            const auto what = local_name(c);
            if (what == "wpt")
                read_waypoint(c);
            else if (what == "rte")
                read_route(c);
            else if (what == "trk")
                read_track(c);
        }
    }

private:
    // The title, description and properties of a wpt, rte or trk, and its
    // label for messages (" (waypoint "Brunnen")").
    reference_feature texts_of(const pugi::xml_node& node, const char* kind, std::string& label)
    {
        reference_feature feature;
        for (const auto& c : node.children()) {
            if (c.type() != pugi::node_element)
                continue;
            const auto name = local_name(c);
            if (name == "name") {
                feature.title = text_of(c);
                label = std::string(" (") + kind + " " + quote(feature.title) + ")";
            } else if (name == "desc") {
                feature.description = text_of(c);
            } else if (name != "extensions" && name != "link" && name != "rtept" && name != "trkseg" &&
                       c.first_child().type() != pugi::node_element) {
                if (feature.properties.size() >= builder_.limits().max_properties)
                    fail(import_errc::too_much_text,
                         where_is(node, lines_) + label + ": more than " +
                             std::to_string(builder_.limits().max_properties) +
                             " properties, the limit for one feature");
                feature.properties.emplace_back(std::string(name), text_of(c));
            }
        }
        return feature;
    }

    pb::LonLat position_of(const pugi::xml_node& point, std::string_view label)
    {
        const std::string where = where_is(point, lines_) + std::string(label);
        const auto lat = point.attribute("lat");
        const auto lon = point.attribute("lon");
        if (lat.empty() || lon.empty())
            fail(import_errc::invalid_geometry,
                 where + ": <" + std::string(local_name(point)) + "> needs lat and lon attributes");
        double lat_value = 0, lon_value = 0;
        if (!parse_number(lat.value(), lat_value))
            fail(import_errc::invalid_coordinate, where + ": lat " + quote(lat.value()) + " is not a number");
        if (!parse_number(lon.value(), lon_value))
            fail(import_errc::invalid_coordinate, where + ": lon " + quote(lon.value()) + " is not a number");
        return builder_.position(lon_value, lat_value, where);
    }

    void read_waypoint(const pugi::xml_node& wpt)
    {
        std::string label;
        reference_feature feature = texts_of(wpt, "waypoint", label);
        feature.geometry.set_kind(pb::FEATURE_KIND_POINT);
        builder_.check_positions(1, where_is(wpt, lines_) + label);
        *feature.geometry.add_positions() = position_of(wpt, label);
        builder_.add(std::move(feature), where_is(wpt, lines_) + label);
    }

    void read_route(const pugi::xml_node& rte)
    {
        std::string label;
        reference_feature texts = texts_of(rte, "route", label);
        read_line(rte, "rtept", std::move(texts), label);
    }

    void read_track(const pugi::xml_node& trk)
    {
        std::string label;
        const reference_feature texts = texts_of(trk, "track", label);
        for (const auto& segment : trk.children())
            if (segment.type() == pugi::node_element && local_name(segment) == "trkseg")
                read_line(segment, "trkpt", texts, label);
    }

    // A line through the points (rtept or trkpt) of a route or a track
    // segment, with the texts of its route or track.
    void read_line(const pugi::xml_node& line, const char* points, reference_feature feature, const std::string& label)
    {
        feature.geometry.set_kind(pb::FEATURE_KIND_LINE);
        for (const auto& c : line.children()) {
            if (c.type() != pugi::node_element || local_name(c) != points)
                continue;
            builder_.check_positions(static_cast<std::size_t>(feature.geometry.positions_size()) + 1,
                                     where_is(c, lines_) + label);
            *feature.geometry.add_positions() = position_of(c, label);
        }
        if (feature.geometry.positions_size() < 2) {
            builder_.note_skipped();
            return;
        }
        builder_.add(std::move(feature), where_is(line, lines_) + label);
    }

    layer_builder& builder_;
    line_counter lines_;
};

} // namespace

import_result import_gpx(std::string_view bytes, const import_limits& limits)
{
    return guarded([&] {
        check_size(bytes, limits);
        pugi::xml_document doc;
        load_xml(doc, bytes, limits, "GPX", "gpx");
        layer_builder builder(source_format::gpx, limits);
        gpx_reader reader(builder, bytes);
        reader.read(doc.document_element());
        return builder.finish("the file has no waypoint, route or track");
    });
}

} // namespace maptable::imports
