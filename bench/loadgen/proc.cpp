// Layer: bench. CPU time and memory of a process, from /proc (another
// process) or getrusage (this one).
#include "loadgen.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace maptable::bench {

namespace {

// utime + stime in seconds from a /proc stat file (a process's or a
// thread's); negative when it cannot be read.
double stat_cpu_seconds(const std::string& path)
{
    std::ifstream stat(path);
    std::string line;
    if (!std::getline(stat, line))
        return -1;
    // The command name (field 2) may contain spaces: fields are counted after its ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) { // field 3 is the state
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The CPU of the threads whose name starts with "store-": what persistence
// costs, apart from the event loops' fan-out (a thread that ended since is
// no longer counted; the store's threads live as long as the server).
double store_threads_cpu_seconds(const std::string& base)
{
    double total = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(base + "/task", ec)) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        if (std::getline(comm, name) && name.rfind("store-", 0) == 0)
            total += std::max(0.0, stat_cpu_seconds((task.path() / "stat").string()));
    }
    return total;
}

} // namespace

cpu_rss read_process(int pid)
{
    cpu_rss out;
    if (pid <= 0)
        return out;
    const std::string base = "/proc/" + std::to_string(pid);
    out.cpu_s = stat_cpu_seconds(base + "/stat");
    if (out.cpu_s < 0) {
        out.cpu_s = 0;
        return out;
    }
    out.store_cpu_s = store_threads_cpu_seconds(base);
    std::ifstream status(base + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:")
            status >> out.rss_kib;
        else if (key == "VmHWM:")
            status >> out.hwm_kib;
        status.ignore(1 << 20, '\n');
    }
    out.ok = true;
    return out;
}

double self_cpu_seconds()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double machine_busy_seconds()
{
    // cpu  user nice system idle iowait irq softirq steal ...
    std::ifstream stat("/proc/stat");
    std::string cpu;
    unsigned long long v[8] = {};
    stat >> cpu;
    for (auto& x : v)
        stat >> x;
    const auto busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return static_cast<double>(busy) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace maptable::bench
