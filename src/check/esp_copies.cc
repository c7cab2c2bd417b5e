#include "check/esp_copies.h"

#include "basic/mounts.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "bootloader/bootloader.h"
#include "bootloader/proxmox_boot.h"

namespace vb {

namespace {

// Where the file system `uuid` is mounted now, or "" (none, or not knowable).
std::string mounted_at(const Fs& fs, const std::vector<Mount>& mounts, const std::string& uuid) {
    auto link = fs.read_link("/dev/disk/by-uuid/" + uuid);
    if (!link) return "";
    const std::string name = basename_of(*link);
    auto dev = fs.read_attribute("/sys/class/block/" + name + "/dev");
    for (const auto& m : mounts)
        if ((dev && trim(*dev) == m.dev) || m.source == "/dev/" + name) return m.point;
    return "";
}

// The ESP at `dir` as `refresh` tells them apart: GRUB's when it has
// EFI/proxmox/grubx64.efi, or no loader.conf (a BIOS boot).
bool grub_layout(const Fs& fs, const std::string& dir) {
    return fs.exists(dir + "/EFI/proxmox/grubx64.efi") || !fs.exists(dir + "/loader/loader.conf");
}

ProxmoxEsp locate(const Fs& fs, const std::vector<Mount>& mounts, const std::string& uuid) {
    ProxmoxEsp esp{uuid, mounted_at(fs, mounts, uuid), "", "", false};
    const std::string tool_dir = std::string(kEspMountRoot) + "/" + uuid;
    if (esp.dir.empty() && fs.is_rooted()) {
        auto names = fs.list_dir(tool_dir);
        if (names && !names->empty()) esp.dir = tool_dir;
    }
    if (!esp.dir.empty()) {
        esp.grub = grub_layout(fs, esp.dir);
        return esp;
    }
    const std::string listed = "ESP " + uuid + " (in " + kProxmoxBootUuids + ")";
    const std::string unchecked = ", so its copies of the images, which are what boots, are not checked";
    if (fs.is_rooted()) {
        esp.why_not = listed + " is neither mounted nor at " + fs.host_path(tool_dir) + unchecked;
        esp.how = "mount it (or copy it) at " + fs.host_path(tool_dir) + " and run again";
    } else if (!fs.exists("/dev/disk/by-uuid/" + uuid)) {
        esp.why_not = listed + " does not exist (no /dev/disk/by-uuid/" + uuid +
                      "): proxmox-boot-tool skips it, and nothing boots from it";
        esp.how = "`proxmox-boot-tool clean` drops it from the list";
    } else {
        esp.why_not = listed + " is not mounted (proxmox-boot-tool mounts it only while it writes it)" + unchecked;
        esp.how = "`mount -o ro /dev/disk/by-uuid/" + uuid + " /mnt`, run vfio-initrd-check again, then `umount /mnt`";
    }
    return esp;
}

} // namespace

Result<std::vector<ProxmoxEsp>> proxmox_esps(const Fs& fs) {
    std::vector<ProxmoxEsp> out;
    if (!make_proxmox_boot_bootloader()->present(fs)) return out;
    auto uuids = proxmox_boot_esps(fs);
    if (!uuids) return uuids.error();
    std::vector<Mount> mounts;
    if (auto mi = fs.read("/proc/self/mountinfo", kMaxProcTable)) mounts = parse_mountinfo(*mi);
    for (const auto& uuid : *uuids) out.push_back(locate(fs, mounts, uuid));
    return out;
}

EspKernel esp_kernel(const Fs& fs, const ProxmoxEsp& esp, const std::string& kver) {
    EspKernel k;
    if (esp.dir.empty()) return k;
    if (esp.grub) {
        k.present = fs.exists(esp.dir + "/vmlinuz-" + kver);
        k.image = esp.dir + "/initrd.img-" + kver;
    } else {
        const std::string kdir = esp.dir + "/EFI/proxmox/" + kver;
        k.present = fs.is_dir(kdir) || fs.exists(esp.dir + "/loader/entries/proxmox-" + kver + ".conf");
        k.image = kdir + "/initrd.img-" + kver;
    }
    k.image_exists = fs.exists(k.image) && !fs.is_dir(k.image);
    return k;
}

std::string proxmox_boot_image(const std::string& kver) { return "/boot/initrd.img-" + kver; }

} // namespace vb
