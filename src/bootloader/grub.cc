// Where GRUB reads drop-ins, our parameters go into a file of our own
// (undo = delete it) and the user's files are touched only to remove a
// conflicting value; elsewhere the assignment in /etc/default/grub itself is
// edited. Either way the result is evaluated as grub-mkconfig will read it
// before anything is written.
#include "bootloader/grub.h"

#include <algorithm>
#include <map>
#include <optional>

#include "basic/shell_assign.h"
#include "basic/text.h"
#include "bootloader/bootloader.h"
#include "bootloader/shell_word.h"
#include "bootloader/spans.h"

namespace vb {

namespace {

constexpr const char* kMain = "/etc/default/grub";
constexpr const char* kDropDir = "/etc/default/grub.d";
constexpr const char* kOurs = "/etc/default/grub.d/vfio-bind.cfg";
constexpr const char* kLinux = "GRUB_CMDLINE_LINUX";
constexpr const char* kDefault = "GRUB_CMDLINE_LINUX_DEFAULT";
const char* const kMkconfig[] = {"/usr/sbin/grub-mkconfig", "/usr/sbin/grub2-mkconfig", "/sbin/grub-mkconfig",
                                 "/sbin/grub2-mkconfig", "/usr/bin/grub-mkconfig"};

bool is_cmdline_var(const std::string& n) { return n == kLinux || n == kDefault; }

// The command line variables' values are shell words, read and edited as such.
const SpanSyntax& shell_syntax() {
    static const SpanSyntax s{shell_word_params, edit_shell_word};
    return s;
}

struct ShellFile {
    std::string path;
    std::string text;
    std::vector<ShellAssignment> assigns;
};

Result<ShellFile> parse(const std::string& path, std::string text) {
    if (text.find('\0') != std::string::npos)
        return make_error(EINVAL, path + ": holds NUL bytes: not a text file the shell reads as written");
    auto a = parse_shell_assignments(text, path);
    if (!a) return a.error();
    return ShellFile{path, std::move(text), std::move(*a)};
}

Result<ShellFile> load(const Fs& fs, const std::string& path) {
    auto t = fs.read(path);
    if (!t) return t.error();
    return parse(path, std::move(*t));
}

using Vars = std::map<std::string, std::string>;

// The variables after sourcing `files` in order. Conditional assignments are
// skipped: we cannot evaluate their test, and Ubuntu's only adds init=.
Result<Vars> evaluate(const std::vector<ShellFile>& files) {
    Vars vars;
    for (const auto& f : files)
        for (const auto& a : f.assigns) {
            if (a.conditional) continue;
            auto v = expand_shell_word(a.raw, vars);
            if (v) vars[a.name] = *v;
            else if (is_cmdline_var(a.name))
                return make_error(EINVAL, f.path + ":" + std::to_string(a.line) + ": " + v.error().message);
            else vars.erase(a.name); // unknowable, and not ours to know
        }
    return vars;
}

std::string get(const Vars& vars, const char* name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
}

bool bls_enabled(const Vars& vars) { return get(vars, "GRUB_ENABLE_BLSCFG") == "true"; }

// The kernel's command line from GRUB's two variables (LINUX first, as grub-mkconfig puts them).
Result<std::vector<std::string>> effective_words(const Vars& vars) {
    auto s = split_cmdline(get(vars, kLinux) + " " + get(vars, kDefault));
    if (!s) return s.error();
    return split_words(*s);
}

// The files grub-mkconfig sources, in its order.
Result<std::vector<ShellFile>> load_all(const Fs& fs) {
    std::vector<ShellFile> files;
    auto main = load(fs, kMain);
    if (!main) return main.error();
    files.push_back(std::move(*main));
    auto drop_ins = grub_reads_drop_ins(fs);
    if (!drop_ins) return drop_ins.error();
    if (!*drop_ins) return files;
    auto names = list_dir_if_present(fs, kDropDir);
    if (!names) return names.error();
    for (const auto& n : *names) {
        if (n.size() < 5 || !ends_with(n, ".cfg")) continue;
        auto f = load(fs, std::string(kDropDir) + "/" + n);
        if (!f) return f.error();
        files.push_back(std::move(*f));
    }
    return files;
}

// What GRUB reads, evaluated once: the files and the variables they leave.
struct Grub {
    std::vector<ShellFile> files;
    Vars vars;
    std::vector<std::string> words;
};

Result<Grub> read_grub(const Fs& fs) {
    auto files = load_all(fs);
    if (!files) return files.error();
    auto vars = evaluate(*files);
    if (!vars) return vars.error();
    auto words = effective_words(*vars);
    if (!words) return words.error();
    return Grub{std::move(*files), std::move(*vars), std::move(*words)};
}

// The files as they will be once `changes` are written: changed texts in
// place, deleted files gone, new ones in grub-mkconfig's order.
Result<std::vector<ShellFile>> after_changes(const std::vector<ShellFile>& files,
                                             const std::vector<FileChange>& changes) {
    std::vector<ShellFile> out;
    for (const auto& f : files) {
        auto c = std::find_if(changes.begin(), changes.end(), [&](const FileChange& c) { return c.path == f.path; });
        if (c == changes.end()) out.push_back(f);
        else if (!c->remove) {
            auto p = parse(f.path, c->after);
            if (!p) return p.error();
            out.push_back(std::move(*p));
        }
    }
    for (const auto& c : changes) {
        if (c.existed || c.remove) continue;
        auto p = parse(c.path, c.after);
        if (!p) return p.error();
        out.push_back(std::move(*p));
    }
    if (out.size() > 1) // the main file first, the drop-ins in name order
        std::stable_sort(out.begin() + 1, out.end(),
                         [](const ShellFile& a, const ShellFile& b) { return a.path < b.path; });
    return out;
}

// The edit, verified the way grub-mkconfig will read the result: every
// parameter to set is the last instance of its setting (the kernel honours
// that one). `why` says what to suspect when one is not.
Status verify(const std::vector<ShellFile>& files, const std::vector<FileChange>& changes, const ParamEdit& edit,
              const std::string& why) {
    auto final_files = after_changes(files, changes);
    if (!final_files) return final_files.error();
    auto vars = evaluate(*final_files);
    if (!vars) return vars.error();
    auto words = effective_words(*vars);
    if (!words) return words.error();
    for (const auto& want : edit.set) {
        std::string last;
        for (const auto& w : *words)
            if (same_setting(w, want)) last = w;
        if (last != want) return make_error(EINVAL, "'" + want + "' " + why);
    }
    return {};
}

bool extends_itself(const ShellAssignment& a) {
    return a.raw.find("$" + a.name) != std::string::npos || a.raw.find("${" + a.name + "}") != std::string::npos;
}

// Spans of the values (shell words) of the command line assignments of `f`
// that count: an assignment that sets a variable outright makes the earlier
// ones of that variable dead. `target`, when given, receives the index of
// the span additions go to.
Result<std::vector<Span>> cmdline_spans(const ShellFile& f, const char* target_var, long* target) {
    struct Found {
        Span span;
        std::string var;
        bool target;
    };
    std::vector<Found> found;
    for (const auto& a : f.assigns) {
        if (!is_cmdline_var(a.name)) continue;
        if (auto p = shell_word_params(a.raw); !p)
            return make_error(EINVAL, f.path + ":" + std::to_string(a.line) + ": " + p.error().message);
        if (!a.conditional && !extends_itself(a))
            found.erase(std::remove_if(found.begin(), found.end(), [&](const Found& x) { return x.var == a.name; }),
                        found.end());
        found.push_back({{a.value_begin, a.value_end}, a.name, a.name == target_var && !a.conditional});
    }
    std::vector<Span> spans;
    if (target) *target = -1;
    for (const auto& x : found) {
        if (target && x.target) *target = static_cast<long>(spans.size());
        spans.push_back(x.span);
    }
    return spans;
}

// edit_spans with the shell's reading of the values; errors name the file.
Result<std::string> edit_values(const ShellFile& f, const std::vector<Span>& spans, const ParamEdit& edit,
                                FileChange* c) {
    auto r = edit_spans(f.text, spans, edit, c ? &c->added : nullptr, c ? &c->removed : nullptr, shell_syntax());
    if (!r) return make_error(EINVAL, f.path + ": " + r.error().message);
    return r;
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

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// ---------------------------------------------------------------- drop-in

std::string drop_in_text(const std::vector<std::string>& params) {
    return "# Added by `vfio-setup cmdline enable` for device passthrough.\n"
           "# `vfio-setup cmdline disable` deletes this file; do not edit it.\n" +
           std::string(kDefault) + "=\"$" + kDefault + " " + join_cmdline(params) + "\"\n";
}

// The parameters our drop-in adds (empty when it does not exist).
std::vector<std::string> our_params(const std::vector<ShellFile>& files) {
    for (const auto& f : files) {
        if (f.path != kOurs) continue;
        for (const auto& a : f.assigns)
            if (a.name == kDefault)
                if (auto v = expand_shell_word(a.raw, {}))
                    if (auto s = split_cmdline(*v)) return split_words(*s);
    }
    return {};
}

// Phase 1: the conflicting values edited out of the user's files.
Result<std::vector<FileChange>> remove_conflicts(const Grub& g, const ParamEdit& conflicts) {
    std::vector<FileChange> changes;
    if (conflicts.remove.empty()) return changes;
    for (const auto& f : g.files) {
        if (f.path == kOurs) continue;
        auto spans = cmdline_spans(f, kDefault, nullptr);
        if (!spans) return spans.error();
        FileChange c;
        auto edited = edit_values(f, *spans, conflicts, &c);
        if (!edited) return edited.error();
        if (*edited == f.text) continue;
        c.path = f.path;
        c.before = f.text;
        c.after = std::move(*edited);
        changes.push_back(std::move(c));
    }
    return changes;
}

// Phase 2: ours holds what it had (minus what now conflicts) plus what the
// command line still lacks once the conflicts are gone. No change when that
// is what it already says.
std::optional<FileChange> plan_ours(const Grub& g, const ParamEdit& edit, const ParamEdit& conflicts) {
    const std::vector<std::string> before = our_params(g.files);
    std::vector<std::string> base; // the effective words without the conflicts
    for (const auto& w : g.words)
        if (!contains(conflicts.remove, w)) base.push_back(w);
    std::vector<std::string> ours;
    for (const auto& p : before) {
        bool superseded = contains(edit.remove, p);
        for (const auto& want : edit.set) superseded |= same_setting(p, want) && p != want;
        if (!superseded) ours.push_back(p);
    }
    for (const auto& want : edit.set)
        if (!contains(base, want) && !contains(ours, want)) ours.push_back(want);

    auto existing = std::find_if(g.files.begin(), g.files.end(), [](const ShellFile& f) { return f.path == kOurs; });
    const bool exists = existing != g.files.end();
    const std::string old_text = exists ? existing->text : std::string();
    std::string new_text = ours.empty() ? std::string() : drop_in_text(ours);
    if (exists && !before.empty() && ours == before) new_text = old_text; // keep its bytes
    if (new_text == old_text && !(exists && new_text.empty())) return std::nullopt;
    FileChange c;
    c.path = kOurs;
    c.existed = exists;
    c.remove = new_text.empty();
    c.before = old_text;
    c.after = new_text;
    for (const auto& p : ours)
        if (!contains(before, p)) c.added.push_back(p);
    return c;
}

// A CRLF file leaves a carriage return in the value it assigns, as the shell
// reads it ("quiet\r"). Editing inside its quotes keeps it where it was; a
// drop-in extending the value would put it into the middle of the kernel's
// command line: refused, with the fix.
Status no_carriage_return(const Grub& g) {
    for (const char* var : {kLinux, kDefault}) {
        if (get(g.vars, var).find('\r') == std::string::npos) continue;
        std::string where = kMain;
        for (const auto& f : g.files)
            for (const auto& a : f.assigns)
                if (a.name == var && a.raw.find('\r') != std::string::npos) where = f.path;
        return make_error(EINVAL, where + " has DOS (CRLF) line endings: the shell reads a carriage return into " +
                                      var + ", which " + kOurs +
                                      " would carry into the middle of the kernel command line; convert it "
                                      "(dos2unix " +
                                      where + ") and run again");
    }
    return {};
}

// Debian/Ubuntu: conflicts edited out of the user's files, additions in ours.
Result<std::vector<FileChange>> plan_drop_in(const Grub& g, const ParamEdit& edit) {
    if (Status cr = no_carriage_return(g); !cr) return cr.error();
    const ParamEdit conflicts = removal_for(g.words, edit);
    auto changes = remove_conflicts(g, conflicts);
    if (!changes) return changes;
    if (auto ours = plan_ours(g, edit, conflicts)) changes->push_back(std::move(*ours));
    // Phase 3: a file read after ours may still set the variable outright.
    Status ok = verify(g.files, *changes, edit,
                       std::string("added by ") + kOurs + " would be overridden by a file read after it in " +
                           kDropDir + " that sets " + kDefault + " outright");
    if (!ok) return ok.error();
    return changes;
}

// ---------------------------------------------------------------- main file

// The same variable set twice to different values, the second not built
// on the first: the shell silently ignores the first, so the user's intent
// is unclear. We refuse rather than guess which one to edit. Parameters
// this edit manages do not count, so that enable stays repeatable.
Status check_duplicates(const ShellFile& f, const char* var, const ParamEdit& edit) {
    auto normal = [&](const std::string& raw) {
        std::vector<std::string> out;
        auto v = expand_shell_word(raw, {});
        if (!v) return std::vector<std::string>{raw};
        auto words = split_cmdline(*v);
        if (!words) return std::vector<std::string>{raw};
        for (const auto& w : split_words(*words)) {
            bool ours = contains(edit.remove, w);
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
                                          ") and the earlier value is lost; keep one assignment and run again");
        prev = &a;
    }
    return {};
}

// No assignment to edit: remove the conflicts, then add a line of our own.
Result<std::string> append_assignment(const ShellFile& f, const std::vector<Span>& spans, const ParamEdit& edit,
                                      FileChange& c) {
    auto words = span_words(f.text, spans, shell_syntax());
    if (!words) return words.error();
    auto edited = edit_values(f, spans, removal_for(*words, edit), &c);
    if (!edited) return edited.error();
    std::string text = *edited;
    // Only what the other assignment does not hold already.
    ParamEdit missing;
    for (const auto& want : edit.set)
        if (!contains(*words, want)) missing.set.push_back(want);
    auto add = apply_edit("", missing);
    if (!add) return add.error();
    if (add->cmdline.empty()) return text;
    std::string eol = line_ending_of(text);
    if (!text.empty() && text.back() != '\n') text += eol;
    c.added.insert(c.added.end(), add->added.begin(), add->added.end());
    return text + kLinux + "=\"" + add->cmdline + "\"" + eol;
}

// Other distributions: edit the assignment in /etc/default/grub itself. BLS
// systems (Fedora) take new entries' options from GRUB_CMDLINE_LINUX.
Result<std::vector<FileChange>> plan_main_file(const Grub& g, const ParamEdit& edit) {
    const ShellFile& f = g.files.front();
    const char* target_var = bls_enabled(g.vars) ? kLinux : kDefault;
    bool has_target = false;
    for (const auto& a : f.assigns) has_target |= a.name == target_var && !a.conditional;
    if (!has_target) target_var = kLinux;
    if (Status dup = check_duplicates(f, target_var, edit); !dup) return dup.error();

    long target = -1;
    auto spans = cmdline_spans(f, target_var, &target);
    if (!spans) return spans.error();
    FileChange c;
    c.path = kMain;
    c.before = f.text;
    if (target < 0) {
        auto text = append_assignment(f, *spans, edit, c);
        if (!text) return text.error();
        c.after = std::move(*text);
    } else {
        std::swap((*spans)[static_cast<size_t>(target)], spans->back());
        auto edited = edit_values(f, *spans, edit, &c);
        if (!edited) return edited.error();
        c.after = std::move(*edited);
    }
    if (c.after == c.before) return std::vector<FileChange>{};
    // An unfinished if/case at the end of the file would swallow an appended line.
    Status ok = verify(g.files, {c}, edit,
                       std::string("cannot be added to ") + kMain +
                           " where grub-mkconfig will see it (is an if/case left unfinished?)");
    if (!ok) return ok.error();
    return std::vector<FileChange>{c};
}

// ---------------------------------------------------------------- backend

class GrubBootloader : public Bootloader {
public:
    const char* name() const override { return "GRUB"; }

    // A main file that cannot be looked at counts as present: plan() and
    // entries() then say why, where "absent" would edit another place only.
    bool present(const Fs& fs) const override {
        auto main = fs.probe(kMain);
        if (!main) return true;
        if (!*main) return false;
        for (const char* cfg : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"}) {
            auto there = fs.probe(cfg);
            if (!there || *there) return true;
        }
        return have_program(fs, "grub-mkconfig") || have_program(fs, "grub2-mkconfig");
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto g = read_grub(fs);
        if (!g) return g.error();
        if (bls_enabled(g->vars))
            return std::vector<BootEntry>{
                {std::string(kMain) + " (" + kLinux + ", for new BLS entries)", get(g->vars, kLinux)}};
        std::string src = kMain;
        if (g->files.size() > 1) src += " + " + std::string(kDropDir) + "/*.cfg";
        return std::vector<BootEntry>{{src, join_cmdline(g->words)}};
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        auto g = read_grub(fs);
        if (!g) return g.error();
        auto drop_ins = grub_reads_drop_ins(fs);
        if (!drop_ins) return drop_ins.error();
        if (!*drop_ins || bls_enabled(g->vars)) return plan_main_file(*g, edit);
        return plan_drop_in(*g, edit);
    }

    Result<std::string> edit_file(const Fs&, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        auto f = parse(path, content);
        if (!f) return f.error();
        long target = -1;
        auto spans = cmdline_spans(*f, kDefault, &target);
        if (!spans) return spans.error();
        if (spans->empty()) return content;
        if (target >= 0) std::swap((*spans)[static_cast<size_t>(target)], spans->back());
        return edit_values(*f, *spans, edit, nullptr);
    }

    std::vector<Command> update_commands(const Fs& fs) const override {
        if (grub_reads_bls_entries(fs)) return {}; // entries carry their own options (BLS backend)
        if (fs.exists("/etc/debian_version") || have_program(fs, "update-grub")) return {{"update-grub"}};
        if (have_program(fs, "grub2-mkconfig") || fs.exists("/boot/grub2"))
            return {{"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"}};
        return {{"grub-mkconfig", "-o", "/boot/grub/grub.cfg"}};
    }

    bool owns_file(const std::string& path) const override { return path == kOurs; }
};

} // namespace

Result<bool> grub_reads_drop_ins(const Fs& fs) {
    for (const char* script : kMkconfig) {
        auto text = fs.read(script);
        if (text) return text->find("/default/grub.d/") != std::string::npos;
        if (!is_absent(text.error())) return text.error();
    }
    auto debian = fs.probe("/etc/debian_version");
    if (!debian) return debian.error();
    if (*debian) return true;
    auto names = list_dir_if_present(fs, kDropDir);
    if (!names) return names.error();
    for (const auto& n : *names)
        if (ends_with(n, ".cfg") && std::string(kDropDir) + "/" + n != kOurs) return true;
    return false;
}

Result<std::map<std::string, std::string>> grub_settings(const Fs& fs) {
    auto g = read_grub(fs);
    if (!g) return g.error();
    return g->vars;
}

bool grub_reads_bls_entries(const Fs& fs) {
    auto bls = grub_bls_enabled(fs);
    return bls ? *bls : true; // unreadable: see grub.h
}

Result<bool> grub_bls_enabled(const Fs& fs) {
    auto g = read_grub(fs);
    if (!g) return is_absent(g.error()) || g.error().code == EINVAL ? Result<bool>(false) : Result<bool>(g.error());
    return bls_enabled(g->vars);
}

std::unique_ptr<Bootloader> make_grub_bootloader() { return std::make_unique<GrubBootloader>(); }

} // namespace vb
