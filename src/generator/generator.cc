#include "generator/generator.h"

#include <vector>

#include "basic/text.h"
#include "generator/mkinitcpio.h"

namespace vb {

namespace {

struct Sign {
    const char* path;
    Generator generator;
    const char* says;
};

// What the kernel packages run, most telling first. A hook counts only while
// its generator is installed: removing a package (dpkg -r, as installing
// Debian's dracut does to initramfs-tools) leaves its conffiles,
// /etc/kernel/postinst.d/ among them, behind as no-ops.
const Sign kHooks[] = {
    {"/etc/kernel/postinst.d/initramfs-tools", Generator::InitramfsTools, "runs at every kernel install"},
    {"/etc/kernel/postinst.d/dracut", Generator::Dracut, "runs at every kernel install"},
    {"/usr/share/libalpm/hooks/90-mkinitcpio-install.hook", Generator::Mkinitcpio, "runs at every kernel install"},
    {"/usr/lib/kernel/install.d/50-mkinitcpio.install", Generator::Mkinitcpio, "runs at every kernel install"},
    {"/usr/lib/kernel/install.d/50-dracut.install", Generator::Dracut, "runs at every kernel install"},
};

// Without any hook, what is installed, in this order.
const Generator kByProgram[] = {Generator::InitramfsTools, Generator::Mkinitcpio, Generator::Dracut};

// The generator's program on this machine, or "" when it is not installed.
std::string installed_program(const Fs& fs, Generator g) {
    std::vector<const char*> paths;
    switch (g) {
    case Generator::InitramfsTools: paths = {"/usr/sbin/update-initramfs", "/sbin/update-initramfs"}; break;
    case Generator::Mkinitcpio: paths = {"/usr/bin/mkinitcpio"}; break;
    case Generator::Dracut: paths = {"/usr/bin/dracut", "/usr/sbin/dracut"}; break;
    }
    for (const char* p : paths)
        if (fs.exists(p)) return p;
    return "";
}

} // namespace

const char* generator_name(Generator g) {
    switch (g) {
    case Generator::Dracut: return "dracut";
    case Generator::InitramfsTools: return "initramfs-tools";
    case Generator::Mkinitcpio: return "mkinitcpio";
    }
    return "?";
}

std::optional<MachineGenerator> machine_generator(const Fs& fs) {
    for (const Sign& s : kHooks)
        if (fs.exists(s.path) && !installed_program(fs, s.generator).empty())
            return MachineGenerator{s.generator, std::string(s.path) + " " + s.says};
    for (Generator g : kByProgram)
        if (std::string p = installed_program(fs, g); !p.empty()) return MachineGenerator{g, p + " is installed"};
    return std::nullopt;
}

std::string integration_path(Generator g) {
    switch (g) {
    case Generator::Dracut: return "/usr/lib/dracut/modules.d/90vfio-bind/module-setup.sh";
    case Generator::InitramfsTools: return "/usr/share/initramfs-tools/hooks/vfio-bind";
    case Generator::Mkinitcpio: return "/usr/lib/initcpio/install/vfio-bind";
    }
    return "";
}

bool integration_installed(const Fs& fs, Generator g) { return fs.exists(integration_path(g)); }

Command generator_rebuild_command(const Fs& fs, Generator g, const std::string& image, const std::string& kver,
                                  bool uki, bool dracut_default) {
    switch (g) {
    case Generator::InitramfsTools: return {"update-initramfs", "-u", "-k", kver};
    case Generator::Mkinitcpio:
        if (auto preset = mkinitcpio_preset_for(fs, image)) return {"mkinitcpio", "-p", *preset};
        return {"mkinitcpio", "-k", kver, "-g", image};
    case Generator::Dracut:
        if (dracut_default) return {"dracut", "-f", "--kver", kver};
        if (uki) return {"dracut", "-f", "--uefi", image, kver};
        return {"dracut", "-f", image, kver};
    }
    return {};
}

std::optional<Command> uki_builder_command(const Fs& fs, const std::string& kver) {
    for (const char* conf : {"/etc/kernel/install.conf", "/usr/lib/kernel/install.conf"}) {
        auto text = fs.read(conf);
        if (!text) continue;
        for (const std::string& line : split(*text, '\n'))
            if (trim(line) == "layout=uki" || trim(line) == "layout = uki") {
                const std::string kernel = fs.exists("/usr/lib/modules/" + kver + "/vmlinuz")
                                               ? "/usr/lib/modules/" + kver + "/vmlinuz"
                                               : "/boot/vmlinuz-" + kver;
                return Command{"kernel-install", "add", kver, kernel};
            }
        break; // the first install.conf found is the one kernel-install reads
    }
    for (const char* db : {"/usr/share/secureboot/bundles.db", "/var/lib/sbctl/bundles.json"})
        if (fs.exists(db)) return Command{"sbctl", "generate-bundles", "--sign"};
    return std::nullopt;
}

Command generator_rebuild_all_command(Generator g) {
    switch (g) {
    case Generator::Dracut: return {"dracut", "--regenerate-all", "-f"};
    case Generator::InitramfsTools: return {"update-initramfs", "-u", "-k", "all"};
    case Generator::Mkinitcpio: return {"mkinitcpio", "-P"};
    }
    return {};
}

std::optional<Command> machine_rebuild_all_command(const Fs& fs) {
    auto g = machine_generator(fs);
    if (!g) return std::nullopt;
    return generator_rebuild_all_command(g->generator);
}

} // namespace vb
