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

} // namespace vbtest
