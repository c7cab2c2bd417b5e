// proxmox-boot-tool (package proxmox-kernel-helper), as its scripts
// (/usr/sbin/proxmox-boot-tool, /usr/share/proxmox-kernel-helper/scripts/
// functions, the kernel hook /etc/kernel/postinst.d/zz-proxmox-boot) lay
// things out:
//   - /etc/kernel/proxmox-boot-uuids: one vfat file system UUID (XXXX-XXXX)
//     per line, sorted; no mode marker: the tool tells GRUB from
//     systemd-boot per ESP, by EFI/proxmox/grubx64.efi on it (or a BIOS boot).
//   - `refresh` runs the kernel hook, which mounts each ESP under
//     /var/tmp/espmounts/<UUID> in a mount namespace of its own, copies
//     /boot/vmlinuz-<kver> and /boot/initrd.img-<kver> of the kernels it
//     keeps and unmounts it again: no ESP stays mounted.
//       systemd-boot: the kernels go to EFI/proxmox/<kver>/, the entry to
//       loader/entries/proxmox-<kver>.conf with `options` = the first line
//       of /etc/kernel/cmdline (which must hold root=, or the hook fails;
//       without the file it falls back to /proc/cmdline); loader/loader.conf
//       says `default proxmox-*`.
//       GRUB: the kernels go to the ESP's root, /boot is bind-mounted onto
//       the ESP and update-grub writes its grub/grub.cfg from
//       /etc/default/grub (and grub.d/): /boot/grub/grub.cfg is not what
//       boots, and update-grub itself only calls `proxmox-boot-tool refresh`.
//   - update-initramfs calls refresh too (/etc/initramfs/post-update.d/
//     proxmox-boot-sync): the images in /boot are the ones to rebuild; the
//     ESPs get copies of them, which are what boots (vfio-initrd-check
//     compares them with /boot's: check/esp_copies.h).
//   - `kernel pin VER --next-boot` writes /etc/kernel/next-boot-pin and, on
//     refresh, makes proxmox-VER.conf the default of every ESP until a
//     service at the next boot unpins it: it chooses a kernel, not a command
//     line, so a trial cannot use it. A trial uses systemd-boot's
//     LoaderEntryOneShot on the ESP the firmware started from (trial.h),
//     with an entry of its own that refresh leaves alone (it deletes only
//     proxmox-<kver>.conf of kernels it no longer keeps).
// So vfio-setup edits /etc/kernel/cmdline or GRUB's files and runs
// `proxmox-boot-tool refresh`; it never writes an ESP for enable or disable.
#include "bootloader/proxmox_boot.h"

#include "basic/mounts.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "bootloader/bls.h"
#include "bootloader/bootloader.h"

namespace vb {

namespace {

constexpr const char* kHook = "/etc/kernel/postinst.d/zz-proxmox-boot";

std::string esp_names(const std::vector<std::string>& esps) {
    std::string out;
    for (const auto& e : esps) out += (out.empty() ? "" : ", ") + e;
    return out;
}

// /etc/kernel/cmdline as the tool reads it: it must be there (else the tool
// boots with whatever /proc/cmdline happens to hold), hold root= and be one
// line (the tool reads only the first).
Status check_kernel_cmdline(const Fs& fs) {
    const std::string path = kKernelCmdlinePath;
    if (!fs.exists(path))
        return make_error(ENOENT, path + " is missing: proxmox-boot-tool would write the command line of the running "
                                         "boot (/proc/cmdline) into its entries; write the command line there "
                                         "(root=... as in /proc/cmdline, without initrd=), run `proxmox-boot-tool "
                                         "refresh` and run again");
    auto text = fs.read(path);
    if (!text) return text.error();
    const auto lines = split_lines(*text);
    for (size_t i = 1; i < lines.size(); ++i)
        if (!trim(lines[i]).empty())
            return make_error(EINVAL, path + ": more than one line, and proxmox-boot-tool reads only the first; "
                                             "join them into one line and run again");
    bool root = false;
    for (const auto& w : split_blanks(lines.empty() ? std::string_view() : lines[0]))
        root = root || starts_with(w, "root=");
    if (!root)
        return make_error(EINVAL, path + ": no root=, and proxmox-boot-tool refresh fails without one; add the "
                                         "root= of /proc/cmdline and run again");
    return {};
}

class ProxmoxBootBootloader : public Bootloader {
public:
    const char* name() const override { return kProxmoxBootName; }

    // Its ESP list, and the tool or its kernel hook that keeps them.
    bool present(const Fs& fs) const override {
        return fs.exists(kProxmoxBootUuids) && (have_program(fs, "proxmox-boot-tool") || fs.exists(kHook));
    }

    Result<std::vector<BootEntry>> entries(const Fs& fs) const override {
        auto esps = proxmox_boot_esps(fs);
        if (!esps) return esps.error();
        const std::string note = "proxmox-boot-tool refresh writes it onto the ESPs " + esp_names(*esps);
        auto mode = proxmox_boot_mode(fs);
        if (!mode) return mode.error();
        if (*mode == ProxmoxBootMode::SystemdBoot) {
            if (Status ok = check_kernel_cmdline(fs); !ok) return ok.error();
            return bls_entries(fs, {kKernelCmdlinePath}, note);
        }
        auto e = grub_->entries(fs);
        if (!e) return e.error();
        for (auto& x : *e) x.source += " (" + note + ")";
        return e;
    }

