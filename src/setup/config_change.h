// vfio-setup add/remove: the device sections of /etc/vfio-devices.ini,
// decided against what sysfs shows and checked with the same plan vfio-bind
// makes at boot, so that nothing is written that vfio-bind would refuse.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/config.h"
#include "boot/pci.h"
#include "boot/plan.h"

namespace vb {

// The config file as it is now: an absent file is an empty config with the
// defaults (vfio-bind treats it as "nothing to do"). `path` is the trial's
// config when judging a trial boot.
struct LoadedConfig {
    bool exists = false;
    std::string text;
    Config config;
};
Result<LoadedConfig> load_config(const Fs& fs, const std::string& path = kDefaultConfigPath);

// What vfio-bind would do with the config now: the config, the devices it
// involves and the plan. Shared by qemu-args and status.
struct ConfiguredPlan {
    LoadedConfig loaded;
    std::vector<PciDevice> devices;
    Plan plan;
};
Result<ConfiguredPlan> configured_plan(const Fs& fs, const std::string& path = kDefaultConfigPath);

struct AddOptions {
    bool boot_vga = false; // allow the boot GPU (sets boot_vga = yes)
    bool no_group = false; // write only ADDR, not the card's other functions
};

// One edit of the config file, not yet written.
struct ConfigChange {
    std::string path = kDefaultConfigPath;
    bool existed = false;
    std::string before, after;
    std::vector<std::string> notes;   // what was decided and why, for the admin
    std::vector<std::string> removed; // remove: labels of the sections taken out
};

// add: with group = yes (the default) one section for ADDR, since vfio-bind
// takes the card's other functions along itself; with group = no one section
// per function of the card, so the card still goes whole. Refused: an absent
// address, a bridge, a card already configured, the boot VGA without
// --boot-vga, and anything make_plan would refuse at boot.
Result<ConfigChange> plan_add(const Fs& fs, const std::string& address, const AddOptions& options);

// remove: every section whose address is a function of ADDR's card. With
// group = yes a section left for a sibling would claim the whole card again.
Result<ConfigChange> plan_remove(const Fs& fs, const std::string& address);

// Writes the change atomically, keeping one backup of the file as it was
// before vfio-setup first edited it.
Status apply_change(Fs& fs, const ConfigChange& change);

} // namespace vb
