// Boot Loader Specification files: loader/entries/*.conf with their
// `options` lines, and /etc/kernel/cmdline, from which kernel-install writes
// the entries of kernels installed later. The BLS backend edits them; the
// backends that leave them to a tool of their own (sdbootutil, rpm-ostree)
// read them the same way.
#pragma once

#include <string>
#include <vector>

#include "bootloader/bootloader.h"

namespace vb {

inline constexpr const char* kKernelCmdlinePath = "/etc/kernel/cmdline";

// Every loader/entries/*.conf on the usual mount points that boots a Linux
// kernel (a `linux` or `uki` line), sorted per directory. Entries of other
// EFI programs (`efi` rEFInd, Windows, a shell) and Memtest86+ (a `linux`
// line naming memtest) are left alone: no kernel reads their options.
// A directory that is there but cannot be listed (EIO, EACCES) is an error:
// the entries it holds would be left out of every edit.
Result<std::vector<std::string>> bls_entry_files(const Fs& fs);
// Whether an entry's text boots a Linux kernel, as above.
// `key value` at the start of an entry's line (or loader.conf's): the
// value's offset, or npos.
size_t bls_key_value(std::string_view line, std::string_view key);
bool bls_boots_linux(std::string_view entry);
// A BLS file name without its boot counters, the extension kept
// ("arch+3-0.conf" -> "arch.conf", "os-6.8.1+2.efi" -> "os-6.8.1.efi"); a '+'
// that starts no counter ("linux+lts.conf") stays.
std::string bls_without_boot_counter(const std::string& file_name);
// The command line `path` holds: /etc/kernel/cmdline whole, an entry's options lines joined.
Result<std::string> bls_cmdline(const std::string& path, const std::string& text);
// The entries of `files`, each with its command line; /etc/kernel/cmdline
// is labelled with `kernel_cmdline_note` ("kernels installed later").
Result<std::vector<BootEntry>> bls_entries(const Fs& fs, const std::vector<std::string>& files,
                                           const std::string& kernel_cmdline_note);
// `edit` applied to /etc/kernel/cmdline (the whole file) or to an entry (its options lines).
Result<std::string> bls_edit(const std::string& path, const std::string& text, const ParamEdit& edit,
                             std::vector<std::string>* added = nullptr, std::vector<std::string>* removed = nullptr);
// The FileChange `edit` makes to `path` (after == before when nothing changes).
Result<FileChange> bls_plan_file(const Fs& fs, const std::string& path, const ParamEdit& edit);
// The same as a plan: that one change, or none when the file would not change.
Result<std::vector<FileChange>> bls_plan_one(const Fs& fs, const std::string& path, const ParamEdit& edit);

} // namespace vb
