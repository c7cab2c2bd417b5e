// Real boot loader files from public configuration repositories
// (tests/fixtures/real/, each with its SOURCE): `cmdline enable`, enable
// again, `disable`, on an Intel and on an AMD machine. Every accepted file
// gets exactly one intel_iommu=on (Intel) in what the boot loader really
// reads and never amd_iommu=on, a second enable changes nothing, disable
// restores every byte; a refused one is refused for the reason listed here,
// and nothing is written.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "basic/kernel_params.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/select.h"
#include "lib/bootloader_fixture.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;
namespace fs = std::filesystem;

namespace {

const char* const kRealDir = "tests/fixtures/real";

// The files refused, and why (a substring of the message). Everything else
// must be accepted.
const std::map<std::string, std::string> kRefused = {
    // The shell itself stops at the unclosed quote of the last line.
    {"grub/fedora-birdietx-unterminated", "a double quote is never closed"},
    // The same variable set twice to different values: which one the user means is unclear.
    {"grub/arch-kciredor-default-twice", "is set again"},
    {"grub/gentoo-pnotz17-set-twice", "is set again"},
    // GRUB_CMDLINE_LINUX runs a command ($(...)) whose output we cannot know
    // (the RHEL 7 template).
    {"grub/fedora-alwayswithme-rhcrashkernel", "uses a substitution whose value cannot be known"},
    // No boot entry at all: only loader.conf (and /etc/kernel/cmdline for
    // unified kernel images, which carry the command line they were built with).
    {"sdboot/arch-hossamdash-efi-uki", "no supported bootloader configuration found"},
    {"sdboot/arch-n4vysh-uki-cmdline", "no supported bootloader configuration found"},
    {"sdboot/fedora-birdietx-loader-only", "no supported bootloader configuration found"},
};

std::string source_field(const fs::path& dir, const std::string& key) {
    std::string text = read_file((dir / "SOURCE").string());
    size_t at = text.find("\n" + key + ": ");
    if (text.compare(0, key.size() + 2, key + ": ") == 0) at = 0;
    else if (at == std::string::npos) return "";
    else ++at;
    size_t b = at + key.size() + 2, e = text.find('\n', b);
    return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// The distributions whose GRUB reads /etc/default/grub.d (Debian's patch).
bool debian_like(const std::string& distro) {
    for (const char* d : {"debian", "ubuntu", "mint", "popos", "proxmox", "elementary", "point"})
        if (distro.find(d) != std::string::npos) return true;
    return false;
}
bool grub2_paths(const std::string& distro) {
    return distro.find("fedora") != std::string::npos || distro.find("centos") != std::string::npos ||
           distro.find("opensuse") != std::string::npos;
}

// A machine around the fixture: its files, the boot loader's own file that
// says it is installed, /proc/cpuinfo.
void make_root(const fs::path& fixture, const std::string& kind, const TempDir& root, const char* vendor) {
    for (const auto& e : fs::recursive_directory_iterator(fixture)) {
        if (!e.is_regular_file() || e.path().filename() == "SOURCE") continue;
        fs::path rel = fs::relative(e.path(), fixture);
        fs::create_directories(fs::path(root / rel.string()).parent_path());
        fs::copy_file(e.path(), root / rel.string());
    }
    const std::string distro = source_field(fixture, "distro");
    if (kind == "grub") {
        write_file(root / (grub2_paths(distro) ? "boot/grub2/grub.cfg" : "boot/grub/grub.cfg"), "");
        if (debian_like(distro)) write_file(root / "etc/debian_version", "12.5\n");
    }
    write_file(root / "proc/cpuinfo", std::string("processor\t: 0\nvendor_id\t: ") + vendor +
                                          "\nmodel name\t: Test CPU\nflags\t\t: fpu vmx svm\n\n");
}

// The files the test lays beside a real one to make a machine of it.
bool same_files(const fs::path& fixture, const TempDir& root) {
    return same_tree(fixture, root, {"boot/grub/grub.cfg", "boot/grub2/grub.cfg", "etc/debian_version"});
}

// The command lines the boot loaders in use give the kernel now.
std::vector<std::vector<std::string>> command_lines(const Fs& fs) {
    std::vector<std::vector<std::string>> out;
    auto boot = load_boot_context(fs);
    REQUIRE_OK(boot);
    for (const auto& s : select_bootloaders(fs, *boot)) {
        if (!s.in_use) continue;
        auto entries = s.backend->entries(fs);
        REQUIRE_OK(entries);
        for (const auto& e : *entries) {
            auto words = split_cmdline(e.cmdline);
            REQUIRE_OK(words);
            out.push_back(split_words(*words));
        }
    }
    return out;
}

long count_key(const std::vector<std::string>& words, const std::string& param) {
    return std::count(words.begin(), words.end(), param);
}

void run_one(const fs::path& fixture, const std::string& kind, CpuVendor vendor) {
    const std::string name = kind + "/" + fixture.filename().string();
    CAPTURE(name);
    CAPTURE(std::string(vendor_name(vendor)));
    TempDir root;
    make_root(fixture, kind, root, vendor == CpuVendor::Intel ? "GenuineIntel" : "AuthenticAMD");
    DiskFs fs(root.path());
    long amd_on_before = 0;
    if (!kRefused.count(name))
        for (const auto& words : command_lines(fs)) amd_on_before += count_key(words, "amd_iommu=on");
    auto edit = enable_edit(vendor, EnableOptions{true, {}}, nullptr);
    REQUIRE_OK(edit);
    auto plan = plan_enable(fs, *edit);
    auto refused = kRefused.find(name);
    if (refused != kRefused.end()) {
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().message.find(refused->second) != std::string::npos);
        CHECK(same_files(fixture, root));
        return;
    }
    const std::string why = plan.ok() ? std::string() : plan.error().message;
    INFO(why);
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    long amd_on_after = 0;
    for (const auto& words : command_lines(fs)) {
        CAPTURE(join_cmdline(words));
        if (vendor == CpuVendor::Intel) CHECK(count_key(words, "intel_iommu=on") == 1);
        CHECK(count_key(words, "iommu=pt") == 1);
        amd_on_after += count_key(words, "amd_iommu=on");
    }
    CHECK(amd_on_after == amd_on_before); // never added (what the user wrote stays)
    auto again = plan_enable(fs, *edit);
    REQUIRE_OK(again);
    CHECK(again->empty());
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_files(fixture, root));
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

std::vector<fs::path> fixtures(const std::string& kind) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fs::path(kRealDir) / kind))
        if (e.is_directory()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("real /etc/default/grub files: enable, again, disable, byte for byte, on Intel and AMD") {
    auto dirs = fixtures("grub");
    CHECK(dirs.size() >= 30);
    for (const auto& d : dirs)
        for (CpuVendor v : {CpuVendor::Intel, CpuVendor::Amd}) {
            const std::string sub = d.filename().string() + (v == CpuVendor::Intel ? " (Intel)" : " (AMD)");
            SUBCASE(sub.c_str()) { run_one(d, "grub", v); }
        }
}

TEST_CASE("real systemd-boot trees: enable, again, disable, byte for byte, on Intel and AMD") {
    auto dirs = fixtures("sdboot");
    CHECK(dirs.size() >= 10);
    for (const auto& d : dirs)
        for (CpuVendor v : {CpuVendor::Intel, CpuVendor::Amd}) {
            const std::string sub = d.filename().string() + (v == CpuVendor::Intel ? " (Intel)" : " (AMD)");
            SUBCASE(sub.c_str()) { run_one(d, "sdboot", v); }
        }
}
