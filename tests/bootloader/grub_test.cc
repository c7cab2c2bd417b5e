#include <doctest/doctest.h>

#include <filesystem>

#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/grub.h"
#include "lib/bootloader_fixture.h"
#include "lib/faulty_fs.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

ParamEdit intel_pt() { return ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}}; }

// enable, then disable, on a copy of `name`; returns the enable plan.
CmdlinePlan enable_disable(const std::string& name, const TempDir& root, const ParamEdit& e) {
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, e);
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto again = plan_enable(fs, e);
    REQUIRE_OK(again);
    CHECK(again->empty()); // enable twice changes nothing
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture(name, root));
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
    return *plan;
}

} // namespace

TEST_CASE("GRUB on Debian 12: a drop-in of our own, undone byte for byte") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs fs(root.path());
    auto grub = make_grub_bootloader();
    auto changes = grub->plan(fs, intel_pt());
    REQUIRE_OK(changes);
    REQUIRE(changes->size() == 1);
    CHECK((*changes)[0].path == "/etc/default/grub.d/vfio-bind.cfg");
    CHECK_FALSE((*changes)[0].existed);
    CHECK((*changes)[0].after ==
          "# Added by `vfio-setup cmdline enable` for device passthrough.\n"
          "# `vfio-setup cmdline disable` deletes this file; do not edit it.\n"
          "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on iommu=pt\"\n");
    CHECK(grub->update_commands(fs) == std::vector<Command>{{"update-grub"}});
    auto plan = enable_disable("debian12", root, intel_pt());
    CHECK(plan.commands.size() == 1);
}

TEST_CASE("GRUB on Ubuntu: effective command line follows grub.d, conditional init-select ignored") {
    TempDir root;
    copy_fixture("ubuntu2204", root);
    DiskFs fs(root.path());
    auto e = make_grub_bootloader()->entries(fs);
    REQUIRE_OK(e);
    REQUIRE(e->size() == 1);
    CHECK((*e)[0].cmdline == "console=tty1 console=ttyS0"); // 50-cloudimg-settings.cfg overrides the main file
    enable_disable("ubuntu2204", root, intel_pt());
    TempDir r2;
    copy_fixture("ubuntu2404", r2);
    enable_disable("ubuntu2404", r2, intel_pt());
}

TEST_CASE("GRUB drop-in overridden by a later grub.d file is an error") {
    TempDir root;
    copy_fixture("ubuntu2404", root);
    write_file(root / "etc/default/grub.d/zz-mine.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    DiskFs fs(root.path());
    auto p = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("overridden") != std::string::npos);
}

TEST_CASE("GRUB on Debian: a conflicting value is edited out of the user's file") {
    TempDir root;
    copy_fixture("debian12", root);
    std::string grub = read_file(root / "etc/default/grub");
    std::string hostile = grub;
    hostile.replace(hostile.find("\"quiet\""), 7, "\"quiet iommu=soft intel_iommu=off\"");
    write_file(root / "etc/default/grub", hostile);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, intel_pt());
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 2);
    CHECK(plan->files[0].path == "/etc/default/grub");
    CHECK(plan->files[0].after == grub);                               // the conflicting values go...
    CHECK(plan->files[1].path == "/etc/default/grub.d/vfio-bind.cfg"); // ...ours come from our drop-in
    CHECK(plan->files[1].after.find("\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on iommu=pt\"") != std::string::npos);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(read_file(root / "etc/default/grub.vfio-bind.bak") == hostile);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / "etc/default/grub") == hostile);
}

TEST_CASE("GRUB elsewhere (Arch, openSUSE): the main file's GRUB_CMDLINE_LINUX_DEFAULT") {
    TempDir root;
    copy_fixture("arch-grub", root);
    DiskFs fs(root.path());
    auto c = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    std::string before = (*c)[0].before;
    std::string want = before;
    want.replace(want.find("\"loglevel=3 quiet\""), 18, "\"loglevel=3 quiet intel_iommu=on iommu=pt\"");
    CHECK((*c)[0].after == want);
    CHECK(make_grub_bootloader()->update_commands(fs) ==
          std::vector<Command>{{"grub-mkconfig", "-o", "/boot/grub/grub.cfg"}});
    enable_disable("arch-grub", root, intel_pt());
    TempDir r2;
    copy_fixture("opensuse", r2);
    CHECK(make_grub_bootloader()->update_commands(DiskFs(r2.path())) ==
          std::vector<Command>{{"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"}});
    enable_disable("opensuse", r2, intel_pt());
}

