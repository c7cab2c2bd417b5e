#include "host/host_scan.h"

#include <cstdint>
#include <map>

#include "basic/kernel_params.h"
#include "basic/mounts.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/pci.h"
#include "host/sysfs_path.h"

namespace vb {

namespace {

const char* const kMountPoints[] = {"/", "/usr", "/boot", "/boot/efi", "/efi"};

bool network_fs(const std::string& t) {
    return t == "nfs" || t == "nfs4" || t == "cifs" || t == "smb3" || t == "9p" || t == "ceph" || t == "glusterfs";
}

// "10.0.0.5" -> the value /proc/net/route prints for it (host order of the network bytes).
std::optional<uint32_t> ipv4(const std::string& s) {
    auto parts = split(s, '.');
    if (parts.size() != 4) return std::nullopt;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        if (parts[i].empty() || parts[i].size() > 3) return std::nullopt;
        int b = std::atoi(parts[i].c_str());
        if (b < 0 || b > 255) return std::nullopt;
        v |= static_cast<uint32_t>(b) << (8 * i);
    }
    return v;
}

// The interface the kernel routes `addr` through (longest prefix), or the
// default route's when `addr` is unknown.
std::string route_interface(const Fs& fs, const std::optional<uint32_t>& addr) {
    auto text = fs.read("/proc/net/route", kMaxProcTable);
    if (!text) return "";
    std::string best;
    int best_len = -1;
    bool header = true;
    for (auto line : split_lines(*text)) {
        if (header) {
            header = false;
            continue;
        }
        const std::vector<std::string> f = split_blanks(line);
        if (f.size() < 8) continue;
        uint32_t dest = static_cast<uint32_t>(std::strtoul(f[1].c_str(), nullptr, 16));
        uint32_t mask = static_cast<uint32_t>(std::strtoul(f[7].c_str(), nullptr, 16));
        int len = __builtin_popcount(mask);
        bool match = addr ? (*addr & mask) == dest : mask == 0;
        if (match && len > best_len) best = f[0], best_len = len;
    }
    return best;
}

std::string option_value(const std::string& options, const std::string& key) {
    for (const auto& o : split(options, ','))
        if (starts_with(o, key + "=")) return o.substr(key.size() + 1);
    return "";
}

// The value of the last `key=` on the command line (the one the kernel keeps),
// its quotes taken off.
std::string cmdline_value(const Fs& fs, const std::string& key) {
    auto c = fs.read("/proc/cmdline", kMaxKernelCmdline);
    if (!c) return "";
    auto spans = split_cmdline(*c);
    if (!spans) return "";
    std::string value;
    for (const auto& w : split_words(*spans)) {
        if (param_key(w) != key || w.find('=') == std::string::npos) continue;
        value.clear();
        for (char ch : w.substr(w.find('=') + 1))
            if (ch != '"') value += ch;
    }
    return value;
}

class Scanner {
public:
    explicit Scanner(const Fs& fs) : fs_(fs) {}

    void mounts() {
        auto text = fs_.read("/proc/self/mountinfo", kMaxProcTable);
        if (!text) {
            note("cannot read /proc/self/mountinfo: the mounted disks are not known");
            return;
        }
        mounts_ = parse_mountinfo(*text);
        for (const char* point : kMountPoints) {
            const Mount* m = find_mount(mounts_, point);
            if (!m) {
                if (std::string(point) == "/") note("/ is no mount here (a chroot?): the root disk is not known");
                continue;
            }
            const std::string what = std::string(point) + " (" + m->fstype + " on " + m->source + ")";
            if (network_fs(m->fstype)) {
                network(option_value(m->options, "addr"), what);
            } else if (!starts_with(m->dev, "0:")) {
                add(follow_block(fs_, m->dev), "storage", what);
            } else if (starts_with(m->source, "/dev/")) {
                add(follow_block(fs_, block_name(fs_, m->source)), "storage", what); // btrfs
            } else if (m->fstype == "zfs") {
                note(what + ": the disks of a ZFS pool are not followed; name its controllers yourself "
                            "and keep them out of the config");
            }
        }
    }

