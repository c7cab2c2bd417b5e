#include "boot/config.h"

#include <cstring>
#include <set>

#include <ini.h>

#include "basic/text.h"

namespace vb {

std::string entry_refusal(const DeviceEntry& e) {
    if (e.address && !e.id)
        return "[" + e.name + "]: an address needs its id too, so a moved card is never claimed by mistake";
    return "";
}

namespace {

constexpr size_t kMaxLine = 190;  // below inih's 200-byte line buffer
constexpr size_t kMaxErrors = 20; // a garbage file should not produce megabytes of messages

// State shared by inih's reader and handler callbacks. The reader hands inih
// one line at a time so we always know the current line number, and it sees
// section headers itself: inih does not report empty or repeated sections.
struct ParseState {
    std::string_view text;
    size_t pos = 0;
    int line = 0;
    std::string path;
    Config config;
    std::vector<std::string> errors;
    std::set<std::string> sections;
    std::set<std::string> keys_in_section; // to refuse a key given twice
    std::string current_section;
    bool stopped = false;

    void error(int at, const std::string& what) {
        if (errors.size() < kMaxErrors) errors.push_back(path + ":" + std::to_string(at) + ": " + what);
    }
    DeviceEntry* current_device() {
        if (config.devices.empty() || config.devices.back().name != current_section) return nullptr;
        return &config.devices.back();
    }
};

Result<bool> parse_bool(const std::string& v) {
    if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
    if (v == "no" || v == "false" || v == "off" || v == "0") return false;
    return make_error(EINVAL, "'" + v + "' is not a boolean (use yes or no)");
}

// vfio-pci options end up in a modprobe.d file and on an insmod line: allow
// only what module parameters look like, so nothing else can be smuggled in.
bool valid_module_options(const std::string& v) {
    for (char c : v)
        if (!(isalnum(static_cast<unsigned char>(c)) || std::strchr("_=,.:- ", c))) return false;
    return true;
}

void start_section(ParseState& st, const std::string& name) {
    st.current_section = name;
    st.keys_in_section.clear();
    if (name.empty()) {
        st.error(st.line, "empty section name");
        return;
    }
    if (!st.sections.insert(name).second) {
        st.error(st.line, "section [" + name + "] appears twice");
        return;
    }
    if (name != "options") st.config.devices.push_back(DeviceEntry{name, st.line, std::nullopt, std::nullopt});
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// `key = value ; comment` or `key = value # comment`: the value alone. A
// comment starts at ';' or '#' after white space, whatever inih was built
// with (no value of ours holds either).
std::string without_inline_comment(const std::string& line) {
    for (size_t i = 1; i < line.size(); i++)
        if ((line[i] == ';' || line[i] == '#') && (line[i - 1] == ' ' || line[i - 1] == '\t'))
            return trim(std::string_view(line).substr(0, i));
    return line;
}

char* reader(char* buf, int size, void* user) {
    auto& st = *static_cast<ParseState*>(user);
    if (st.stopped || st.pos >= st.text.size()) return nullptr;
    size_t end = st.text.find('\n', st.pos);
    size_t next = end == std::string_view::npos ? st.text.size() : end + 1;
    std::string_view raw = st.text.substr(st.pos, next - st.pos);
    st.pos = next;
    st.line++;
    std::string_view content = raw.substr(0, raw.size() - (end == std::string_view::npos ? 0 : 1));
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content.size() > kMaxLine || content.size() + 1 > static_cast<size_t>(size)) {
        st.error(st.line, "line longer than " + std::to_string(kMaxLine) + " characters");
        st.stopped = true; // inih would split it and mis-number every later line
        return nullptr;
    }
    // A UTF-8 byte order mark (as some Windows editors write) is no content.
    if (st.line == 1 && starts_with(raw, kUtf8Bom)) raw.remove_prefix(kUtf8Bom.size());
    // Indentation is allowed: strip it so inih never treats a line as a
    // multi-line continuation of the previous value.
    std::string line = trim(raw);
    if (!line.empty() && line[0] == '[') {
        size_t close = line.find(']');
        std::string rest = close == std::string::npos ? "" : trim(std::string_view(line).substr(close + 1));
        if (close == std::string::npos || !(rest.empty() || rest[0] == ';' || rest[0] == '#'))
            st.error(st.line, "malformed section header '" + line + "'");
        else start_section(st, trim(std::string_view(line).substr(1, close - 1)));
        line = "; section"; // handled here; keep inih's own section out of it
    } else if (!line.empty() && line[0] != ';' && line[0] != '#' && line.find('=') == std::string::npos) {
        st.error(st.line, "expected 'key = value', got '" + line + "'");
        line = "; bad line";
    } else if (!line.empty() && line[0] != ';' && line[0] != '#') {
        line = without_inline_comment(line);
    }
    std::memcpy(buf, line.c_str(), line.size() + 1);
    return buf;
}

int handler(void* user, const char* /*section*/, const char* name_c, const char* value_c) {
    auto& st = *static_cast<ParseState*>(user);
    const std::string name = name_c, value = value_c;
    const int at = st.line;
    if (st.current_section.empty()) {
        st.error(at, "'" + name + "' is outside any section");
        return 1;
    }
    if (!st.keys_in_section.insert(name).second) {
        st.error(at, "'" + name + "' is given twice in [" + st.current_section + "]");
        return 1;
    }
    if (st.current_section == "options") {
        if (name == "group" || name == "boot_vga") {
            auto b = parse_bool(value);
            if (!b) st.error(at, name + ": " + b.error().message);
            else (name == "group" ? st.config.group : st.config.boot_vga) = *b;
        } else if (name == "vfio_pci_options") {
            if (!valid_module_options(value))
                st.error(at, "vfio_pci_options: '" + value + "' holds characters a module option cannot have");
            else if (value.find("ids=") != std::string::npos)
                st.error(at, "vfio_pci_options: do not set ids= here; use id-only device sections");
            else st.config.vfio_pci_options = value;
        } else {
            st.error(at, "unknown key '" + name + "' in [options] (known: group, boot_vga, vfio_pci_options)");
        }
        return 1;
    }
    DeviceEntry* dev = st.current_device();
    if (!dev) return 1; // the section header itself was already reported
    if (name == "address") {
        auto a = parse_pci_address(value);
        if (!a) st.error(at, a.error().message);
        else dev->address = *a;
    } else if (name == "id") {
        auto id = parse_pci_id(value);
        if (!id) st.error(at, id.error().message);
        else dev->id = *id;
    } else if (name == "allow_host_device") {
        auto b = parse_bool(value);
        if (!b) st.error(at, name + ": " + b.error().message);
        else dev->allow_host_device = *b;
    } else {
        st.error(at,
                 "unknown key '" + name + "' in [" + st.current_section + "] (known: address, id, allow_host_device)");
    }
    return 1;
}

} // namespace

Result<Config> parse_config(std::string_view text, const std::string& path) {
    if (text.size() > kMaxConfigBytes)
        return make_error(EFBIG, path + ": larger than " + std::to_string(kMaxConfigBytes / 1024) +
                                     " KiB; this is not a vfio-bind config");
    if (text.find('\0') != std::string_view::npos)
        return make_error(EINVAL, path + ": contains NUL bytes; this is not a text file");

    ParseState st;
    st.text = text;
    st.path = path;
    st.config.path = path;
    int rc = ini_parse_stream(reader, &st, handler, &st);
    if (rc > 0 && st.errors.empty()) st.error(rc, "syntax error");
    if (rc < 0 && st.errors.empty()) st.error(0, "cannot parse");

    std::set<std::string> addresses;
    for (const auto& d : st.stopped ? std::vector<DeviceEntry>{} : st.config.devices) {
        if (!d.address && !d.id) st.error(d.line, "[" + d.name + "] has neither address nor id");
        if (d.address && !addresses.insert(d.address->str()).second)
            st.error(d.line, "[" + d.name + "] repeats address " + d.address->str());
    }
    if (!st.errors.empty()) {
        std::string msg;
        for (const auto& e : st.errors) msg += (msg.empty() ? "" : "\n") + e;
        return make_error(EINVAL, msg);
    }
    return std::move(st.config);
}

} // namespace vb
