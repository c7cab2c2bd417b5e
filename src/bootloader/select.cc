#include "bootloader/select.h"

#include <set>

#include "basic/text.h"
#include "bootloader/grub.h"

namespace vb {

namespace {

using Present = std::set<std::string>;

// One row per backend. A backend in use is present, not owned by a present
// tool in `owned_by`, and named by the firmware (`named`, when LoaderInfo
// is known) or else chosen by the files (`guessed`).
struct Row {
    std::unique_ptr<Bootloader> (*make)();
    std::vector<std::string> owned_by;
    bool (*named)(const Fs& fs, const std::string& loader_info);
    bool (*guessed)(const Fs& fs, const BootContext& ctx, const Present& present);
};

bool anything(const Fs&, const std::string&) { return true; }
bool always(const Fs&, const BootContext&, const Present&) { return true; }
bool says(const std::string& info, const char* word) { return lower(info).find(word) != std::string::npos; }

const Row kRows[] = {
    // GRUB: unless kernelstub (Pop!_OS) writes systemd-boot entries, or the
    // firmware started rEFInd. proxmox-boot-tool runs update-grub itself,
    // onto its ESPs, when its ESPs boot GRUB.
    {make_grub_bootloader,
     {"rpm-ostree", "proxmox-boot-tool"},
     [](const Fs&, const std::string& info) { return says(info, "grub"); },
     [](const Fs&, const BootContext& ctx, const Present& p) {
         return !p.count("kernelstub") && !says(ctx.boot_current, "refind");
     }},
    // BLS entries: systemd-boot's, or GRUB's own on Fedora (GRUB_ENABLE_BLSCFG).
    {make_bls_bootloader,
     {"kernelstub", "sdbootutil", "rpm-ostree", "proxmox-boot-tool"},
     [](const Fs& fs, const std::string& info) { return says(info, "systemd-boot") || grub_reads_bls_entries(fs); },
     [](const Fs& fs, const BootContext&, const Present& p) { return grub_reads_bls_entries(fs) || !p.count("GRUB"); }},
    {make_kernelstub_bootloader, {}, anything, always},
    {make_sdbootutil_bootloader, {}, anything, always},
    {make_rpm_ostree_bootloader, {}, anything, always},
    // Proxmox VE: the ESPs' entries (systemd-boot or GRUB) are the tool's.
    {make_proxmox_boot_bootloader, {}, anything, always},
    {make_refind_bootloader, {}, [](const Fs&, const std::string& info) { return says(info, "refind"); }, always},
    {make_extlinux_bootloader, {}, [](const Fs&, const std::string& info) { return says(info, "extlinux"); }, always},
    {make_limine_bootloader, {}, [](const Fs&, const std::string& info) { return says(info, "limine"); }, always},
};

} // namespace

std::vector<std::unique_ptr<Bootloader>> all_bootloaders() {
    std::vector<std::unique_ptr<Bootloader>> v;
    for (const Row& r : kRows) v.push_back(r.make());
    return v;
}

std::vector<Selected> select_bootloaders(const Fs& fs, const BootContext& ctx) {
    std::vector<std::pair<const Row*, Selected>> found;
    Present present;
    for (const Row& r : kRows) {
        Selected s{r.make(), false};
        if (!s.backend->present(fs)) continue;
        present.insert(s.backend->name());
        found.push_back({&r, std::move(s)});
    }
    std::vector<Selected> out;
    for (auto& [row, s] : found) {
        bool owned = false;
        for (const auto& owner : row->owned_by) owned = owned || present.count(owner);
        s.in_use =
            !owned && (ctx.loader_info.empty() ? row->guessed(fs, ctx, present) : row->named(fs, ctx.loader_info));
        out.push_back(std::move(s));
    }
    return out;
}

bool in_use(const Fs& fs, const BootContext& ctx, const std::string& name) {
    for (const auto& s : select_bootloaders(fs, ctx))
        if (s.backend->name() == name) return s.in_use;
    return false;
}

} // namespace vb
