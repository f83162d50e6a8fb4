#include "fault_proxy.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace maptable::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A TCP socket that is closed on exec (see accept()); -1 when none can be had.
int cloexec_socket()
{
    return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

struct budget {
    std::size_t left = 0;
    cut_style style = cut_style::reset;
};

} // namespace

struct fault_proxy::impl {
    // One client connection and its connection to the target. Touched only on
    // the proxy's thread; handlers keep it alive.
    struct link : std::enable_shared_from_this<link> {
        impl& owner;
        std::uint64_t id;
        tcp::socket client, server;
        std::array<char, 16 * 1024> to_server_buf{}, to_client_buf{};
        std::optional<budget> total, server_bytes, client_bytes; // server_bytes: bytes the server may still send
        bool ended = false;
        bool to_server_done = false, to_client_done = false;
        // What each direction waits for: 'r' reading, 'w' writing, 'c' connecting, '-' done.
        char to_server_doing = 'c', to_client_doing = 'c';
        std::uint64_t to_server_bytes = 0, to_client_bytes = 0;

        link(impl& o, std::uint64_t i, tcp::socket c) : owner(o), id(i), client(std::move(c)), server(o.io) {}

        void start()
        {
            const tcp::endpoint target(asio::ip::address_v4::loopback(), owner.target_port.load());
            const int fd = cloexec_socket();
            boost::system::error_code ec;
            if (fd >= 0)
                server.assign(tcp::v4(), fd, ec);
            if (fd < 0 || ec) {
                if (fd >= 0)
                    ::close(fd);
                return end(false, cut_style::reset);
            }
            server.async_connect(target, [self = shared_from_this()](boost::system::error_code ec) {
                if (self->ended)
                    return;
                if (ec)
                    return self->end(false, cut_style::reset);
                boost::system::error_code ignored;
                self->client.set_option(tcp::no_delay(true), ignored);
                self->server.set_option(tcp::no_delay(true), ignored);
                self->pump(true);
                self->pump(false);
            });
        }

        // Forwards one direction: read some, write what the budgets allow,
        // cut when they ran out within this read.
        void pump(bool to_server)
        {
            auto& from = to_server ? client : server;
            auto& buf = to_server ? to_server_buf : to_client_buf;
            (to_server ? to_server_doing : to_client_doing) = 'r';
            from.async_read_some(asio::buffer(buf),
                                 [self = shared_from_this(), to_server](boost::system::error_code ec, std::size_t n) {
                if (self->ended)
                    return;
                if (ec)
                    return self->peer_ended(to_server, ec);
                std::size_t allowed = n;
                std::optional<cut_style> cut;
                auto limit = [&](std::optional<budget>& b) {
                    if (!b)
                        return;
                    if (b->left < allowed) {
                        allowed = b->left;
                        cut = b->style;
                    }
                };
                limit(self->total);
                limit(to_server ? self->client_bytes : self->server_bytes);
                for (auto* b : {&self->total, to_server ? &self->client_bytes : &self->server_bytes})
                    if (*b)
                        (*b)->left -= std::min((*b)->left, allowed);
                (to_server ? self->owner.to_server : self->owner.to_client) += allowed;
                (to_server ? self->to_server_bytes : self->to_client_bytes) += allowed;
                if (allowed == 0)
                    return self->end(true, *cut);
                auto& to = to_server ? self->server : self->client;
                (to_server ? self->to_server_doing : self->to_client_doing) = 'w';
                auto& out = to_server ? self->to_server_buf : self->to_client_buf;
                asio::async_write(to, asio::buffer(out, allowed),
                                  [self, to_server, cut](boost::system::error_code ec, std::size_t) {
                    if (self->ended)
                        return;
                    if (ec)
                        return self->end(false, cut_style::reset);
                    if (cut)
                        return self->end(true, *cut);
                    self->pump(to_server);
                });
            });
        }

