#include "boot/stray_ids.h"

#include <map>
#include <set>

#include "basic/kernel_params.h"
#include "basic/text.h"

namespace vb {

namespace {

bool is_vfio_pci(std::string_view module) { return module == "vfio-pci" || module == "vfio_pci"; }

void add_ids(std::string_view list, std::vector<PciId>& out) {
    for (const auto& id : split(list, ','))
        if (auto p = parse_pci_id(trim(id))) out.push_back(*p);
}

} // namespace

std::vector<ModprobeIdsLine> vfio_pci_ids_lines_in_modprobe(std::string_view text) {
    std::vector<ModprobeIdsLine> out;
    const std::vector<std::string> lines = split(text, '\n');
    for (size_t n = 0; n < lines.size(); ++n) {
        std::string line = lines[n];
        if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        const std::vector<std::string> words = split_blanks(line);
        if (words.size() < 3 || words[0] != "options" || !is_vfio_pci(words[1])) continue;
        ModprobeIdsLine found{n + 1, trim(lines[n]), {}};
        for (size_t i = 2; i < words.size(); i++)
            if (starts_with(words[i], "ids=")) add_ids(std::string_view(words[i]).substr(4), found.ids);
        if (!found.ids.empty()) out.push_back(std::move(found));
    }
    return out;
}

std::vector<PciId> vfio_pci_ids_in_modprobe(std::string_view text) {
    std::vector<PciId> out;
    for (const auto& l : vfio_pci_ids_lines_in_modprobe(text)) out.insert(out.end(), l.ids.begin(), l.ids.end());
    return out;
}

std::vector<std::string> vfio_pci_ids_params(std::string_view cmdline) {
    std::vector<std::string> out;
    auto spans = split_cmdline(cmdline);
    if (!spans) return out;
    for (const auto& word : split_words(*spans))
        if (param_key(word) == "vfio_pci.ids") out.push_back(word);
    return out;
}

std::vector<PciId> vfio_pci_ids_in_cmdline(std::string_view cmdline) {
    std::vector<PciId> out;
    for (const auto& word : vfio_pci_ids_params(cmdline)) {
        std::string value = word.substr(word.find('=') + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        add_ids(value, out);
    }
    return out;
}

std::vector<StrayClaim> stray_claims(const std::vector<PciId>& ids, const std::vector<PciDevice>& devices,
                                     const Config& config, const Plan& plan) {
    std::set<std::string> targets;
    for (const auto& t : plan.targets) targets.insert(t.device.address.str());
    std::map<std::string, std::string> refused;
    for (const auto& r : plan.refused)
        if (r.device) refused[r.device->str()] = r.reason;

    std::vector<StrayClaim> out;
    for (const auto& d : devices) {
        if (targets.count(d.address.str()) || d.is_bridge()) continue;
        bool hit = false;
        for (const auto& id : ids) hit = hit || d.matches(id);
        if (!hit) continue;
        std::string why;
        if (auto it = refused.find(d.address.str()); it != refused.end())
            why = "which the config refuses: " + it->second;
        else if (std::string keep = host_keeps_reason(config, d); !keep.empty()) why = "which " + keep;
        else why = "which the config does not claim";
        out.push_back({&d, why});
    }
    return out;
}

std::string ids_str(const std::vector<PciId>& ids) {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ",") + id.str();
    return s;
}

} // namespace vb