TEST_CASE("GRUB hostile files") {
    SUBCASE("unbalanced quote: error with file:line, nothing written") {
        TempDir root;
        copy_fixture("hostile-unbalanced", root);
        DiskFs fs(root.path());
        auto p = plan_enable(fs, intel_pt());
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message == "GRUB: /etc/default/grub:3: a double quote is never closed");
    }
    SUBCASE("set twice with different values: refused") {
        TempDir root;
        copy_fixture("hostile-set-twice", root);
        auto p = plan_enable(DiskFs(root.path()), intel_pt());
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("/etc/default/grub:4: GRUB_CMDLINE_LINUX is set again (first at line 2)") !=
              std::string::npos);
    }
    SUBCASE("CRLF stays CRLF") {
        TempDir root;
        copy_fixture("hostile-crlf", root);
        auto c = make_grub_bootloader()->plan(DiskFs(root.path()), intel_pt());
        REQUIRE_OK(c);
        CHECK((*c)[0].after == "GRUB_DEFAULT=0\r\nGRUB_TIMEOUT=5\r\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on "
                               "iommu=pt\"\r\nGRUB_CMDLINE_LINUX=\"\"\r\n");
        enable_disable("hostile-crlf", root, intel_pt());
    }
    SUBCASE("comments after the value are kept") {
        TempDir root;
        copy_fixture("hostile-comment-after", root);
        auto c = make_grub_bootloader()->plan(DiskFs(root.path()), intel_pt());
        REQUIRE_OK(c);
        CHECK((*c)[0].after.find("\"quiet splash intel_iommu=on iommu=pt\" # keep quiet") != std::string::npos);
        enable_disable("hostile-comment-after", root, intel_pt());
    }
    SUBCASE("a value over 4 KiB") {
        TempDir root;
        copy_fixture("hostile-long-value", root);
        auto plan = enable_disable("hostile-long-value", root, intel_pt());
        REQUIRE(plan.files.size() == 1);
        CHECK(plan.files[0].after.size() ==
              plan.files[0].before.size() + std::string(" intel_iommu=on iommu=pt").size());
    }
    SUBCASE("amd_iommu=off removed on AMD, iommu=soft replaced") {
        TempDir root;
        copy_fixture("hostile-amd-off", root, "AuthenticAMD");
        DiskFs fs(root.path());
        std::vector<std::string> notes;
        auto e = enable_edit(CpuVendor::Amd, EnableOptions{true, {}}, &notes);
        REQUIRE_OK(e);
        auto plan = plan_enable(fs, *e);
        REQUIRE_OK(plan);
        REQUIRE(plan->files.size() == 1);
        CHECK(plan->files[0].after ==
              "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=pt\"\nGRUB_CMDLINE_LINUX=\"\"\n");
        CHECK(plan->notes ==
              std::vector<std::string>{
                  "removing amd_iommu=off from /etc/default/grub (it turns off the AMD IOMMU (AMD-Vi))"});
        enable_disable("hostile-amd-off", root, *e);
    }
}

