#include "check/image_layout.h"

#include <algorithm>

#include "basic/text.h"

namespace vb {

namespace {

// dracut
constexpr const char* kModulesTxt = "usr/lib/dracut/modules.txt";
constexpr const char* kUnit = "usr/lib/systemd/system/vfio-bind-initrd.service";
constexpr const char* kUnitName = "vfio-bind-initrd.service";
const char* const kDracutHookDirs[] = {"var/lib/dracut/hooks/pre-udev/", "var/lib/dracut/hooks/pre-trigger/",
                                       "usr/lib/dracut/hooks/pre-udev/", "usr/lib/dracut/hooks/pre-trigger/"};
// initramfs-tools
constexpr const char* kInitramfsConf = "conf/initramfs.conf";
constexpr const char* kInitTopOrder = "scripts/init-top/ORDER";
// mkinitcpio: "config" holds the runtime hooks it was built with.
constexpr const char* kMkinitcpioBuildconfig = "buildconfig";
constexpr const char* kMkinitcpioConfig = "config";
constexpr const char* kMkinitcpioHook = "hooks/vfio-bind";

bool has(const ImageContents& c, const std::string& name) { return c.names.count(name) > 0; }
bool has_binary(const ImageContents& c) { return has(c, "usr/sbin/vfio-bind") || has(c, "usr/bin/vfio-bind"); }

// A systemd initramfs with our unit and a wants link that starts it.
bool unit_enabled(const ImageContents& c) {
    for (const char* dir : {"etc/systemd/system/", "usr/lib/systemd/system/"})
        for (const char* target : {"sysinit.target.wants/", "initrd.target.wants/", "basic.target.wants/"})
            if (has(c, std::string(dir) + target + kUnitName)) return true;
    return false;
}

bool lists_word(const std::string& text, const std::string& word) {
    for (const auto& line : split(text, '\n'))
        if (trim(line) == word) return true;
    return false;
}

// The words of NAME="..." in mkinitcpio's config.
std::vector<std::string> config_words(const std::string& text, const std::string& name) {
    for (const auto& line : split(text, '\n'))
        if (starts_with(line, name + "=\""))
            return split_blanks(line.substr(name.size() + 2, line.rfind('"') - name.size() - 2));
    return {};
}

// Where `what` sits in a list, or npos.
size_t index_of(const std::vector<std::string>& v, const std::string& what) {
    auto it = std::find(v.begin(), v.end(), what);
    return it == v.end() ? std::string::npos : static_cast<size_t>(it - v.begin());
}

void dracut_layout(const ImageContents& c, IntegrationVerdict& v) {
    auto txt = c.data.find(kModulesTxt);
    v.present = (txt != c.data.end() && lists_word(txt->second, "vfio-bind")) || has_binary(c);
    if (!v.present) {
        v.lacks.push_back("was built without the vfio-bind dracut module: nothing will claim the devices");
        return;
    }
    const bool unit = has(c, kUnit);
    if (unit && !unit_enabled(c)) v.lacks.push_back(std::string("has ") + kUnitName + " but nothing starts it");
    if (!unit && !c.dracut_hook)
        v.lacks.push_back(std::string("has no run point for vfio-bind (neither ") + kUnitName +
                          " nor a pre-udev hook)");
}

void initramfs_tools_layout(const ImageContents& c, IntegrationVerdict& v) {
    v.present = has(c, kInitramfsToolsScript) || has_binary(c);
    if (!v.present) {
        v.lacks.push_back("was built without the vfio-bind initramfs-tools hook: nothing will claim the devices");
        return;
    }
    if (!has(c, kInitramfsToolsScript)) {
        v.lacks.push_back(std::string("lacks /") + kInitramfsToolsScript + ", from where vfio-bind runs");
        return;
    }
    // init-top runs in the order of its ORDER file: ours must come before udev's coldplug.
    auto order = c.data.find(kInitTopOrder);
    std::vector<std::string> scripts;
    if (order != c.data.end())
        for (const auto& line : split(order->second, '\n'))
            if (starts_with(line, "/scripts/init-top/")) scripts.push_back(line.substr(18, line.find(' ', 18) - 18));
    const size_t ours = index_of(scripts, "00-vfio-bind"), udev = index_of(scripts, "udev");
    if (ours == std::string::npos)
        v.lacks.push_back(std::string("does not run vfio-bind (not in /") + kInitTopOrder + ")");
    else if (udev != std::string::npos && udev < ours)
        v.lacks.push_back(std::string("runs vfio-bind after udev's coldplug (/") + kInitTopOrder + ")");
}

void mkinitcpio_layout(const ImageContents& c, IntegrationVerdict& v) {
    auto cfg = c.data.find(kMkinitcpioConfig);
    const std::vector<std::string> early =
        cfg == c.data.end() ? std::vector<std::string>{} : config_words(cfg->second, "EARLYHOOKS");
    // The systemd hook makes /init systemd itself (an ELF file); else it is the busybox script.
    auto init = c.data.find("init");
    const bool systemd_init = init != c.data.end() && starts_with(init->second, "\x7f"
                                                                                "ELF");
    v.present = has(c, kMkinitcpioHook) || has_binary(c) || index_of(early, "vfio-bind") != std::string::npos;
    if (!v.present) {
        v.lacks.push_back("was built without the vfio-bind hook (mkinitcpio's HOOKS lack vfio-bind): nothing will "
                          "claim the devices");
        return;
    }
    if (systemd_init) { // the systemd hook: units, no runtime hooks
        if (!unit_enabled(c))
            v.lacks.push_back(std::string("is a systemd initramfs without ") + kUnitName + " enabled");
        return;
    }
    const size_t ours = index_of(early, "vfio-bind"), udev = index_of(early, "udev");
    if (!has(c, kMkinitcpioHook) || ours == std::string::npos)
        v.lacks.push_back("does not run the vfio-bind hook (not among the early hooks of /config)");
    else if (udev != std::string::npos && udev < ours)
        v.lacks.push_back("runs the vfio-bind hook after udev's (vfio-bind must come before udev in HOOKS)");
}

} // namespace

std::string canonical_name(std::string name) {
    for (const char* top : {"lib/", "lib64/", "bin/", "sbin/"})
        if (starts_with(name, top)) return "usr/" + name;
    return name;
}

bool is_modprobe_d(const std::string& name) {
    for (const char* dir : {"etc/modprobe.d/", "usr/lib/modprobe.d/", "run/modprobe.d/"})
        if (starts_with(name, dir) && ends_with(name, ".conf")) return true;
    return false;
}

bool wanted_data(const std::string& name) {
    return name == kImageConfig || name == kImageModprobe || name == kImageHostNeeds || name == kImageTrialConfig ||
           name == kModulesTxt || name == kInitTopOrder || name == kMkinitcpioConfig || name == "init" ||
           is_modprobe_d(name);
}

void note_entry(ImageContents& c, const std::string& name) {
    if (starts_with(name, "usr/lib/modules/")) {
        std::string v = name.substr(16, name.find('/', 16) - 16);
        if (!v.empty()) c.module_dirs.insert(v);
    }
    for (const char* dir : kDracutHookDirs)
        if (starts_with(name, dir) && name.find("vfio-bind") != std::string::npos) c.dracut_hook = true;
    c.names.insert(name);
}

std::optional<Generator> image_generator(const ImageContents& c) {
    if (c.data.count(kModulesTxt) || has(c, kModulesTxt)) return Generator::Dracut;
    if (has(c, kInitramfsConf)) return Generator::InitramfsTools;
    if (has(c, kMkinitcpioBuildconfig) || c.data.count(kMkinitcpioConfig)) return Generator::Mkinitcpio;
    return std::nullopt;
}

IntegrationVerdict check_integration_layout(Generator g, const ImageContents& c) {
    IntegrationVerdict v;
    switch (g) {
    case Generator::Dracut: dracut_layout(c, v); break;
    case Generator::InitramfsTools: initramfs_tools_layout(c, v); break;
    case Generator::Mkinitcpio: mkinitcpio_layout(c, v); break;
    }
    if (v.present && !has_binary(c)) v.lacks.insert(v.lacks.begin(), "lacks /usr/sbin/vfio-bind");
    return v;
}

bool layout_complete(const ImageContents& c) {
    if (!c.data.count(kImageConfig) || !c.data.count(kImageModprobe) || !c.data.count(kImageHostNeeds) ||
        !has_binary(c))
        return false;
    if (c.data.count(kModulesTxt)) return has(c, kUnit) || c.dracut_hook;
    if (has(c, kInitramfsConf)) return c.data.count(kInitTopOrder) && has(c, kInitramfsToolsScript);
    return c.data.count(kMkinitcpioConfig) && c.data.count("init") && (has(c, kMkinitcpioHook) || unit_enabled(c));
}

} // namespace vb
