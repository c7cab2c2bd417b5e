// vfio-setup initramfs status|enable|disable: whether the images this
// machine builds will run vfio-bind. dracut and initramfs-tools need no step
// (the package's module or hook runs at every image build); mkinitcpio runs
// only the HOOKS of its config, and `enable` writes the drop-in that puts
// vfio-bind before udev (undone by deleting it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "basic/command.h"
#include "basic/fs.h"
#include "generator/generator.h"

namespace vb {

struct InitramfsStatus {
    std::optional<MachineGenerator> generator;
    bool integration_installed = false;
    std::vector<std::string> hooks; // mkinitcpio: the effective HOOKS
    std::string hooks_error;        // mkinitcpio: why they cannot be known
    bool runs_vfio_bind = false;    // the images built now will run it
    std::vector<std::string> presets_without_drop_ins;
    Command rebuild_all; // rebuilds every image with the machine's generator
};
InitramfsStatus initramfs_status(const Fs& fs);
// What to run so that the images claim: the machine's own generator's
// rebuild of every image ("update-initramfs -u -k all"), preceded by
// "vfio-setup initramfs enable" where its images would not run vfio-bind
// yet (mkinitcpio without the hook). The one place every printed rebuild
// comes from: no message names a generator of its own.
std::string rebuild_advice(const Fs& fs);

// One file to write or delete (the mkinitcpio drop-in), or nothing to do.
struct InitramfsChange {
    std::string path;
    bool remove = false;
    std::string before, after;
    std::vector<std::string> notes;
    bool empty() const { return path.empty(); }
};
Result<InitramfsChange> plan_initramfs_enable(const Fs& fs);
Result<InitramfsChange> plan_initramfs_disable(const Fs& fs);
// Writes it atomically (the drop-in is new: there is nothing to back up).
Status apply_initramfs_change(Fs& fs, const InitramfsChange& change);

} // namespace vb