TEST_CASE("GRUB: enable twice changes nothing in odd files (found by the fuzzer)") {
    const ParamEdit e{{"intel_iommu=on", "iommu=pt"}, {"amd_iommu=off"}};
    for (std::string text : {
             // the same assignment twice with the same value
             "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
             // only conditional assignments, one with a conflicting value
             "if [ -x /x ]; then\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_iommu=off iommu=soft\"\nfi\n",
             // BLS: GRUB_CMDLINE_LINUX to be added while the other variable has a parameter already
             "GRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=on\"\nGRUB_ENABLE_BLSCFG=true\n",
         }) {
        TempDir root;
        write_file(root / "etc/default/grub", text);
        write_file(root / "boot/grub/grub.cfg", "");
        DiskFs fs(root.path());
        auto grub = make_grub_bootloader();
        auto first = grub->plan(fs, e);
        REQUIRE_OK(first);
        REQUIRE(first->size() == 1);
        write_file(root / "etc/default/grub", (*first)[0].after);
        auto second = grub->plan(fs, e);
        REQUIRE_OK(second);
        CHECK(second->empty());
    }
    TempDir root;
    write_file(root / "etc/default/grub", "if [ -x /x ]; then\nGRUB_TIMEOUT=1\n");
    write_file(root / "boot/grub/grub.cfg", "");
    auto p = make_grub_bootloader()->plan(DiskFs(root.path()), e);
    REQUIRE_FALSE(p.ok()); // the shell cannot read it; an appended line would sit inside the if
    CHECK(p.error().message.find("/etc/default/grub:1: `if` is never closed (no `fi`)") != std::string::npos);
}

// What this GRUB reads decides how it is edited (issue 12): its own
// grub-mkconfig when there is one, else the drop-ins or a Debian system.
TEST_CASE("GRUB: drop-ins in grub.d are read without /etc/debian_version: ours goes there, verified") {
    TempDir root;
    copy_fixture("ubuntu2204", root);
    std::filesystem::remove(root / "etc/debian_version");
    DiskFs fs(root.path());
    CHECK(*grub_reads_drop_ins(fs));
    auto c = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].path == "/etc/default/grub.d/vfio-bind.cfg"); // an edit of /etc/default/grub would be overridden
    write_file(root / "etc/default/grub.d/zz-late.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    auto late = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().message.find("would be overridden by a file read after it") != std::string::npos);
}

TEST_CASE("GRUB: an upstream grub-mkconfig reads no drop-ins: the main file is edited, whatever grub.d holds") {
    TempDir root;
    copy_fixture("arch-grub", root);
    write_file(root / "usr/bin/grub-mkconfig", "#!/bin/sh\n. \"${sysconfdir}/default/grub\"\n");
    write_file(root / "etc/default/grub.d/50-leftover.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
    DiskFs fs(root.path());
    CHECK_FALSE(*grub_reads_drop_ins(fs));
    auto c = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].path == "/etc/default/grub");
}

TEST_CASE("GRUB: Debian's real grub-mkconfig (grub-common) says it reads grub.d [grub-common]") {
    const std::string real = "/usr/sbin/grub-mkconfig";
    REQUIRE_MESSAGE(std::filesystem::exists(real), "install grub-common (.ci/install-deps test)");
    TempDir root;
    copy_fixture("arch-grub", root);
    write_file(root / "usr/sbin/grub-mkconfig", read_file(real));
    DiskFs fs(root.path());
    CHECK(*grub_reads_drop_ins(fs));
    auto c = make_grub_bootloader()->plan(fs, intel_pt());
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].path == "/etc/default/grub.d/vfio-bind.cfg");
}

