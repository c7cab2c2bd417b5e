#include "tools/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace vb {

Log::Log(std::string tag, bool kmsg, bool verbose) : tag_(std::move(tag)), verbose_(verbose) {
    if (kmsg) kmsg_.reset(::open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC));
}

Log::~Log() = default;

void Log::operator()(Level level, const std::string& message) {
    size_t start = 0;
    while (start <= message.size()) {
        size_t end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        std::string line = message.substr(start, end - start);
        start = end + 1;
        if (line.empty()) continue;
        if (level != Level::Debug || verbose_) {
            const char* prefix = level == Level::Error ? "error: " : level == Level::Warning ? "warning: " : "";
            std::fprintf(stderr, "%s: %s%s\n", tag_.c_str(), prefix, line.c_str());
        }
        if (kmsg_ && level != Level::Debug) {
            // One write() is one kmsg record; the kernel caps a record near 1 KiB.
            std::string rec =
                "<" + std::to_string(static_cast<int>(level)) + ">" + tag_ + ": " + line.substr(0, 900) + "\n";
            (void)!::write(kmsg_.get(), rec.data(), rec.size());
        }
    }
}

} // namespace vb
