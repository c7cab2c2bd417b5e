// The BLS backend (systemd-boot; GRUB with GRUB_ENABLE_BLSCFG=true on
// Fedora/RHEL): every entry's `options` lines, plus /etc/kernel/cmdline.
// Editing the entries ourselves does what `grubby --update-kernel=ALL
// --args=...` does, works under --root, and lets disable restore them byte
// for byte.
#include "bootloader/bls.h"

#include <cctype>

#include "basic/text.h"
#include "bootloader/spans.h"

namespace vb {

namespace {

const std::vector<std::string> kEntryDirs = {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"};

size_t skip_blanks(std::string_view s, size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

// Whether an options value refers to GRUB's $kernelopts (Fedora before
// grub2-switch-to-blscfg): `$kernelopts` or `${kernelopts}` anywhere in it,
// not `$kerneloptsX`, another variable. Anywhere, not only first: an edit
// that removes a word before it must not change the verdict.
bool refers_to_kernelopts(std::string_view value) {
    for (size_t i = value.find("$kernelopts"); i != std::string_view::npos; i = value.find("$kernelopts", i + 1)) {
        const size_t after = i + 11;
        if (after == value.size()) return true;
        const char c = value[after];
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return true;
    }
    return value.find("${kernelopts}") != std::string_view::npos;
}

} // namespace

size_t bls_key_value(std::string_view line, std::string_view key) {
    size_t i = skip_blanks(line, 0);
    if (line.compare(i, key.size(), key) != 0) return std::string_view::npos;
    if (line.size() > i + key.size() && line[i + key.size()] != ' ' && line[i + key.size()] != '\t')
        return std::string_view::npos;
    return skip_blanks(line, i + key.size());
}

namespace {

bool is_options_line(std::string_view line, size_t* value) {
    size_t v = bls_key_value(line, "options");
    if (v == std::string_view::npos) return false;
    *value = v;
    return true;
}

// An options line left with no value by the edit (`options amd_iommu=off`
// once that is removed) is dropped whole; disable restores the original.
std::string drop_emptied_options(std::string_view before, std::string after) {
    std::vector<bool> had_value;
    for (const auto& l : line_refs(before)) {
        size_t v = 0;
        if (is_options_line(before.substr(l.begin, l.end - l.begin), &v)) had_value.push_back(l.begin + v < l.end);
    }
    size_t k = 0;
    auto lines = line_refs(after);
    std::vector<std::pair<size_t, size_t>> drop; // [begin, end) with the line ending
    for (const auto& l : lines) {
        size_t v = 0;
        if (!is_options_line(std::string_view(after).substr(l.begin, l.end - l.begin), &v)) continue;
        const bool emptied = l.begin + v >= l.end && k < had_value.size() && had_value[k];
        ++k;
        if (!emptied) continue;
        size_t e = after.find('\n', l.end);
        drop.push_back({l.begin, e == std::string::npos ? after.size() : e + 1});
    }
    for (auto d = drop.rbegin(); d != drop.rend(); ++d) after.erase(d->first, d->second - d->first);
    return after;
}

// `text` with a blank after the key of every bare `options` line (nothing
// after the key), so that a parameter added there is not glued to it.
std::string blank_after_bare_options(std::string_view text) {
    std::string out(text);
    auto lines = line_refs(text);
    for (auto l = lines.rbegin(); l != lines.rend(); ++l) {
        std::string_view line = text.substr(l->begin, l->end - l->begin);
        size_t v = 0;
        if (is_options_line(line, &v) && v == line.size() && line.back() != ' ' && line.back() != '\t')
            out.insert(l->end, " ");
    }
    return out;
}

// The command line spans of `path`: /etc/kernel/cmdline whole, an entry's options lines.
std::vector<Span> cmdline_spans(const std::string& path, std::string_view text) {
    if (path == kKernelCmdlinePath) return {{0, text.size()}};
    std::vector<Span> out;
    for (const auto& l : line_refs(text)) {
        size_t v = 0;
        if (is_options_line(text.substr(l.begin, l.end - l.begin), &v)) out.push_back({l.begin + v, l.end});
    }
    return out;
}

// The files the backend reads and edits: every entry, then /etc/kernel/cmdline.
Result<std::vector<std::string>> bls_files(const Fs& fs) {
    auto files = bls_entry_files(fs);
    if (!files) return files.error();
    auto cmdline = fs.probe(kKernelCmdlinePath);
    if (!cmdline) return cmdline.error();
    if (*cmdline) files->push_back(kKernelCmdlinePath);
    return files;
}

class BlsBootloader : public Bootloader {
public:
    const char* name() const override { return "BLS entries"; }

    // Entries that cannot be listed count as present: plan() and entries()
    // then report why, where "absent" would edit another place only.
    bool present(const Fs& fs) const override {
        auto files = bls_entry_files(fs);
        return !files || !files->empty();
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto files = bls_files(fs);
        if (!files) return files.error();
        return bls_entries(fs, *files, "kernels installed later");
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        auto files = bls_files(fs);
        if (!files) return files.error();
        std::vector<FileChange> out;
        for (const auto& path : *files) {
            auto c = bls_plan_file(fs, path, edit);
            if (!c) return c.error();
            if (c->after != c->before) out.push_back(std::move(*c));
        }
        return out;
    }

    Result<std::string> edit_file(const Fs&, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        return bls_edit(path, content, edit);
    }

    Result<std::vector<std::string>> growing_files(const Fs& fs) const override { return bls_files(fs); }
    std::string new_files_source() const override { return kKernelCmdlinePath; }
};

} // namespace

bool bls_boots_linux(std::string_view entry) {
    bool linux_kernel = false;
    for (const auto& l : line_refs(entry)) {
        std::string_view line = entry.substr(l.begin, l.end - l.begin);
        if (bls_key_value(line, "uki") != std::string_view::npos) linux_kernel = true;
        size_t v = bls_key_value(line, "linux");
        if (v != std::string_view::npos && lower(line.substr(v)).find("memtest") == std::string::npos)
            linux_kernel = true;
    }
    return linux_kernel;
}

Result<std::vector<std::string>> bls_entry_files(const Fs& fs) {
    std::vector<std::string> out;
    for (const auto& dir : kEntryDirs) {
        auto names = list_dir_if_present(fs, dir);
        if (!names) return names.error();
        for (const auto& n : *names) {
            if (n.size() <= 5 || !ends_with(n, ".conf")) continue;
            // An unreadable entry stays: whoever reads it next says why.
            auto text = fs.read(dir + "/" + n);
            if (!text || bls_boots_linux(*text)) out.push_back(dir + "/" + n);
        }
    }
    return out;
}

Result<std::string> bls_cmdline(const std::string& path, const std::string& text) {
    auto words = span_words(text, cmdline_spans(path, text));
    if (!words) return make_error(EINVAL, path + ": " + words.error().message);
    return join_cmdline(*words);
}

Result<std::vector<BootEntry>> bls_entries(const Fs& fs, const std::vector<std::string>& files,
                                           const std::string& kernel_cmdline_note) {
    std::vector<BootEntry> out;
    for (const auto& path : files) {
        auto text = fs.read(path);
        if (!text) return text.error();
        auto c = bls_cmdline(path, *text);
        if (!c) return c.error();
        out.push_back({path == kKernelCmdlinePath ? path + " (" + kernel_cmdline_note + ")" : path, *c});
    }
    return out;
}

Result<std::string> bls_edit(const std::string& path, const std::string& text, const ParamEdit& edit,
                             std::vector<std::string>* added, std::vector<std::string>* removed) {
    if (path != kKernelCmdlinePath) {
        std::string spaced = blank_after_bare_options(text);
        if (spaced != text) {
            auto r = bls_edit(path, spaced, edit, added, removed);
            if (r && *r == spaced) return text; // unchanged: not even the blank
            return r;
        }
    }
    std::vector<Span> spans = cmdline_spans(path, text);
    for (const auto& s : spans)
        if (path != kKernelCmdlinePath && refers_to_kernelopts(std::string_view(text).substr(s.begin, s.end - s.begin)))
            return make_error(EINVAL, path + ": options come from $kernelopts in grubenv; run "
                                             "`grub2-switch-to-blscfg` or edit kernelopts with grub2-editenv");
    if (spans.empty()) {
        // No options line yet: add one for what is to be set.
        auto r = apply_edit("", ParamEdit{edit.set, {}});
        if (!r) return r.error();
        if (r->cmdline.empty()) return text;
        if (added) added->insert(added->end(), r->added.begin(), r->added.end());
        std::string eol = line_ending_of(text);
        std::string out = text;
        if (!out.empty() && out.back() != '\n') out += eol;
        return out + "options " + r->cmdline + eol;
    }
    auto r = edit_spans(text, spans, edit, added, removed);
    if (!r) return make_error(EINVAL, path + ": " + r.error().message);
    if (path == kKernelCmdlinePath) return r;
    return drop_emptied_options(text, std::move(*r));
}

Result<FileChange> bls_plan_file(const Fs& fs, const std::string& path, const ParamEdit& edit) {
    return plan_file(fs, path, [&](const std::string& text, auto* added, auto* removed) {
        return bls_edit(path, text, edit, added, removed);
    });
}

Result<std::vector<FileChange>> bls_plan_one(const Fs& fs, const std::string& path, const ParamEdit& edit) {
    return plan_one_file(fs, path, [&](const std::string& text, auto* added, auto* removed) {
        return bls_edit(path, text, edit, added, removed);
    });
}

std::unique_ptr<Bootloader> make_bls_bootloader() { return std::make_unique<BlsBootloader>(); }

std::string bls_without_boot_counter(const std::string& file_name) {
    const size_t dot = file_name.rfind('.');
    const size_t plus = file_name.rfind('+', dot);
    if (dot == std::string::npos || dot == 0 || plus == std::string::npos) return file_name;
    const std::string counter = file_name.substr(plus + 1, dot - plus - 1); // N or N-M
    const size_t dash = counter.find('-');
    auto digits = [](const std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    };
    const bool is_counter = dash == std::string::npos
                                ? digits(counter)
                                : digits(counter.substr(0, dash)) && digits(counter.substr(dash + 1));
    return is_counter ? file_name.substr(0, plus) + file_name.substr(dot) : file_name;
}

} // namespace vb
