#include "bootloader/bootloader.h"

namespace vb {

std::vector<Command> Bootloader::update_commands(const Fs&) const { return {}; }
bool Bootloader::owns_file(const std::string&) const { return false; }
Result<std::vector<std::string>> Bootloader::growing_files(const Fs&) const { return std::vector<std::string>{}; }
std::string Bootloader::new_files_source() const { return {}; }
bool Bootloader::applies_by_command() const { return false; }
std::vector<Command> Bootloader::apply_commands(const FileChange&) const { return {}; }

Result<FileChange> plan_file(const Fs& fs, const std::string& path, const TextEdit& edit) {
    auto text = fs.read(path);
    if (!text) return text.error();
    FileChange c;
    c.path = path;
    c.before = *text;
    auto after = edit(*text, &c.added, &c.removed);
    if (!after) return after.error();
    c.after = std::move(*after);
    return c;
}

Result<std::vector<FileChange>> plan_one_file(const Fs& fs, const std::string& path, const TextEdit& edit) {
    auto c = plan_file(fs, path, edit);
    if (!c) return c.error();
    if (c->after == c->before) return std::vector<FileChange>{};
    return std::vector<FileChange>{std::move(*c)};
}

std::string first_existing(const Fs& fs, const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
        if (fs.exists(c)) return c;
    return {};
}

bool have_program(const Fs& fs, const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (fs.exists(dir + name)) return true;
    return false;
}

} // namespace vb
