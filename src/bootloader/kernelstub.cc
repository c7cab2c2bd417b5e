// kernelstub (Pop!_OS): the command line is the "kernel_options" array of
// the "user" object in /etc/kernelstub/configuration (JSON); running
// `kernelstub` writes it into the systemd-boot entries on the ESP. Only that
// array is rewritten, in the file's own indentation; the rest keeps its bytes.
#include "basic/text.h"
#include "bootloader/bootloader.h"

namespace vb {

namespace {

constexpr const char* kConfig = "/etc/kernelstub/configuration";

struct JsonArray {
    size_t open = 0, close = 0; // offsets of '[' and ']'
    std::vector<std::string> items;
};

// Skips a JSON string starting at s[i] == '"'; returns the offset after it, or npos.
size_t skip_string(std::string_view s, size_t i, std::string* out) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            if (out) *out += s[i + 1];
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        } else if (out) {
            *out += s[i];
        }
    }
    return std::string_view::npos;
}

// Finds "key" at or after `from` (outside strings other than key names).
size_t find_key(std::string_view s, const std::string& key, size_t from) {
    for (size_t i = from; i < s.size(); ++i) {
        if (s[i] != '"') continue;
        std::string name;
        size_t e = skip_string(s, i, &name);
        if (e == std::string_view::npos) return e;
        size_t j = e;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        if (name == key && j < s.size() && s[j] == ':') return j + 1;
        i = e - 1;
    }
    return std::string_view::npos;
}

Result<JsonArray> user_options(const std::string& text) {
    auto bad = [](const std::string& why) { return make_error(EINVAL, std::string(kConfig) + ": " + why); };
    size_t user = find_key(text, "user", 0);
    if (user == std::string::npos) return bad("no \"user\" object");
    size_t key = find_key(text, "kernel_options", user);
    if (key == std::string::npos) return bad("no \"kernel_options\" in the \"user\" object");
    JsonArray a;
    a.open = text.find_first_not_of(" \t\r\n", key);
    if (a.open == std::string::npos || text[a.open] != '[') return bad("\"kernel_options\" is not an array");
    for (size_t i = a.open + 1; i < text.size(); ++i) {
        char c = text[i];
        if (c == ']') {
            a.close = i;
            return a;
        }
        if (c == '"') {
            std::string item;
            size_t e = skip_string(text, i, &item);
            if (e == std::string::npos) return bad("unterminated string");
            a.items.push_back(item);
            i = e - 1;
        } else if (c != ',' && !std::isspace(static_cast<unsigned char>(c))) {
            return bad("\"kernel_options\" holds something other than strings");
        }
    }
    return bad("unterminated \"kernel_options\" array");
}

// The array's text in the style of the original: one item per line, indented like the first.
std::string render(const std::string& text, const JsonArray& a, const std::vector<std::string>& items) {
    std::string eol = line_ending_of(text);
    size_t line_start = text.rfind('\n', a.open);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    std::string key_indent = text.substr(line_start, text.find_first_not_of(" \t", line_start) - line_start);
    std::string item_indent = key_indent + "  ";
    size_t first = text.find('"', a.open);
    if (first != std::string::npos && first < a.close) {
        size_t ls = text.rfind('\n', first);
        if (ls != std::string::npos && ls > a.open) item_indent = text.substr(ls + 1, first - ls - 1);
    }
    if (items.empty()) return "[]";
    std::string out = "[" + eol;
    for (size_t i = 0; i < items.size(); ++i)
        out += item_indent + "\"" + items[i] + "\"" + (i + 1 < items.size() ? "," : "") + eol;
    return out + key_indent + "]";
}

class KernelstubBootloader : public Bootloader {
public:
    const char* name() const override { return "kernelstub"; }
    bool present(const Fs& fs) const override { return fs.exists(kConfig); }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto text = fs.read(kConfig);
        if (!text) return text.error();
        auto a = user_options(*text);
        if (!a) return a.error();
        return std::vector<BootEntry>{{kConfig, join_cmdline(a->items)}};
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        return plan_one_file(fs, kConfig, [&](const std::string& text, auto* added, auto* removed) {
            return edit_with(text, edit, added, removed);
        });
    }

    Result<std::string> edit_file(const Fs&, const std::string&, const std::string& content,
                                  const ParamEdit& edit) const override {
        return edit_with(content, edit, nullptr, nullptr);
    }

    std::vector<Command> update_commands(const Fs&) const override { return {{"kernelstub"}}; }

private:
    static Result<std::string> edit_with(const std::string& text, const ParamEdit& edit,
                                         std::vector<std::string>* added, std::vector<std::string>* removed) {
        auto a = user_options(text);
        if (!a) return a.error();
        for (const auto& item : a->items)
            if (Status v = validate_param(item); !v)
                return make_error(EINVAL, std::string(kConfig) + ": " + v.error().message);
        auto r = apply_edit(join_cmdline(a->items), edit);
        if (!r) return r.error();
        if (!r->changed()) return text;
        if (added) added->insert(added->end(), r->added.begin(), r->added.end());
        if (removed) removed->insert(removed->end(), r->removed.begin(), r->removed.end());
        auto words = split_cmdline(r->cmdline);
        if (!words) return words.error();
        std::string out = text;
        out.replace(a->open, a->close + 1 - a->open, render(text, *a, split_words(*words)));
        return out;
    }
};

} // namespace

std::unique_ptr<Bootloader> make_kernelstub_bootloader() { return std::make_unique<KernelstubBootloader>(); }

} // namespace vb
