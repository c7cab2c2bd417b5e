#include "bootloader/cpu_info.h"

#include <sstream>

#include "basic/read_limits.h"

namespace vb {

namespace {

Result<int> count_entries(const Fs& fs, const std::string& dir) {
    auto names = list_dir_if_present(fs, dir);
    if (!names) return names.error();
    return static_cast<int>(names->size());
}

} // namespace

const char* vendor_name(CpuVendor v) {
    switch (v) {
    case CpuVendor::Intel: return "Intel";
    case CpuVendor::Amd: return "AMD";
    default: return "unknown";
    }
}

CpuInfo parse_cpuinfo(std::string_view text) {
    CpuInfo info;
    std::istringstream in{std::string(text)};
    std::string line;
    bool seen_flags = false;
    while (std::getline(in, line)) {
        if (trim(line).empty()) {
            if (seen_flags) break; // end of the first processor block
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = trim(std::string_view(line).substr(0, colon));
        std::string value = trim(std::string_view(line).substr(colon + 1));
        if (key == "vendor_id" && info.vendor_id.empty()) info.vendor_id = value;
        else if (key == "model name" && info.model_name.empty()) info.model_name = value;
        else if (key == "flags" && !seen_flags) {
            seen_flags = true;
            std::istringstream flags(value);
            for (std::string f; flags >> f;) {
                if (f == "vmx") info.vmx = true;
                if (f == "svm") info.svm = true;
                if (f == "hypervisor") info.hypervisor = true;
            }
        }
    }
    if (info.vendor_id == "GenuineIntel") info.vendor = CpuVendor::Intel;
    // Hygon Dhyana CPUs are AMD designs with AMD-Vi.
    else if (info.vendor_id == "AuthenticAMD" || info.vendor_id == "HygonGenuine") info.vendor = CpuVendor::Amd;
    return info;
}

Result<CpuInfo> read_cpu_info(const Fs& fs) {
    auto text = fs.read("/proc/cpuinfo", kMaxProcTable);
    if (!text) return text.error();
    return parse_cpuinfo(*text);
}

Result<IommuState> read_iommu_state(const Fs& fs) {
    IommuState s;
    for (auto [path, have] : {std::pair{"/sys/firmware/acpi/tables/DMAR", &s.dmar_table},
                              std::pair{"/sys/firmware/acpi/tables/IVRS", &s.ivrs_table}}) {
        auto there = fs.probe(path);
        if (!there) return there.error();
        *have = *there;
    }
    for (auto [dir, count] :
         {std::pair{"/sys/class/iommu", &s.iommu_units}, std::pair{"/sys/kernel/iommu_groups", &s.iommu_groups}}) {
        auto n = count_entries(fs, dir);
        if (!n) return n.error();
        *count = *n;
    }
    return s;
}

} // namespace vb
