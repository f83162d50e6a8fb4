// Layer: import. KML reader (see kml_import.hpp).
#include "import/kml_import.hpp"

#include "import/layer_builder.hpp"
#include "import/xml_document.hpp"

namespace maptable::imports {

using namespace detail;

namespace {

// KML allows MultiGeometry inside MultiGeometry; real files nest one or two.
constexpr int max_multi_geometry_depth = 16;

struct placemark_texts {
    std::string label; // " (placemark "Stadtpark")", for messages; empty when it has no name
    std::string title;
    std::string description;
    std::vector<std::pair<std::string, std::string>> properties;
};

class kml_reader {
public:
    kml_reader(layer_builder& builder, std::string_view bytes) : builder_(builder), lines_(bytes) {}

    void read(const pugi::xml_node& root)
    {
        for (const char* container : {"Document", "Folder"}) {
            if (const auto node = child(root, container); !node.empty()) {
                if (const auto name = child(node, "name"); !name.empty())
                    builder_.set_name(text_of(name), where_is(name, lines_));
                break;
            }
        }
        // Document order without recursion: a deeply nested file cannot
        // exhaust the stack.
        pugi::xml_node node = root.first_child();
        while (!node.empty()) {
            if (node.type() == pugi::node_element && local_name(node) == "Placemark") {
                read_placemark(node);
            } else if (!node.first_child().empty()) {
                node = node.first_child();
                continue;
            }
            while (!node.empty() && node != root && node.next_sibling().empty())
                node = node.parent();
            if (node.empty() || node == root)
                break;
            node = node.next_sibling();
        }
    }

private:
    void read_placemark(const pugi::xml_node& placemark)
    {
        placemark_texts texts;
        if (const auto name = child(placemark, "name"); !name.empty()) {
            texts.title = text_of(name);
            texts.label = " (placemark " + quote(texts.title) + ")";
        }
        const std::string where = where_is(placemark, lines_) + texts.label;
        if (const auto description = child(placemark, "description"); !description.empty())
            texts.description = text_of(description);
        if (const auto extended = child(placemark, "ExtendedData"); !extended.empty())
            read_extended_data(extended, texts, where);

        bool found = false;
        for (const auto& c : placemark.children()) {
            if (c.type() == pugi::node_element && is_geometry(c)) {
                read_geometry(c, texts, 0);
                found = true;
                break;
            }
        }
        if (!found)
            builder_.note_skipped();
    }

    void read_extended_data(const pugi::xml_node& extended, placemark_texts& texts, std::string_view where)
    {
        const auto add = [&](std::string key, std::string value) {
            if (texts.properties.size() >= builder_.limits().max_properties)
                fail(import_errc::too_much_text,
                     std::string(where) + ": more than " + std::to_string(builder_.limits().max_properties) +
                         " properties, the limit for one feature");
            texts.properties.emplace_back(std::move(key), std::move(value));
        };
        for (const auto& c : extended.children()) {
            if (c.type() != pugi::node_element)
                continue;
            if (local_name(c) == "Data")
                add(c.attribute("name").value(), text_of(child(c, "value")));
            else if (local_name(c) == "SchemaData")
                for (const auto& s : c.children())
                    if (s.type() == pugi::node_element && local_name(s) == "SimpleData")
                        add(s.attribute("name").value(), text_of(s));
        }
    }

    static bool is_geometry(const pugi::xml_node& node)
    {
        const auto name = local_name(node);
        return name == "Point" || name == "LineString" || name == "LinearRing" || name == "Polygon" ||
            name == "MultiGeometry";
    }

