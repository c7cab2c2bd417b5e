#include "lib/fake_kernel.h"

#include <unistd.h>

#include <algorithm>

#include "basic/text.h"
#include "boot/pci.h"
#include "lib/fixture.h"

using namespace vb;

namespace vbtest {

namespace {

// Module names as the kernel compares them ("vfio-pci" is "vfio_pci").
std::string module_name(std::string n) {
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

// The PCI driver a module registers: vfio_pci's is "vfio-pci".
std::string driver_name(const std::string& module) { return module == "vfio_pci" ? "vfio-pci" : module; }

// The ids= value of an option string ("ids=1002:5159,10de:1b80 disable_vga=1").
std::vector<PciId> ids_of(const std::string& options) {
    std::vector<PciId> out;
    for (const auto& word : split(options, ' '))
        if (word.rfind("ids=", 0) == 0)
            for (const auto& id : split(word.substr(4), ','))
                if (auto p = parse_pci_id(id)) out.push_back(*p);
    return out;
}

} // namespace

FakeKernel::FakeKernel(const std::string& root) : DiskFs(root), root_(root) {
    // The drivers the fixture machines already have bound are registered.
    if (auto names = list_dir(kPciDriversDir))
        for (const auto& d : *names) registered_.insert(d), loaded_.insert(module_name(d));
    // Drivers bound at fixture time have directories; vfio-pci only when it is loaded.
}

std::string FakeKernel::driver_of(const std::string& addr) const {
    auto l = read_link(std::string(kPciDevicesDir) + "/" + addr + "/driver");
    return l ? basename_of(*l) : "";
}

void FakeKernel::bind(const std::string& addr, const std::string& driver) {
    journal.push_back("bind " + addr + " " + driver);
    make_symlink("../../../bus/pci/drivers/" + driver, root_ + kPciDevicesDir + "/" + addr + "/driver");
    make_symlink("../../../../devices/pci0000:00/" + addr, root_ + kPciDriversDir + "/" + driver + "/" + addr);
}

// radeon, snd_hda_intel...: what the device's modalias would load.
std::string FakeKernel::host_driver_for(const std::string& addr) const {
    auto a = parse_pci_address(addr);
    auto d = a ? read_pci_device(*this, *a) : Result<PciDevice>(a.error());
    if (!d) return "";
    if (d->is_display() && d->vendor == 0x1002) return "radeon";
    if (d->is_display() && d->vendor == 0x10de) return "nouveau";
    if (d->is_display() && d->vendor == 0x8086) return "i915";
    if ((d->class_code >> 8) == 0x0403) return "snd_hda_intel";
    if ((d->class_code >> 8) == 0x0108) return "nvme";
    return "";
}

bool FakeKernel::try_bind(const std::string& addr) {
    const std::string dev = std::string(kPciDevicesDir) + "/" + addr;
    if (!probe_binds || exists(dev + "/driver")) return false;
    auto ov = read(dev + "/driver_override");
    std::string override = ov ? trim(*ov) : "";
    if (override == "(null)") override.clear();
    if (!override.empty()) {
        if (!registered_.count(override)) return false;
        bind(addr, override);
        return true;
    }
    if (registered_.count("vfio-pci")) {
        auto a = parse_pci_address(addr);
        auto d = a ? read_pci_device(*this, *a) : Result<PciDevice>(a.error());
        if (d && std::any_of(dynids_.begin(), dynids_.end(), [&](const PciId& id) { return d->matches(id); })) {
            bind(addr, "vfio-pci");
            return true;
        }
    }
    const std::string host = host_driver_for(addr);
    if (host.empty() || !registered_.count(host)) return false;
    bind(addr, host);
    return true;
}

void FakeKernel::bind_all_unbound() {
    if (auto names = list_dir(kPciDevicesDir))
        for (const auto& a : *names) try_bind(a);
}

void FakeKernel::register_driver(const std::string& driver, const std::string& options) {
    registered_.insert(driver);
    make_dirs(root_ + kPciDriversDir + "/" + driver);
    if (driver == "vfio-pci")
        for (const auto& id : ids_of(options)) dynids_.push_back(id);
    bind_all_unbound();
}

Status FakeKernel::write(const std::string& path, std::string_view data) {
    journal.push_back("write " + path + " " + std::string(data));
    const std::string drivers = std::string(kPciDriversDir) + "/";
    if (starts_with(path, drivers) && ends_with(path, "/unbind")) {
        const std::string driver = path.substr(drivers.size(), path.size() - drivers.size() - 7);
        const std::string addr(data);
        unlink((root_ + kPciDevicesDir + "/" + addr + "/driver").c_str());
        unlink((root_ + drivers + driver + "/" + addr).c_str());
        return {};
    }
    if (path == drivers + "vfio-pci/remove_id") {
        unsigned v = 0, d = 0;
        if (std::sscanf(std::string(data).c_str(), "%x %x", &v, &d) != 2) return make_error(EINVAL, "bad id");
        for (auto it = dynids_.begin(); it != dynids_.end(); ++it)
            if (it->vendor == v && it->device == d) {
                dynids_.erase(it);
                return {};
            }
        return make_error(ENODEV, "no such dynamic id");
    }
    if (path == kDriversProbe) {
        try_bind(std::string(data));
        return {};
    }
    return DiskFs::write(path, data);
}

Result<LoadResult> FakeKernel::load(const std::string& name, const std::string& options) {
    journal.push_back("load " + name + (options.empty() ? "" : " " + options));
    if (load_fails) return make_error(ENOENT, "module vfio-pci not found for this kernel");
    LoadResult res{load_outcome, {"vfio", "vfio_iommu_type1", "vfio-pci"}, options, ""};
    const std::string m = module_name(name);
    if (loaded_.count(m)) {
        if (res.outcome == LoadOutcome::Inserted) res.outcome = LoadOutcome::AlreadyLoaded;
        return res;
    }
    loaded_.insert(m);
    register_driver(driver_name(m), load_outcome == LoadOutcome::Inserted ? options : "");
    return res;
}

Result<std::vector<std::string>> FakeKernel::drivers_for_modalias(const std::string&) {
    return std::vector<std::string>{"radeon"};
}

void FakeKernel::modprobe(const std::string& raw) {
    const std::string name = module_name(raw);
    if (loaded_.count(name)) return;
    std::string options;
    std::vector<std::string> pre;
    if (auto files = list_dir("/etc/modprobe.d"))
        for (const auto& f : *files) {
            auto text = read("/etc/modprobe.d/" + f);
            if (!text) continue;
            for (const auto& line : split(*text, '\n')) {
                auto w = split(trim(line), ' ');
                if (w.size() >= 3 && w[0] == "options" && module_name(w[1]) == name)
                    for (size_t i = 2; i < w.size(); i++) options += (options.empty() ? "" : " ") + w[i];
                if (w.size() >= 4 && w[0] == "softdep" && module_name(w[1]) == name && w[2] == "pre:")
                    pre.insert(pre.end(), w.begin() + 3, w.end());
            }
        }
    for (const auto& p : pre) modprobe(p);
    journal.push_back("modprobe " + name + (options.empty() ? "" : " " + options));
    loaded_.insert(name);
    register_driver(driver_name(name), options);
}

void FakeKernel::builtin_vfio_pci(const std::string& options) {
    journal.push_back("builtin vfio-pci " + options);
    loaded_.insert("vfio_pci");
    load_outcome = LoadOutcome::BuiltIn;
    register_driver("vfio-pci", options);
}

void FakeKernel::coldplug() {
    auto names = list_dir(kPciDevicesDir);
    if (!names) return;
    for (const auto& a : *names) {
        if (exists(std::string(kPciDevicesDir) + "/" + a + "/driver")) continue;
        const std::string host = host_driver_for(a);
        if (!host.empty()) modprobe(host);
        try_bind(a);
    }
}

} // namespace vbtest
