// Example app embedding the maptable C++ SDK: joins a room, keeps a GeoJSON
// file of its map up to date as features change, and prints the chat.
//
//     embed-sdk --url ws://127.0.0.1:8080/v1/ws --room harbour --token T --out map.geojson
//
// The SDK's callbacks run on its I/O thread and must not block, so they only
// hand events to the main thread, which writes the file and the output.
#include <maptable/client.hpp>
#include <model/geojson.hpp>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

struct arguments {
    std::string url, room, token, out = "map.geojson";
};

bool parse(int argc, char** argv, arguments& a)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        std::string* target = flag == "--url" ? &a.url
            : flag == "--room"                ? &a.room
            : flag == "--token"               ? &a.token
            : flag == "--out"                 ? &a.out
                                              : nullptr;
        if (!target) {
            std::cerr << "embed-sdk: unknown option " << flag << "\n";
            return false;
        }
        *target = argv[i + 1];
    }
    if (argc % 2 == 0 || a.url.empty() || a.room.empty() || a.token.empty()) {
        std::cerr << "usage: embed-sdk --url ws://HOST:PORT/v1/ws --room ROOM --token TOKEN [--out FILE]\n";
        return false;
    }
    return true;
}

// Replaces the file whole (write, then rename), so a reader never sees half a map.
void write_atomically(const std::filesystem::path& path, const std::string& text)
{
    auto temporary = path;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush())
            throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, path);
}

// What the I/O thread hands to the main thread.
struct inbox {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<maptable::pb::Event> events;
    bool stop = false;
    std::string why;

    void finish(std::string reason)
    {
        std::lock_guard lock(mutex);
        if (!stop) {
            stop = true;
            why = std::move(reason);
        }
        changed.notify_one();
    }
};

} // namespace

int main(int argc, char** argv)
{
    arguments args;
    if (!parse(argc, argv, args))
        return 2;

    // SIGINT and SIGTERM end the app cleanly. They are blocked before any
    // thread starts (the SDK's included) and taken by one waiting thread.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    inbox box;
    std::thread signal_waiter([&] {
        int signal = 0;
        sigwait(&signals, &signal);
        box.finish(signal == SIGINT || signal == SIGTERM ? "signal" : "");
    });

    int status = 0;
    {
        maptable::client_options options;
        options.url = args.url;
        options.room_id = args.room;
        options.token = args.token;
        maptable::client client(std::move(options));
        client.on_event([&](const maptable::pb::Event& event) {
            std::lock_guard lock(box.mutex);
            box.events.push_back(event);
            box.changed.notify_one();
        });
        client.on_closed([&](const maptable::close_info& info) {
            box.finish("connection closed: " + std::to_string(info.code) + " " + info.reason);
        });

        const auto joined = client.connect().get();
        if (!joined.ok) {
            std::cerr << "embed-sdk: cannot join " << args.room << ": " << joined.message << "\n";
            status = 1;
        } else {
            write_atomically(args.out, maptable::model::to_geojson(client.replica()));
            std::cout << "joined " << args.room << " at seq " << client.seq() << ", map in " << args.out << std::endl;

            std::unique_lock lock(box.mutex);
            while (true) {
                box.changed.wait(lock, [&] { return box.stop || !box.events.empty(); });
                if (box.events.empty())
                    break;
                auto events = std::move(box.events);
                box.events.clear();
                lock.unlock();

                bool map_changed = false;
                for (const auto& event : events) {
                    if (event.has_chat_posted()) {
                        const auto& message = event.chat_posted().message();
                        std::cout << "chat " << message.author_name() << ": " << message.text() << std::endl;
                    }
                    map_changed = map_changed || event.has_feature_added() || event.has_feature_updated() ||
                        event.has_feature_deleted();
                }
                // The replica has already applied these events (and maybe later ones).
                if (map_changed) {
                    const auto state = client.replica();
                    write_atomically(args.out, maptable::model::to_geojson(state));
                    std::cout << "map: " << state.features().size() << " features at seq " << state.seq() << std::endl;
                }
                lock.lock();
            }
            std::cout << "stopping: " << box.why << std::endl;
            lock.unlock();
        }
        client.clear_callbacks();
    }

    // Wake the signal thread if no signal came.
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
    return status;
}
