#include "webhook_receiver_process.hpp"

#include "http_probe.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <csignal>
#include <cstdio>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace maptable::test {
namespace fs = std::filesystem;

std::string received_webhook::room() const
{
    return std::string(json.at("room").as_string());
}

std::uint64_t received_webhook::seq() const
{
    return json.at("seq").to_number<std::uint64_t>();
}

std::string received_webhook::type() const
{
    return std::string(json.at("type").as_string());
}

webhook_receiver_process::webhook_receiver_process(std::string mode, const std::string& tls_cert,
                                                   const std::string& tls_key)
    : tls_(!tls_cert.empty())
{
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
        ("maptable-webhook-receiver-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
    std::vector<std::string> args = {
        MAPTABLE_PYTHON, MAPTABLE_WEBHOOK_RECEIVER_PY, "--records", (dir_ / "records.jsonl").string(), "--mode", mode};
    if (tls_)
        args.insert(args.end(), {"--tls-cert", tls_cert, "--tls-key", tls_key});
    const auto log_path = (dir_ / "receiver.log").string();
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        if (auto* log = std::fopen(log_path.c_str(), "a"))
            ::dup2(::fileno(log), STDERR_FILENO);
        ::close_range(3, ~0U, 0);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        std::perror("execv webhook_receiver.py");
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line.push_back(c);
    ::close(out[0]);
    const std::string prefix = "webhook-receiver listening on ";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, "the webhook receiver did not start: '" << line << "'");
    port_ = static_cast<unsigned short>(std::stoi(line.substr(prefix.size())));
}

webhook_receiver_process::~webhook_receiver_process()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

std::string webhook_receiver_process::url(const std::string& path) const
{
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void webhook_receiver_process::set_mode(const std::string& mode)
{
    tls_trust trust; // unused for plain HTTP
    REQUIRE_MESSAGE(!tls_, "set_mode talks plain HTTP; a TLS receiver keeps its mode");
    const auto reply = call_api(port_, {.method = "GET", .target = "/control/mode?set=" + mode});
    REQUIRE(reply.status == 200);
}

std::vector<received_webhook> webhook_receiver_process::records(std::size_t n, std::chrono::seconds timeout)
{
    return wait("records", n, timeout);
}

std::vector<received_webhook> webhook_receiver_process::attempts(std::size_t n, std::chrono::seconds timeout)
{
    return wait("attempts", n, timeout);
}

std::vector<received_webhook> webhook_receiver_process::wait(const char* which, std::size_t n,
                                                             std::chrono::seconds timeout)
{
    REQUIRE_MESSAGE(!tls_, "the control requests are plain HTTP");
    const auto reply = call_api(port_,
                                {.method = "GET",
                                 .target = std::string("/control/") + which + "?wait_for=" + std::to_string(n) +
                                     "&timeout=" + std::to_string(timeout.count())});
    std::vector<received_webhook> out;
    boost::system::error_code parse_error;
    const auto list = boost::json::parse(reply.body, parse_error);
    REQUIRE_MESSAGE((!parse_error && list.is_array()), "the receiver answered " << reply.status << ": " << reply.body);
    for (const auto& item : list.as_array()) {
        const auto& o = item.as_object();
        received_webhook r;
        r.id = std::string(o.at("id").as_string());
        r.timestamp = std::string(o.at("timestamp").as_string());
        r.signature = std::string(o.at("signature").as_string());
        r.path = std::string(o.at("path").as_string());
        r.mode = std::string(o.at("mode").as_string());
        r.body = std::string(o.at("body").as_string());
        boost::system::error_code ec;
        r.json = boost::json::parse(r.body, ec);
        out.push_back(std::move(r));
    }
    std::ostringstream seen;
    for (const auto& r : out)
        seen << r.id << "(" << r.mode << ") ";
    REQUIRE_MESSAGE(reply.status == 200,
                    "the receiver got " << out.size() << " " << std::string(which) << " within " << timeout.count()
                                        << " s, not " << n << ": " << seen.str());
    return out;
}

registered_webhook register_webhook(unsigned short server_port, const std::string& url, const std::string& room,
                                    const std::vector<std::string>& kinds)
{
    boost::json::array k;
    for (const auto& kind : kinds)
        k.emplace_back(kind);
    const auto body = boost::json::serialize(boost::json::object{{"url", url}, {"room", room}, {"kinds", k}});
    const auto reply = call_api(
        server_port, {.method = "POST", .target = "/v1/admin/webhooks", .bearer = webhook_admin_key, .body = body});
    REQUIRE_MESSAGE(reply.status == 201, "registration refused: " << reply.status << " " << reply.body);
    const auto json = json_body(reply).as_object();
    return {std::string(json.at("id").as_string()), std::string(json.at("secret").as_string())};
}

boost::json::object webhook_state(unsigned short server_port, const std::string& id)
{
    const auto reply =
        call_api(server_port, {.method = "GET", .target = "/v1/admin/webhooks/" + id, .bearer = webhook_admin_key});
    REQUIRE_MESSAGE(reply.status == 200, reply.status << " " << reply.body);
    return json_body(reply).as_object();
}

bool signature_valid(const std::string& secret, const received_webhook& request)
{
    const std::string prefix = "whsec_";
    if (secret.rfind(prefix, 0) != 0)
        return false;
    const auto encoded = secret.substr(prefix.size());
    std::string key(encoded.size(), '\0');
    const int decoded =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(key.data()),
                        reinterpret_cast<const unsigned char*>(encoded.data()), static_cast<int>(encoded.size()));
    if (decoded < 0)
        return false;
    std::size_t size = static_cast<std::size_t>(decoded);
    for (auto it = encoded.rbegin(); it != encoded.rend() && *it == '='; ++it)
        --size;
    key.resize(size);
    const auto content = request.id + "." + request.timestamp + "." + request.body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
         content.size(), mac, &mac_size);
    std::string expected(4 * ((mac_size + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()), mac, static_cast<int>(mac_size));
    std::istringstream signatures(request.signature);
    std::string one;
    while (signatures >> one)
        if (one == "v1," + expected)
            return true;
    return false;
}

} // namespace maptable::test
