#include "host/host_scan.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

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

bool waited_for(const std::string& options) {
    for (const auto& o : split(options, ','))
        if (o == "noauto" || o == "nofail" || o == "x-systemd.automount") return false;
    return true;
}

// "UUID=x" -> "/dev/disk/by-uuid/x", a /dev path as it is, "" for anything else.
std::string spec_path(const std::string& spec) {
    for (const char* tag : {"UUID", "PARTUUID", "LABEL", "PARTLABEL"})
        if (starts_with(spec, std::string(tag) + "="))
            return "/dev/disk/by-" + lower(tag) + "/" + spec.substr(std::string(tag).size() + 1);
    return starts_with(spec, "/dev/") ? spec : "";
}

// "10.0.0.5:/export" or "//nas/share" -> the server.
std::string network_server(const std::string& source) {
    if (starts_with(source, "//")) return split(source.substr(2), '/')[0];
    return source.substr(0, source.find(':'));
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
    explicit Scanner(const Fs& fs) : fs_(fs) { fstab_ = parse_fstab(read_etc("/etc/fstab")); }

    void mounts() {
        if (auto text = fs_.read("/proc/self/mountinfo", kMaxProcTable)) mounts_ = parse_mountinfo(*text);
        else note("cannot read /proc/self/mountinfo: the mounted disks are not known");
        std::set<std::string> done; // mount points followed
        for (const char* point : kMountPoints)
            if (const Mount* m = find_mount(mounts_, point)) {
                mount(*m, std::string(point) + " (" + m->fstype + " on " + m->source + ")");
                done.insert(point);
            }
        for (const auto& e : fstab_) {
            if (!waited_for(e.options)) continue;
            if (e.fstype == "swap") {
                spec(e.source, e.fstype, "swap (" + e.source + ", in /etc/fstab)");
            } else if (done.insert(e.point).second) {
                if (const Mount* m = find_mount(mounts_, e.point))
                    mount(*m, e.point + " (" + m->fstype + " on " + m->source + ")");
                else spec(e.source, e.fstype, e.point + " (" + e.fstype + " on " + e.source + ", in /etc/fstab)");
            }
        }
        if (!done.count("/"))
            note("/ is no mount here (a chroot?) and /etc/fstab names none: the root disk is not known");
    }

    // The boot unlocks each crypttab device unless noauto or nofail.
    void crypttab() {
        auto text = read_etc("/etc/crypttab");
        for (auto line : split_lines(text)) {
            auto f = split_blanks(line);
            if (f.size() < 2 || f[0][0] == '#' || (f.size() > 3 && !waited_for(f[3]))) continue;
            spec(f[1], "", "crypttab " + f[0] + " (" + f[1] + ")");
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
        if (!resume.empty()) spec(resume, "", "resume (" + resume + ")");
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
    // A file of /etc that may be absent; one that cannot be read makes the scan incomplete.
    std::string read_etc(const std::string& path) {
        auto text = fs_.read(path);
        if (!text && text.error().code != ENOENT) note("cannot read " + path + ": " + text.error().message);
        return text ? *text : "";
    }

    void mount(const Mount& m, const std::string& what) {
        if (network_fs(m.fstype)) network(option_value(m.options, "addr"), what);
        else if (m.fstype == "zfs") zfs(m.source, what);
        else if (m.fstype == "btrfs" && starts_with(m.source, "/dev/"))
            device(block_name(fs_, m.source), m.fstype, what);
        else if (!starts_with(m.dev, "0:")) add(follow_block(fs_, m.dev), "storage", what);
        else if (starts_with(m.source, "/dev/")) device(block_name(fs_, m.source), m.fstype, what);
    }

    // A device named as fstab, crypttab and resume= name them, not mounted (yet).
    void spec(const std::string& source, const std::string& fstype, const std::string& what) {
        if (network_fs(fstype)) return network(network_server(source), what);
        if (fstype == "zfs") return zfs(source, what);
        const std::string path = spec_path(source);
        if (path.empty()) return; // tmpfs, proc, a bind mount, a file: on what is followed already
        if (!fs_.read_link(path) && !fs_.exists(path))
            return note(what + ": " + path + " is not here: its disk is not known");
        device(block_name(fs_, path), fstype, what);
    }

    void device(const std::string& name, const std::string& fstype, const std::string& what) {
        for (const auto& d : fstype == "btrfs" ? btrfs_devices(fs_, name) : std::vector<std::string>{name})
            add(follow_block(fs_, d), "storage", what);
    }

    // A ZFS pool's disks: udev's database names each vdev's partition with
    // the pool as its label (ID_FS_TYPE=zfs_member, ID_FS_LABEL=<pool>).
    void zfs(const std::string& dataset, const std::string& what) {
        const std::string pool = split(dataset, '/')[0];
        bool found = false;
        auto entries = fs_.list_dir("/run/udev/data");
        if (entries) std::sort(entries->begin(), entries->end()); // the record the same at every rebuild
        if (entries)
            for (const auto& e : *entries) {
                if (e.size() < 2 || e[0] != 'b') continue;
                auto text = fs_.read("/run/udev/data/" + e);
                if (!text) continue;
                bool member = false, ours = false;
                for (auto line : split_lines(*text)) {
                    std::string l = trim(line);
                    member |= l == "E:ID_FS_TYPE=zfs_member";
                    ours |= l == "E:ID_FS_LABEL=" + pool;
                }
                if (!member || !ours) continue;
                found = true;
                add(follow_block(fs_, e.substr(1)), "storage", what);
            }
        if (!found)
            note(what + ": no disk of ZFS pool " + pool +
                 " in udev's database (/run/udev/data): the pool's controllers are not known");
    }

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
    std::vector<FstabEntry> fstab_;
    HostScan scan_;
};

} // namespace

HostScan scan_host_needs(const Fs& fs) {
    Scanner s(fs);
    s.mounts();
    s.crypttab();
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
