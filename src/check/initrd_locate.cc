#include "check/initrd_locate.h"

#include <algorithm>

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
            const bool efi_file = f.size() > 4 && ends_with(f, ".efi");
            // <entry-token>-<V>.efi, optionally with boot counting (+3-0).
            if (efi_file && f.find("-" + kver) != std::string::npos) add(out, fs, efi + "/" + f, true);
        }
    }
    return out;
}

std::vector<std::string> rebuild_command(const ImageLocation& image, const std::string& kver) {
    if (image.dracut_default) return {"dracut", "-f", "--kver", kver};
    if (image.uki) return {"dracut", "-f", "--uefi", image.path, kver};
    return {"dracut", "-f", image.path, kver};
}

} // namespace vb