    Result<std::vector<FileChange>> plan(const Fs& fs, const ParamEdit& edit) const override {
        auto esps = proxmox_boot_esps(fs);
        if (!esps) return esps.error();
        auto mode = proxmox_boot_mode(fs);
        if (!mode) return mode.error();
        if (*mode == ProxmoxBootMode::Grub) return grub_->plan(fs, edit);
        if (Status ok = check_kernel_cmdline(fs); !ok) return ok.error();
        return bls_plan_one(fs, kKernelCmdlinePath, edit);
    }

    Result<std::string> edit_file(const Fs& fs, const std::string& path, const std::string& content,
                                  const ParamEdit& edit) const override {
        if (path == kKernelCmdlinePath) return bls_edit(path, content, edit);
        return grub_->edit_file(fs, path, content, edit);
    }

    std::vector<Command> update_commands(const Fs&) const override { return {{"proxmox-boot-tool", "refresh"}}; }
    bool owns_file(const std::string& path) const override { return grub_->owns_file(path); }

private:
    std::unique_ptr<Bootloader> grub_ = make_grub_bootloader();
};

} // namespace

Result<ProxmoxBootMode> proxmox_boot_mode(const Fs& fs) {
    auto boot = load_boot_context(fs);
    if (!boot) return boot.error();
    if (starts_with(boot->loader_info, "systemd-boot")) return ProxmoxBootMode::SystemdBoot;
    // Started by UEFI but not by systemd-boot, or by a BIOS (this machine
    // without /sys/firmware/efi): GRUB.
    auto efi = fs.probe("/sys/firmware/efi");
    if (!efi) return efi.error();
    if (!boot->loader_info.empty() || *efi || !fs.is_rooted()) return ProxmoxBootMode::Grub;
    auto cmdline = fs.probe(kKernelCmdlinePath);
    if (!cmdline) return cmdline.error();
    return *cmdline ? ProxmoxBootMode::SystemdBoot : ProxmoxBootMode::Grub;
}

const char* proxmox_boot_mode_name(ProxmoxBootMode mode) {
    return mode == ProxmoxBootMode::SystemdBoot ? "systemd-boot" : "GRUB";
}

Result<std::vector<std::string>> proxmox_boot_esps(const Fs& fs) {
    auto text = fs.read(kProxmoxBootUuids, kMaxTextFile);
    if (!text) return text.error();
    std::vector<std::string> out = split_blanks(*text);
    if (out.empty())
        return make_error(ENOENT, std::string(kProxmoxBootUuids) +
                                      " lists no ESP, so proxmox-boot-tool refresh writes no boot entry; "
                                      "`proxmox-boot-tool status` shows the ESPs, `proxmox-boot-tool init "
                                      "PARTITION` adds one");
    return out;
}

Status proxmox_boot_trial_possible(const Fs& fs, const BootContext& boot) {
    const std::string way_back =
        "; enable without --trial, and remember vfio_bind=off in the boot menu as the way back";
    auto mode = proxmox_boot_mode(fs);
    if (!mode) return mode.error();
    if (*mode == ProxmoxBootMode::Grub)
        return make_error(ENOTSUP, "proxmox-boot-tool with GRUB: the grub.cfg that boots is on the ESPs, "
                                   "rewritten by every refresh, with no trial entry and no next_entry vfio-setup "
                                   "can set" +
                                       way_back);
    if (!starts_with(boot.loader_info, "systemd-boot"))
        return make_error(ENOTSUP, "proxmox-boot-tool: the firmware does not say systemd-boot started this boot "
                                   "(no LoaderInfo), so its one-shot cannot be relied on" +
                                       way_back);
    // Only named in the message: unreadable reads as unknown.
    auto part = read_efi_variable(fs, "LoaderDevicePartUUID", EfiVendor::LoaderInterface);
    const std::string partuuid = part ? lower(utf16_to_ascii(*part)) : std::string();
    const std::string booted = partuuid.empty()
                                   ? "the ESP systemd-boot started from"
                                   : "the ESP systemd-boot started from (/dev/disk/by-partuuid/" + partuuid + ")";
    const std::string mount_it = partuuid.empty()
                                     ? "mount " + booted + " on /boot/efi and run again"
                                     : "`mount /dev/disk/by-partuuid/" + partuuid + " /boot/efi` and run again";
    auto entries = bls_entry_files(fs);
    if (!entries) return entries.error();
    std::string entries_dir;
    for (const auto& f : *entries)
        if (starts_with(f, "/boot/efi/") || starts_with(f, "/efi/")) entries_dir = dirname_of(f);
    if (entries_dir.empty())
        return make_error(ENOENT, "proxmox-boot-tool mounts its ESPs only while it writes them; the trial "
                                  "entry and the one-shot go on " +
                                      booted + ": " + mount_it);
    // The one mounted must be the one booted: the others' entries are never read.
    auto mi = fs.read("/proc/self/mountinfo", kMaxProcTable);
    if (partuuid.empty() || !mi) return {}; // not knowable here (a root being set up)
    const std::vector<Mount> mounts = parse_mountinfo(*mi);
    const Mount* m = mount_of(mounts, entries_dir);
    auto link = fs.read_link("/dev/disk/by-partuuid/" + partuuid);
    if (!m || !link) return {};
    auto dev = fs.read_attribute("/sys/class/block/" + basename_of(*link) + "/dev");
    if (dev && trim(*dev) != m->dev)
        return make_error(EINVAL, m->point + " holds " + m->source + ", not " + booted +
                                      ": a one-shot there is never read; `umount " + m->point + "`, " + mount_it);
    return {};
}

std::unique_ptr<Bootloader> make_proxmox_boot_bootloader() { return std::make_unique<ProxmoxBootBootloader>(); }

} // namespace vb
