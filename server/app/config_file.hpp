// Layer: app. The configuration file (--config FILE, or MAPTABLE_CONFIG): a
// TOML file whose keys are the server's flag names without the leading
// dashes, flat at the top level:
//
//     port = 8080
//     store = "postgresql://maptable@db.example.org/maptable"
//     max-connections = 20000
//     tile-source = ["topo|Topographic|https://…/{z}/{x}/{y}.png|© …"]
//
// It is read into the same boost::program_options machinery as the flags and
// the environment, stored after both, so a flag wins over MAPTABLE_<FLAG>,
// which wins over the file, which wins over the built-in default.
//
// Flat keys only (no [limits] table): a key in the file is then the same
// word as the flag in --help, in the docs and in a MAPTABLE_ variable, and
// moving a setting between the three needs no translation. Anything the
// server would not act on is refused at start-up, naming the file, the line
// and the key: an unknown key (a typo would otherwise be silently ignored),
// a table, a value of the wrong type, a value the flag refuses, a list for a
// flag that takes one value, and the keys that only make sense once on a
// command line (help, config, init).
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>

#include <string>

namespace maptable::app {

// Reads the TOML file at path and returns its settings as parsed options of
// `options` (so po::store and po::notify treat them like flags). Throws
// std::runtime_error, with "path:line: key: what is wrong", when the file
// cannot be read, is not TOML, or holds a key or value the flags would not
// accept.
boost::program_options::parsed_options parse_config_file(const std::string& path,
                                                         const boost::program_options::options_description& options);

} // namespace maptable::app
