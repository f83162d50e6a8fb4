// Layer: import. GeoJSON reader (see geojson_import.hpp).
#include "import/geojson_import.hpp"

#include "import/layer_builder.hpp"
#include "model/geojson.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <new>
#include <optional>

namespace maptable::imports {

namespace json = boost::json;
using namespace detail;

namespace {

// Boost.JSON builds the whole document before we can look at it. This
// resource gives it at most `budget` bytes, so that a file of many tiny
// values (16 bytes of memory for each two bytes of text) is stopped while it
// is parsed instead of after.
struct budget_exceeded : std::bad_alloc {};

class budget_resource final : public json::memory_resource {
public:
    explicit budget_resource(std::size_t budget) : budget_(budget) {}

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override
    {
        if (bytes > budget_ - used_)
            throw budget_exceeded{};
        used_ += bytes;
        return ::operator new(bytes, std::align_val_t(align));
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) override
    {
        used_ -= bytes;
        ::operator delete(p, std::align_val_t(align));
    }
    bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

    std::size_t budget_;
    std::size_t used_ = 0;
};

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string value_text(const json::value& v)
{
    switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return number_text(v.get_double());
    case json::kind::null: return {};
    default: return model::write_json(v); // numbers in their shortest form, as everywhere
    }
}

const char* kind_text(const json::value& v)
{
    switch (v.kind()) {
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::string: return "a string";
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    default: return "a number";
    }
}

// The title, description and properties a feature's parts share.
struct feature_texts {
    std::string title;
    std::string description;
    std::vector<std::pair<std::string, std::string>> properties;
};

class geojson_reader {
public:
    explicit geojson_reader(layer_builder& builder) : builder_(builder) {}

    void read(const json::value& root)
    {
        const json::object* top = root.if_object();
        if (top == nullptr)
            fail(import_errc::malformed,
                 std::string("a GeoJSON file is one object with a \"type\", not ") + kind_text(root));
        refuse_crs(*top, "the file");
        const std::string type = type_of(*top, "the file");
        if (type == "FeatureCollection") {
            if (const auto* name = top->if_contains("name"); name != nullptr && name->is_string())
                builder_.set_name(name->get_string(), "the FeatureCollection");
            const auto* features = top->if_contains("features");
            if (features == nullptr || !features->is_array())
                fail(import_errc::malformed, "the FeatureCollection has no \"features\" array");
            std::size_t index = 0;
            for (const auto& feature : features->get_array()) {
                ++index;
                read_feature(feature, "feature " + std::to_string(index));
            }
            what_was_read_ = features->get_array().empty() ? "the FeatureCollection is empty"
                                                           : "no feature of the FeatureCollection has a geometry";
        } else if (type == "Feature") {
            read_feature(root, "the feature");
            what_was_read_ = "the feature has no geometry";
        } else if (type == "Topology") {
            fail(import_errc::unsupported,
                 "this is TopoJSON, not GeoJSON: convert it to GeoJSON first (e.g. with "
                 "topo2geo or mapshaper)");
        } else {
            read_geometry(root, feature_texts{}, "the geometry");
            what_was_read_ = "the geometry is empty";
        }
    }

    std::string_view what_was_read() const { return what_was_read_; }

private:
    std::string type_of(const json::object& object, std::string_view where)
    {
        const auto* type = object.if_contains("type");
        if (type == nullptr || !type->is_string())
            fail(import_errc::malformed, std::string(where) + " has no \"type\" string");
        return std::string(type->get_string());
    }

    void refuse_crs(const json::object& object, std::string_view where)
    {
        const auto* crs = object.if_contains("crs");
        if (crs != nullptr && !crs->is_null())
            fail(import_errc::unsupported,
                 std::string(where) +
                     " has a \"crs\" member: GeoJSON (RFC 7946) is WGS84 longitude/latitude only; "
                     "export the file again as RFC 7946 GeoJSON or in EPSG:4326");
    }

