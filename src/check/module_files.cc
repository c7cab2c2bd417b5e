#include "check/module_files.h"

#include "basic/text.h"

namespace vb {

namespace {

std::string normalize(std::string_view name) {
    std::string n(name);
    for (char& c : n)
        if (c == '-') c = '_';
    return n;
}

// Calls fn(line) for each line of text.
template <class Fn>
void each_line(std::string_view text, Fn fn) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        fn(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

} // namespace

std::string module_name_of(std::string_view path) {
    size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    size_t ko = path.find(".ko");
    return normalize(path.substr(0, ko));
}

ModuleNeed module_need(std::string_view modules_dep, std::string_view modules_builtin, std::string_view name) {
    ModuleNeed need;
    need.name = normalize(name);
    each_line(modules_builtin, [&](std::string_view line) {
        if (!need.builtin && module_name_of(trim(line)) == need.name) need.builtin = true;
    });
    if (need.builtin) return need;
    each_line(modules_dep, [&](std::string_view line) {
        size_t colon = line.find(':');
        if (need.found || colon == std::string_view::npos || module_name_of(line.substr(0, colon)) != need.name) return;
        need.found = true;
        need.files.push_back(std::string(line.substr(0, colon)));
        for (const auto& dep : split_blanks(line.substr(colon + 1))) need.files.push_back(dep);
    });
    return need;
}

std::string kconfig_value(std::string_view config, std::string_view key) {
    std::string value;
    const std::string prefix = std::string(key) + "=";
    each_line(config, [&](std::string_view line) {
        if (starts_with(line, prefix)) value = trim(line.substr(prefix.size()));
    });
    return value == "y" || value == "m" ? value : "";
}

} // namespace vb
