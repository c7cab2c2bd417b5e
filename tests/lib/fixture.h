// Fixture trees for tests: a temporary directory used as --root, with a fake
// sysfs laid out exactly as the kernel's (attributes as files, driver and
// iommu_group as symlinks), plus /etc, /proc and /lib/modules as needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vbtest {

// A directory under $TMPDIR, removed with everything in it when destroyed.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // path() + rel ("/etc/x" -> "<tmp>/etc/x")
    std::string operator/(std::string_view rel) const;

private:
    std::string path_;
};

// Creates parent directories as needed.
void write_file(const std::string& path, std::string_view data);
std::string read_file(const std::string& path);
void make_symlink(const std::string& target, const std::string& link);
void make_dirs(const std::string& path);

struct FakeFunction {
    std::string address; // "0000:01:00.0"
    uint16_t vendor = 0, device = 0;
    uint32_t class_code = 0;
    std::optional<int> iommu_group; // nullopt: IOMMU off
    std::string driver;             // bound driver ("" = none)
    bool boot_vga = false;
    uint16_t subvendor = 0, subdevice = 0;
    std::string parent = "pci0000:00";  // its directory under /sys/devices (behind a bridge, a VMD domain)
    std::vector<std::string> consumers; // consumer:pci:<addr> device links (a GPU's audio, USB, UCSI)
};

// A machine's PCI view under root/sys.
class FakeSysfs {
public:
    explicit FakeSysfs(std::string root);
    FakeSysfs& add(const FakeFunction& f);
    // /proc/cmdline and /proc/sys/kernel/osrelease
    FakeSysfs& cmdline(std::string_view text);
    FakeSysfs& kernel_release(std::string_view kver);
    const std::string& root() const { return root_; }

private:
    std::string root_;
};

// Machines that look like real ones (addresses, ids and groups as such boards
// have them). Each returns the FakeSysfs for further additions.
//  desktop:    boot iGPU 00:02.0 (i915, group 0), root port 00:01.0 + Radeon HD 7870
//              01:00.0 (1002:6818, radeon) + its HDMI audio 01:00.1 (1002:aab0,
//              snd_hda_intel) in group 1, SATA 00:17.0 (ahci, group 5)
//  twin_nvidia: two GTX 1070 (10de:1b80 + audio 10de:10f0) at 01:00 and 02:00,
//              groups 1 and 2, nouveau/snd_hda_intel bound; boot VGA is 01:00.0
//  shared_group: a GPU at 03:00.0 whose group 7 also holds a SATA controller 04:00.0
FakeSysfs desktop(const std::string& root);

// A block device as sysfs shows it: its directory /sys/devices/DEVDIR
// ("pci0000:00/0000:3d:00.0/nvme/nvme0/nvme0n1", "virtual/block/dm-0"),
// /sys/class/block/NAME and /sys/dev/block/DEVNO linking there, and slaves/
// naming the devices below it (dm, md).
void add_block(const std::string& root, const std::string& name, const std::string& devno, const std::string& devdir,
               const std::vector<std::string>& slaves = {});
// A network interface: /sys/class/net/NAME -> /sys/devices/DEVDIR, with a
// device link to the PCI function in DEVDIR when there is one, and a
// bridge's ports (brif/) when given.
void add_netdev(const std::string& root, const std::string& name, const std::string& devdir,
                const std::vector<std::string>& ports = {});
FakeSysfs twin_nvidia(const std::string& root);
FakeSysfs shared_group(const std::string& root);
//  vmd_laptop: Intel VMD (8086:467f, class 0x010400) at 0000:00:0e.0, group 9, with
//              its domain 10000 below it as real sysfs lays it out: root port
//              10000:e0:06.0 and the root disk 10000:e1:00.0 (Samsung 144d:a808, nvme,
//              group 9 with the VMD, block device nvme0n1 mounted as /); an identical
//              NVMe 0000:04:00.0 (group 12, nvme, nvme1n1) meant for the guest; boot
//              iGPU 0000:00:02.0.
FakeSysfs vmd_laptop(const std::string& root);

} // namespace vbtest

namespace vbtest {

// A pci.ids excerpt (real lines, the vendors of the machines above, a class
// section at the end) at root/usr/share/misc/pci.ids.
void write_pci_ids(const std::string& root);
// The sysfs `resource` file of a function added with FakeSysfs::add: one
// memory BAR per {start, end} (64-bit prefetchable flags), the other six lines zero.
void write_resource(const std::string& root, const std::string& address,
                    const std::vector<std::pair<uint64_t, uint64_t>>& bars);
//  vfio_ready: desktop() after a boot where vfio-bind claimed the Radeon: 01:00.0
//              and 01:00.1 on vfio-pci, /dev/vfio/1, interrupt remapping in
//              /proc/interrupts, the config claiming 01:00.0, BAR 0 at 0xc0000000.
FakeSysfs vfio_ready(const std::string& root);

} // namespace vbtest
