#include "lib/fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fsys = std::filesystem;

namespace vbtest {

TempDir::TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/vfio-bind-test.XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fsys::remove_all(path_, ec);
}

std::string TempDir::operator/(std::string_view rel) const {
    std::string r(rel);
    return path_ + (r.empty() || r[0] != '/' ? "/" : "") + r;
}

void make_dirs(const std::string& path) { fsys::create_directories(path); }

void write_file(const std::string& path, std::string_view data) {
    fsys::create_directories(fsys::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void make_symlink(const std::string& target, const std::string& link) {
    fsys::create_directories(fsys::path(link).parent_path());
    std::error_code ec;
    fsys::remove(link, ec);
    fsys::create_symlink(target, link);
}

void add_block(const std::string& root, const std::string& name, const std::string& devno, const std::string& devdir,
               const std::vector<std::string>& slaves) {
    const std::string dir = root + "/sys/devices/" + devdir;
    write_file(dir + "/dev", devno + "\n");
    make_symlink("../../devices/" + devdir, root + "/sys/class/block/" + name);
    make_symlink("../../devices/" + devdir, root + "/sys/dev/block/" + devno);
    make_dirs(dir + "/slaves");
    for (const auto& s : slaves) make_symlink("../../" + s, dir + "/slaves/" + s);
}

void add_netdev(const std::string& root, const std::string& name, const std::string& devdir,
                const std::vector<std::string>& ports) {
    const std::string dir = root + "/sys/devices/" + devdir;
    write_file(dir + "/operstate", "up\n");
    make_symlink("../../devices/" + devdir, root + "/sys/class/net/" + name);
    const size_t net = devdir.find("/net/");
    if (net != std::string::npos && devdir.compare(0, 8, "virtual/") != 0)
        make_symlink("../../../" + devdir.substr(devdir.rfind('/', net - 1) + 1, net - devdir.rfind('/', net - 1) - 1),
                     dir + "/device");
    for (const auto& p : ports) make_symlink("../../" + p, dir + "/brif/" + p);
}

namespace {
std::string hex(uint32_t v, int width) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x\n", width, v);
    return buf;
}
} // namespace

FakeSysfs::FakeSysfs(std::string root) : root_(std::move(root)) {
    make_dirs(root_ + "/sys/bus/pci/devices");
    make_dirs(root_ + "/sys/bus/pci/drivers");
    make_dirs(root_ + "/sys/kernel/iommu_groups");
    // A second FakeSysfs on the same root (make-fixture, once per device)
    // adds to it and keeps what is there.
    if (!fsys::exists(root_ + "/sys/bus/pci/drivers_probe")) write_file(root_ + "/sys/bus/pci/drivers_probe", "");
    if (!fsys::exists(root_ + "/proc/cmdline"))
        write_file(root_ + "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n");
    // Its root needs no disk (a test of what the host needs writes its own
    // mounts): without it, no mount table would mean every storage controller is kept.
    if (!fsys::exists(root_ + "/proc/self/mountinfo"))
        write_file(root_ + "/proc/self/mountinfo", "21 1 0:30 / / rw - tmpfs tmpfs rw\n");
}

FakeSysfs& FakeSysfs::add(const FakeFunction& f) {
    // Real layout: /sys/devices/<parent>/<addr>, linked from /sys/bus/pci/devices.
    const std::string devpath = f.parent + "/" + f.address;
    const std::string dev = root_ + "/sys/devices/" + devpath;
    std::string to_sys; // from dev up to /sys
    for (size_t i = 0, n = std::count(devpath.begin(), devpath.end(), '/') + 2; i < n; i++) to_sys += "../";
    write_file(dev + "/vendor", hex(f.vendor, 4));
    write_file(dev + "/device", hex(f.device, 4));
    write_file(dev + "/subsystem_vendor", hex(f.subvendor, 4));
    write_file(dev + "/subsystem_device", hex(f.subdevice, 4));
    write_file(dev + "/class", hex(f.class_code, 6));
    write_file(dev + "/driver_override", "(null)\n");
    char modalias[96];
    std::snprintf(modalias, sizeof modalias, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", f.vendor, f.device,
                  f.subvendor, f.subdevice, (f.class_code >> 16) & 0xff, (f.class_code >> 8) & 0xff,
                  f.class_code & 0xff);
    write_file(dev + "/modalias", modalias);
    char uevent[256];
    std::snprintf(uevent, sizeof uevent,
                  "PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=%s",
                  f.class_code, f.vendor, f.device, f.subvendor, f.subdevice, f.address.c_str(), modalias);
    write_file(dev + "/uevent", uevent);
    if ((f.class_code >> 16) == 0x03) write_file(dev + "/boot_vga", f.boot_vga ? "1\n" : "0\n");
    for (const auto& c : f.consumers)
        make_symlink(to_sys + "devices/virtual/devlink/pci:" + f.address + "--pci:" + c, dev + "/consumer:pci:" + c);
    make_symlink("../../../devices/" + devpath, root_ + "/sys/bus/pci/devices/" + f.address);
    if (f.iommu_group) {
        const std::string g = std::to_string(*f.iommu_group);
        make_dirs(root_ + "/sys/kernel/iommu_groups/" + g + "/devices");
        make_symlink(to_sys + "kernel/iommu_groups/" + g, dev + "/iommu_group");
        make_symlink("../../../../devices/" + devpath,
                     root_ + "/sys/kernel/iommu_groups/" + g + "/devices/" + f.address);
    }
    if (!f.driver.empty()) {
        const std::string drv = root_ + "/sys/bus/pci/drivers/" + f.driver;
        make_dirs(drv);
        if (!fsys::exists(drv + "/unbind")) write_file(drv + "/unbind", "");
        if (!fsys::exists(drv + "/bind")) write_file(drv + "/bind", "");
        make_symlink(to_sys + "bus/pci/drivers/" + f.driver, dev + "/driver");
        make_symlink("../../../../devices/" + devpath, drv + "/" + f.address);
    }
    return *this;
}

FakeSysfs& FakeSysfs::cmdline(std::string_view text) {
    write_file(root_ + "/proc/cmdline", std::string(text) + "\n");
    return *this;
}

FakeSysfs& FakeSysfs::kernel_release(std::string_view kver) {
    write_file(root_ + "/proc/sys/kernel/osrelease", std::string(kver) + "\n");
    return *this;
}

FakeSysfs desktop(const std::string& root) {
    FakeSysfs m(root);
    m.add({"0000:00:00.0", 0x8086, 0x3e30, 0x060000, 0, ""})
        .add({"0000:00:01.0", 0x8086, 0x1901, 0x060400, 1, "pcieport"})
        .add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true})
        .add({"0000:00:17.0", 0x8086, 0xa352, 0x010601, 5, "ahci"})
        .add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, 1, "radeon", false, 0x1458, 0x22d9})
        .add({"0000:01:00.1", 0x1002, 0xaab0, 0x040300, 1, "snd_hda_intel", false, 0x1458, 0xaab0});
    return m.kernel_release("6.1.0-test");
}

