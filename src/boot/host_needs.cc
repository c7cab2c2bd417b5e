#include "boot/host_needs.h"

#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/pci.h"

namespace vb {

Result<std::vector<HostNeed>> parse_host_needs(std::string_view text, const std::string& path) {
    std::vector<HostNeed> out;
    int n = 0;
    for (const auto& raw : split_lines(text)) {
        ++n;
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
        size_t colon = b == std::string::npos ? b : line.find(": ", b + 1);
        auto addr = parse_pci_address(line.substr(0, a));
        if (!addr || colon == std::string::npos)
            return make_error(EINVAL, path + ":" + std::to_string(n) + ": not 'ADDRESS ID KIND: WHAT'");
        out.push_back({*addr, line.substr(a + 1, b - a - 1), line.substr(b + 1, colon - b - 1), line.substr(colon + 2),
                       std::nullopt});
    }
    return out;
}

std::string format_host_needs(const std::vector<HostNeed>& needs) {
    std::string out = "# vfio-bind: PCI devices this host needs to boot; vfio-bind never claims them\n"
                      "# (nor their IOMMU groups) unless a config entry says allow_host_device = yes\n";
    for (const auto& n : needs) out += n.address.str() + " " + n.id + " " + n.kind + ": " + n.what + "\n";
    return out;
}

std::vector<HostNeed> load_host_needs(const Fs& fs, std::vector<std::string>* errors) {
    std::vector<HostNeed> out;
    for (const char* path : {kHostNeedsImagePath, kHostNeedsRunPath}) {
        auto text = fs.read(path, kMaxHostNeeds);
        if (!text) continue; // absent: an older image, or not on the real root
        auto needs = parse_host_needs(*text, path);
        if (!needs) {
            if (errors) errors->push_back(needs.error().message);
            continue;
        }
        for (auto& need : *needs) {
            auto d = read_pci_device(fs, need.address);
            if (!d) continue; // not present: nothing to protect
            if (d->id_str() != need.id) {
                if (errors)
                    errors->push_back(std::string(path) + ": " + need.address.str() + " is " + d->id_str() +
                                      " now, not " + need.id + " as recorded (" + need.kind + ": " + need.what +
                                      "); rebuild the initramfs on this machine");
                continue;
            }
            out.push_back(std::move(need));
        }
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
