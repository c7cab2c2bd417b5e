#include "setup/status_json.h"

#include "basic/command.h"
#include "basic/json.h"
#include "boot/pci.h"

namespace vb {

namespace {

JsonWriter& strings(JsonWriter& j, const std::string& key, const std::vector<std::string>& list) {
    j.key(key).begin_array();
    for (const auto& s : list) j.value(s);
    return j.end_array();
}

} // namespace

std::string status_json(const SetupStatus& st, const std::string& trial) {
    JsonWriter j;
    const auto problems = st.problems();
    j.begin_object();
    j.key("version").value(kStatusJsonVersion);
    j.key("ok").value(problems.empty());
    strings(j, "problems", problems);
    j.key("config_exists").value(st.config_exists);
    j.key("config_error");
    if (st.config_error.empty()) j.null();
    else j.value(st.config_error);
    j.key("iommu_next_step");
    if (st.iommu_advice.empty()) j.null();
    else j.value(st.iommu_advice);
    j.key("entries").value(static_cast<int64_t>(st.entries));
    j.key("iommu_active").value(st.iommu_active);
    j.key("interrupt_remapping");
    if (st.interrupt_remapping) j.value(*st.interrupt_remapping);
    else j.null();
    j.key("devices").begin_array();
    for (const auto& d : st.devices) {
        j.begin_object();
        j.key("address").value(d.device.address.str());
        j.key("id").value(d.device.id_str());
        j.key("class").value(pci_class_name(d.device.class_code));
        j.key("why").value(d.why);
        j.key("driver");
        if (d.device.driver.empty()) j.null();
        else j.value(d.device.driver);
        j.key("iommu_group");
        if (d.device.iommu_group) j.value(*d.device.iommu_group);
        else j.null();
        j.key("viable").value(d.blockers.empty());
        strings(j, "blockers", d.blockers);
        j.key("dev_vfio").value(d.dev_vfio);
        j.end_object();
    }
    j.end_array();
    j.key("refused").begin_array();
    for (const auto& r : st.refused) {
        j.begin_object();
        j.key("subject").value(r.subject);
        j.key("reason").value(r.reason);
        j.key("host_need").value(r.host_need);
        j.key("expected").value(r.expected);
        j.end_object();
    }
    j.end_array();
    strings(j, "warnings", st.warnings);
    j.key("framebuffers").begin_array();
    for (const auto& f : st.framebuffers) {
        j.begin_object();
        j.key("device").value(f.device);
        j.key("framebuffer").value(f.framebuffer.name);
        j.key("param").value(f.param);
        j.end_object();
    }
    j.end_array();
    j.key("rebuild").value(st.rebuild);
    j.key("trial");
    if (trial.empty()) j.null();
    else j.value(trial);
    j.end_object();
    return j.str() + "\n";
}

std::string cmdline_status_json(const CmdlineStatus& st, const EnableOutlook& enable) {
    JsonWriter j;
    j.begin_object();
    j.key("version").value(kStatusJsonVersion);
    j.key("cpu");
    if (!st.cpu_known) {
        j.null();
    } else {
        j.begin_object();
        j.key("vendor").value(vendor_name(st.cpu.vendor));
        j.key("model").value(st.cpu.model_name);
        j.key("vmx").value(st.cpu.vmx);
        j.key("svm").value(st.cpu.svm);
        j.end_object();
    }
    j.key("firmware").begin_object();
    j.key("dmar").value(st.iommu.dmar_table);
    j.key("ivrs").value(st.iommu.ivrs_table);
    j.end_object();
    j.key("iommu").begin_object();
    j.key("active").value(st.iommu.iommu_groups > 0);
    j.key("units").value(st.iommu.iommu_units);
    j.key("groups").value(st.iommu.iommu_groups);
    j.end_object();
    j.key("running_cmdline").value(st.running_cmdline);
    j.key("loader_info").value(st.boot.loader_info);
    j.key("enabled").value(st.enabled);
    j.key("bootloaders").begin_array();
    for (const auto& b : st.bootloaders) {
        j.begin_object();
        j.key("name").value(b.name);
        j.key("in_use").value(b.in_use);
        j.key("error");
        if (b.error.empty()) j.null();
        else j.value(b.error);
        j.key("entries").begin_array();
        for (const auto& e : b.entries) {
            j.begin_object();
            j.key("source").value(e.source);
            j.key("cmdline").value(e.cmdline);
            j.end_object();
        }
        j.end_array();
        j.end_object();
    }
    j.end_array();
    j.key("enable").begin_object();
    j.key("outcome").value(enable.outcome);
    strings(j, "files", enable.files);
    j.key("error");
    if (enable.error.empty()) j.null();
    else j.value(enable.error);
    j.end_object();
    j.end_object();
    return j.str() + "\n";
}

std::string initramfs_status_json(const InitramfsStatus& st, const std::string& installed, bool installed_ok) {
    JsonWriter j;
    j.begin_object();
    j.key("version").value(kStatusJsonVersion);
    j.key("generator");
    if (st.generator) j.value(generator_name(st.generator->generator));
    else j.null();
    j.key("why");
    if (st.generator) j.value(st.generator->why);
    else j.null();
    j.key("integration_installed").value(st.integration_installed);
    j.key("runs_vfio_bind").value(st.runs_vfio_bind);
    j.key("installed_images").value(installed);
    j.key("installed_images_ok").value(installed_ok);
    strings(j, "hooks", st.hooks);
    j.key("hooks_error");
    if (st.hooks_error.empty()) j.null();
    else j.value(st.hooks_error);
    strings(j, "presets_without_drop_ins", st.presets_without_drop_ins);
    j.key("rebuild_all");
    if (st.generator) j.value(command_line(st.rebuild_all));
    else j.null();
    j.end_object();
    return j.str() + "\n";
}

} // namespace vb
