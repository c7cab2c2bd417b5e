#include "setup/config_edit.h"

#include <algorithm>
#include <set>

#include "basic/text.h"

namespace vb {

namespace {

// Classified as config.cc's reader sees them: trimmed, without the UTF-8
// byte order mark an editor may put before the first line.
std::string content(std::string_view l) {
    if (starts_with(l, "\xEF\xBB\xBF")) l.remove_prefix(3);
    return trim(l);
}
bool is_blank(std::string_view l) { return content(l).empty(); }
bool is_comment(std::string_view l) {
    std::string t = content(l);
    return !t.empty() && (t[0] == ';' || t[0] == '#');
}
bool is_header(std::string_view l) {
    std::string t = content(l);
    return !t.empty() && t[0] == '[';
}
std::string header_name(std::string_view l) {
    std::string t = content(l);
    size_t close = t.find(']');
    return close == std::string::npos ? "" : trim(std::string_view(t).substr(1, close - 1));
}
std::string key_of(std::string_view l) {
    if (is_blank(l) || is_comment(l) || is_header(l)) return "";
    size_t eq = l.find('=');
    return eq == std::string_view::npos ? "" : trim(l.substr(0, eq));
}

// First line after `header` that starts another section, or lines.size().
size_t section_end(const std::vector<std::string_view>& lines, size_t header) {
    size_t i = header + 1;
    while (i < lines.size() && !is_header(lines[i])) i++;
    return i;
}

bool valid_label(const std::string& label) {
    if (label.empty() || label.size() > 64 || label == "options") return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.' || c == ':';
    });
}

// `line` with the value of its `key = value` replaced by `value`; an inline
// comment after the value stays where it was.
std::string replace_value(std::string_view line, const std::string& value) {
    size_t eq = line.find('=');
    size_t start = eq + 1;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) start++;
    size_t end = start;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) end++;
    return std::string(line.substr(0, start)) + value + std::string(line.substr(end));
}

// Sets boot_vga = yes in the [options] of `lines`; false when there is no [options].
bool set_boot_vga_in_options(std::vector<std::string>& lines, const std::string& eol) {
    std::vector<std::string_view> views(lines.begin(), lines.end());
    for (size_t h = 0; h < views.size(); h++) {
        if (!is_header(views[h]) || header_name(views[h]) != "options") continue;
        size_t end = section_end(views, h);
        for (size_t i = h + 1; i < end; i++) {
            if (key_of(views[i]) != "boot_vga") continue;
            lines[i] = replace_value(views[i], "yes");
            return true;
        }
        // A header on the last, unterminated line needs its newline first.
        if (lines[h].empty() || lines[h].back() != '\n') lines[h] += eol;
        lines.insert(lines.begin() + static_cast<long>(h) + 1, "boot_vga = yes" + eol);
        return true;
    }
    return false;
}

Result<Config> parse_existing(std::string_view text, const std::string& path) {
    auto config = parse_config(text, path);
    if (!config)
        return make_error(EINVAL, "not editing a config vfio-bind rejects; fix it first:\n" + config.error().message);
    return config;
}

} // namespace

std::string new_config_header(const std::string& rebuild) {
    return "; /etc/vfio-devices.ini: the PCI devices vfio-bind hands to vfio-pci at boot,\n"
           "; before the host's drivers can take them. See vfio-devices.ini(5).\n"
           "; Written by 'vfio-setup add'; comments and other lines are kept on later edits.\n"
           "; After editing, rebuild the initramfs (" +
           rebuild + ")\n; and run vfio-initrd-check.\n";
}

std::string unique_label(const Config& config, const std::string& base) {
    std::set<std::string> used{"options"};
    for (const auto& d : config.devices) used.insert(d.name);
    std::string label = base;
    for (int n = 2; used.count(label); n++) label = base + "-" + std::to_string(n);
    return label;
}

Result<std::string> config_add(std::string_view text, const std::vector<NewSection>& sections, bool set_boot_vga,
                               const std::string& path) {
    auto before = parse_existing(text, path);
    if (!before) return before.error();
    for (const auto& s : sections)
        if (!valid_label(s.label)) return make_error(EINVAL, "'" + s.label + "' cannot be a section name");

    const std::string eol = line_ending_of(text);
    std::vector<std::string> lines;
    for (auto l : split_lines(text)) lines.emplace_back(l);
    bool need_options = set_boot_vga && !set_boot_vga_in_options(lines, eol);

    std::string out;
    for (const auto& l : lines) out += l;
    if (!out.empty() && out.back() != '\n') out += eol; // terminate the last line before appending
    auto append_section = [&](const std::string& body) {
        if (!out.empty()) out += eol; // one blank line between sections
        out += body;
    };
    if (need_options) append_section("[options]" + eol + "boot_vga = yes" + eol);
    for (const auto& s : sections)
        append_section("[" + s.label + "]" + eol + "address = " + s.address.str() + eol + "id = " + s.id.str() + eol);

    auto after = parse_config(out, path);
    if (!after)
        return make_error(EINVAL, "the edited config would not be valid, nothing written:\n" + after.error().message);
    for (const auto& s : sections) {
        bool found = std::any_of(after->devices.begin(), after->devices.end(),
                                 [&](const DeviceEntry& e) { return e.address && *e.address == s.address; });
        if (!found) return make_error(EINVAL, "the edited config lost [" + s.label + "], nothing written");
    }
    if (set_boot_vga && !after->boot_vga) return make_error(EINVAL, "could not set boot_vga = yes, nothing written");
    return out;
}

Result<RemoveResult> config_remove(std::string_view text, const std::function<bool(const PciAddress&)>& match,
                                   const std::string& path) {
    auto config = parse_existing(text, path);
    if (!config) return config.error();
    const auto lines = split_lines(text);
    std::vector<bool> drop(lines.size(), false);
    RemoveResult result;
    for (const auto& e : config->devices) {
        if (!e.address || !match(*e.address)) continue;
        result.removed.push_back(e.name);
        const size_t header = static_cast<size_t>(e.line - 1);
        size_t begin = header, end = section_end(lines, header);
        // Comments right above the next header are that section's; blank lines stay too.
        if (end < lines.size())
            while (end > header + 1 && is_comment(lines[end - 1])) end--;
        while (end > header + 1 && is_blank(lines[end - 1])) end--;
        while (begin > 0 && is_comment(lines[begin - 1])) begin--;
        // One separating blank line goes with it: the one before (add put it
        // there), else the one after.
        if (begin > 0 && is_blank(lines[begin - 1]) && !drop[begin - 1]) begin--;
        else if (end < lines.size() && is_blank(lines[end])) end++;
        for (size_t i = begin; i < end; i++) drop[i] = true;
    }
    if (result.removed.empty()) return make_error(ENOENT, "no section of " + path + " has this address");
    for (size_t i = 0; i < lines.size(); i++)
        if (!drop[i]) result.text += lines[i];
    auto after = parse_config(result.text, path);
    if (!after)
        return make_error(EINVAL, "the edited config would not be valid, nothing written:\n" + after.error().message);
    return result;
}

} // namespace vb
