// mkinitcpio's configuration as it builds an image: /etc/mkinitcpio.conf,
// then every /etc/mkinitcpio.conf.d/*.conf in version order (mkinitcpio
// concatenates and sources them; a preset or -c naming a config file turns
// the drop-ins off). vfio-bind runs from its HOOKS: our drop-in puts it
// before udev (or systemd), so that its early hook claims before udev's
// coldplug and before MODULES are loaded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"

namespace vb {

inline constexpr const char* kMkinitcpioConf = "/etc/mkinitcpio.conf";
inline constexpr const char* kMkinitcpioDropDir = "/etc/mkinitcpio.conf.d";
inline constexpr const char* kMkinitcpioDropIn = "/etc/mkinitcpio.conf.d/vfio-bind.conf";
inline constexpr const char* kMkinitcpioPresetDir = "/etc/mkinitcpio.d";
inline constexpr const char* kVfioBindHook = "vfio-bind";

// The HOOKS of `text` (one sourced file) applied to `hooks`: plain array or
// string assignments and += appends; our own drop-in is recognised by its
// text. Anything mkinitcpio would compute (expansions, commands, assignments
// inside if or for) is refused (EINVAL) with the line: we cannot know it.
Status apply_hooks_assignments(const std::string& path, const std::string& text, std::vector<std::string>& hooks);

// The HOOKS an image gets with no -c: the config, then the drop-ins.
Result<std::vector<std::string>> mkinitcpio_hooks(const Fs& fs);

// What our drop-in does: vfio-bind before the first udev or systemd hook (at
// the end when there is neither); nothing when vfio-bind is in already.
std::vector<std::string> with_vfio_bind(std::vector<std::string> hooks);
// vfio-bind is in HOOKS, before udev and systemd.
bool hooks_run_vfio_bind(const std::vector<std::string>& hooks);

// The drop-in `vfio-setup initramfs enable` writes (bash, as mkinitcpio reads it).
std::string mkinitcpio_drop_in_text();

// The preset (/etc/mkinitcpio.d/NAME.preset) one of whose images is
// `image`: mkinitcpio -p NAME rebuilds it.
std::optional<std::string> mkinitcpio_preset_for(const Fs& fs, const std::string& image);
// Presets that name a config file (PRESET_config=, ALL_config=): mkinitcpio
// then reads no drop-in, so ours does nothing for their images.
std::vector<std::string> presets_without_drop_ins(const Fs& fs);

} // namespace vb
