// GRUB 2: the command line comes from GRUB_CMDLINE_LINUX and
// GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, which grub-mkconfig
// sources with sh. Debian and Ubuntu then source /etc/default/grub.d/*.cfg,
// so there we add our parameters through a file of our own (undo = delete it)
// and touch the user's files only to remove a conflicting value.
#include <algorithm>
#include <map>

#include "bootloader/bootloader.h"
#include "bootloader/shell_assign.h"

namespace vb {

namespace {

constexpr const char* kMain = "/etc/default/grub";
constexpr const char* kDropDir = "/etc/default/grub.d";
constexpr const char* kOurs = "/etc/default/grub.d/vfio-bind.cfg";
constexpr const char* kLinux = "GRUB_CMDLINE_LINUX";
constexpr const char* kDefault = "GRUB_CMDLINE_LINUX_DEFAULT";

bool is_cmdline_var(const std::string& n) { return n == kLinux || n == kDefault; }

struct ShellFile {
    std::string path;
    std::string text;
    std::vector<ShellAssignment> assigns;
};

Result<ShellFile> load(const Fs& fs, const std::string& path, const std::string* override_text = nullptr) {
    ShellFile f;
    f.path = path;
    if (override_text) {
        f.text = *override_text;
    } else {
        auto t = fs.read(path);
        if (!t) return t.error();
        f.text = std::move(*t);
    }
    auto a = parse_shell_assignments(f.text, path);
    if (!a) return a.error();
    f.assigns = std::move(*a);
    return f;
}

// The variables after sourcing `files` in order. Conditional assignments are
// skipped: we cannot evaluate their test, and Ubuntu's only adds init=.
Result<std::map<std::string, std::string>> evaluate(const std::vector<ShellFile>& files) {
    std::map<std::string, std::string> vars;
    for (const auto& f : files)
        for (const auto& a : f.assigns) {
            if (a.conditional) continue;
            auto v = expand_shell_word(a.raw, vars);
            if (v) {
                vars[a.name] = *v;
            } else if (is_cmdline_var(a.name)) {
                return make_error(EINVAL, f.path + ":" + std::to_string(a.line) + ": " + v.error().message);
            } else {
                vars.erase(a.name); // unknowable, and not ours to know
            }
        }
    return vars;
}

std::string get(const std::map<std::string, std::string>& vars, const char* name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
}

Result<std::vector<std::string>> effective_words(const std::map<std::string, std::string>& vars) {
    auto s = split_cmdline(get(vars, kLinux) + " " + get(vars, kDefault));
    if (!s) return s.error();
    return split_words(*s);
}

// Spans of the editable values of the command line assignments of `f`.
// `target`, when given, receives the index of the span additions go to.
Result<std::vector<Span>> cmdline_spans(const ShellFile& f, const char* target_var, long* target) {
    std::vector<Span> spans;
    if (target) *target = -1;
    for (const auto& a : f.assigns) {
        if (!is_cmdline_var(a.name)) continue;
        auto part = editable_part(a.raw);
        if (!part) return make_error(EINVAL, f.path + ":" + std::to_string(a.line) + ": " + part.error().message);
        if (target && a.name == target_var && !a.conditional) *target = static_cast<long>(spans.size());
        spans.push_back({a.value_begin + part->begin, a.value_begin + part->end});
    }
    return spans;
}

// What must go so that `edit` leaves one instance of each setting: the
// parameters it removes and every other value of a setting it sets.
ParamEdit removal_for(const std::vector<std::string>& words, const ParamEdit& edit) {
    ParamEdit r{{}, edit.remove};
    for (const auto& w : words)
        for (const auto& want : edit.set)
            if (same_setting(w, want) && w != want) r.remove.push_back(w);
    return r;
}

class GrubBootloader : public Bootloader {
public:
    const char* name() const override { return "GRUB"; }

    bool present(const Fs& fs) const override {
        return fs.exists(kMain) && (fs.exists("/boot/grub/grub.cfg") || fs.exists("/boot/grub2/grub.cfg") ||
                                    have_program(fs, "grub-mkconfig") || have_program(fs, "grub2-mkconfig"));
    }

