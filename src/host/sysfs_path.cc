#include "host/sysfs_path.h"

#include <algorithm>
#include <cctype>

#include "basic/text.h"

namespace vb {

namespace {

constexpr int kMaxDepth = 16; // stacks are shallow; a loop in a fake tree must end

// "nvme12" (a controller), not "nvme0n1" (a namespace) nor "nvme-subsys0".
bool nvme_controller_name(const std::string& s) {
    if (!starts_with(s, "nvme") || s.size() == 4) return false;
    for (size_t i = 4; i < s.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

// A namespace of native NVMe multipath (.../virtual/nvme-subsystem/nvme-subsysN/nvmeXnY):
// every controller of the subsystem is a path to it.
bool nvme_subsystem(const Fs& fs, const std::string& link, Followed& out) {
    const std::string marker = "/nvme-subsystem/";
    size_t at = link.find(marker);
    if (at == std::string::npos) return false;
    const std::string subsys = split(link.substr(at + marker.size()), '/')[0];
    const std::string dir = "/sys/class/nvme-subsystem/" + subsys;
    size_t before = out.pci.size();
    if (auto entries = fs.list_dir(dir))
        for (const auto& e : *entries) {
            if (!nvme_controller_name(e)) continue;
            auto ctrl = fs.read_link(dir + "/" + e);
            if (!ctrl) continue;
            if (auto pci = pci_in_path(*ctrl)) out.pci.insert(*pci);
            else if (ctrl->find("nvme-fabrics") != std::string::npos) out.network = true; // NVMe over TCP, RDMA, FC
        }
    if (out.pci.size() == before && !out.network)
        out.unknown.push_back(subsys + " (no controller found in " + dir + ")");
    return true;
}

// The cache devices of a bcache device whose backing devices are `backing`:
// /sys/fs/bcache/<set>/bdevN and cacheN link to each member's bcache/ directory.
void bcache_caches(const Fs& fs, const std::vector<std::string>& backing, Followed& out) {
    auto sets = fs.list_dir("/sys/fs/bcache");
    if (!sets) return;
    for (const auto& set : *sets) {
        const std::string dir = "/sys/fs/bcache/" + set;
        auto entries = fs.list_dir(dir);
        if (!entries) continue;
        bool ours = false;
        for (const auto& e : *entries)
            if (starts_with(e, "bdev"))
                if (auto l = fs.read_link(dir + "/" + e)) {
                    auto parts = split(*l, '/');
                    for (const auto& b : backing) ours |= parts.size() >= 2 && parts[parts.size() - 2] == b;
                }
        if (!ours) continue;
        for (const auto& e : *entries)
            if (starts_with(e, "cache") && e.size() > 5 && std::isdigit(static_cast<unsigned char>(e[5])))
                if (auto l = fs.read_link(dir + "/" + e)) {
                    if (auto pci = pci_in_path(*l)) out.pci.insert(*pci);
                    else out.unknown.push_back("bcache cache " + *l);
                }
    }
}

void block(const Fs& fs, const std::string& name, Followed& out, int depth) {
    if (depth > kMaxDepth) return;
    const std::string dir = "/sys/class/block/" + name;
    if (auto slaves = fs.list_dir(dir + "/slaves"); slaves && !slaves->empty()) {
        for (const auto& s : *slaves) block(fs, s, out, depth + 1);
        if (starts_with(name, "bcache")) bcache_caches(fs, *slaves, out);
        return;
    }
    auto link = fs.read_link(dir);
    if (!link) {
        out.unknown.push_back(name + " (not in /sys/class/block)");
        return;
    }
    if (auto pci = pci_in_path(*link)) {
        out.pci.insert(*pci);
        return;
    }
    if (nvme_subsystem(fs, *link, out)) return;
    if (link->find("/session") != std::string::npos || starts_with(name, "nbd")) {
        out.network = true; // iSCSI, NBD: the disk is reached over the network
        return;
    }
    if (link->find("/virtual/") != std::string::npos && !starts_with(name, "nvme")) return; // loop, zram, ram
    out.unknown.push_back(name + " (" + *link + ")");
}

void netdev(const Fs& fs, const std::string& ifname, Followed& out, int depth) {
    if (depth > kMaxDepth) return;
    const std::string dir = "/sys/class/net/" + ifname;
    if (auto dev = fs.read_link(dir + "/device")) {
        if (auto pci = pci_in_path(*dev)) out.pci.insert(*pci);
        else out.unknown.push_back(ifname + " (" + *dev + ")");
        return;
    }
    std::vector<std::string> lower;
    if (auto ports = fs.list_dir(dir + "/brif")) lower = *ports; // a bridge's ports
    if (auto slaves = fs.read(dir + "/bonding/slaves", 4096))
        for (const auto& s : split_blanks(*slaves)) lower.push_back(s);
    if (auto entries = fs.list_dir(dir))
        for (const auto& e : *entries)
            if (starts_with(e, "lower_")) lower.push_back(e.substr(6)); // VLAN, macvlan
    if (lower.empty() && ifname != "lo") out.unknown.push_back(ifname + " (no device below it)");
    for (const auto& l : lower) netdev(fs, l, out, depth + 1);
}

} // namespace

std::optional<PciAddress> pci_in_path(const std::string& path) {
    std::optional<PciAddress> last;
    for (const auto& c : split(path, '/'))
        if (auto a = parse_pci_sysfs_name(c)) last = *a; // 10000:e1:00.0 behind VMD too
    return last;
}

Followed follow_block(const Fs& fs, const std::string& name_or_devno) {
    Followed out;
    std::string name = name_or_devno;
    if (name.find(':') != std::string::npos) {
        auto link = fs.read_link("/sys/dev/block/" + name);
        if (!link) {
            out.unknown.push_back("block device " + name + " (not in /sys/dev/block)");
            return out;
        }
        name = basename_of(*link);
    }
    block(fs, name, out, 0);
    return out;
}

std::vector<std::string> btrfs_devices(const Fs& fs, const std::string& name) {
    auto filesystems = fs.list_dir("/sys/fs/btrfs");
    if (!filesystems) return {name};
    for (const auto& uuid : *filesystems) {
        auto devices = fs.list_dir("/sys/fs/btrfs/" + uuid + "/devices");
        if (devices && std::find(devices->begin(), devices->end(), name) != devices->end()) {
            std::sort(devices->begin(), devices->end());
            return *devices;
        }
    }
    return {name};
}

std::string block_name(const Fs& fs, const std::string& dev_path) {
    if (auto link = fs.read_link(dev_path)) return basename_of(*link); // /dev/disk/by-*, /dev/mapper/x, /dev/vg/lv
    return basename_of(dev_path);
}

Followed follow_netdev(const Fs& fs, const std::string& ifname) {
    Followed out;
    netdev(fs, ifname, out, 0);
    return out;
}

} // namespace vb
