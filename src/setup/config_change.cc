#include "setup/config_change.h"

#include <algorithm>
#include <set>

#include "boot/iommu.h"
#include "boot/scan.h"
#include "bootloader/cmdline_plan.h"
#include "host/host_scan.h"
#include "setup/config_edit.h"
#include "setup/initramfs_setup.h"
#include "setup/iommu_advice.h"

namespace vb {

namespace {

// "gpu-01:00.0" ("dev-10000:e1:00.0" outside domain 0): readable, and unique
// as long as addresses are.
std::string label_base(const PciDevice& d) {
    const uint32_t c = d.class_code >> 8;
    const char* kind = d.is_display() ? "gpu" : (c >> 8) == 0x04 ? "audio" : c == 0x0c03 ? "usb" : "dev";
    const std::string a = d.address.str();
    return kind + ("-" + (d.address.domain == 0 ? a.substr(5) : a));
}

const PciDevice* find_device(const std::vector<PciDevice>& devices, const PciAddress& a) {
    for (const auto& d : devices)
        if (d.address == a) return &d;
    return nullptr;
}

// The config entry that already covers `d`, or nullptr. With group = yes any
// function of the card counts: vfio-bind takes the whole card from it.
const DeviceEntry* covering_entry(const Config& config, const PciDevice& d) {
    for (const auto& e : config.devices) {
        if (e.address && (config.group ? e.address->same_slot(d.address) : *e.address == d.address)) return &e;
        if (!e.address && e.id && d.matches(*e.id)) return &e;
    }
    return nullptr;
}

} // namespace

Result<LoadedConfig> load_config(const Fs& fs, const std::string& path) {
    LoadedConfig lc;
    lc.config.path = path;
    // vfio-bind refuses what the host needs; vfio-setup says so before any reboot.
    const std::vector<HostNeed> host_needs = needs_kept(fs, scan_host_needs(fs));
    lc.config.host_needs = host_needs;
    auto text = fs.read(path, kMaxConfigBytes);
    if (!text) {
        if (text.error().code == ENOENT) return lc;
        return text.error();
    }
    auto config = parse_config(*text, fs.host_path(path));
    if (!config) return config.error();
    lc.exists = true;
    lc.text = std::move(*text);
    lc.config = std::move(*config);
    lc.config.host_needs = host_needs;
    return lc;
}

Result<ConfiguredPlan> configured_plan(const Fs& fs, const std::string& path) {
    auto loaded = load_config(fs, path);
    if (!loaded) return loaded.error();
    auto devices = scan_for_config(fs, loaded->config);
    if (!devices) return devices.error();
    Plan plan = make_plan(loaded->config, *devices);
    return ConfiguredPlan{std::move(*loaded), std::move(*devices), std::move(plan)};
}

Result<ConfigChange> plan_add(const Fs& fs, const std::string& address, const AddOptions& options) {
    auto addr = parse_pci_address(address);
    if (!addr) return addr.error();
    auto loaded = load_config(fs);
    if (!loaded) return loaded.error();
    const Config& config = loaded->config;
    std::vector<std::string> skipped;
    auto devices = scan_pci_devices(fs, &skipped);
    if (!devices) return devices.error();
    // A function of the card that cannot be read (an EIO on its iommu_group
    // link) is no absent one: what the card is, and its group, are unknown.
    for (const auto& s : skipped)
        if (auto a = parse_pci_address(s.substr(0, s.find(": "))); a && a->same_slot(*addr))
            return make_error(EIO, "cannot read PCI device " + s);
    const PciDevice* dev = find_device(*devices, *addr);
    if (!dev) return make_error(ENOENT, "no PCI device at " + addr->str() + " ('vfio-setup list' shows the GPUs)");
    if (dev->is_bridge())
        return make_error(EINVAL, addr->str() + " is a PCI bridge; only endpoints can be passed to a guest");
    if (const DeviceEntry* e = covering_entry(config, *dev))
        return make_error(EEXIST, addr->str() + " is already configured in [" + e->name + "]" +
                                      (e->address ? "" : " (by id " + e->id->str() + ")"));

    ConfigChange change;
    change.existed = loaded->exists;
    change.before = loaded->text;

    // The card's functions (split_slot: not what else shares an APU's slot):
    // all of them go to the guest with group = yes.
    std::vector<const PciDevice*> slot;
    for (const auto& d : *devices)
        if (d.address.same_slot(*addr)) slot.push_back(&d);
    const SlotSplit split = split_slot(*dev, slot);
    std::vector<const PciDevice*> card{dev};
    card.insert(card.end(), split.card.begin(), split.card.end());
    std::vector<const PciDevice*> written{dev};
    if (!config.group && !options.no_group)
        for (const PciDevice* d : card)
            if (d != dev && !covering_entry(config, *d)) written.push_back(d);
    const auto& claimed = config.group ? card : written;

    bool set_boot_vga = false;
    for (const PciDevice* d : claimed) {
        if (!d->boot_vga || config.boot_vga) continue;
        if (!options.boot_vga)
            return make_error(EPERM, d->address.str() +
                                         " is the boot VGA device (the host console would lose its "
                                         "display); pass --boot-vga to claim it anyway (sets boot_vga = yes)");
        set_boot_vga = true;
        change.notes.push_back("boot_vga = yes set in [options]: " + d->address.str() + " is the boot GPU");
    }
    if (options.no_group && config.group && card.size() > 1)
        change.notes.push_back(
            std::string("--no-group: one section, but ") +
            (loaded->exists && loaded->text.find("[options]") != std::string::npos
                 ? "group = yes in [options] still claims the card's other functions"
                 : "the card's other functions are still claimed (group = yes is the default; group = no in an "
                   "[options] section claims the one function alone)"));

    std::vector<NewSection> sections;
    Config labels = config;
    for (const PciDevice* d : written) {
        NewSection s{unique_label(labels, label_base(*d)), d->address, PciId{d->vendor, d->device, false, 0, 0}};
        labels.devices.push_back(DeviceEntry{s.label, 0, s.address, s.id});
        sections.push_back(s);
        change.notes.push_back("[" + s.label + "] " + s.address.str() + " " + s.id.str() + " " +
                               pci_class_name(d->class_code));
    }
    if (written.size() == 1 && card.size() > 1 && config.group)
        change.notes.push_back("group = yes: vfio-bind claims the card's other functions with it");

    const std::string base = loaded->exists ? loaded->text : new_config_header(rebuild_advice(fs));
    auto text = config_add(base, sections, set_boot_vga, fs.host_path(kDefaultConfigPath));
    if (!text) return text.error();
    change.after = std::move(*text);

    // Would vfio-bind claim it at boot? Its own plan decides, refusals and all.
    auto edited = parse_config(change.after, kDefaultConfigPath);
    if (!edited) return edited.error();
    edited->host_needs = config.host_needs;
    Plan plan = make_plan(*edited, *devices);
    for (const auto& r : plan.refused)
        if (auto a = parse_pci_address(r.subject); a && a->same_slot(*addr)) {
            if (!iommu_active(fs)) // the one next step this machine needs, not boot's generic one
                return make_error(EINVAL,
                                  "vfio-bind would refuse " + r.subject +
                                      ": it has no IOMMU group, the IOMMU is not active: " + iommu_next_step(fs));
            return make_error(EINVAL, "vfio-bind would refuse " + r.subject + ": " + r.reason);
        }
    std::set<std::string> targets;
    std::set<int> groups;
    for (const auto& t : plan.targets) {
        targets.insert(t.device.address.str());
        if (t.device.address.same_slot(*addr)) groups.insert(*t.device.iommu_group);
    }
    for (int g : groups) {
        std::vector<const PciDevice*> members;
        for (const auto& d : *devices)
            if (d.iommu_group == g) members.push_back(&d);
        std::string others;
        for (const PciDevice* m :
             group_blockers(members, [&](const PciDevice& m) { return targets.count(m.address.str()) > 0; }))
            others += (others.empty() ? "" : ", ") + m->address.str() + " (" + pci_class_name(m->class_code) + ")";
        if (!others.empty())
            change.notes.push_back("warning: IOMMU group " + std::to_string(g) + " is not viable: it also holds " +
                                   others + "; the card cannot go to a guest until they are configured too");
    }
    return change;
}

Result<ConfigChange> plan_remove(const Fs& fs, const std::string& address) {
    auto addr = parse_pci_address(address);
    if (!addr) return addr.error();
    auto loaded = load_config(fs);
    if (!loaded) return loaded.error();
    if (!loaded->exists) return make_error(ENOENT, fs.host_path(kDefaultConfigPath) + " does not exist");
    auto result = config_remove(
        loaded->text, [&](const PciAddress& a) { return a.same_slot(*addr); }, fs.host_path(kDefaultConfigPath));
    if (!result) {
        if (result.error().code != ENOENT) return result.error();
        // `add` says a card is configured by id: `remove` names that entry.
        if (auto dev = read_pci_device(fs, *addr))
            for (const auto& e : loaded->config.devices)
                if (!e.address && e.id && dev->matches(*e.id))
                    return make_error(ENOENT, addr->str() + " is claimed by [" + e.name + "] (id " + e.id->str() +
                                                  ", every device with that id), which names no address: edit or "
                                                  "delete that section of " +
                                                  fs.host_path(kDefaultConfigPath) + " by hand");
        return make_error(ENOENT, "no section for " + addr->str() + "'s card in " + fs.host_path(kDefaultConfigPath));
    }
    ConfigChange change;
    change.existed = true;
    change.before = loaded->text;
    change.after = std::move(result->text);
    change.removed = result->removed;
    for (const auto& l : result->removed) change.notes.push_back("removed [" + l + "]");
    // An id-only entry still claims the device if its id matches.
    if (auto dev = read_pci_device(fs, *addr))
        for (const auto& e : loaded->config.devices)
            if (!e.address && e.id && dev->matches(*e.id))
                change.notes.push_back("warning: [" + e.name + "] (id " + e.id->str() + ") still claims " +
                                       addr->str());
    return change;
}

Status apply_change(Fs& fs, const ConfigChange& change) {
    if (!change.existed)
        if (Status d = fs.make_parent_dirs(change.path); !d) return d;
    return fs.replace_file(change.path, change.after, change.existed ? kBackupSuffix : "");
}

} // namespace vb