    bool in_use(const Fs& fs, const BootContext& ctx) const override {
        if (!present(fs)) return false;
        if (make_rpm_ostree_bootloader()->present(fs)) return false; // ostree owns /boot
        if (!ctx.loader_info.empty()) return ctx.loader_info.find("GRUB") != std::string::npos;
        std::string cur = ctx.boot_current;
        std::transform(cur.begin(), cur.end(), cur.begin(), ::tolower);
        return cur.find("refind") == std::string::npos && !fs.exists("/etc/kernelstub/configuration");
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto files = load_all(fs, nullptr);
        if (!files) return files.error();
        auto vars = evaluate(*files);
        if (!vars) return vars.error();
        if (bls(*vars)) {
            return std::vector<BootEntry>{
                {std::string(kMain) + " (" + kLinux + ", for new BLS entries)", get(*vars, kLinux)}};
        }
        auto words = effective_words(*vars);
        if (!words) return words.error();
        std::string src = kMain;
        if (files->size() > 1) src += " + " + std::string(kDropDir) + "/*.cfg";
        return std::vector<BootEntry>{{src, join_cmdline(*words)}};
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        auto files = load_all(fs, nullptr);
        if (!files) return files.error();
        auto vars = evaluate(*files);
        if (!vars) return vars.error();
        if (!debian_style(fs) || bls(*vars)) return plan_main_file(fs, edit, bls(*vars));
        return plan_drop_in(fs, *files, edit);
    }

    Result<std::string> edit_file(const Fs& fs, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        (void)fs;
        auto f = load(fs, path, &content);
        if (!f) return f.error();
        long target = -1;
        auto spans = cmdline_spans(*f, kDefault, &target);
        if (!spans) return spans.error();
        if (spans->empty()) return content;
        if (target >= 0) std::swap((*spans)[static_cast<size_t>(target)], spans->back());
        return edit_spans(content, *spans, edit);
    }

    std::vector<Command> update_commands(const Fs& fs) const override {
        auto files = load_all(fs, nullptr);
        if (files) {
            auto vars = evaluate(*files);
            if (vars && bls(*vars)) return {}; // entries carry their own options (BLS backend)
        }
        if (debian_style(fs)) return {{"update-grub"}};
        if (have_program(fs, "grub2-mkconfig") || fs.exists("/boot/grub2"))
            return {{"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"}};
        return {{"grub-mkconfig", "-o", "/boot/grub/grub.cfg"}};
    }

    bool owns_file(const std::string& path) const override { return path == kOurs; }

private:
    static bool debian_style(const Fs& fs) {
        return fs.exists("/etc/debian_version") || have_program(fs, "update-grub");
    }
    static bool bls(const std::map<std::string, std::string>& vars) {
        return get(vars, "GRUB_ENABLE_BLSCFG") == "true";
    }

    // The files grub-mkconfig sources, in its order; `ours` replaces our drop-in's text
    // (nullptr: as on disk; empty string: absent).
    Result<std::vector<ShellFile>> load_all(const Fs& fs, const std::string* ours) const {
        std::vector<ShellFile> files;
        auto main = load(fs, kMain);
        if (!main) return main.error();
        files.push_back(std::move(*main));
        if (!debian_style(fs)) return files;
        std::vector<std::string> names;
        if (auto l = fs.list_dir(kDropDir)) names = *l;
        if (ours && !ours->empty() && std::find(names.begin(), names.end(), "vfio-bind.cfg") == names.end()) {
            names.push_back("vfio-bind.cfg");
            std::sort(names.begin(), names.end());
        }
        for (const auto& n : names) {
            if (n.size() < 5 || n.compare(n.size() - 4, 4, ".cfg") != 0) continue;
            const std::string path = std::string(kDropDir) + "/" + n;
            if (path == kOurs && ours) {
                if (ours->empty()) continue;
                auto f = load(fs, path, ours);
                if (!f) return f.error();
                files.push_back(std::move(*f));
                continue;
            }
            auto f = load(fs, path);
            if (!f) return f.error();
            files.push_back(std::move(*f));
        }
        return files;
    }

    // The parameters our drop-in adds (empty when it does not exist).
    static std::vector<std::string> our_params(const std::vector<ShellFile>& files) {
        for (const auto& f : files) {
            if (f.path != kOurs) continue;
            std::map<std::string, std::string> none;
            for (const auto& a : f.assigns)
                if (a.name == kDefault)
                    if (auto v = expand_shell_word(a.raw, none))
                        if (auto s = split_cmdline(*v)) return split_words(*s);
        }
        return {};
    }

