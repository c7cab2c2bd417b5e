#include "bootloader/iommu_off.h"

#include <algorithm>

#include "basic/text.h"

namespace vb {

namespace {

struct Switch {
    const char* key;
    const char* what;
};
// nointremap has no value: it is on the command line or not.
const Switch kSwitches[] = {
    {"iommu", "turns off AMD-Vi and VT-d both"},
    {"intel_iommu", "turns off the Intel IOMMU (VT-d)"},
    {"amd_iommu", "turns off the AMD IOMMU (AMD-Vi)"},
    {"intremap", "turns off interrupt remapping, without which VFIO refuses devices"},
    {"nointremap", "turns off interrupt remapping, without which VFIO refuses devices"},
};

std::string without_quotes(std::string_view p) {
    std::string out;
    for (char c : p)
        if (c != '"') out += c;
    return out;
}

} // namespace

std::optional<IommuOff> iommu_off(std::string_view param) {
    const std::string key = param_key(param);
    const std::string text = without_quotes(param);
    const size_t eq = text.find('=');
    for (const auto& s : kSwitches) {
        if (key != s.key) continue;
        if (key == "nointremap") return IommuOff{std::string(param), s.what, eq == std::string::npos};
        if (eq == std::string::npos) return std::nullopt;
        const auto options = split(std::string_view(text).substr(eq + 1), ',');
        if (std::find(options.begin(), options.end(), "off") == options.end()) return std::nullopt;
        return IommuOff{std::string(param), s.what, options.size() == 1};
    }
    return std::nullopt;
}

std::string iommu_off_why(std::string_view param) {
    auto o = iommu_off(param);
    return o ? " (it " + o->what + ")" : "";
}

std::vector<IommuOff> iommu_offs(std::string_view cmdline) {
    std::vector<IommuOff> out;
    auto spans = split_cmdline(cmdline);
    if (!spans) return out;
    for (const auto& s : *spans)
        if (auto o = iommu_off(s.text)) out.push_back(*o);
    return out;
}

std::vector<std::string> iommu_off_switches(CpuVendor vendor) {
    std::vector<std::string> out = {"iommu=off", "intremap=off", "nointremap"};
    if (vendor != CpuVendor::Intel) out.insert(out.begin(), {"amd_iommu=off", "intel_iommu=off"});
    return out;
}

std::string iommu_off_left(const std::string& where, std::string_view cmdline, const ParamEdit& edit) {
    auto out = apply_edit(cmdline, edit);
    if (!out) return "";
    for (const auto& o : iommu_offs(out->cmdline)) {
        const std::string key = param_key(o.param);
        const bool meant = std::any_of(edit.remove.begin(), edit.remove.end(),
                                       [&](const std::string& r) { return param_key(r) == key; });
        if (!meant) continue;
        return where + ": " + o.param + " " + o.what + ", and vfio-setup does not remove it: " +
               (o.plain ? "it is not spelled the one way vfio-setup removes"
                        : "it shares its parameter with other options, which removing it would drop") +
               "; take 'off' out of it by hand, then run `vfio-setup cmdline enable`";
    }
    return "";
}

} // namespace vb
