// Logging for the tools' main()s: stderr, and /dev/kmsg with a priority
// prefix so early-boot messages land in dmesg and the journal.
#pragma once

#include <string>

#include "basic/unique_fd.h"

namespace vb {

enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

class Log {
public:
    // kmsg: also write to /dev/kmsg (the real one; never under --root).
    Log(std::string tag, bool kmsg, bool verbose);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    // Multi-line messages become one record per line.
    void operator()(Level level, const std::string& message);
    void error(const std::string& m) { (*this)(Level::Error, m); }
    void warning(const std::string& m) { (*this)(Level::Warning, m); }
    void info(const std::string& m) { (*this)(Level::Info, m); }
    void debug(const std::string& m) { (*this)(Level::Debug, m); }

private:
    std::string tag_;
    UniqueFd kmsg_;
    bool verbose_;
};

} // namespace vb
