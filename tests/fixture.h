// Fixture trees for tests: a temporary directory used as --root, with a fake
// sysfs laid out exactly as the kernel's (attributes as files, driver and
// iommu_group as symlinks), plus /etc, /proc and /lib/modules as needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
    std::string address;              // "0000:01:00.0"
    uint16_t vendor = 0, device = 0;
    uint32_t class_code = 0;
    std::optional<int> iommu_group;   // nullopt: IOMMU off
    std::string driver;               // bound driver ("" = none)
    bool boot_vga = false;
    uint16_t subvendor = 0, subdevice = 0;
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
FakeSysfs twin_nvidia(const std::string& root);
FakeSysfs shared_group(const std::string& root);

} // namespace vbtest
