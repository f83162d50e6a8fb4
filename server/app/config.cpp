#include "app/config.hpp"

#include <boost/program_options.hpp>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace po = boost::program_options;

namespace maptable::app {
namespace {

// MAPTABLE_DATA_DIR -> data-dir; other variables are not ours.
std::string env_to_option(const std::string& variable, const po::options_description& options)
{
    const std::string prefix = "MAPTABLE_";
    if (variable.rfind(prefix, 0) != 0)
        return {};
    std::string name = variable.substr(prefix.size());
    for (auto& c : name)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return options.find_nothrow(name, false) ? name : std::string{};
}

bool parse(int argc, char** argv, const po::options_description& options, po::variables_map& vm,
           const std::string& usage, int& exit_code)
{
    try {
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::store(po::parse_environment(options, [&](const std::string& v) { return env_to_option(v, options); }), vm);
        if (vm.count("help")) {
            std::cout << usage << "\n\n" << options << "\nEvery flag can also be set as MAPTABLE_<FLAG>, e.g. MAPTABLE_DATA_DIR.\n";
            exit_code = 0;
            return false;
        }
        po::notify(vm);
        return true;
    } catch (const std::exception& e) {
        std::cerr << "maptable-server: " << e.what() << "\nTry --help.\n";
        exit_code = 2;
        return false;
    }
}

} // namespace

std::optional<server_config> parse_server_args(int argc, char** argv, int& exit_code)
{
    server_config c;
    std::string durability = "full";
    unsigned idle_unload = static_cast<unsigned>(c.limits.room_idle_unload.count());
    po::options_description options("Options");
    options.add_options()
        ("help,h", "print this help")
        ("listen", po::value(&c.listen_address)->default_value(c.listen_address), "address to listen on (0.0.0.0 for all)")
        ("port", po::value(&c.port)->default_value(c.port), "port for HTTP and WebSocket; 0 picks a free one")
        ("data-dir", po::value(&c.data_dir)->default_value(c.data_dir), "where the event log (maptable.db) and the secret live")
        ("secret", po::value(&c.secret), "join-token signing secret (default: <data-dir>/secret, created on first start)")
        ("issuer", po::value(&c.issuer), "when set, tokens must carry this iss")
        ("audience", po::value(&c.audience), "when set, tokens must carry this aud")
        ("threads", po::value(&c.threads)->default_value(0), "I/O threads; 0 = one per core")
        ("durability", po::value(&durability)->default_value(durability),
         "full: an ack survives power loss; normal: survives a crash of the process")
        ("room-idle-unload", po::value(&idle_unload)->default_value(idle_unload), "seconds before an empty room leaves memory")
        ("log-level", po::value(&c.log_level)->default_value(c.log_level), "trace, debug, info, warn, error");
    po::variables_map vm;
    if (!parse(argc, argv, options, vm, "Usage: maptable-server [options]\n       maptable-server token --room R --name N [--role R]", exit_code))
        return std::nullopt;
    if (durability == "full")
        c.durability = store::durability::full;
    else if (durability == "normal")
        c.durability = store::durability::normal;
    else {
        std::cerr << "maptable-server: --durability is full or normal\n";
        exit_code = 2;
        return std::nullopt;
    }
    c.limits.room_idle_unload = std::chrono::seconds(idle_unload);
    return c;
}

std::optional<token_request> parse_token_args(int argc, char** argv, int& exit_code)
{
    token_request t;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "print this help")
        ("room", po::value(&t.room)->required(), "the room the token admits to")
        ("name", po::value(&t.name)->required(), "display name")
        ("role", po::value(&t.role)->default_value(t.role), "facilitator, participant or observer")
        ("sub", po::value(&t.subject), "participant id (default: derived from the name)")
        ("ttl", po::value(&t.ttl_seconds)->default_value(t.ttl_seconds), "seconds until it expires")
        ("data-dir", po::value(&t.data_dir)->default_value(t.data_dir), "the server's data dir (for its secret)")
        ("secret", po::value(&t.secret), "signing secret (default: <data-dir>/secret)")
        ("issuer", po::value(&t.issuer), "iss claim")
        ("audience", po::value(&t.audience), "aud claim");
    po::variables_map vm;
    if (!parse(argc, argv, options, vm, "Usage: maptable-server token --room R --name N [--role participant]", exit_code))
        return std::nullopt;
    return t;
}

std::string resolve_secret(const std::string& configured, const std::string& data_dir)
{
    if (!configured.empty())
        return configured;
    namespace fs = std::filesystem;
    fs::create_directories(data_dir);
    const fs::path path = fs::path(data_dir) / "secret";
    if (std::ifstream in{path}) {
        std::string secret;
        std::getline(in, secret);
        if (secret.size() >= 32)
            return secret;
        throw std::runtime_error("the secret in " + path.string() + " is shorter than 32 characters");
    }
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        throw std::runtime_error("no randomness for a secret");
    static constexpr char hex[] = "0123456789abcdef";
    std::string secret;
    for (unsigned char b : raw) {
        secret.push_back(hex[b >> 4]);
        secret.push_back(hex[b & 15]);
    }
    const auto old_mask = ::umask(077);
    std::ofstream out{path};
    ::umask(old_mask);
    out << secret << "\n";
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
    return secret;
}

} // namespace maptable::app
