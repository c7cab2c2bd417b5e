// Bootloader backends: where each boot loader keeps the kernel command line,
// how to edit it and how to turn the edited files into what the firmware
// loads. Backends only compute new file contents; cmdline_plan writes them.
// Which backends the machine uses is decided in one place (select.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "basic/command.h"
#include "basic/fs.h"
#include "basic/kernel_params.h"
#include "basic/result.h"

namespace vb {

// One command line the machine can boot with.
struct BootEntry {
    std::string source; // "/boot/loader/entries/arch.conf:4"
    std::string cmdline;
};

struct FileChange {
    std::string path;
    std::string backend; // name() of the backend that planned it
    bool existed = true; // false: we create it
    bool remove = false; // delete it (undoing a file we created)
    std::string before, after;
    std::vector<std::string> added, removed; // parameters, for messages and undo
    // Not written by us: the backend's apply_commands() make the change
    // (rpm-ostree kargs). `before`/`after` show the entry it changes.
    bool by_command = false;
};

class Bootloader {
public:
    virtual ~Bootloader() = default;
    virtual const char* name() const = 0;
    // Its configuration is on this root.
    virtual bool present(const Fs& fs) const = 0;
    // The command line each entry or file will boot with.
    virtual Result<std::vector<BootEntry>> entries(const Fs& fs) const = 0;
    // The changes that make every command line satisfy `edit`; files that
    // would not change are left out.
    virtual Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const = 0;
    // `edit` applied to one of its files (undo of a file changed since enable).
    virtual Result<std::string> edit_file(const Fs& fs, const std::string& path, const std::string& content,
                                          const ParamEdit& edit) const = 0;
    // What turns the files into boot entries, when anything does.
    virtual std::vector<Command> update_commands(const Fs& fs) const;
    // A file this backend created itself: undone by deleting it.
    virtual bool owns_file(const std::string& path) const;
    // Files that kernel installs add later (BLS entries), all of them as
    // found now; enable records them, disable also cleans those that came
    // after it. `new_files_source()` is the file new ones take their command
    // line from (/etc/kernel/cmdline), or "".
    // An error listing them is an error: a file left out would keep our
    // parameters after disable.
    virtual Result<std::vector<std::string>> growing_files(const Fs& fs) const;
    virtual std::string new_files_source() const;
    // The command line belongs to a tool that must make every change itself
    // (rpm-ostree): the planned FileChanges are never written, apply_commands()
    // carries them out, and disable runs their inverse.
    virtual bool applies_by_command() const;
    virtual std::vector<Command> apply_commands(const FileChange& change) const;
};

std::unique_ptr<Bootloader> make_grub_bootloader();
std::unique_ptr<Bootloader> make_bls_bootloader();
std::unique_ptr<Bootloader> make_kernelstub_bootloader();
std::unique_ptr<Bootloader> make_refind_bootloader();
std::unique_ptr<Bootloader> make_extlinux_bootloader();
std::unique_ptr<Bootloader> make_limine_bootloader();
std::unique_ptr<Bootloader> make_sdbootutil_bootloader();
std::unique_ptr<Bootloader> make_rpm_ostree_bootloader();
std::unique_ptr<Bootloader> make_proxmox_boot_bootloader();

// The one planner of a single-file change: `edit` maps the file's text to
// the new text (and the parameters it added and removed). No change when
// the text stays the same.
using TextEdit = std::function<Result<std::string>(const std::string& text, std::vector<std::string>* added,
                                                   std::vector<std::string>* removed)>;
Result<FileChange> plan_file(const Fs& fs, const std::string& path, const TextEdit& edit);
// The same as a plan: that one change, or none.
Result<std::vector<FileChange>> plan_one_file(const Fs& fs, const std::string& path, const TextEdit& edit);

// The first of `candidates` that exists, or "".
std::string first_existing(const Fs& fs, const std::vector<std::string>& candidates);
// True when `name` is a file under /usr/sbin, /usr/bin, /sbin or /bin.
bool have_program(const Fs& fs, const std::string& name);

} // namespace vb