FakeSysfs twin_nvidia(const std::string& root) {
    FakeSysfs m(root);
    m.add({"0000:00:01.0", 0x8086, 0x1901, 0x060400, 0, "pcieport"})
        .add({"0000:01:00.0", 0x10de, 0x1b80, 0x030000, 1, "nouveau", true})
        .add({"0000:01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel"})
        .add({"0000:02:00.0", 0x10de, 0x1b80, 0x030000, 2, "nouveau"})
        .add({"0000:02:00.1", 0x10de, 0x10f0, 0x040300, 2, "snd_hda_intel"});
    return m.kernel_release("6.1.0-test");
}

FakeSysfs shared_group(const std::string& root) {
    FakeSysfs m(root);
    m.add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true})
        .add({"0000:03:00.0", 0x1002, 0x67df, 0x030000, 7, "amdgpu"})
        .add({"0000:04:00.0", 0x1b21, 0x0612, 0x010601, 7, "ahci"});
    return m.kernel_release("6.1.0-test");
}

FakeSysfs vmd_laptop(const std::string& root) {
    // Values as a Tiger Lake laptop with VMD on shows them (lspci -nn, ls -l /sys/bus/pci/devices).
    const std::string vmd = "pci0000:00/0000:00:0e.0/pci10000:e0";
    FakeSysfs m(root);
    m.add({"0000:00:00.0", 0x8086, 0x9a14, 0x060000, 0, "", false, 0x17aa, 0x5082})
        .add({"0000:00:02.0", 0x8086, 0x9a49, 0x030000, 1, "i915", true, 0x17aa, 0x5082})
        .add({"0000:00:0e.0", 0x8086, 0x9a0b, 0x010400, 9, "vmd", false, 0x17aa, 0x5082})
        .add({"0000:00:1c.0", 0x8086, 0xa0bc, 0x060400, 11, "pcieport"})
        .add({"0000:04:00.0", 0x144d, 0xa808, 0x010802, 12, "nvme", false, 0x144d, 0xa801, "pci0000:00/0000:00:1c.0"})
        .add({"10000:e0:06.0", 0x8086, 0x9a09, 0x060400, 9, "pcieport", false, 0x17aa, 0x5082, vmd})
        .add({"10000:e1:00.0", 0x144d, 0xa808, 0x010802, 9, "nvme", false, 0x144d, 0xa801, vmd + "/10000:e0:06.0"});
    add_block(root, "nvme0n1", "259:0", vmd + "/10000:e0:06.0/10000:e1:00.0/nvme/nvme0/nvme0n1");
    add_block(root, "nvme0n1p2", "259:2", vmd + "/10000:e0:06.0/10000:e1:00.0/nvme/nvme0/nvme0n1/nvme0n1p2");
    add_block(root, "nvme1n1", "259:4", "pci0000:00/0000:00:1c.0/0000:04:00.0/nvme/nvme1/nvme1n1");
    return m.kernel_release("6.1.0-test");
}

} // namespace vbtest