    void read_feature(const json::value& value, std::string where)
    {
        const json::object* feature = value.if_object();
        if (feature == nullptr)
            fail(import_errc::malformed, where + " is " + kind_text(value) + ", not a Feature object");
        if (type_of(*feature, where) != "Feature")
            fail(import_errc::malformed, where + " is a " + quote(type_of(*feature, where)) + ", not a \"Feature\"");
        refuse_crs(*feature, where);

        feature_texts texts;
        if (const auto* properties = feature->if_contains("properties");
            properties != nullptr && !properties->is_null()) {
            if (!properties->is_object())
                fail(import_errc::malformed,
                     where + ": \"properties\" is " + kind_text(*properties) + ", not an object");
            read_properties(properties->get_object(), texts, where);
        }
        if (!texts.title.empty())
            where += " (" + quote(texts.title) + ")";

        const auto* geometry = feature->if_contains("geometry");
        if (geometry == nullptr)
            fail(import_errc::malformed, where + " has no \"geometry\" member (null when it has none)");
        if (geometry->is_null()) {
            builder_.note_skipped();
            return;
        }
        read_geometry(*geometry, texts, where);
    }

    void read_properties(const json::object& properties, feature_texts& texts, std::string_view where)
    {
        if (properties.size() > builder_.limits().max_properties + 2) // + title and description
            fail(import_errc::too_much_text,
                 std::string(where) + ": " + std::to_string(properties.size()) + " properties; the limit is " +
                     std::to_string(builder_.limits().max_properties));
        // "name" wins over "title" as the title, whichever comes first.
        std::optional<std::string> name, title, description;
        for (const auto& [key, value] : properties) {
            if (!name && equals_ignoring_case(key, "name") && !value.is_null())
                name = value_text(value);
            else if (!title && equals_ignoring_case(key, "title") && !value.is_null())
                title = value_text(value);
            else if (!description && equals_ignoring_case(key, "description") && !value.is_null())
                description = value_text(value);
            else if (!value.is_null())
                texts.properties.emplace_back(std::string(key), value_text(value));
        }
        if (name && title)
            texts.properties.emplace_back("title", *title);
        texts.title = name ? *name : title ? *title : std::string();
        texts.description = description ? *description : std::string();
    }

    const json::array& coordinates(const json::object& geometry, std::string_view where)
    {
        const auto* c = geometry.if_contains("coordinates");
        if (c == nullptr || !c->is_array())
            fail(import_errc::invalid_geometry, std::string(where) + ": the geometry has no \"coordinates\" array");
        return c->get_array();
    }

    const json::array& array_of(const json::value& v, const char* what, std::string_view where)
    {
        if (!v.is_array())
            fail(import_errc::invalid_geometry,
                 std::string(where) + ": " + what + " must be an array, got " + kind_text(v));
        return v.get_array();
    }

    pb::LonLat position(const json::value& v, std::string_view where)
    {
        const json::array* p = v.if_array();
        std::string got;
        if (p == nullptr)
            got = kind_text(v);
        else if (p->size() < 2)
            got = p->empty() ? "an empty array" : "one number";
        else if (!(*p)[0].is_number() || !(*p)[1].is_number())
            got = std::string(kind_text((*p)[0].is_number() ? (*p)[1] : (*p)[0])) + " in it";
        if (!got.empty())
            fail(import_errc::invalid_geometry,
                 std::string(where) + ": a position must be [longitude, latitude], got " + got);
        return builder_.position((*p)[0].to_number<double>(), (*p)[1].to_number<double>(), where);
    }

    void add_part(pb::FeatureKind kind, const json::array& positions, const feature_texts& texts,
                  std::string_view where, bool ring)
    {
        builder_.check_positions(positions.size() - (ring && !positions.empty() ? 1 : 0), where);
        reference_feature feature;
        feature.geometry.set_kind(kind);
        auto* out = feature.geometry.mutable_positions();
        out->Reserve(static_cast<int>(positions.size()));
        for (const auto& p : positions)
            *out->Add() = position(p, where);
        // The model's areas are open rings; RFC 7946 rings repeat their first
        // position at the end.
        if (ring && out->size() >= 2) {
            const auto& first = out->Get(0);
            const auto& last = out->Get(out->size() - 1);
            if (first.lon() == last.lon() && first.lat() == last.lat())
                out->RemoveLast();
        }
        feature.title = texts.title;
        feature.description = texts.description;
        feature.properties = texts.properties;
        builder_.add(std::move(feature), where);
    }

    void add_polygon(const json::array& rings, const feature_texts& texts, std::string_view where)
    {
        if (rings.empty()) {
            builder_.note_skipped();
            return;
        }
        add_part(pb::FEATURE_KIND_AREA, array_of(rings[0], "a polygon ring", where), texts, where, true);
        builder_.note_holes_dropped(rings.size() - 1);
    }

