// The three initramfs generators vfio-bind integrates with: which one this
// machine rebuilds its images with (the one its kernel hooks call), whether
// our integration for it is installed, and the command that rebuilds one
// image with it. A fix never switches a machine to another generator.
#pragma once

#include <optional>
#include <string>

#include "basic/command.h"
#include "basic/fs.h"

namespace vb {

enum class Generator { Dracut, InitramfsTools, Mkinitcpio };

const char* generator_name(Generator g); // "dracut", "initramfs-tools", "mkinitcpio"

struct MachineGenerator {
    Generator generator;
    std::string why; // "/etc/kernel/postinst.d/initramfs-tools runs at every kernel install"
};
// The generator whose hooks run when a kernel is installed here, or none
// (a container, a root being set up).
std::optional<MachineGenerator> machine_generator(const Fs& fs);

// Where our integration for `g` lives on a machine: the dracut module, the
// initramfs-tools hook and boot script, mkinitcpio's install and runtime hooks.
std::string integration_path(Generator g);
bool integration_installed(const Fs& fs, Generator g);

// Rebuilds `image` (for kernel `kver`) with `g`, the way that generator's
// own hooks name it: `update-initramfs -u -k V`, `mkinitcpio -p PRESET` when
// a preset writes that image, `dracut -f ...` (`dracut_default`: the image
// is where `dracut --kver V` writes on this machine; `uki`: a UKI).
Command generator_rebuild_command(const Fs& fs, Generator g, const std::string& image, const std::string& kver,
                                  bool uki, bool dracut_default);
// The tool this machine makes its UKIs with, when its signs say so:
// kernel-install with `layout=uki` in install.conf (it calls ukify or
// dracut, signs, and writes the command line it keeps), or sbctl's bundles
// (signed). A UKI must be rebuilt with it, never with another tool, which
// would drop the signature and the command line.
std::optional<Command> uki_builder_command(const Fs& fs, const std::string& kver);

// Rebuilds every installed kernel's image: `update-initramfs -u -k all`,
// `mkinitcpio -P`, `dracut --regenerate-all -f`.
Command generator_rebuild_all_command(Generator g);
// The same for the generator this machine uses; none when it has none.
std::optional<Command> machine_rebuild_all_command(const Fs& fs);

} // namespace vb
