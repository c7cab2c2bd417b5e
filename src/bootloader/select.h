// Which boot loaders this machine boots through, decided in one table
// (select.cc): every backend whose files are present, with whether it is in
// use. A tool that owns the command line (rpm-ostree, sdbootutil,
// kernelstub, proxmox-boot-tool) takes it from the backends whose files it writes; the
// firmware's LoaderInfo, when there is one, names the loader; otherwise the
// files decide.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bootloader/boot_context.h"
#include "bootloader/bootloader.h"

namespace vb {

// Every backend, in the order status lists them.
std::vector<std::unique_ptr<Bootloader>> all_bootloaders();

struct Selected {
    std::unique_ptr<Bootloader> backend;
    bool in_use = false;
};
// The backends present on this root, in that order.
std::vector<Selected> select_bootloaders(const Fs& fs, const BootContext& ctx);

// Whether the backend called `name` is present and in use here.
bool in_use(const Fs& fs, const BootContext& ctx, const std::string& name);

} // namespace vb