    void read_geometry(const pugi::xml_node& geometry, const placemark_texts& texts, int depth)
    {
        const auto name = local_name(geometry);
        if (name == "MultiGeometry") {
            if (depth >= max_multi_geometry_depth)
                fail(import_errc::invalid_geometry,
                     where_is(geometry, lines_) + texts.label + ": MultiGeometry nested more than " +
                         std::to_string(max_multi_geometry_depth) + " deep");
            bool any = false;
            for (const auto& c : geometry.children())
                if (c.type() == pugi::node_element && is_geometry(c)) {
                    read_geometry(c, texts, depth + 1);
                    any = true;
                }
            if (!any)
                builder_.note_skipped();
            return;
        }
        pugi::xml_node coordinates_of = geometry;
        pb::FeatureKind kind = pb::FEATURE_KIND_POINT;
        if (name == "LineString") {
            kind = pb::FEATURE_KIND_LINE;
        } else if (name == "LinearRing") {
            kind = pb::FEATURE_KIND_AREA;
        } else if (name == "Polygon") {
            kind = pb::FEATURE_KIND_AREA;
            coordinates_of = child(child(geometry, "outerBoundaryIs"), "LinearRing");
            if (coordinates_of.empty())
                fail(import_errc::invalid_geometry,
                     where_is(geometry, lines_) + texts.label +
                         ": a Polygon needs an outerBoundaryIs with a LinearRing");
            for (const auto& c : geometry.children())
                if (c.type() == pugi::node_element && local_name(c) == "innerBoundaryIs")
                    builder_.note_holes_dropped(1);
        }
        const auto coordinates = child(coordinates_of, "coordinates");
        if (coordinates.empty())
            fail(import_errc::invalid_geometry,
                 where_is(geometry, lines_) + texts.label + ": a " + std::string(name) + " needs <coordinates>");
        const std::string location = where_is(coordinates, lines_) + texts.label;
        reference_feature feature;
        feature.geometry.set_kind(kind);
        read_coordinates(text_of(coordinates), feature.geometry, location);
        if (kind == pb::FEATURE_KIND_POINT && feature.geometry.positions_size() > 1)
            fail(import_errc::invalid_geometry,
                 location + ": a Point has " + std::to_string(feature.geometry.positions_size()) +
                     " positions; it has exactly one");
        if (kind == pb::FEATURE_KIND_AREA && feature.geometry.positions_size() >= 2) {
            // KML rings repeat their first position at the end; the model's
            // areas are open rings.
            const auto& first = feature.geometry.positions(0);
            const auto& last = feature.geometry.positions(feature.geometry.positions_size() - 1);
            if (first.lon() == last.lon() && first.lat() == last.lat())
                feature.geometry.mutable_positions()->RemoveLast();
        }
        feature.title = texts.title;
        feature.description = texts.description;
        feature.properties = texts.properties;
        builder_.add(std::move(feature), location);
    }

    // "lon,lat[,alt]" tuples separated by white space. Some writers put a
    // blank after a comma ("13.4, 52.5"); a comma, not a blank, is what
    // separates numbers of one tuple, so that is read too.
    void read_coordinates(std::string_view text, pb::Geometry& geometry, std::string_view where)
    {
        const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        std::size_t i = 0;
        const auto skip_blanks = [&] {
            while (i < text.size() && blank(text[i]))
                ++i;
        };
        skip_blanks();
        while (i < text.size()) {
            double values[3] = {0, 0, 0};
            int count = 0;
            while (true) {
                const std::size_t start = i;
                while (i < text.size() && text[i] != ',' && !blank(text[i]))
                    ++i;
                double value = 0;
                if (!parse_number(text.substr(start, i - start), value))
                    fail(import_errc::invalid_geometry,
                         std::string(where) + ": " + quote(text.substr(start, std::min<std::size_t>(i - start, 40))) +
                             " in <coordinates> is not a number; a position is "
                             "\"longitude,latitude[,altitude]\"");
                if (count < 3)
                    values[count] = value;
                ++count;
                skip_blanks();
                if (i < text.size() && text[i] == ',') {
                    ++i;
                    skip_blanks();
                    continue;
                }
                break;
            }
            if (count < 2 || count > 3)
                fail(import_errc::invalid_geometry,
                     std::string(where) + ": a position in <coordinates> has " + std::to_string(count) +
                         (count == 1 ? " number" : " numbers") + "; it is \"longitude,latitude[,altitude]\"");
            builder_.check_positions(static_cast<std::size_t>(geometry.positions_size()) + 1, where);
            *geometry.add_positions() = builder_.position(values[0], values[1], where);
        }
    }

    layer_builder& builder_;
    line_counter lines_;
};

} // namespace

import_result import_kml(std::string_view bytes, const import_limits& limits)
{
    return guarded([&] {
        check_size(bytes, limits);
        pugi::xml_document doc;
        load_xml(doc, bytes, limits, "KML", "kml");
        layer_builder builder(source_format::kml, limits);
        kml_reader reader(builder, bytes);
        reader.read(doc.document_element());
        return builder.finish("the file has no Placemark with a geometry");
    });
}

} // namespace maptable::imports
