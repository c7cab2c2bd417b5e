#include "setup/initramfs_setup.h"

#include "basic/command.h"
#include "generator/mkinitcpio.h"

namespace vb {

InitramfsStatus initramfs_status(const Fs& fs) {
    InitramfsStatus st;
    st.generator = machine_generator(fs);
    if (!st.generator) return st;
    const Generator g = st.generator->generator;
    st.integration_installed = integration_installed(fs, g);
    st.rebuild_all = generator_rebuild_all_command(g);
    if (g != Generator::Mkinitcpio) {
        st.runs_vfio_bind = st.integration_installed;
        return st;
    }
    auto hooks = mkinitcpio_hooks(fs);
    if (hooks) st.hooks = *hooks;
    else st.hooks_error = hooks.error().message;
    st.runs_vfio_bind = st.integration_installed && hooks && hooks_run_vfio_bind(*hooks);
    st.presets_without_drop_ins = presets_without_drop_ins(fs);
    return st;
}

std::string rebuild_advice(const Fs& fs) {
    InitramfsStatus st = initramfs_status(fs);
    if (!st.generator) return "your initramfs generator's rebuild (none found here: vfio-setup initramfs status)";
    const std::string rebuild = command_line(st.rebuild_all);
    if (st.generator->generator == Generator::Mkinitcpio && st.integration_installed && !st.runs_vfio_bind)
        return "vfio-setup initramfs enable, then " + rebuild;
    return rebuild;
}

Result<InitramfsChange> plan_initramfs_enable(const Fs& fs) {
    InitramfsChange c;
    auto g = machine_generator(fs);
    if (!g) return make_error(ENOENT, "no initramfs generator found (dracut, initramfs-tools, mkinitcpio)");
    if (g->generator != Generator::Mkinitcpio) {
        c.notes.push_back(std::string(generator_name(g->generator)) + " (" + g->why +
                          "): nothing to turn on, vfio-bind's integration runs at every image build");
        return c;
    }
    auto hooks = mkinitcpio_hooks(fs);
    if (!hooks) return hooks.error();
    if (hooks_run_vfio_bind(*hooks)) {
        c.notes.push_back("mkinitcpio's HOOKS already run vfio-bind before udev");
        return c;
    }
    auto there = fs.probe(kMkinitcpioDropIn);
    if (!there) return there.error();
    if (*there)
        return make_error(EEXIST, std::string(kMkinitcpioDropIn) + " exists but is not ours (its text differs): " +
                                      "move it away, or put vfio-bind before udev in HOOKS by hand");
    c.path = kMkinitcpioDropIn;
    c.after = mkinitcpio_drop_in_text();
    c.notes.push_back("HOOKS will be: " + command_line(with_vfio_bind(*hooks)));
    for (const auto& p : presets_without_drop_ins(fs))
        c.notes.push_back("warning: " + p + " names a config file, so mkinitcpio reads no drop-in for its " +
                          "images: add vfio-bind before udev to HOOKS in that file");
    return c;
}

Result<InitramfsChange> plan_initramfs_disable(const Fs& fs) {
    InitramfsChange c;
    auto there = fs.probe(kMkinitcpioDropIn);
    if (!there) return there.error();
    if (!*there) {
        c.notes.push_back(std::string(kMkinitcpioDropIn) + " does not exist: nothing to undo");
        return c;
    }
    auto text = fs.read(kMkinitcpioDropIn);
    if (!text) return text.error();
    if (*text != mkinitcpio_drop_in_text())
        return make_error(EPERM, std::string(kMkinitcpioDropIn) +
                                     " was changed since enable wrote it: " + "not deleting it; remove it by hand");
    c.path = kMkinitcpioDropIn;
    c.remove = true;
    c.before = *text;
    return c;
}

Status apply_initramfs_change(Fs& fs, const InitramfsChange& change) {
    if (change.empty()) return {};
    if (change.remove) return fs.remove(change.path);
    if (Status d = fs.make_parent_dirs(change.path); !d) return d;
    return fs.replace_file(change.path, change.after);
}

} // namespace vb
