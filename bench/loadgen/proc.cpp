// Layer: bench. CPU time and memory of a process, from /proc (another
// process) or getrusage (this one).
#include "loadgen.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace maptable::bench {

cpu_rss read_process(int pid)
{
    cpu_rss out;
    if (pid <= 0)
        return out;
    const std::string base = "/proc/" + std::to_string(pid);
    {
        std::ifstream stat(base + "/stat");
        std::string line;
        if (!std::getline(stat, line))
            return out;
        // The command name (field 2) may contain spaces: fields are counted after its ')'.
        const auto close = line.rfind(')');
        if (close == std::string::npos)
            return out;
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
        out.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
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
