// Trial boots: a new kernel command line in a boot entry of its own that the
// boot loader boots once, with its own one-shot mechanism, so that a command
// line that leaves a black screen costs one boot: the next one is the old
// default, with nothing to type. `vfio-setup confirm` makes it permanent
// (the normal enable), `vfio-setup cmdline disable` cancels it.
//   systemd-boot: loader/entries/vfio-bind-trial.conf, a copy of the entry
//     booted now with its options edited, and the EFI variable
//     LoaderEntryOneShot naming it (what `bootctl set-oneshot` writes); while
//     it exists LoaderEntryDefault pins the default, which the new entry must
//     never become (systemd-boot sorts entries by id when none is set).
//     Where proxmox-boot-tool keeps the ESPs unmounted, on the ESP the
//     firmware booted from, once mounted (proxmox_boot.h).
//   GRUB: the default entry of grub.cfg, copied with its linux line edited,
//     into ${config_directory}/custom.cfg (which grub.cfg sources at boot:
//     no update-grub), and next_entry in grubenv (`grub-editenv ... set`),
//     which GRUB clears as it boots it.
// Every boot loader without a one-shot boot vfio-setup can drive (or GRUB
// where it cannot clear next_entry: grubenv on btrfs, LVM, md, LUKS) refuses
// --trial, saying why. The trial entry's command line carries
// vfio_bind.trial=1, so the boot it runs knows it is the trial.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "basic/command.h"
#include "basic/fs.h"
#include "basic/kernel_params.h"
#include "boot/boot_options.h"
#include "bootloader/bootloader.h"

namespace vb {

inline constexpr const char* kTrialStatePath = "/var/lib/vfio-bind/trial.state";
inline constexpr const char* kTrialEntryId = "vfio-bind-trial";
inline constexpr const char* kBootIdPath = "/proc/sys/kernel/random/boot_id";

struct TrialFile {
    std::string path;
    bool existed = false; // custom.cfg may be the user's: ours is appended
    std::string before, after;
};

struct TrialState {
    std::string backend;                                      // "systemd-boot" or "GRUB"
    ParamEdit edit;                                           // what confirm makes permanent
    bool auto_confirm = false;                                // the trial boot confirms itself once all is well
    std::vector<TrialFile> files;                             // the trial entry
    std::vector<std::pair<std::string, std::string>> efivars; // set by us (name, data): undone if still ours
    std::string grubenv;                                      // where next_entry was set
    std::string config;  // changed claims tried: their config file (/etc/vfio-devices.trial.ini)
    std::string boot_id; // of the boot that started the trial ("" when unknown): its boot is still ahead
};

// When the trial pinned systemd-boot's default entry (LoaderEntryDefault, set
// while the trial entry could otherwise become the default): what that holds
// back, and the way out, for status and the kernel hook to say; else "".
// A forgotten trial must not hold kernel updates back in silence.
std::string pinned_default_warning(const TrialState& st);

struct TrialPlan {
    TrialState state;
    std::vector<Command> commands; // run after the files are written (grub-editenv ... set next_entry=)
    std::vector<std::string> notes;
};

// The trial of `edit` on the boot loader this machine boots with, or why it
// cannot have one.
Result<TrialPlan> plan_trial(const Fs& fs, const ParamEdit& edit, bool auto_confirm);
// Writes the state first, then the entry and the EFI variables (commands are
// the caller's, after it).
Status write_trial(Fs& fs, const TrialPlan& plan);

// The pending trial, if any.
Result<std::optional<TrialState>> read_trial(const Fs& fs);
// This boot is the trial (its marker is on /proc/cmdline). What cannot be
// read is an error here and below, never a "no": that would call a trial over.
Result<bool> booted_as_trial(const Fs& fs);
// The one-shot is still set: the next boot takes the trial entry.
Result<bool> trial_armed(const Fs& fs, const TrialState& st);

// Where a pending trial stands. A trial has one boot: once that boot is over
// without a confirm, the trial failed or was abandoned, and no later boot
// may make it permanent.
enum class TrialPhase {
    Ahead,    // its boot is still to come: this boot started it, or the one-shot is still set
    ThisBoot, // this boot is the trial: the marker on /proc/cmdline, or systemd-boot's LoaderEntrySelected
    Over,     // its boot has passed without a confirm: failed or abandoned
};
Result<TrialPhase> trial_phase(const Fs& fs, const TrialState& st);
// Why a new --trial takes the pending one back first ("" when it stands):
// its boot passed without a confirm, or it was cut short before its one-shot
// was set (a run killed half-way, a grub-editenv that failed), so no boot
// will take it.
Result<std::string> trial_to_take_back(const Fs& fs, const TrialState& st);
// The trial's parameters (or its claims' config) in a few words, for messages.
std::string trial_what(const TrialState& st);

// Ending a trial (confirmed or cancelled): the trial's own files restored
// byte for byte, our EFI variables and next_entry removed where they are
// still ours, the state file deleted. A trial file or grubenv that cannot be
// read is an error (never "gone already"); an EFI variable that cannot be
// read is left alone, with a note.
struct TrialEnd {
    std::vector<TrialFile> files; // after: what to write back ("" with !existed: delete)
    std::vector<std::string> efivars;
    std::vector<Command> commands; // grub-editenv ... unset next_entry
    std::vector<std::string> notes;
};
Result<TrialEnd> plan_trial_end(const Fs& fs, const TrialState& st);
Status finish_trial(Fs& fs, const TrialEnd& end);

} // namespace vb
