// openSUSE sdbootutil (Tumbleweed, MicroOS, Aeon with systemd-boot or
// grub2-bls): the command line lives in /etc/kernel/cmdline, and
// `sdbootutil update-all-entries` rewrites the `options` line of the entries
// in the ESP from it (adding root=, rootflags= for the snapshot and
// systemd.machine_id= itself). So only /etc/kernel/cmdline is edited, the way
// the BLS backend edits it; the entries are left to sdbootutil.
#include "basic/read_limits.h"
#include "basic/text.h"
#include "bootloader/bls.h"
#include "bootloader/spans.h"

namespace vb {

namespace {

// ID / ID_LIKE of os-release name openSUSE ("opensuse-tumbleweed", "opensuse-microos", ...).
bool is_opensuse(const Fs& fs) {
    for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
        auto text = fs.read(path, kMaxOsRelease);
        if (!text) continue;
        for (const auto& l : line_refs(*text)) {
            std::string_view line = std::string_view(*text).substr(l.begin, l.end - l.begin);
            if ((starts_with(line, "ID=") || starts_with(line, "ID_LIKE=")) &&
                line.find("opensuse") != std::string_view::npos)
                return true;
        }
        return false; // the first one found is the one that counts
    }
    return false;
}

// A boot loader sdbootutil installs: systemd-boot, or GRUB with the BLS patches.
bool has_bls_loader(const Fs& fs) {
    for (const char* dir : {"/usr/lib/systemd/boot/efi", "/usr/lib/systemd-boot"})
        if (auto names = fs.list_dir(dir))
            for (const auto& n : *names)
                if (starts_with(n, "systemd-boot")) return true;
    if (auto dirs = fs.list_dir("/usr/share/grub2"))
        for (const auto& d : *dirs)
            if (fs.exists("/usr/share/grub2/" + d + "/grubbls.efi")) return true;
    return false;
}

class SdbootutilBootloader : public Bootloader {
public:
    const char* name() const override { return "sdbootutil"; }

    bool present(const Fs& fs) const override {
        return fs.exists("/usr/bin/sdbootutil") && fs.exists(kKernelCmdlinePath) && is_opensuse(fs) &&
               has_bls_loader(fs);
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto files = bls_entry_files(fs);
        if (!files) return files.error();
        files->push_back(kKernelCmdlinePath);
        return bls_entries(fs, *files, "sdbootutil writes it into every entry");
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        return bls_plan_one(fs, kKernelCmdlinePath, edit);
    }

    Result<std::string> edit_file(const Fs&, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        return bls_edit(path, content, edit);
    }

    std::vector<Command> update_commands(const Fs&) const override { return {{"sdbootutil", "update-all-entries"}}; }
};

} // namespace

std::unique_ptr<Bootloader> make_sdbootutil_bootloader() { return std::make_unique<SdbootutilBootloader>(); }

} // namespace vb
