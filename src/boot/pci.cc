#include "boot/pci.h"

#include <algorithm>

namespace vb {

namespace {

Result<uint32_t> read_hex(const Fs& fs, const std::string& path) {
    auto text = fs.read_attribute(path);
    if (!text) return text.error();
    auto v = parse_sysfs_hex(*text);
    if (!v) return make_error(EINVAL, path + ": " + v.error().message);
    return *v;
}

} // namespace

std::string PciDevice::id_str() const { return PciId{vendor, device, false, 0, 0}.str(); }

namespace {

// uevent carries ids, class and modalias in one read (PCI_ID=1002:5159,
// PCI_SUBSYS_ID=..., PCI_CLASS=30000, MODALIAS=...): one open instead of six.
bool parse_uevent(const std::string& text, PciDevice& d) {
    bool have_id = false, have_class = false;
    for (const std::string& line : split(text, '\n')) {
        size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "PCI_ID" || key == "PCI_SUBSYS_ID") {
            auto id = parse_pci_id(value);
            if (!id) return false;
            if (key == "PCI_ID") d.vendor = id->vendor, d.device = id->device, have_id = true;
            else d.subvendor = id->vendor, d.subdevice = id->device;
        } else if (key == "PCI_CLASS") {
            auto c = parse_sysfs_hex(value);
            if (!c) return false;
            d.class_code = *c;
            have_class = true;
        } else if (key == "MODALIAS") {
            d.modalias = value;
        }
    }
    return have_id && have_class;
}

Status read_attributes(const Fs& fs, const std::string& dir, PciDevice& d) {
    uint32_t v[5];
    const char* names[] = {"vendor", "device", "subsystem_vendor", "subsystem_device", "class"};
    for (int i = 0; i < 5; i++) {
        auto r = read_hex(fs, dir + "/" + names[i]);
        if (!r) return r.error();
        v[i] = *r;
    }
    d.vendor = static_cast<uint16_t>(v[0]);
    d.device = static_cast<uint16_t>(v[1]);
    d.subvendor = static_cast<uint16_t>(v[2]);
    d.subdevice = static_cast<uint16_t>(v[3]);
    d.class_code = v[4];
    if (auto m = fs.read_attribute(dir + "/modalias")) d.modalias = trim(*m);
    return {};
}

} // namespace

Result<PciDevice> read_pci_device(const Fs& fs, const PciAddress& addr) {
    PciDevice d;
    d.address = addr;
    const std::string dir = d.sysfs_dir();
    // One directory lookup for everything a plan needs. Only display devices
    // have boot_vga; for the others that read fails, which is fine.
    auto got = fs.read_in_dir(dir, {{"uevent", false}, {"boot_vga", false}, {"driver", true}, {"iommu_group", true}});
    if (!got[0] || !parse_uevent(*got[0], d))
        if (Status st = read_attributes(fs, dir, d); !st) return st.error();

    if (d.is_display() && got[1]) d.boot_vga = trim(*got[1]) == "1";
    // A link that is absent says "none"; one that cannot be read (EIO) says
    // nothing: the device is then unknown, never driverless or groupless.
    for (int i : {2, 3})
        if (!got[i] && !is_absent(got[i].error())) return got[i].error();
    if (got[2]) d.driver = basename_of(*got[2]);
    // The functions the GPU's driver depends on (HDMI audio, USB-C, UCSI) are
    // its consumers: /sys/bus/pci/devices/<gpu>/consumer:pci:<addr>. Only
    // display functions are listed, so a scan reads no more directories than
    // there are GPUs.
    if (d.is_display())
        if (auto names = fs.list_dir(dir))
            for (const auto& n : *names)
                if (starts_with(n, "consumer:pci:"))
                    if (auto a = parse_pci_sysfs_name(std::string_view(n).substr(13))) d.consumers.push_back(*a);
    if (auto& g = got[3]) {
        const std::string n = basename_of(*g);
        if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() < 9)
            d.iommu_group = std::stoi(n);
    }
    return d;
}

Result<std::vector<PciDevice>> scan_pci_devices(const Fs& fs, std::vector<std::string>* skipped,
                                                const std::function<bool(const std::string&)>& wanted) {
    auto names = fs.list_dir(kPciDevicesDir);
    if (!names) return names.error();
    std::vector<PciDevice> devices;
    devices.reserve(names->size());
    for (const auto& name : *names) {
        if (wanted && !wanted(name)) continue;
        auto addr = parse_pci_address(name);
        auto dev = addr ? read_pci_device(fs, *addr) : Result<PciDevice>(addr.error());
        if (dev) devices.push_back(std::move(*dev));
        else if (skipped) skipped->push_back(name + ": " + dev.error().message);
    }
    // list_dir sorts names as text; "10000:e1:00.0" (Intel VMD) is not a
    // text-order neighbour of "0000:..." and "ffff:..."
    std::sort(devices.begin(), devices.end(),
              [](const PciDevice& a, const PciDevice& b) { return a.address < b.address; });
    return devices;
}

namespace {

bool companion_of(const PciDevice& gpu, const PciDevice& f) {
    if (std::find(gpu.consumers.begin(), gpu.consumers.end(), f.address) != gpu.consumers.end()) return true;
    const uint32_t c = f.class_code >> 8;
    // Function 1 audio is the GPU's HDMI/DP audio whoever made it (QEMU puts
    // an Intel HDA there); an APU's own HD audio sits further up (function 6).
    if (c == 0x0403 && f.address.function == 1) return true;
    return f.vendor == gpu.vendor && (f.is_display() || c == 0x0403 || c == 0x0c03 || c == 0x0c80);
}

} // namespace

SlotSplit split_slot(const PciDevice& d, const std::vector<const PciDevice*>& slot) {
    SlotSplit out;
    for (const PciDevice* f : slot)
        if (f->is_display() && !out.gpu) out.gpu = f;
    auto on_card = [&](const PciDevice& f) {
        return !out.gpu || f.address == out.gpu->address || companion_of(*out.gpu, f);
    };
    if (!on_card(d)) return out; // the PSP named by itself: a card of its own
    for (const PciDevice* f : slot)
        if (!f->is_bridge() && f->address != d.address) (on_card(*f) ? out.card : out.left_out).push_back(f);
    return out;
}

std::string pci_class_name(uint32_t c) {
    switch (c >> 8) {
    case 0x0300: return "VGA compatible controller";
    case 0x0302: return "3D controller";
    case 0x0380: return "Display controller";
    case 0x0403: return "Audio device";
    case 0x0401: return "Multimedia audio controller";
    case 0x0c03: return "USB controller";
    case 0x0106: return "SATA controller";
    case 0x0108: return "Non-Volatile memory controller";
    case 0x0200: return "Ethernet controller";
    case 0x0600: return "Host bridge";
    case 0x0601: return "ISA bridge";
    case 0x0604: return "PCI bridge";
    case 0x0c05: return "SMBus";
    case 0x0c80: return "Serial bus controller";
    case 0x1080: return "Encryption controller";
    }
    switch (c >> 16) {
    case 0x01: return "Mass storage controller";
    case 0x02: return "Network controller";
    case 0x03: return "Display controller";
    case 0x04: return "Multimedia controller";
    case 0x06: return "Bridge";
    case 0x0c: return "Serial bus controller";
    }
    return "Unclassified device";
}

} // namespace vb
