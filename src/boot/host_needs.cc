#include "boot/host_needs.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/boot_options.h"
#include "boot/pci.h"

namespace vb {

namespace {

const char* const kHeader = "# vfio-bind host-devices v2";
const char* const kMachine = "# machine: ";
const char* const kComplete = "# complete: ";

bool mass_storage(const PciDevice& d) { return (d.class_code >> 16) == 0x01; }
bool network_controller(const PciDevice& d) { return (d.class_code >> 16) == 0x02; }

// SR-IOV virtual functions are made after boot, the disks behind Intel VMD
// (domains above ffff) once its driver loads: no part of what identifies the machine.
bool virtual_function(const Fs& fs, const PciDevice& d) { return fs.read_link(d.sysfs_dir() + "/physfn").ok(); }

// A product UUID firmware really set: not all zeros or all ones, as QEMU without -uuid and some boards leave it.
std::string firmware_uuid(const Fs& fs) {
    auto text = fs.read_attribute("/sys/class/dmi/id/product_uuid");
    if (!text) return "none";
    std::string u = lower(trim(*text));
    bool real = false;
    for (char c : u) real |= c != '0' && c != 'f' && c != '-';
    return real ? u : "none";
}

} // namespace

Result<HostRecord> parse_host_record(std::string_view text, const std::string& path) {
    HostRecord out;
    int n = 0;
    for (const auto& raw : split_lines(text)) {
        ++n;
        std::string line = trim(raw);
        if (line == kHeader) out.versioned = true;
        else if (starts_with(line, kMachine)) out.machine = line.substr(std::string(kMachine).size());
        else if (starts_with(line, kComplete)) {
            std::string v = line.substr(std::string(kComplete).size());
            out.complete = v == "yes";
            if (!out.complete)
                out.incomplete = starts_with(v, "no (") && v.back() == ')' ? v.substr(4, v.size() - 5) : v;
        }
        if (line.empty() || line[0] == '#') continue;
        size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
        size_t colon = b == std::string::npos ? b : line.find(": ", b + 1);
        auto addr = parse_pci_address(line.substr(0, a));
        if (!addr || colon == std::string::npos)
            return make_error(EINVAL, path + ":" + std::to_string(n) + ": not 'ADDRESS ID KIND: WHAT'");
        out.needs.push_back({*addr, line.substr(a + 1, b - a - 1), line.substr(b + 1, colon - b - 1),
                             line.substr(colon + 2), std::nullopt});
    }
    return out;
}

std::string format_host_record(const HostRecord& record) {
    std::string out = std::string(kHeader) + "\n" + kMachine + record.machine + "\n" + kComplete +
                      (record.complete ? "yes" : "no (" + record.incomplete + ")") + "\n" +
                      "# PCI devices this host needs to boot; vfio-bind never claims them (nor their IOMMU\n"
                      "# groups) unless a config entry says allow_host_device = yes. When this record is\n"
                      "# incomplete or from another machine, vfio-bind keeps every mass-storage controller.\n";
    for (const auto& n : record.needs) out += n.address.str() + " " + n.id + " " + n.kind + ": " + n.what + "\n";
    return out;
}

std::string machine_id(const Fs& fs) {
    std::vector<std::string> skipped;
    return machine_id(fs, scan_pci_devices(fs, &skipped));
}

std::string machine_id(const Fs& fs, const Result<std::vector<PciDevice>>& devices) {
    std::string storage;
    if (!devices) storage = "unknown";
    for (const auto& d : devices ? *devices : std::vector<PciDevice>{})
        if (mass_storage(d) && d.address.domain <= 0xffff && !virtual_function(fs, d))
            storage += d.address.str() + " " + d.id_str() + "\n";
    uint64_t h = 14695981039346656037ull; // FNV-1a
    for (unsigned char c : storage) h = (h ^ c) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return "dmi=" + firmware_uuid(fs) + " storage=" + hex;
}

std::string distrust_reason(const HostRecord& record, const std::string& machine) {
    if (!record.versioned) return "made by an older vfio-bind, which does not say whether it is complete";
    if (!record.complete) return "incomplete: " + record.incomplete;
    if (record.machine != machine)
        return "made on another machine (" + record.machine + ", this one is " + machine +
               "), or before its storage controllers changed";
    return "";
}

void add_class_fallback(const Fs& fs, std::vector<HostNeed>& needs, const std::string& why) {
    add_class_fallback(fs, scan_pci_devices(fs), needs, why);
}

void add_class_fallback(const Fs& fs, const Result<std::vector<PciDevice>>& devices, std::vector<HostNeed>& needs,
                        const std::string& why) {
    if (!devices) return;
    const bool network = read_boot_options(fs).network_root;
    for (const auto& d : *devices) {
        if (std::any_of(needs.begin(), needs.end(), [&](const HostNeed& n) { return n.address == d.address; }))
            continue;
        if (mass_storage(d))
            needs.push_back(
                {d.address, d.id_str(), "storage", "a mass-storage controller, kept as " + why, std::nullopt});
        else if (network && network_controller(d))
            needs.push_back({d.address, d.id_str(), "network", "a network controller of a network root, kept as " + why,
                             std::nullopt});
    }
}

std::vector<HostNeed> load_host_needs(const Fs& fs, std::vector<std::string>* errors) {
    auto report = [&](const std::string& e) {
        if (errors) errors->push_back(e);
    };
    std::vector<HostNeed> out;
    // One scan of the bus serves the machine's identity and the fallback:
    // at boot each one is a read of every device's attributes.
    std::vector<std::string> skipped;
    const auto devices = scan_pci_devices(fs, &skipped);
    const std::string machine = machine_id(fs, devices);
    std::string why = std::string("no ") + kHostNeedsImagePath + " (an image built by an older vfio-bind)";
    bool trusted = false;
    for (const char* path : {kHostNeedsImagePath, kHostNeedsRunPath}) {
        auto text = fs.read(path, kMaxHostNeeds);
        if (!text) {
            if (text.error().code != ENOENT) report(why = text.error().message);
            continue; // absent: an older image, or not on the real root
        }
        auto record = parse_host_record(*text, path);
        if (!record) {
            report(why = record.error().message);
            continue;
        }
        if (std::string d = distrust_reason(*record, machine); d.empty()) trusted = true;
        else why = std::string(path) + " is " + d;
        for (auto& need : record->needs) {
            auto dev = read_pci_device(fs, need.address);
            if (!dev) continue; // not present: nothing to protect
            if (dev->id_str() != need.id) {
                report(std::string(path) + ": " + need.address.str() + " is " + dev->id_str() + " now, not " + need.id +
                       " as recorded (" + need.kind + ": " + need.what +
                       "); rebuild the initramfs on "
                       "this machine");
                continue;
            }
            out.push_back(std::move(need));
        }
    }
    if (!trusted) {
        report("which devices the host needs is not known (" + why +
               "): every mass-storage controller is kept (and the network controllers for a network root); "
               "rebuild the initramfs on this machine, booted (not in a chroot)");
        add_class_fallback(fs, devices, out, "the host's needs are not known");
    }
    read_host_need_groups(fs, out);
    return out;
}

void read_host_need_groups(const Fs& fs, std::vector<HostNeed>& needs) {
    for (auto& n : needs) {
        PciDevice d;
        d.address = n.address;
        if (auto g = fs.read_link(d.sysfs_dir() + "/iommu_group")) n.iommu_group = std::atoi(basename_of(*g).c_str());
    }
}

} // namespace vb