        // A peer ended its side: pass an end of stream on, a reset as a reset.
        void peer_ended(bool from_client, boost::system::error_code ec)
        {
            if (ec != asio::error::eof)
                return end(false, cut_style::reset);
            boost::system::error_code ignored;
            (from_client ? server : client).shutdown(tcp::socket::shutdown_send, ignored);
            (from_client ? to_server_done : to_client_done) = true;
            (from_client ? to_server_doing : to_client_doing) = '-';
            if (to_server_done && to_client_done)
                end(false, cut_style::close);
        }

        // Closes both sockets; by_proxy counts it as a cut.
        void end(bool by_proxy, cut_style style)
        {
            if (ended)
                return;
            ended = true;
            if (style == cut_style::random)
                style = owner.rng() % 2 ? cut_style::reset : cut_style::close;
            // Count first: a peer may look at the counters as soon as it sees the end.
            owner.links.erase(id);
            if (by_proxy)
                ++owner.cuts;
            --owner.live;
            owner.notify();
            boost::system::error_code ignored;
            for (auto* s : {&client, &server}) {
                if (!s->is_open())
                    continue;
                if (style == cut_style::reset)
                    s->set_option(asio::socket_base::linger(true, 0), ignored);
                else
                    s->shutdown(tcp::socket::shutdown_both, ignored);
                s->close(ignored);
            }
        }
    };

    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
    tcp::acceptor acceptor{io};
    std::atomic<unsigned short> target_port;
    unsigned short listen_port = 0;
    std::mt19937_64 rng; // proxy thread only

    // Proxy thread only.
    std::map<std::uint64_t, std::shared_ptr<link>> links;
    std::uint64_t next_id = 1;
    std::optional<std::pair<std::size_t, std::size_t>> random_range;
    cut_style random_style = cut_style::random;

    std::atomic<std::uint64_t> connections{0}, cuts{0}, live{0}, to_server{0}, to_client{0};
    std::mutex wait_mutex;
    std::condition_variable changed;

    std::thread thread;

    impl(unsigned short target, std::uint64_t seed) : target_port(target), rng(seed)
    {
        const tcp::endpoint local(asio::ip::address_v4::loopback(), 0);
        const int fd = cloexec_socket();
        if (fd < 0)
            throw std::system_error(errno, std::generic_category(), "fault_proxy: socket");
        acceptor.assign(tcp::v4(), fd);
        acceptor.native_non_blocking(true);
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(local);
        acceptor.listen();
        listen_port = acceptor.local_endpoint().port();
        accept();
        thread = std::thread([this] { io.run(); });
    }

    void notify()
    {
        std::lock_guard lock(wait_mutex);
        changed.notify_all();
    }

    std::optional<budget> draw_random()
    {
        if (!random_range)
            return std::nullopt;
        std::uniform_int_distribution<std::size_t> d(random_range->first, random_range->second);
        return budget{d(rng), random_style};
    }

    // Accepts with accept4(SOCK_CLOEXEC) rather than async_accept, so that no
    // socket of the proxy is ever inherited by a process the test forks (a
    // restarted server): an inherited copy would keep a connection open
    // after the proxy closed it, and the peer would never see the cut.
    void accept()
    {
        acceptor.async_wait(tcp::acceptor::wait_read, [this](boost::system::error_code ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open())
                return;
            for (;;) {
                const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
                if (fd < 0)
                    break; // EAGAIN: nothing more to accept now; anything else: try again on the next wake-up
                tcp::socket socket(io);
                boost::system::error_code assigned;
                socket.assign(tcp::v4(), fd, assigned);
                if (assigned) {
                    ::close(fd);
                    continue;
                }
                auto l = std::make_shared<link>(*this, next_id++, std::move(socket));
                l->total = draw_random();
                links.emplace(l->id, l);
                ++connections;
                ++live;
                notify();
                l->start();
            }
            accept();
        });
    }

    // Runs f on the proxy thread and waits for its result.
    template <class F>
    auto on_thread(F f) -> decltype(f())
    {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        asio::post(io, [&task] { task(); });
        return result.get();
    }

    std::size_t cut_all(cut_style style)
    {
        auto all = links; // end() erases from links
        for (auto& [id, l] : all)
            l->end(true, style);
        return all.size();
    }

    template <class Pred>
    bool wait(Pred pred, std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(wait_mutex);
        return changed.wait_for(lock, timeout, pred);
    }
};

