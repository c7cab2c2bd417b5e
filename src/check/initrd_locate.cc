#include "check/initrd_locate.h"

#include <algorithm>
#include <optional>

#include "basic/text.h"
#include "bootloader/bls.h"

namespace vb {

namespace {

// Where kernel-install and UKIs live: the XBOOTLDR/ESP mount points.
const char* const kBootRoots[] = {"/boot", "/efi", "/boot/efi"};

bool has_kernel_image(const Fs& fs, const std::string& kver) {
    return fs.exists("/boot/vmlinuz-" + kver) || fs.exists("/boot/vmlinux-" + kver) ||
           fs.exists("/lib/modules/" + kver + "/vmlinuz");
}

void add(std::vector<ImageLocation>& out, const Fs& fs, const std::string& path, bool uki, bool dflt = false) {
    for (const auto& o : out)
        if (o.path == path) return;
    if (fs.exists(path) && !fs.is_dir(path)) out.push_back({path, uki, dflt});
}

// Arch names images by the kernel package, not the release: the package's
// name is in /lib/modules/V/pkgbase ("linux", "linux-lts").
std::optional<std::string> arch_pkgbase(const Fs& fs, const std::string& kver) {
    auto text = fs.read("/lib/modules/" + kver + "/pkgbase", 256);
    if (!text || trim(*text).empty()) return std::nullopt;
    return trim(*text);
}

} // namespace

std::vector<std::string> installed_kernels(const Fs& fs) {
    std::vector<std::string> out;
    auto dirs = fs.list_dir("/lib/modules");
    if (!dirs) return out;
    for (const auto& v : *dirs)
        if (fs.is_dir("/lib/modules/" + v) && has_kernel_image(fs, v)) out.push_back(v);
    return out;
}

std::vector<ImageLocation> find_images(const Fs& fs, const std::string& kver) {
    std::vector<ImageLocation> out;
    // dracut's default on Debian is initrd.img-V, elsewhere initramfs-V.img,
    // unless a boot loader spec layout ($BOOT/loader/entries) takes over.
    const bool debian = fs.exists("/etc/debian_version");
    bool bls = false;
    for (const char* root : kBootRoots) bls = bls || fs.exists(std::string(root) + "/loader/entries");
    add(out, fs, "/boot/initramfs-" + kver + ".img", false, !debian && !bls);
    add(out, fs, "/boot/initrd.img-" + kver, false, debian && !bls);
    add(out, fs, "/boot/initrd-" + kver, false);
    if (auto base = arch_pkgbase(fs, kver)) { // mkinitcpio's presets: the image and its fallback
        add(out, fs, "/boot/initramfs-" + *base + ".img", false);
        add(out, fs, "/boot/initramfs-" + *base + "-fallback.img", false);
    }
    add(out, fs, "/lib/modules/" + kver + "/initrd", false);
    for (const char* root : kBootRoots) {
        auto entries = fs.list_dir(root);
        if (!entries) continue;
        for (const auto& token : *entries) // $BOOT/<entry-token>/V/initrd
            add(out, fs, std::string(root) + "/" + token + "/" + kver + "/initrd", false);
        const std::string efi = std::string(root) + "/EFI/Linux";
        auto ukis = fs.list_dir(efi);
        if (!ukis) continue;
        for (const auto& f : *ukis) {
            // <entry-token>-<V>.efi, optionally with boot counting (+3-0):
            // V whole, so that 6.8.1 is not also 6.8.12's.
            if (ends_with(bls_without_boot_counter(f), "-" + kver + ".efi")) add(out, fs, efi + "/" + f, true);
        }
    }
    return out;
}

ImageLocation default_image(const Fs& fs, const std::string& kver) {
    if (auto base = arch_pkgbase(fs, kver)) return {"/boot/initramfs-" + *base + ".img", false, false};
    const bool debian = fs.exists("/etc/debian_version");
    return {debian ? "/boot/initrd.img-" + kver : "/boot/initramfs-" + kver + ".img", false, true};
}

} // namespace vb