    void read_geometry(const json::value& value, const feature_texts& texts, std::string_view where)
    {
        const json::object* geometry = value.if_object();
        if (geometry == nullptr)
            fail(import_errc::invalid_geometry,
                 std::string(where) + ": the geometry is " + kind_text(value) + ", not an object");
        refuse_crs(*geometry, where);
        const std::string type = type_of(*geometry, where);
        if (type == "GeometryCollection") {
            const auto* members = geometry->if_contains("geometries");
            if (members == nullptr || !members->is_array())
                fail(import_errc::invalid_geometry,
                     std::string(where) + ": a GeometryCollection has no \"geometries\" array");
            if (members->get_array().empty())
                builder_.note_skipped();
            for (const auto& member : members->get_array())
                read_geometry(member, texts, where); // as deep as max_json_depth allows
        } else if (type == "Point") {
            const auto& c = coordinates(*geometry, where);
            reference_feature feature;
            builder_.check_positions(1, where);
            feature.geometry.set_kind(pb::FEATURE_KIND_POINT);
            *feature.geometry.add_positions() = position(c, where);
            feature.title = texts.title;
            feature.description = texts.description;
            feature.properties = texts.properties;
            builder_.add(std::move(feature), where);
        } else if (type == "MultiPoint") {
            const auto& points = coordinates(*geometry, where);
            if (points.empty())
                builder_.note_skipped();
            for (const auto& p : points)
                add_part(pb::FEATURE_KIND_POINT, json::array{p}, texts, where, false);
        } else if (type == "LineString") {
            add_part(pb::FEATURE_KIND_LINE, coordinates(*geometry, where), texts, where, false);
        } else if (type == "MultiLineString") {
            const auto& lines = coordinates(*geometry, where);
            if (lines.empty())
                builder_.note_skipped();
            for (const auto& line : lines)
                add_part(pb::FEATURE_KIND_LINE, array_of(line, "a line", where), texts, where, false);
        } else if (type == "Polygon") {
            add_polygon(coordinates(*geometry, where), texts, where);
        } else if (type == "MultiPolygon") {
            const auto& polygons = coordinates(*geometry, where);
            if (polygons.empty())
                builder_.note_skipped();
            for (const auto& polygon : polygons)
                add_polygon(array_of(polygon, "a polygon", where), texts, where);
        } else {
            fail(import_errc::invalid_geometry,
                 std::string(where) + ": " + quote(type) +
                     " is not a GeoJSON geometry type (Point, MultiPoint, LineString, "
                     "MultiLineString, Polygon, MultiPolygon, GeometryCollection)");
        }
    }

    layer_builder& builder_;
    std::string what_was_read_;
};

} // namespace

import_result import_geojson(std::string_view bytes, const import_limits& limits)
{
    return guarded([&] {
        check_size(bytes, limits);
        layer_builder builder(source_format::geojson, limits);

        budget_resource budget(limits.max_json_memory);
        json::monotonic_resource arena(64 * 1024, &budget);
        json::parse_options options;
        options.max_depth = limits.max_json_depth;
        json::stream_parser parser(json::storage_ptr(), options);
        parser.reset(&arena);
        json::error_code ec;
        std::size_t consumed = 0;
        try {
            consumed = parser.write(bytes.data(), bytes.size(), ec);
            if (!ec)
                parser.finish(ec);
        } catch (const budget_exceeded&) {
            fail(import_errc::too_large,
                 "the file holds more values than a layer can (it needs more than " +
                     size_text(limits.max_json_memory) + " of memory to read)");
        }
        if (ec) {
            if (ec == json::error::too_deep)
                fail(import_errc::malformed,
                     "line " + std::to_string(line_at(bytes, consumed)) + ": the JSON is nested more than " +
                         std::to_string(limits.max_json_depth) + " levels deep");
            fail(import_errc::malformed,
                 "line " + std::to_string(line_at(bytes, consumed)) + ": not well-formed JSON (" + ec.message() + ")");
        }
        const json::value root = parser.release();
        geojson_reader reader(builder);
        reader.read(root);
        return builder.finish(reader.what_was_read());
    });
}

} // namespace maptable::imports