    static std::string drop_in_text(const std::vector<std::string>& params) {
        return "# Added by `vfio-setup cmdline enable` for device passthrough.\n"
               "# `vfio-setup cmdline disable` deletes this file; do not edit it.\n" +
               std::string(kDefault) + "=\"$" + kDefault + " " + join_cmdline(params) + "\"\n";
    }

    // Debian/Ubuntu: conflicts edited out of the user's files, additions in ours.
    Result<std::vector<FileChange>> plan_drop_in(const Fs& fs, const std::vector<ShellFile>& files,
                                                 const ParamEdit& edit) const {
        auto vars = evaluate(files);
        if (!vars) return vars.error();
        auto words = effective_words(*vars);
        if (!words) return words.error();
        ParamEdit conflicts = removal_for(*words, edit);

        std::vector<FileChange> changes;
        std::vector<ShellFile> after; // the files as they will be, without ours
        std::vector<std::string> ours_before = our_params(files);
        std::string ours_text;
        bool ours_exists = false;
        for (const auto& f : files) {
            if (f.path == kOurs) {
                ours_exists = true;
                ours_text = f.text;
                continue;
            }
            ShellFile nf = f;
            if (!conflicts.remove.empty()) {
                auto spans = cmdline_spans(f, kDefault, nullptr);
                if (!spans) return spans.error();
                FileChange c;
                auto edited = edit_spans(f.text, *spans, conflicts, &c.added, &c.removed);
                if (!edited) return edited.error();
                if (*edited != f.text) {
                    c.path = f.path;
                    c.before = f.text;
                    c.after = *edited;
                    changes.push_back(c);
                    auto reparsed = load(fs, f.path, &c.after);
                    if (!reparsed) return reparsed.error();
                    nf = std::move(*reparsed);
                }
            }
            after.push_back(std::move(nf));
        }
        auto base_vars = evaluate(after);
        if (!base_vars) return base_vars.error();
        auto base = effective_words(*base_vars);
        if (!base) return base.error();

        // Ours: what it had (minus what now conflicts) plus what is still missing.
        std::vector<std::string> ours;
        for (const auto& p : ours_before) {
            bool superseded = false;
            for (const auto& want : edit.set) superseded |= same_setting(p, want) && p != want;
            for (const auto& r : edit.remove) superseded |= p == r;
            if (!superseded) ours.push_back(p);
        }
        for (const auto& want : edit.set)
            if (std::find(base->begin(), base->end(), want) == base->end() &&
                std::find(ours.begin(), ours.end(), want) == ours.end())
                ours.push_back(want);
        std::string new_text = ours.empty() ? std::string() : drop_in_text(ours);
        if (ours_exists && !ours_before.empty() && ours == ours_before) new_text = ours_text; // keep its bytes

        if (new_text != ours_text || (ours_exists && new_text.empty())) {
            FileChange c;
            c.path = kOurs;
            c.existed = ours_exists;
            c.remove = new_text.empty();
            c.before = ours_text;
            c.after = new_text;
            for (const auto& p : ours)
                if (std::find(ours_before.begin(), ours_before.end(), p) == ours_before.end()) c.added.push_back(p);
            changes.push_back(c);
        }

        // A file read after ours may still set the variable outright.
        auto final_files = load_all(fs, &new_text);
        if (!final_files) return final_files.error();
        for (auto& f : *final_files)
            for (const auto& c : changes)
                if (c.path == f.path && c.path != kOurs) {
                    auto r = load(fs, f.path, &c.after);
                    if (!r) return r.error();
                    f = std::move(*r);
                }
        auto final_vars = evaluate(*final_files);
        if (!final_vars) return final_vars.error();
        auto final_words = effective_words(*final_vars);
        if (!final_words) return final_words.error();
        for (const auto& want : edit.set) {
            // The kernel honours the last instance of a setting.
            std::string last;
            for (const auto& w : *final_words)
                if (same_setting(w, want)) last = w;
            if (last != want)
                return make_error(EINVAL, "'" + want + "' added by " + kOurs +
                                              " would be overridden by a file read "
                                              "after it in " +
                                              kDropDir + " that sets " + kDefault + " outright");
        }
        return changes;
    }

