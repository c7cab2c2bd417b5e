// The parts of the kernel and of modprobe that a claim meets at boot, over a
// fixture sysfs (fixture.h): drivers bind by driver_override, by vfio-pci's
// dynamic ids (ids=) and by their own id tables; unbind and remove_id work;
// modprobe applies the root's modprobe.d (options and softdeps) the way
// libkmod does for every load but vfio-bind's own. Every write, load and
// bind goes into one journal, so tests can assert the exact sequence.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/kmod.h"
#include "boot/pci_address.h"

namespace vbtest {

class FakeKernel : public vb::DiskFs, public vb::ModuleLoader {
public:
    explicit FakeKernel(const std::string& root);

    std::vector<std::string> journal;
    vb::LoadOutcome load_outcome = vb::LoadOutcome::Inserted;
    bool load_fails = false;
    bool probe_binds = true; // false: a device that no driver accepts

    vb::Status write(const std::string& path, std::string_view data) override;
    vb::Status write_bounded(const std::string& path, std::string_view data, int) override { return write(path, data); }

    // vfio-bind's load (ModuleLoader): vfio-pci gets exactly `options`.
    vb::Result<vb::LoadResult> load(const std::string& name, const std::string& options) override;
    vb::Result<std::vector<std::string>> drivers_for_modalias(const std::string&) override;

    // modprobe NAME as udev, rd.driver.pre or a softdep runs it: the root's
    // modprobe.d softdeps first, then NAME with the options modprobe.d gives it.
    void modprobe(const std::string& name);
    // vfio-pci built in: registered at boot with the kernel command line's
    // vfio-pci.ids= (before any initramfs code runs).
    void builtin_vfio_pci(const std::string& options);
    // udev coldplug: every unbound device's host driver is loaded (modprobe).
    void coldplug();

    std::string driver_of(const std::string& addr) const;

private:
    void register_driver(const std::string& driver, const std::string& options);
    void bind_all_unbound();
    bool try_bind(const std::string& addr); // probe one device, as drivers_probe does
    void bind(const std::string& addr, const std::string& driver);
    std::string host_driver_for(const std::string& addr) const;

    std::string root_;
    std::set<std::string> registered_;
    std::set<std::string> loaded_;  // by modprobe or load(), once each
    std::vector<vb::PciId> dynids_; // vfio-pci's, from ids= and new_id
};

} // namespace vbtest
