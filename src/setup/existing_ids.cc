#include "setup/existing_ids.h"

#include <algorithm>

#include "basic/text.h"
#include "boot/stray_ids.h"
#include "bootloader/boot_context.h"
#include "bootloader/select.h"

namespace vb {

namespace {

// Where modprobe reads its configuration, in its order.
const char* const kModprobeDirs[] = {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
                                     "/usr/lib/modprobe.d", "/lib/modprobe.d"};

// `vfio-setup add` of one function of each card the ids match here (group =
// yes brings the card's other functions along).
std::vector<std::string> add_commands(const std::vector<PciId>& ids, const std::vector<PciDevice>& devices) {
    std::vector<std::string> out, slots;
    for (const auto& d : devices) {
        if (d.is_bridge()) continue;
        if (std::none_of(ids.begin(), ids.end(), [&](const PciId& id) { return d.matches(id); })) continue;
        if (std::find(slots.begin(), slots.end(), d.address.slot_str()) != slots.end()) continue;
        slots.push_back(d.address.slot_str());
        out.push_back("vfio-setup add " + d.address.str());
    }
    return out;
}

// The file and line of a boot entry's source: "/boot/grub/grub.cfg:12",
// "/etc/kernel/cmdline (proxmox-boot-tool refresh writes it ...)".
void file_and_line(const std::string& source, std::string& file, int& line) {
    file = source.substr(0, source.find(" ("));
    line = 0;
    const size_t colon = file.rfind(':');
    if (colon == std::string::npos || colon + 1 == file.size()) return;
    const std::string digits = file.substr(colon + 1);
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return;
    line = std::stoi(digits);
    file.resize(colon);
}

void from_cmdline(const std::string& where, const std::string& cmdline, const std::vector<PciDevice>& devices,
                  std::vector<ExistingIds>& out) {
    for (const auto& param : vfio_pci_ids_params(cmdline)) {
        const std::vector<PciId> ids = vfio_pci_ids_in_cmdline(param);
        if (ids.empty()) continue;
        out.push_back({where, param, ids, add_commands(ids, devices), "remove " + param + " from " + where});
        file_and_line(where, out.back().file, out.back().line);
    }
}

} // namespace

std::vector<ExistingIds> find_existing_ids(const Fs& fs, const std::vector<PciDevice>& devices,
                                           std::vector<std::string>* unreadable) {
    std::vector<ExistingIds> out;
    for (const char* dir : kModprobeDirs) {
        auto names = fs.list_dir(dir);
        if (!names) continue;
        std::sort(names->begin(), names->end());
        for (const auto& n : *names) {
            if (!ends_with(n, ".conf")) continue;
            const std::string path = std::string(dir) + "/" + n;
            auto text = fs.read(path);
            if (!text) {
                if (unreadable) unreadable->push_back(text.error().message);
                continue;
            }
            for (const auto& l : vfio_pci_ids_lines_in_modprobe(*text))
                out.push_back({path + ":" + std::to_string(l.number), l.text, l.ids, add_commands(l.ids, devices),
                               "delete line " + std::to_string(l.number) + " of " + path, path,
                               static_cast<int>(l.number)});
        }
    }
    std::vector<std::string> in_entries;
    auto boot = load_boot_context(fs);
    if (!boot && unreadable)
        unreadable->push_back("boot entries not searched for vfio-pci ids=: " + boot.error().message);
    for (const auto& s : boot ? select_bootloaders(fs, *boot) : std::vector<Selected>{}) {
        if (!s.in_use) continue;
        auto entries = s.backend->entries(fs);
        if (!entries) continue; // cmdline status says why
        for (const auto& e : *entries) {
            from_cmdline(e.source, e.cmdline, devices, out);
            for (const auto& p : vfio_pci_ids_params(e.cmdline)) in_entries.push_back(p);
        }
    }
    // The running kernel's, when no boot entry has it (typed at the boot
    // menu, or a boot loader vfio-setup does not read).
    if (auto running = fs.read("/proc/cmdline"))
        for (const auto& param : vfio_pci_ids_params(*running)) {
            if (std::find(in_entries.begin(), in_entries.end(), param) != in_entries.end()) continue;
            const std::vector<PciId> ids = vfio_pci_ids_in_cmdline(param);
            if (!ids.empty())
                out.push_back({"/proc/cmdline (the running kernel)", param, ids, add_commands(ids, devices),
                               "take " + param + " out where this boot got it (no boot entry here has it)",
                               "/proc/cmdline"});
        }
    return out;
}

std::string format_existing_ids(const std::vector<ExistingIds>& found) {
    if (found.empty()) return "";
    std::string out = "\nvfio-pci ids= set outside vfio-bind: vfio-pci takes every device with these ids, identical "
                      "cards and the boot GPU included, whatever the config says. Config entries replace them:\n";
    for (const auto& f : found) {
        out += "  " + f.where + ": " + f.text + "\n";
        if (f.add.empty()) out += "    no device here has these ids\n";
        for (const auto& a : f.add) out += "    " + a + "\n";
        out += "    then " + f.remove + "\n";
    }
    return out;
}

void existing_ids_json(JsonWriter& j, const std::vector<ExistingIds>& found) {
    j.begin_array();
    for (const auto& f : found) {
        j.begin_object();
        j.key("where").value(f.where);
        j.key("file").value(f.file);
        j.key("line");
        if (f.line > 0) j.value(f.line);
        else j.null();
        j.key("text").value(f.text);
        j.key("ids").begin_array();
        for (const auto& id : f.ids) j.value(id.str());
        j.end_array();
        j.key("add").begin_array();
        for (const auto& a : f.add) j.value(a);
        j.end_array();
        j.key("remove").value(f.remove);
        j.end_object();
    }
    j.end_array();
}

} // namespace vb
