#include "generator/mkinitcpio.h"

#include <string.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "basic/shell_assign.h"
#include "basic/text.h"

namespace vb {

namespace {

bool hook_name(const std::string& w) {
    return !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                             std::string::npos;
}

Error by_hand(const std::string& where, const std::string& what) {
    return make_error(EINVAL, where + ": " + what + "; edit HOOKS by hand (vfio-bind before udev or systemd)");
}

// The hooks one assignment gives: an array's elements, or a string's words
// (mkinitcpio arrayizes the old string form).
Result<std::vector<std::string>> assigned_hooks(const ShellAssignment& a, const std::string& where) {
    std::vector<std::string> words;
    if (a.array) {
        auto w = shell_array_words(a.raw);
        if (!w) return by_hand(where, "HOOKS holds what only bash can evaluate (" + w.error().message + ")");
        words = std::move(*w);
    } else {
        auto v = a.raw.find_first_of("$`") == std::string::npos ? expand_shell_word(a.raw, {})
                                                                : Result<std::string>(make_error(EINVAL, ""));
        if (!v) return by_hand(where, "HOOKS=" + a.raw + " is something only bash can evaluate");
        words = split_blanks(*v);
    }
    for (const auto& w : words)
        if (!hook_name(w)) return by_hand(where, "HOOKS holds '" + w + "', which is not a hook's name");
    return words;
}

// A line that names HOOKS other than to read it ($HOOKS, ${HOOKS[@]}) and
// other than by a plain assignment: an element assignment, read, unset.
bool writes_hooks_otherwise(const std::string& line) {
    std::string t = line.substr(0, std::min(line.size(), line.find(" #")));
    if (starts_with(trim(t), "#")) return false;
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (size_t at = t.find("HOOKS"); at != std::string::npos; at = t.find("HOOKS", at + 1)) {
        const char before = at ? t[at - 1] : ' ';
        const char after = at + 5 < t.size() ? t[at + 5] : ' ';
        // HOOKS itself, not a longer name (HOOKS_FALLBACK, MYHOOKS), and not a read of it ($HOOKS).
        if (!name_char(before) && !name_char(after) && before != '$' && before != '{') return true;
    }
    return false;
}

} // namespace

std::string mkinitcpio_drop_in_text() {
    return "# Added by `vfio-setup initramfs enable`: the vfio-bind hook claims the\n"
           "# passthrough devices before udev (or systemd) starts and before MODULES load.\n"
           "# `vfio-setup initramfs disable` deletes this file; do not edit it.\n"
           "read -r -a _vfio_bind_hooks <<<\"${HOOKS[*]}\"\n"
           "if [[ \" ${_vfio_bind_hooks[*]} \" != *\" vfio-bind \"* ]]; then\n"
           "    HOOKS=()\n"
           "    for _vfio_bind_h in \"${_vfio_bind_hooks[@]}\"; do\n"
           "        if [[ ($_vfio_bind_h == udev || $_vfio_bind_h == systemd) && \" ${HOOKS[*]} \" != *\" vfio-bind "
           "\"* "
           "]]; then\n"
           "            HOOKS+=(vfio-bind)\n"
           "        fi\n"
           "        HOOKS+=(\"$_vfio_bind_h\")\n"
           "    done\n"
           "    [[ \" ${HOOKS[*]} \" == *\" vfio-bind \"* ]] || HOOKS+=(vfio-bind)\n"
           "fi\n"
           "unset _vfio_bind_hooks _vfio_bind_h\n";
}

std::vector<std::string> with_vfio_bind(std::vector<std::string> hooks) {
    if (std::find(hooks.begin(), hooks.end(), kVfioBindHook) != hooks.end()) return hooks;
    auto first =
        std::find_if(hooks.begin(), hooks.end(), [](const std::string& h) { return h == "udev" || h == "systemd"; });
    hooks.insert(first, kVfioBindHook);
    return hooks;
}

bool hooks_run_vfio_bind(const std::vector<std::string>& hooks) {
    auto ours = std::find(hooks.begin(), hooks.end(), kVfioBindHook);
    if (ours == hooks.end()) return false;
    auto first =
        std::find_if(hooks.begin(), hooks.end(), [](const std::string& h) { return h == "udev" || h == "systemd"; });
    return ours < first;
}

Status apply_hooks_assignments(const std::string& path, const std::string& text, std::vector<std::string>& hooks) {
    if (text == mkinitcpio_drop_in_text()) {
        hooks = with_vfio_bind(hooks);
        return {};
    }
    auto assigns = parse_shell_assignments(text, path);
    if (!assigns) return assigns.error();
    std::set<int> assignment_lines;
    for (const auto& a : *assigns) {
        if (a.name != "HOOKS") continue;
        const std::string where = path + ":" + std::to_string(a.line);
        if (a.conditional) return by_hand(where, "HOOKS is set inside a block (if, for...)");
        auto words = assigned_hooks(a, where);
        if (!words) return words.error();
        if (!a.append) hooks.clear();
        hooks.insert(hooks.end(), words->begin(), words->end());
        assignment_lines.insert(a.line);
    }
    const auto lines = split(text, '\n');
    for (size_t i = 0; i < lines.size(); ++i)
        if (!assignment_lines.count(static_cast<int>(i + 1)) && writes_hooks_otherwise(lines[i]))
            return by_hand(path + ":" + std::to_string(i + 1), "HOOKS is changed in a way only bash can evaluate");
    return {};
}

Result<std::vector<std::string>> mkinitcpio_hooks(const Fs& fs) {
    std::vector<std::string> hooks;
    auto main = fs.read(kMkinitcpioConf);
    if (!main) return main.error();
    if (Status st = apply_hooks_assignments(kMkinitcpioConf, *main, hooks); !st) return st.error();
    std::vector<std::string> names;
    if (auto l = fs.list_dir(kMkinitcpioDropDir))
        for (const auto& n : *l)
            if (ends_with(n, ".conf")) names.push_back(n);
    // mkinitcpio: `sort -V`, which strverscmp matches for these names.
    std::sort(names.begin(), names.end(),
              [](const std::string& a, const std::string& b) { return strverscmp(a.c_str(), b.c_str()) < 0; });
    for (const auto& n : names) {
        const std::string path = std::string(kMkinitcpioDropDir) + "/" + n;
        auto text = fs.read(path);
        if (!text) return text.error();
        if (Status st = apply_hooks_assignments(path, *text, hooks); !st) return st.error();
    }
    return hooks;
}

namespace {

// NAME=value lines of a preset (bash), the value expanded; what cannot be
// expanded is left out.
std::vector<std::pair<std::string, std::string>> preset_assignments(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    auto assigns = parse_shell_assignments(text, "preset");
    if (!assigns) return out;
    for (const auto& a : *assigns)
        if (!a.array && !a.conditional)
            if (auto v = expand_shell_word(a.raw, {})) out.push_back({a.name, *v});
    return out;
}

std::vector<std::string> preset_names(const Fs& fs) {
    std::vector<std::string> out;
    if (auto l = fs.list_dir(kMkinitcpioPresetDir))
        for (const auto& n : *l)
            if (ends_with(n, ".preset")) out.push_back(n.substr(0, n.size() - 7));
    return out;
}

} // namespace

std::optional<std::string> mkinitcpio_preset_for(const Fs& fs, const std::string& image) {
    for (const auto& name : preset_names(fs)) {
        auto text = fs.read(std::string(kMkinitcpioPresetDir) + "/" + name + ".preset");
        if (!text) continue;
        for (const auto& [key, value] : preset_assignments(*text))
            if (ends_with(key, "_image") && value == image) return name;
    }
    return std::nullopt;
}

std::vector<std::string> presets_without_drop_ins(const Fs& fs) {
    std::vector<std::string> out;
    for (const auto& name : preset_names(fs)) {
        auto text = fs.read(std::string(kMkinitcpioPresetDir) + "/" + name + ".preset");
        if (!text) continue;
        for (const auto& [key, value] : preset_assignments(*text))
            if (ends_with(key, "_config") && !value.empty()) {
                out.push_back(std::string(kMkinitcpioPresetDir) + "/" + name + ".preset (" + key + "=" + value + ")");
                break;
            }
    }
    return out;
}

} // namespace vb
