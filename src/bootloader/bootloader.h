// Bootloader backends: where each bootloader keeps the kernel command line,
// how to edit it and how to turn the edited files into what the firmware
// loads. Backends only compute new file contents; cmdline_setup writes them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "basic/command.h"
#include "basic/fs.h"
#include "basic/kernel_params.h"
#include "basic/result.h"
#include "basic/text.h"

namespace vb {

// What the firmware says booted us (empty when unknown, e.g. under --root
// or on BIOS machines).
struct BootContext {
    std::string loader_info;  // EFI LoaderInfo (Boot Loader Interface): "systemd-boot 254.5"
    std::string boot_current; // description of EFI BootCurrent: "ubuntu", "rEFInd Boot Manager"
};
BootContext read_boot_context(const Fs& fs);

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
    // The machine boots through it (several may be): decided from the
    // firmware's answer when there is one, from the files otherwise.
    virtual bool in_use(const Fs& fs, const BootContext& ctx) const {
        (void)ctx;
        return present(fs);
    }
    // The command line each entry or file will boot with.
    virtual Result<std::vector<BootEntry>> entries(const Fs& fs) const = 0;
    // The changes that make every command line satisfy `edit`; files that
    // would not change are left out.
    virtual Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const = 0;
    // `edit` applied to one of its files (undo of a file changed since enable).
    virtual Result<std::string> edit_file(const Fs& fs, const std::string& path, const std::string& content,
                                          const ParamEdit& edit) const = 0;
    // What turns the files into boot entries, when anything does.
    virtual std::vector<Command> update_commands(const Fs& fs) const {
        (void)fs;
        return {};
    }
    // A file this backend created itself: undone by deleting it.
    virtual bool owns_file(const std::string& path) const {
        (void)path;
        return false;
    }
    // The command line belongs to a tool that must make every change itself
    // (rpm-ostree): the planned FileChanges are never written, apply_commands()
    // carries them out, and disable runs their inverse.
    virtual bool applies_by_command() const { return false; }
    virtual std::vector<Command> apply_commands(const FileChange& change) const {
        (void)change;
        return {};
    }
};

// Every backend, in the order status lists them.
std::vector<std::unique_ptr<Bootloader>> all_bootloaders();

std::unique_ptr<Bootloader> make_grub_bootloader();
std::unique_ptr<Bootloader> make_bls_bootloader();
std::unique_ptr<Bootloader> make_kernelstub_bootloader();
std::unique_ptr<Bootloader> make_refind_bootloader();
std::unique_ptr<Bootloader> make_extlinux_bootloader();
std::unique_ptr<Bootloader> make_limine_bootloader();
std::unique_ptr<Bootloader> make_sdbootutil_bootloader();
std::unique_ptr<Bootloader> make_rpm_ostree_bootloader();

// Boot Loader Specification files (bootloader_bls.cc), shared with the
// backends that leave them to a tool of their own (sdbootutil, rpm-ostree).
inline constexpr const char* kKernelCmdlinePath = "/etc/kernel/cmdline";
// Every loader/entries/*.conf on the usual mount points, sorted per directory.
std::vector<std::string> bls_entry_files(const Fs& fs);
// The command line `path` holds: /etc/kernel/cmdline whole, an entry's options lines joined.
Result<std::string> bls_cmdline(const std::string& path, const std::string& text);
// `edit` applied to /etc/kernel/cmdline (the whole file) or to an entry (its options lines).
Result<std::string> bls_edit(const std::string& path, const std::string& text, const ParamEdit& edit,
                             std::vector<std::string>* added = nullptr, std::vector<std::string>* removed = nullptr);
// The FileChange `edit` makes to `path` (after == before when nothing changes).
Result<FileChange> bls_plan_file(const Fs& fs, const std::string& path, const ParamEdit& edit);
// The same as a plan: that one change, or none when the file would not change.
Result<std::vector<FileChange>> bls_plan_one(const Fs& fs, const std::string& path, const ParamEdit& edit);

// Shared by the line-based backends.
// The first of `candidates` that exists, or "".
std::string first_existing(const Fs& fs, const std::vector<std::string>& candidates);
// True when one of the names is an executable file under /usr/sbin, /usr/bin, /sbin or /bin.
bool have_program(const Fs& fs, const std::string& name);
// A line of a file by offsets: [begin, end) without its "\n" or "\r\n".
struct LineRef {
    size_t begin = 0, end = 0;
    int number = 0; // 1-based
};
std::vector<LineRef> line_refs(std::string_view text);
// A byte range of a file holding (part of) one command line.
struct Span {
    size_t begin = 0, end = 0;
};
// Applies `edit` to one command line written across several spans of `text`
// (several `options` lines of one entry): removals everywhere, a replaced
// setting where it was found first, additions in the last span given (which
// need not be the last in the file).
Result<std::string> edit_spans(std::string_view text, const std::vector<Span>& spans, const ParamEdit& edit,
                               std::vector<std::string>* added = nullptr, std::vector<std::string>* removed = nullptr);

} // namespace vb