// Issue 11: values the shell reads fine, edited where GRUB reads them (no
// Debian drop-in here: /etc/default/grub itself).
TEST_CASE("GRUB in place: escaped quotes, quotes inside quotes, comments after, continued lines") {
    struct Case {
        const char* line;
        const char* want; // the line after enable; nullptr: unchanged
    };
    const Case cases[] = {
        {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet elevator=noop acpi_osi=\\\"!Windows 2012\\\"\"",
         "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet elevator=noop acpi_osi=\\\"!Windows 2012\\\" intel_iommu=on iommu=pt\""},
        {"GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=1 acpi_osi='Windows 2012' sysrq_always_enabled=244\" "
         "#video=1920x1080\" #intel_iommu=on\"",
         "GRUB_CMDLINE_LINUX_DEFAULT=\"loglevel=1 acpi_osi='Windows 2012' sysrq_always_enabled=244 intel_iommu=on "
         "iommu=pt\" #video=1920x1080\" #intel_iommu=on\""},
        {"GRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=on iommu=pt acpi_osi='!Windows 2012' acpi_enforce_resources=lax\"",
         nullptr}, // already enabled: nothing to write
        {"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \\\n    splash \\\n    mitigations=off\"",
         "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \\\n    splash \\\n    mitigations=off intel_iommu=on iommu=pt\""},
        {"GRUB_CMDLINE_LINUX_DEFAULT=quiet", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\""},
        {"GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'",
         "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash intel_iommu=on iommu=pt'"},
    };
    for (const auto& c : cases) {
        CAPTURE(std::string(c.line));
        TempDir root;
        const std::string text = std::string("GRUB_TIMEOUT=5\n") + c.line + "\nGRUB_CMDLINE_LINUX=\"\"\n";
        write_file(root / "etc/default/grub", text);
        write_file(root / "boot/grub/grub.cfg", "");
        write_file(root / "proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
        DiskFs fs(root.path());
        auto plan = plan_enable(fs, intel_pt());
        REQUIRE_OK(plan);
        if (!c.want) {
            CHECK(plan->empty());
            continue;
        }
        REQUIRE(plan->files.size() == 1);
        CHECK(plan->files[0].after == std::string("GRUB_TIMEOUT=5\n") + c.want + "\nGRUB_CMDLINE_LINUX=\"\"\n");
        REQUIRE_OK(apply_plan(fs, *plan, true));
        auto again = plan_enable(fs, intel_pt());
        REQUIRE_OK(again);
        CHECK(again->empty());
        auto undo = plan_disable(fs);
        REQUIRE_OK(undo);
        REQUIRE_OK(apply_plan(fs, *undo, false));
        CHECK(read_file(root / "etc/default/grub") == text);
    }
}

TEST_CASE("GRUB in place: a removal that would change the shell's reading is refused, saying why") {
    TempDir root;
    // "amd_iommu=off" is written across two quoted parts: no edit can drop it alone.
    write_file(root / "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet amd_\"'iommu=off splash'\n");
    write_file(root / "boot/grub/grub.cfg", "");
    auto c = make_grub_bootloader()->plan(DiskFs(root.path()), ParamEdit{{"intel_iommu=on"}, {"amd_iommu=off"}});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("/etc/default/grub: the value") == 0);
    CHECK(c.error().message.find("edit it by hand") != std::string::npos);
}

TEST_CASE("GRUB and CRLF: carried through in place, refused for a drop-in, never written into invalid shell") {
    const std::string crlf =
        "GRUB_DEFAULT=0\r\nGRUB_CMDLINE_LINUX_DEFAULT=\"splash quiet\"\r\nGRUB_CMDLINE_LINUX=\"\"\r\n";
    SUBCASE("Debian: a drop-in would put the carriage return inside the command line") {
        TempDir root;
        write_file(root / "etc/default/grub", crlf);
        write_file(root / "etc/debian_version", "12.5\n");
        write_file(root / "boot/grub/grub.cfg", "");
        auto c = make_grub_bootloader()->plan(DiskFs(root.path()), intel_pt());
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("/etc/default/grub has DOS (CRLF) line endings") == 0);
        CHECK(c.error().message.find("dos2unix /etc/default/grub") != std::string::npos);
    }
    SUBCASE("not valid shell before we touch it: refused, nothing written") {
        TempDir root;
        const std::string bad =
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nif [ -e /etc/x ]; then\r\n  GRUB_TIMEOUT=1\r\nfi\r\n";
        write_file(root / "etc/default/grub", bad);
        write_file(root / "boot/grub/grub.cfg", "");
        DiskFs fs(root.path());
        auto c = make_grub_bootloader()->plan(fs, intel_pt());
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("/etc/default/grub:2: `if` is never closed") == 0);
        CHECK(c.error().message.find("DOS line endings") != std::string::npos);
        CHECK_FALSE(plan_enable(fs, intel_pt()).ok());
        CHECK(read_file(root / "etc/default/grub") == bad);
    }
}