std::string fault_proxy::describe() const
{
    return impl_->on_thread([i = impl_.get()] {
        std::string out;
        for (const auto& [id, l] : i->links)
            out += "pair " + std::to_string(id) + ": to server " + std::to_string(l->to_server_bytes) + " bytes (" +
                l->to_server_doing + "), to client " + std::to_string(l->to_client_bytes) + " bytes (" +
                l->to_client_doing + ")\n";
        return out;
    });
}

fault_proxy::fault_proxy(unsigned short target_port, std::uint64_t seed)
    : impl_(std::make_shared<impl>(target_port, seed))
{
}

fault_proxy::~fault_proxy()
{
    // Close everything, let the handlers finish, then the thread ends by itself.
    impl_->on_thread([i = impl_.get()] {
        boost::system::error_code ignored;
        i->acceptor.close(ignored);
        i->cut_all(cut_style::reset);
        i->work.reset();
        return 0;
    });
    impl_->thread.join();
}

unsigned short fault_proxy::port() const
{
    return impl_->listen_port;
}

std::string fault_proxy::url(const std::string& path) const
{
    return "ws://127.0.0.1:" + std::to_string(port()) + path;
}

void fault_proxy::set_target_port(unsigned short target_port)
{
    impl_->target_port = target_port;
}

std::size_t fault_proxy::cut_all(cut_style style)
{
    return impl_->on_thread([i = impl_.get(), style] { return i->cut_all(style); });
}

void fault_proxy::cut_randomly(std::size_t min_bytes, std::size_t max_bytes, cut_style style)
{
    if (min_bytes > max_bytes)
        throw std::invalid_argument("fault_proxy::cut_randomly: min_bytes > max_bytes");
    impl_->on_thread([i = impl_.get(), min_bytes, max_bytes, style] {
        i->random_range.emplace(min_bytes, max_bytes);
        i->random_style = style;
        for (auto& [id, l] : i->links)
            l->total = i->draw_random();
        return 0;
    });
}

void fault_proxy::stop_cutting()
{
    impl_->on_thread([i = impl_.get()] {
        i->random_range.reset();
        for (auto& [id, l] : i->links)
            l->total.reset();
        return 0;
    });
}

void fault_proxy::cut_after_server_bytes(std::size_t n, cut_style style)
{
    impl_->on_thread([i = impl_.get(), n, style] {
        for (auto& [id, l] : i->links)
            l->server_bytes = budget{n, style};
        return 0;
    });
}

void fault_proxy::cut_after_client_bytes(std::size_t n, cut_style style)
{
    impl_->on_thread([i = impl_.get(), n, style] {
        for (auto& [id, l] : i->links)
            l->client_bytes = budget{n, style};
        return 0;
    });
}

std::uint64_t fault_proxy::connections() const
{
    return impl_->connections;
}
std::uint64_t fault_proxy::cuts() const
{
    return impl_->cuts;
}
std::uint64_t fault_proxy::live() const
{
    return impl_->live;
}
std::uint64_t fault_proxy::bytes_to_server() const
{
    return impl_->to_server;
}
std::uint64_t fault_proxy::bytes_to_client() const
{
    return impl_->to_client;
}

bool fault_proxy::wait_for_cuts(std::uint64_t n, std::chrono::milliseconds timeout)
{
    return impl_->wait([&] { return impl_->cuts >= n; }, timeout);
}

bool fault_proxy::wait_for_live(std::uint64_t n, std::chrono::milliseconds timeout)
{
    return impl_->wait([&] { return impl_->live >= n; }, timeout);
}

} // namespace maptable::test
