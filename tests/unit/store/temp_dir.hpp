// A fresh directory under the system temp dir, removed with everything in it
// when the test ends. Each test gets its own, so suites can run in parallel.
#pragma once

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace maptable::store::testing {

class temp_dir {
public:
    temp_dir()
    {
        std::random_device random;
        const auto base = std::filesystem::temp_directory_path();
        for (int attempt = 0;; ++attempt) {
            path_ = base / ("maptable-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
            if (std::filesystem::create_directory(path_))
                break; // false: it already existed
            if (attempt > 100)
                throw std::runtime_error("cannot create a temp dir");
        }
    }
    ~temp_dir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

} // namespace maptable::store::testing