TEST_CASE("GRUB: a symlinked /etc/default/grub is edited at its target, the link stays") {
    TempDir root;
    copy_fixture("arch-grub", root);
    const std::string original = read_file(root / "etc/default/grub");
    write_file(root / "srv/config/grub", original); // a config management checkout
    make_symlink("../../srv/config/grub", root / "etc/default/grub");
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, intel_pt());
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(std::filesystem::is_symlink(root / "etc/default/grub"));
    CHECK(read_file(root / "srv/config/grub").find("intel_iommu=on iommu=pt") != std::string::npos);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(std::filesystem::is_symlink(root / "etc/default/grub"));
    CHECK(read_file(root / "srv/config/grub") == original);
}

// A real Ubuntu 24.04 cloud image (tests/fixtures/real, SOURCE there): its
// effective GRUB_CMDLINE_LINUX_DEFAULT is the one of 50-cloudimg-settings.cfg,
// which overrides the main file's. Our drop-in is read after every file the
// image has (grub.d/*.cfg in the shell's order), so it extends the cloud
// line, and disable leaves every byte as it was.
TEST_CASE("GRUB on a real Ubuntu 24.04 cloud image: our drop-in, read last, extends the cloud settings' line") {
    namespace stdfs = std::filesystem;
    const stdfs::path real = "tests/fixtures/real/grub/ubuntu2404-znz-lima-cloudimg";
    TempDir root;
    stdfs::copy(real / "etc", root / "etc", stdfs::copy_options::recursive);
    write_file(root / "boot/grub/grub.cfg", "");
    write_file(root / "etc/debian_version", "trixie/sid\n");
    write_file(root / "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx\n\n");
    DiskFs fs(root.path());
    auto grub = make_grub_bootloader();
    auto before = grub->entries(fs);
    REQUIRE_OK(before);
    REQUIRE(before->size() == 1);
    CHECK((*before)[0].cmdline == "console=tty1 console=ttyAMA0"); // not the main file's "quiet splash"

    auto plan = plan_enable(fs, intel_pt());
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 1); // neither the main file nor the cloud settings
    CHECK(plan->files[0].path == "/etc/default/grub.d/vfio-bind.cfg");
    for (const char* theirs : {"50-cloudimg-settings.cfg", "init-select.cfg"})
        CHECK(std::string(theirs) < std::string("vfio-bind.cfg")); // sourced before ours
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto after = grub->entries(fs);
    REQUIRE_OK(after);
    REQUIRE(after->size() == 1);
    CHECK((*after)[0].cmdline == "console=tty1 console=ttyAMA0 intel_iommu=on iommu=pt");

    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_tree(real, root, {"boot/grub/grub.cfg", "etc/debian_version"}));
}

TEST_CASE("GRUB: a grub.d that cannot be listed (EIO) is an error, never a directory without drop-ins") {
    for (const char* name : {"debian12", "ubuntu2204"}) {
        TempDir root;
        copy_fixture(name, root);
        FaultyFs fs(root.path(), {"/etc/default/grub.d"});
        auto c = make_grub_bootloader()->plan(fs, intel_pt());
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().code == EIO);
        CHECK(c.error().message.find("/etc/default/grub.d") != std::string::npos);
    }
}

TEST_CASE("GRUB: what says whether grub.d is read, unreadable (EIO), is an error") {
    TempDir root;
    copy_fixture("arch-grub", root);
    write_file(root / "usr/bin/grub-mkconfig", "#!/bin/sh\n. \"${sysconfdir}/default/grub\"\n");
    CHECK_FALSE(grub_reads_drop_ins(FaultyFs(root.path(), {"/usr/bin/grub-mkconfig"})).ok());
    CHECK_FALSE(grub_reads_drop_ins(FaultyFs(root.path(), {"/usr/sbin/grub-mkconfig"})).ok());
    std::filesystem::remove(root / "usr/bin/grub-mkconfig");
    CHECK_FALSE(grub_reads_drop_ins(FaultyFs(root.path(), {"/etc/debian_version"})).ok());
    CHECK(make_grub_bootloader()->present(FaultyFs(root.path(), {"/etc/default/grub"})));
    CHECK_FALSE(make_grub_bootloader()->plan(FaultyFs(root.path(), {"/etc/default/grub"}), intel_pt()).ok());
}
