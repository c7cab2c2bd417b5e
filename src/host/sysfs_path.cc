#include "host/sysfs_path.h"

#include "basic/text.h"

namespace vb {

namespace {

constexpr int kMaxDepth = 16; // stacks are shallow; a loop in a fake tree must end

void block(const Fs& fs, const std::string& name, Followed& out, int depth) {
    if (depth > kMaxDepth) return;
    const std::string dir = "/sys/class/block/" + name;
    if (auto slaves = fs.list_dir(dir + "/slaves"); slaves && !slaves->empty()) {
        for (const auto& s : *slaves) block(fs, s, out, depth + 1);
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
