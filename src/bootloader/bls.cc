// Boot Loader Specification entries (systemd-boot; GRUB with
// GRUB_ENABLE_BLSCFG=true on Fedora/RHEL): every loader/entries/*.conf with
// its `options` lines, plus /etc/kernel/cmdline, from which kernel-install
// writes the entries of kernels installed later. Editing the entries
// ourselves does what `grubby --update-kernel=ALL --args=...` does, works
// under --root, and lets disable restore them byte for byte.
#include <algorithm>

#include "bootloader/line_file.h"
#include "bootloader/shell_assign.h"

namespace vb {

namespace {

const std::vector<std::string> kEntryDirs = {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"};

bool is_options_line(std::string_view line, size_t* value) {
    size_t i = skip_blanks(line, 0);
    if (line.compare(i, 7, "options") != 0) return false;
    if (line.size() > i + 7 && line[i + 7] != ' ' && line[i + 7] != '\t') return false;
    *value = skip_blanks(line, i + 7);
    return true;
}

std::vector<Span> options_spans(std::string_view text) {
    std::vector<Span> out;
    for (const auto& l : line_refs(text)) {
        size_t v = 0;
        if (is_options_line(text.substr(l.begin, l.end - l.begin), &v)) out.push_back({l.begin + v, l.end});
    }
    return out;
}

class BlsBootloader : public Bootloader {
public:
    const char* name() const override { return "BLS entries"; }

    bool present(const Fs& fs) const override { return !bls_entry_files(fs).empty(); }

    bool in_use(const Fs& fs, const BootContext& ctx) const override {
        if (!present(fs) || fs.exists("/etc/kernelstub/configuration")) return false; // kernelstub owns them
        // So do sdbootutil and ostree, through their own commands.
        if (make_sdbootutil_bootloader()->present(fs) || make_rpm_ostree_bootloader()->present(fs)) return false;
        if (!ctx.loader_info.empty()) return ctx.loader_info.find("systemd-boot") != std::string::npos || grub_bls(fs);
        return grub_bls(fs) || !make_grub_bootloader()->present(fs);
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        std::vector<BootEntry> out;
        std::vector<std::string> files = bls_entry_files(fs);
        if (fs.exists(kKernelCmdlinePath)) files.push_back(kKernelCmdlinePath);
        for (const auto& path : files) {
            auto text = fs.read(path);
            if (!text) return text.error();
            auto c = bls_cmdline(path, *text);
            if (!c) return c.error();
            out.push_back({path == kKernelCmdlinePath ? path + " (kernels installed later)" : path, *c});
        }
        return out;
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        std::vector<FileChange> out;
        std::vector<std::string> files = bls_entry_files(fs);
        if (fs.exists(kKernelCmdlinePath)) files.push_back(kKernelCmdlinePath);
        for (const auto& path : files) {
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

private:
    // GRUB reads these entries itself (Fedora): GRUB_ENABLE_BLSCFG=true.
    static bool grub_bls(const Fs& fs) {
        auto text = fs.read("/etc/default/grub");
        if (!text) return false;
        auto a = parse_shell_assignments(*text, "/etc/default/grub");
        if (!a) return false;
        bool on = false;
        for (const auto& x : *a)
            if (x.name == "GRUB_ENABLE_BLSCFG") {
                auto v = expand_shell_word(x.raw, {});
                on = v && *v == "true";
            }
        return on;
    }
};

} // namespace

std::vector<std::string> bls_entry_files(const Fs& fs) {
    std::vector<std::string> out;
    for (const auto& dir : kEntryDirs) {
        auto names = fs.list_dir(dir);
        if (!names) continue;
        for (const auto& n : *names)
            if (n.size() > 5 && n.compare(n.size() - 5, 5, ".conf") == 0) out.push_back(dir + "/" + n);
    }
    return out;
}

Result<std::string> bls_cmdline(const std::string& path, const std::string& text) {
    std::vector<Span> spans;
    if (path == kKernelCmdlinePath) spans.push_back({0, text.size()});
    else spans = options_spans(text);
    std::vector<std::string> words;
    for (const auto& s : spans) {
        auto w = split_cmdline(std::string_view(text).substr(s.begin, s.end - s.begin));
        if (!w) return make_error(EINVAL, path + ": " + w.error().message);
        for (auto& x : split_words(*w)) words.push_back(x);
    }
    return join_cmdline(words);
}

Result<std::string> bls_edit(const std::string& path, const std::string& text, const ParamEdit& edit,
                             std::vector<std::string>* added, std::vector<std::string>* removed) {
    std::vector<Span> spans;
    if (path == kKernelCmdlinePath) {
        spans.push_back({0, text.size()});
    } else {
        spans = options_spans(text);
        for (const auto& s : spans)
            if (text.compare(s.begin, 11, "$kernelopts") == 0)
                return make_error(EINVAL, path + ": options come from $kernelopts in grubenv; run "
                                                 "`grub2-switch-to-blscfg` or edit kernelopts with grub2-editenv");
    }
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
    return r;
}

Result<FileChange> bls_plan_file(const Fs& fs, const std::string& path, const ParamEdit& edit) {
    auto text = fs.read(path);
    if (!text) return text.error();
    FileChange c;
    c.path = path;
    c.before = *text;
    auto r = bls_edit(path, *text, edit, &c.added, &c.removed);
    if (!r) return r.error();
    c.after = *r;
    return c;
}

Result<std::vector<FileChange>> bls_plan_one(const Fs& fs, const std::string& path, const ParamEdit& edit) {
    auto c = bls_plan_file(fs, path, edit);
    if (!c) return c.error();
    if (c->after == c->before) return std::vector<FileChange>{};
    return std::vector<FileChange>{*c};
}

std::unique_ptr<Bootloader> make_bls_bootloader() { return std::make_unique<BlsBootloader>(); }

} // namespace vb
