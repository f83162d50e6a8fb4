// Layer: import. XML loading for KML and GPX (see xml_document.hpp).
#include "import/xml_document.hpp"

#include "import/layer_builder.hpp"

#include <algorithm>

namespace maptable::imports::detail {

void load_xml(pugi::xml_document& doc, std::string_view bytes, const import_limits& limits, const char* format,
              std::string_view root)
{
    // pugixml builds the whole tree; every node starts with a '<', so their
    // count bounds the tree's memory before a byte of it is built.
    const auto markup = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '<'));
    if (markup > limits.max_xml_nodes)
        fail(import_errc::too_large,
             "the file has " + std::to_string(markup) + " XML elements; the limit is " +
                 std::to_string(limits.max_xml_nodes));
    // parse_doctype only so that a DOCTYPE can be seen and refused: pugixml
    // skips its internal subset without reading a declaration in it.
    const unsigned options = pugi::parse_default | pugi::parse_doctype;
    const pugi::xml_parse_result result = doc.load_buffer(bytes.data(), bytes.size(), options, pugi::encoding_auto);
    if (!result)
        fail(import_errc::malformed,
             "line " + std::to_string(line_at(bytes, static_cast<std::size_t>(result.offset))) +
                 ": not well-formed XML (" + result.description() + ")");
    for (const auto& node : doc.children()) {
        if (node.type() != pugi::node_doctype)
            continue;
        const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(node.offset_debug(), 0));
        fail(import_errc::unsupported,
             "line " + std::to_string(line_at(bytes, offset)) + ": the file has a DOCTYPE; " + format +
                 " needs none, and DTDs (with their entities) are not read");
    }
    const pugi::xml_node element = doc.document_element();
    if (element.empty())
        fail(import_errc::malformed,
             std::string("the file has no XML element; a ") + format + " file has <" + std::string(root) + ">");
    if (local_name(element) != root)
        fail(import_errc::unknown_format,
             "the XML's root element is " + quote(element.name()) + ", not <" + std::string(root) +
                 ">: this is not a " + format + " file");
}

std::string_view local_name(const pugi::xml_node& node)
{
    std::string_view name = node.name();
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name)
{
    for (const auto& c : node.children())
        if (c.type() == pugi::node_element && local_name(c) == name)
            return c;
    return {};
}

std::string text_of(const pugi::xml_node& node)
{
    // child_value() is the first text or CDATA child; KML descriptions are
    // often CDATA, sometimes split around a comment, so all are joined.
    std::string text;
    for (const auto& c : node.children())
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata)
            text += c.value();
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    const auto first = std::find_if_not(text.begin(), text.end(), blank);
    const auto last = std::find_if_not(text.rbegin(), text.rend(), blank).base();
    return first < last ? std::string(first, last) : std::string();
}

std::size_t line_of(const pugi::xml_node& node, line_counter& lines)
{
    const std::ptrdiff_t offset = node.offset_debug();
    return offset < 0 ? 0 : lines.line_at(static_cast<std::size_t>(offset));
}

std::string where_is(const pugi::xml_node& node, line_counter& lines)
{
    const std::size_t line = line_of(node, lines);
    return line == 0 ? std::string("an element") : "line " + std::to_string(line);
}

} // namespace maptable::imports::detail
