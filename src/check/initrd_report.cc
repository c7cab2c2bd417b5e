#include "check/initrd_report.h"

#include <cstdio>

#include "basic/json.h"

namespace vb {

namespace {

const char* severity_name(Severity s) { return s == Severity::problem ? "problem" : "warning"; }

std::string fix_of(const Finding& f) { return f.fix.empty() ? f.fix_text : command_line(f.fix); }

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

} // namespace

std::string finding_line(const Finding& f) {
    std::string line = std::string(severity_name(f.severity)) + ": " + (f.kver.empty() ? "" : f.kver + ": ") + f.what;
    std::string fix = fix_of(f);
    return fix.empty() ? line : line + " -- fix: " + fix;
}

std::string format_table(const CheckReport& r) {
    if (!r.configured) return "no /etc/vfio-devices.ini: vfio-bind is not configured, nothing to check\n";
    size_t kw = 7, pw = 6;
    for (const auto& k : r.kernels) {
        kw = std::max(kw, k.kver.size() + 2);
        for (const auto& i : k.images) pw = std::max(pw, i.location.path.size() + 2);
    }
    std::string out = pad("KERNEL", kw) + pad("IMAGE", pw) + "FORMAT\n";
    for (const auto& k : r.kernels) {
        if (k.images.empty()) out += pad(k.kver, kw) + pad("(none)", pw) + "-\n";
        for (const auto& i : k.images) {
            std::string fmt = i.readable ? (i.generator.empty() ? "" : i.generator + ", ") + i.format + ", " +
                                               std::to_string(i.entries) + " entries" +
                                               (i.stopped_early ? " read (stopped once all was found)" : "")
                                         : "unreadable";
            if (!i.same_as.empty()) fmt = "the same as " + i.same_as;
            if (!i.esp.empty()) fmt = "ESP " + i.esp + " (proxmox-boot-tool): " + fmt;
            out += pad(k.kver.empty() ? i.kver : k.kver, kw) + pad(i.location.path, pw) + fmt + "\n";
        }
    }
    size_t problems = 0, warnings = 0;
    for (const auto& f : r.findings) {
        out += finding_line(f) + "\n";
        (f.severity == Severity::problem ? problems : warnings)++;
    }
    if (problems == 0) out += "ok: every kernel will claim the configured devices at boot";
    else out += std::to_string(problems) + " problem" + (problems > 1 ? "s" : "");
    if (warnings) out += " (" + std::to_string(warnings) + " warning" + (warnings > 1 ? "s" : "") + ")";
    return out + "\n";
}

std::string format_json(const CheckReport& r) {
    JsonWriter j;
    j.begin_object();
    j.key("version").value(1); // the shape: conf/schema/vfio-initrd-check.json
    j.key("ok").value(!r.has_problems());
    j.key("configured").value(r.configured);
    j.key("kernels").begin_array();
    for (const auto& kr : r.kernels) {
        j.begin_object();
        j.key("kernel").value(kr.kver);
        j.key("images").begin_array();
        for (const auto& im : kr.images) {
            j.begin_object();
            j.key("path").value(im.location.path);
            j.key("uki").value(im.location.uki);
            j.key("readable").value(im.readable);
            j.key("generator").value(im.generator);
            j.key("format").value(im.format);
            j.key("entries").value(static_cast<int64_t>(im.entries));
            j.key("esp");
            if (im.esp.empty()) j.null();
            else j.value(im.esp);
            j.key("same_as");
            if (im.same_as.empty()) j.null();
            else j.value(im.same_as);
            j.end_object();
        }
        j.end_array();
        j.end_object();
    }
    j.end_array();
    j.key("findings").begin_array();
    for (const auto& f : r.findings) {
        j.begin_object();
        j.key("severity").value(severity_name(f.severity));
        j.key("kernel").value(f.kver);
        j.key("what").value(f.what);
        j.key("fix").value(fix_of(f));
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return j.str() + "\n";
}

} // namespace vb
