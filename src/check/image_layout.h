// What each generator's integration puts into an image, and how to tell
// which generator made one: dracut (dracut-module/), initramfs-tools
// (initramfs-tools/) and mkinitcpio (mkinitcpio/) each place the binary, the
// config and the modprobe.d snippet at the same paths, and run vfio-bind
// from a point of their own before udev's coldplug.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "generator/generator.h"

namespace vb {

inline constexpr const char* kImageConfig = "etc/vfio-devices.ini";
inline constexpr const char* kImageModprobe = "etc/modprobe.d/vfio-bind.conf";
inline constexpr const char* kImageHostNeeds = "etc/vfio-bind/host-devices";   // boot/host_needs.h
inline constexpr const char* kImageTrialConfig = "etc/vfio-devices.trial.ini"; // boot/config.h
inline constexpr const char* kInitramfsToolsScript = "scripts/init-top/00-vfio-bind";

// What one pass over an image collected: every name (with /usr merged), the
// data of the files the checks read, the kernels it has modules for.
struct ImageContents {
    std::set<std::string> names;
    std::map<std::string, std::string> data;
    std::set<std::string> module_dirs; // the V of usr/lib/modules/V/
    bool dracut_hook = false;          // a pre-udev/pre-trigger hook of ours
};

// Adds one archive entry; true when its data is wanted (`keep_data`).
void note_entry(ImageContents& c, const std::string& canonical_name);
// Whether the checks read the data of this file.
bool wanted_data(const std::string& canonical_name);
// The names as every generator's image has them: /usr merged ("lib/x" is "usr/lib/x").
std::string canonical_name(std::string name);

// Which generator made it, from its own files; none when it is none of the three.
std::optional<Generator> image_generator(const ImageContents& c);

// Our integration in an image made by `g`: `present` when anything of it is
// there; `lacks` says, one line each, what is missing or wrong.
struct IntegrationVerdict {
    bool present = false;
    std::vector<std::string> lacks;
};
IntegrationVerdict check_integration_layout(Generator g, const ImageContents& c);

// Everything the verdict needs was seen (the rest of the image need not be read).
bool layout_complete(const ImageContents& c);

// The modprobe.d files of an image (etc/, usr/lib/, run/).
bool is_modprobe_d(const std::string& name);

} // namespace vb
