// Layer: app. The TOML configuration file read into program_options: each
// key checked against the flag of that name (exists, right type, a value the
// flag accepts) where the file's line is still known, so a mistake is
// reported as "file:line: key: …" instead of a bare flag error later.
#include "app/config_file.hpp"

// Header-only: the server then needs no toml++ shared library at run time.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <boost/any.hpp>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <typeindex>

namespace po = boost::program_options;

namespace maptable::app {

namespace {

// What a flag's value is, as far as the file's types go.
enum class kind { text, text_list, unsigned_integer, signed_integer, real, boolean, other };

kind kind_of(const po::value_semantic& semantic)
{
    const auto* typed = dynamic_cast<const po::typed_value_base*>(&semantic);
    if (typed == nullptr)
        return kind::other;
    const std::type_index type = typed->value_type();
    if (type == typeid(std::string))
        return kind::text;
    if (type == typeid(std::vector<std::string>))
        return kind::text_list;
    if (type == typeid(unsigned short) || type == typeid(unsigned) || type == typeid(unsigned long) ||
        type == typeid(unsigned long long))
        return kind::unsigned_integer;
    if (type == typeid(short) || type == typeid(int) || type == typeid(long) || type == typeid(long long))
        return kind::signed_integer;
    if (type == typeid(double) || type == typeid(float))
        return kind::real;
    if (type == typeid(bool))
        return kind::boolean;
    return kind::other;
}

const char* expected(kind k)
{
    switch (k) {
    case kind::text: return "a string in quotes";
    case kind::text_list: return "a string or a list of strings";
    case kind::unsigned_integer: return "a whole number, 0 or more, without quotes";
    case kind::signed_integer: return "a whole number without quotes";
    case kind::real: return "a number without quotes";
    case kind::boolean: return "true or false";
    case kind::other: return "a string, number or boolean";
    }
    return "";
}

class config_error_builder {
public:
    config_error_builder(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const toml::source_region& where, const std::string& key, const std::string& what) const
    {
        std::ostringstream message;
        message << path_;
        if (where.begin.line > 0)
            message << ":" << where.begin.line;
        message << ": " << key << ": " << what;
        throw std::runtime_error(message.str());
    }

private:
    std::string path_;
};

// One scalar of the file as the token a flag would get on the command line,
// or nullopt when its TOML type is not one the flag takes.
std::optional<std::string> token_of(const toml::node& node, kind k)
{
    switch (node.type()) {
    case toml::node_type::string:
        if (k == kind::text || k == kind::text_list || k == kind::other)
            return node.as_string()->get();
        return std::nullopt;
    case toml::node_type::integer: {
        const auto value = node.as_integer()->get();
        if (k == kind::signed_integer || k == kind::real || k == kind::other ||
            (k == kind::unsigned_integer && value >= 0))
            return std::to_string(value);
        return std::nullopt;
    }
    case toml::node_type::floating_point:
        if (k == kind::real || k == kind::other) {
            std::ostringstream out;
            out.precision(17);
            out << node.as_floating_point()->get();
            return out.str();
        }
        return std::nullopt;
    case toml::node_type::boolean:
        if (k == kind::boolean || k == kind::other)
            return node.as_boolean()->get() ? "true" : "false";
        return std::nullopt;
    default: return std::nullopt;
    }
}

// Keys that make sense only once, on a command line: help prints and exits,
// config would name a second file, and init, left in a file, would hide
// every later loss of the database (the environment refuses it too).
bool command_line_only(const std::string& key)
{
    return key == "help" || key == "config" || key == "init";
}

} // namespace

po::parsed_options parse_config_file(const std::string& path, const po::options_description& options)
{
    const config_error_builder error(path);
    {
        std::ifstream probe(path);
        if (!probe)
            throw std::runtime_error("cannot read the config file " + path + ": " +
                                     (std::filesystem::exists(path) ? "permission denied" : "no such file"));
    }
    toml::table file;
    try {
        file = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        error.fail(e.source(), "not TOML", std::string(e.description()));
    }

    po::parsed_options parsed(&options);
    for (auto&& [key_node, node] : file) {
        const std::string key(key_node.str());
        const auto& where = key_node.source();
        if (node.is_table())
            error.fail(where, key,
                       "tables are not used: write each setting as a flag's name at the top level, e.g. "
                       "max-connections = 20000");
        if (command_line_only(key))
            error.fail(where, key, "can only be given on the command line (--" + key + ")");
        const po::option_description* description = options.find_nothrow(key, false);
        if (description == nullptr)
            error.fail(where, key,
                       "unknown setting: the keys are the flag names of maptable-server --help, "
                       "without the dashes");
        const auto& semantic = *description->semantic();
        const kind k = kind_of(semantic);

        std::vector<std::pair<std::string, toml::source_region>> tokens;
        if (const auto* list = node.as_array()) {
            if (k != kind::text_list && !semantic.is_composing())
                error.fail(where, key, "takes one value, not a list");
            for (const auto& element : *list) {
                auto token = token_of(element, k);
                if (!token)
                    error.fail(element.source(), key,
                               std::string("each entry must be ") + expected(k == kind::text_list ? kind::text : k));
                tokens.emplace_back(std::move(*token), element.source());
            }
        } else {
            auto token = token_of(node, k);
            if (!token)
                error.fail(node.source(), key, std::string("must be ") + expected(k));
            tokens.emplace_back(std::move(*token), node.source());
        }

        // The flag's own parser and checks (a port above 65535, a limit of
        // 0), run here on a scratch value so that a refusal names the line.
        // The notifier writes into the configuration; po::notify writes the
        // final value (a flag's, if one was given) after this.
        for (const auto& [token, token_where] : tokens) {
            try {
                boost::any scratch;
                semantic.parse(scratch, {token}, true);
                semantic.notify(scratch);
            } catch (po::error_with_option_name& e) {
                e.set_option_name("--" + key);
                error.fail(token_where, key, "'" + token + "' is refused: " + e.what());
            } catch (const std::exception& e) {
                error.fail(token_where, key, "'" + token + "' is refused: " + e.what());
            }
            po::option option(key, {token});
            option.original_tokens = {key, token};
            parsed.options.push_back(std::move(option));
        }
    }
    return parsed;
}

} // namespace maptable::app