    void swap_and_resume() {
        if (auto text = fs_.read("/proc/swaps", kMaxProcTable))
            for (const auto& s : parse_swaps(*text)) {
                if (!s.file) {
                    add(follow_block(fs_, block_name(fs_, s.name)), "storage", "swap (" + s.name + ")");
                } else if (const Mount* m = mount_of(mounts_, s.name); m && !starts_with(m->dev, "0:")) {
                    add(follow_block(fs_, m->dev), "storage", "swap (" + s.name + ")");
                }
            }
        if (auto r = fs_.read("/sys/power/resume", 64)) {
            std::string dev = trim(*r);
            if (!dev.empty() && dev != "0:0") add(follow_block(fs_, dev), "storage", "resume (" + dev + ")");
        }
        std::string resume = cmdline_value(fs_, "resume");
        if (!resume.empty()) {
            std::string path = resume;
            for (const char* tag : {"UUID", "PARTUUID", "LABEL", "PARTLABEL"})
                if (starts_with(resume, std::string(tag) + "="))
                    path = "/dev/disk/by-" + lower(tag) + "/" + resume.substr(std::string(tag).size() + 1);
            add(follow_block(fs_, block_name(fs_, path)), "storage", "resume (" + resume + ")");
        }
    }

    void console() {
        auto link = fs_.read_link("/sys/class/graphics/fb0/device");
        if (!link) return; // no framebuffer console
        if (auto pci = pci_in_path(*link)) need(*pci, "console", "framebuffer console fb0");
    }

    HostScan take() {
        read_host_need_groups(fs_, scan_.needs);
        scan_.machine = machine_id(fs_);
        return std::move(scan_);
    }

private:
    void note(const std::string& n) {
        for (const auto& x : scan_.notes)
            if (x == n) return;
        scan_.notes.push_back(n);
    }

    void need(const PciAddress& a, const std::string& kind, const std::string& what) {
        for (const auto& n : scan_.needs)
            if (n.address == a) return; // the first reason is enough
        std::string id = "?";
        if (auto d = read_pci_device(fs_, a)) id = d->id_str();
        scan_.needs.push_back({a, id, kind, what, std::nullopt});
    }

    void add(const Followed& f, const std::string& kind, const std::string& what) {
        for (const auto& a : f.pci) need(a, kind, what);
        for (const auto& u : f.unknown) note(what + ": " + u + " is not followed to a PCI device");
        if (f.network) network("", what + " over the network");
    }

    void network(const std::string& server, const std::string& what) {
        std::string ifname = route_interface(fs_, ipv4(server));
        if (ifname.empty()) {
            note(what + ": no route to " + (server.empty() ? "the network" : server) + " found");
            return;
        }
        Followed f = follow_netdev(fs_, ifname);
        for (const auto& a : f.pci) need(a, "network", what + " via " + ifname);
        for (const auto& u : f.unknown) note(what + ": " + u + " is not followed to a PCI device");
    }

    const Fs& fs_;
    std::vector<Mount> mounts_;
    HostScan scan_;
};

} // namespace

HostScan scan_host_needs(const Fs& fs) {
    Scanner s(fs);
    s.mounts();
    s.swap_and_resume();
    s.console();
    return s.take();
}

} // namespace vb

namespace vb {

HostRecord host_record(const HostScan& scan) {
    std::string incomplete;
    for (const auto& n : scan.notes) incomplete += (incomplete.empty() ? "" : "; ") + n;
    return {scan.needs, true, scan.complete(), incomplete, scan.machine};
}

std::vector<HostNeed> needs_kept(const Fs& fs, const HostScan& scan) {
    std::vector<HostNeed> needs = scan.needs;
    if (!scan.complete()) {
        add_class_fallback(fs, needs, "the host's needs are not fully known here");
        read_host_need_groups(fs, needs);
    }
    return needs;
}

} // namespace vb