    // Other distributions: edit the assignment in /etc/default/grub itself.
    Result<std::vector<FileChange>> plan_main_file(const Fs& fs, const ParamEdit& edit, bool bls) const {
        auto f = load(fs, kMain);
        if (!f) return f.error();
        // BLS systems (Fedora) take new entries' options from GRUB_CMDLINE_LINUX.
        const char* target_var = bls ? kLinux : kDefault;
        bool has_target = false;
        for (const auto& a : f->assigns) has_target |= a.name == target_var && !a.conditional;
        if (!has_target) target_var = kLinux;
        Status dup = check_duplicates(*f, target_var, edit);
        if (!dup) return dup.error();

        long target = -1;
        auto spans = cmdline_spans(*f, target_var, &target);
        if (!spans) return spans.error();
        FileChange c;
        c.path = kMain;
        c.before = f->text;
        if (target < 0) {
            // No assignment at all: remove conflicts, then add a line of our own.
            std::vector<std::string> words;
            for (const auto& sp : *spans)
                if (auto w = split_cmdline(std::string_view(f->text).substr(sp.begin, sp.end - sp.begin)))
                    for (auto& x : split_words(*w)) words.push_back(x);
            ParamEdit removal = removal_for(words, edit);
            auto edited = edit_spans(f->text, *spans, removal, &c.added, &c.removed);
            if (!edited) return edited.error();
            std::string text = *edited;
            auto add = apply_edit("", ParamEdit{edit.set, {}});
            if (!add) return add.error();
            if (!add->cmdline.empty()) {
                std::string eol = line_ending_of(text);
                if (!text.empty() && text.back() != '\n') text += eol;
                text += std::string(kLinux) + "=\"" + add->cmdline + "\"" + eol;
                c.added.insert(c.added.end(), add->added.begin(), add->added.end());
            }
            c.after = text;
        } else {
            std::swap((*spans)[static_cast<size_t>(target)], spans->back());
            auto edited = edit_spans(f->text, *spans, edit, &c.added, &c.removed);
            if (!edited) return edited.error();
            c.after = *edited;
        }
        if (c.after == c.before) return std::vector<FileChange>{};
        // Check the result the way grub-mkconfig will read it: an unfinished
        // if/case at the end of the file would swallow an appended line.
        auto check = load(fs, kMain, &c.after);
        if (!check) return check.error();
        auto vars = evaluate({*check});
        if (!vars) return vars.error();
        auto words = effective_words(*vars);
        if (!words) return words.error();
        for (const auto& want : edit.set)
            if (std::find(words->begin(), words->end(), want) == words->end())
                return make_error(EINVAL, std::string(kMain) + ": cannot add '" + want +
                                              "' where grub-mkconfig will see it (is an if/case left unfinished?)");
        return std::vector<FileChange>{c};
    }

    // The same variable set twice to different values, the second not built
    // on the first: the shell silently ignores the first, so the user's intent
    // is unclear. We refuse rather than guess which one to edit. Parameters
    // this edit manages do not count, so that enable stays repeatable.
    static Status check_duplicates(const ShellFile& f, const char* var, const ParamEdit& edit) {
        auto normal = [&](const std::string& raw) {
            std::vector<std::string> out;
            auto v = expand_shell_word(raw, {});
            if (!v) return std::vector<std::string>{raw};
            auto words = split_cmdline(*v);
            if (!words) return std::vector<std::string>{raw};
            for (const auto& w : split_words(*words)) {
                bool ours = std::find(edit.remove.begin(), edit.remove.end(), w) != edit.remove.end();
                for (const auto& want : edit.set) ours |= same_setting(w, want);
                if (!ours) out.push_back(w);
            }
            return out;
        };
        const ShellAssignment* prev = nullptr;
        for (const auto& a : f.assigns) {
            if (a.name != var || a.conditional) continue;
            bool extends = a.raw.find(std::string("$") + var) != std::string::npos ||
                           a.raw.find(std::string("${") + var + "}") != std::string::npos;
            if (prev && !extends && normal(prev->raw) != normal(a.raw))
                return make_error(EINVAL, f.path + ":" + std::to_string(a.line) + ": " + var +
                                              " is set again (first at line " + std::to_string(prev->line) +
                                              ") and the earlier value is lost; "
                                              "keep one assignment and run again");
            prev = &a;
        }
        return {};
    }
};

} // namespace

std::unique_ptr<Bootloader> make_grub_bootloader() { return std::make_unique<GrubBootloader>(); }

} // namespace vb
