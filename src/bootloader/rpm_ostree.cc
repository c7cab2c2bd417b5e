// rpm-ostree (Fedora Silverblue/Kinoite, CoreOS, image-mode RHEL): ostree
// writes /boot/loader/entries/ostree-N-OSNAME.conf (ostree-N.conf with the
// newer naming) for each deployment, N counting down from the default one,
// and rewrites them whenever it deploys. Nothing there may be edited: the
// kernel arguments change through `rpm-ostree kargs --append= --delete=
// --replace=`, which stages a new deployment for the next boot. The plan
// still shows the default entry as it will read; apply_commands() makes it so.
#include <algorithm>
#include <cstdlib>

#include "basic/text.h"
#include "bootloader/bls.h"

namespace vb {

namespace {

constexpr const char* kEntries = "/boot/loader/entries";
// ostree's marker that a deployment waits to be written out at shutdown.
constexpr const char* kStaged = "/run/ostree/staged-deployment";

// N of "ostree-N-OSNAME.conf" or "ostree-N.conf", or -1.
long entry_index(const std::string& name) {
    if (!starts_with(name, "ostree-") || name.size() < 13 || !ends_with(name, ".conf")) return -1;
    size_t i = 7, j = i;
    while (j < name.size() && name[j] >= '0' && name[j] <= '9') ++j;
    if (j == i || j - i > 9 || (name[j] != '-' && name[j] != '.')) return -1;
    return std::strtol(name.c_str() + i, nullptr, 10);
}

// `--replace=KEY=OLD=NEW` when `from` and `to` are one setting with simple values.
bool replacement(const std::string& from, const std::string& to, std::string* arg) {
    size_t a = from.find('='), b = to.find('=');
    if (a == std::string::npos || b == std::string::npos || from.compare(0, a, to, 0, b) != 0) return false;
    if (from.find('=', a + 1) != std::string::npos || to.find('=', b + 1) != std::string::npos) return false;
    if (!same_setting(from, to)) return false;
    *arg = "--replace=" + from + "=" + to.substr(b + 1);
    return true;
}

class RpmOstreeBootloader : public Bootloader {
public:
    const char* name() const override { return "rpm-ostree"; }

    bool present(const Fs& fs) const override {
        return fs.exists("/run/ostree-booted") || (fs.is_dir("/ostree") && have_program(fs, "rpm-ostree"));
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        return bls_entries(fs, ostree_entries(fs), "");
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        if (!have_program(fs, "rpm-ostree"))
            return make_error(ENOENT, "an ostree system without rpm-ostree: cannot change its kernel arguments");
        if (fs.exists(kStaged))
            return make_error(EBUSY, std::string("a deployment is staged for the next boot (") + kStaged +
                                         "); the entries in /boot do not show its kernel arguments yet: reboot "
                                         "first, or drop it with `rpm-ostree cleanup -p`");
        auto all = ostree_entries(fs);
        if (all.empty()) return make_error(ENOENT, std::string("no ostree-*.conf in ") + kEntries);
        return bls_plan_one(fs, all.front(), edit);
    }

    Result<std::string> edit_file(const Fs&, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        return bls_edit(path, content, edit);
    }

    bool applies_by_command() const override { return true; }

    // One `rpm-ostree kargs`: a removed setting that comes back with another
    // value is replaced in place, the rest deleted or appended.
    std::vector<Command> apply_commands(const FileChange& c) const override {
        Command cmd{"rpm-ostree", "kargs"};
        std::vector<bool> paired(c.added.size(), false);
        for (const auto& r : c.removed) {
            std::string arg = "--delete=" + r;
            for (size_t i = 0; i < c.added.size(); ++i)
                if (!paired[i] && replacement(r, c.added[i], &arg)) {
                    paired[i] = true;
                    break;
                }
            cmd.push_back(arg);
        }
        for (size_t i = 0; i < c.added.size(); ++i)
            if (!paired[i]) cmd.push_back("--append=" + c.added[i]);
        if (cmd.size() == 2) return {};
        return {cmd};
    }

private:
    // The deployments' entries, the default one (highest N) first.
    static std::vector<std::string> ostree_entries(const Fs& fs) {
        std::vector<std::pair<long, std::string>> found;
        if (auto names = fs.list_dir(kEntries))
            for (const auto& n : *names)
                if (long i = entry_index(n); i >= 0) found.push_back({i, n});
        std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        std::vector<std::string> out;
        for (const auto& f : found) out.push_back(std::string(kEntries) + "/" + f.second);
        return out;
    }
};

} // namespace

std::unique_ptr<Bootloader> make_rpm_ostree_bootloader() { return std::make_unique<RpmOstreeBootloader>(); }

} // namespace vb