namespace vbtest {

void write_pci_ids(const std::string& root) {
    write_file(root + "/usr/share/misc/pci.ids",
               "#\n#\tList of PCI ID's\n#\n# Syntax:\n# vendor  vendor_name\n#\tdevice  device_name\n"
               "#\t\tsubvendor subdevice  subsystem_name\n#\n"
               "1002  Advanced Micro Devices, Inc. [AMD/ATI]\n"
               "\t67df  Ellesmere [Radeon RX 470/480/570/570X/580/580X/590]\n"
               "\t6818  Pitcairn XT [Radeon HD 7870 GHz Edition]\n"
               "\t\t1458 22d9  Radeon HD 7870 GHz Edition\n"
               "\taab0  Oland/Hainan/Cape Verde/Pitcairn HDMI Audio [Radeon HD 7000 Series]\n"
               "1022  Advanced Micro Devices, Inc. [AMD]\n"
               "\t1480  Starship/Matisse Root Complex\n"
               "10de  NVIDIA Corporation\n"
               "\t10f0  GP104 High Definition Audio Controller\n"
               "\t1b80  GP104 [GeForce GTX 1080]\n"
               "1b21  ASMedia Technology Inc.\n"
               "\t0612  ASM1062 Serial ATA Controller\n"
               "8086  Intel Corporation\n"
               "\t1901  6th-10th Gen Core Processor PCIe Controller (x16)\n"
               "\t3e30  8th/9th Gen Core 8-core Desktop Processor Host Bridge/DRAM Registers [Coffee Lake S]\n"
               "\t3e92  CoffeeLake-S GT2 [UHD Graphics 630]\n"
               "\ta352  Cannon Lake PCH SATA AHCI Controller\n"
               "\n# List of known device classes, subclasses and programming interfaces\n\n"
               "C 03  Display controller\n"
               "\t00  VGA compatible controller\n"
               "C 04  Multimedia controller\n"
               "\t03  Audio device\n");
}

void write_resource(const std::string& root, const std::string& address,
                    const std::vector<std::pair<uint64_t, uint64_t>>& bars) {
    std::string text;
    char line[80];
    for (size_t i = 0; i < 13; i++) {
        if (i < bars.size())
            std::snprintf(line, sizeof line, "0x%016llx 0x%016llx 0x%016llx\n",
                          static_cast<unsigned long long>(bars[i].first),
                          static_cast<unsigned long long>(bars[i].second), 0x14220cULL);
        else std::snprintf(line, sizeof line, "0x%016llx 0x%016llx 0x%016llx\n", 0ULL, 0ULL, 0ULL);
        text += line;
    }
    write_file(root + "/sys/devices/pci0000:00/" + address + "/resource", text);
}

FakeSysfs vfio_ready(const std::string& root) {
    FakeSysfs m(root);
    m.add({"0000:00:00.0", 0x8086, 0x3e30, 0x060000, 0, ""})
        .add({"0000:00:01.0", 0x8086, 0x1901, 0x060400, 1, "pcieport"})
        .add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true})
        .add({"0000:00:17.0", 0x8086, 0xa352, 0x010601, 5, "ahci"})
        .add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, 1, "vfio-pci", false, 0x1458, 0x22d9})
        .add({"0000:01:00.1", 0x1002, 0xaab0, 0x040300, 1, "vfio-pci", false, 0x1458, 0xaab0});
    write_resource(root, "0000:01:00.0", {{0xc0000000, 0xcfffffff}, {0xd0000000, 0xd001ffff}});
    write_resource(root, "0000:00:02.0", {{0xa0000000, 0xafffffff}});
    write_file(root + "/dev/vfio/1", "");
    write_file(root + "/dev/vfio/vfio", "");
    write_file(root + "/proc/interrupts", "            CPU0       CPU1\n"
                                          "   0:         22          0   IO-APIC    2-edge      timer\n"
                                          "   9:          0          0   IR-IO-APIC    9-fasteoi   acpi\n"
                                          " 124:          0        771   IR-PCI-MSI 327680-edge      xhci_hcd\n"
                                          " NMI:          0          0   Non-maskable interrupts\n");
    write_file(root + "/proc/iomem", "00000000-00000fff : Reserved\n"
                                     "a0000000-afffffff : 0000:00:02.0\n"
                                     "  a0000000-a07e8fff : BOOTFB\n"
                                     "c0000000-cfffffff : 0000:01:00.0\n"
                                     "d0000000-d001ffff : 0000:01:00.0\n");
    write_file(root + "/etc/vfio-devices.ini",
               "[options]\ngroup = yes\n\n[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n");
    return m.kernel_release("6.1.0-test");
}

} // namespace vbtest
