#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>

#include "basic/fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("fs: paths are read under the root, never outside it") {
    TempDir t;
    write_file(t / "etc/x.conf", "hello\n");
    DiskFs fs(t.path());
    CHECK(fs.is_rooted());
    CHECK(*fs.read("/etc/x.conf") == "hello\n");
    CHECK(fs.host_path("/etc/x.conf") == t / "etc/x.conf");
    CHECK_FALSE(fs.read("/etc/absent").ok());
    CHECK_FALSE(DiskFs("/").is_rooted());
}

TEST_CASE("fs: reads are capped") {
    TempDir t;
    write_file(t / "big", std::string(5000, 'x'));
    DiskFs fs(t.path());
    auto r = fs.read("/big", 4096);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == EFBIG);
    CHECK(fs.read("/big", 5000)->size() == 5000);
}

TEST_CASE("fs: read grows past its first guess and stops at the cap exactly") {
    TempDir t;
    // /proc files report size 0: the buffer starts small and grows.
    DiskFs host("/");
    auto maps = host.read("/proc/self/maps", 1 << 20);
    REQUIRE_OK(maps);
    CHECK(maps->find("[stack]") != std::string::npos);
    write_file(t / "exact", std::string(8192, 'y'));
    DiskFs fs(t.path());
    CHECK(fs.read("/exact", 8192)->size() == 8192);
    CHECK(fs.read("/exact", 8191).error().code == EFBIG);
    write_file(t / "empty", "");
    CHECK(fs.read("/empty")->empty());
}

TEST_CASE("fs: read_bytes maps a regular file, reads what cannot be mapped, and is capped") {
    TempDir t;
    std::string image(100000, '\0');
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>(i * 7);
    write_file(t / "boot/initrd.img", image);
    write_file(t / "empty", "");
    DiskFs fs(t.path());
    auto b = fs.read_bytes("/boot/initrd.img", 1 << 20);
    REQUIRE_OK(b);
    CHECK(b->is_mapped());
    CHECK(b->view() == image);
    FileBytes moved = std::move(*b);
    CHECK(moved.view() == image);
    CHECK(b->view().empty());
    auto e = fs.read_bytes("/empty", 1 << 20); // nothing to map
    REQUIRE_OK(e);
    CHECK_FALSE(e->is_mapped());
    CHECK(e->view().empty());
    CHECK(fs.read_bytes("/boot/initrd.img", 99999).error().code == EFBIG);
    CHECK(fs.read_bytes("/absent", 10).error().code == ENOENT);
    auto proc = DiskFs("/").read_bytes("/proc/self/status", 1 << 20); // size 0: read, not mapped
    REQUIRE_OK(proc);
    CHECK_FALSE(proc->is_mapped());
    CHECK(proc->view().find("Name:") != std::string::npos);
}

TEST_CASE("fs: replace_file is atomic, keeps the mode, and backs up once") {
    TempDir t;
    write_file(t / "etc/default/grub", "original\n");
    chmod((t / "etc/default/grub").c_str(), 0600);
    DiskFs fs(t.path());

    REQUIRE_OK(fs.replace_file("/etc/default/grub", "first edit\n", ".bak"));
    CHECK(read_file(t / "etc/default/grub") == "first edit\n");
    CHECK(read_file(t / "etc/default/grub.bak") == "original\n");
    struct stat st;
    REQUIRE(stat((t / "etc/default/grub").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);

    // The backup is the file as it was before we first touched it.
    REQUIRE_OK(fs.replace_file("/etc/default/grub", "second edit\n", ".bak"));
    CHECK(read_file(t / "etc/default/grub.bak") == "original\n");

    // No temporary file is left behind.
    auto names = fs.list_dir("/etc/default");
    REQUIRE_OK(names);
    CHECK(*names == std::vector<std::string>{"grub", "grub.bak"});
}

TEST_CASE("fs: replace_file creates a new file 0644 and refuses what is not a regular file") {
    TempDir t;
    make_dirs(t / "etc/dir");
    DiskFs fs(t.path());
    REQUIRE_OK(fs.replace_file("/etc/new.ini", "x\n"));
    struct stat st;
    REQUIRE(stat((t / "etc/new.ini").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
    auto r = fs.replace_file("/etc/dir", "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("is not a regular file") != std::string::npos);
    CHECK_FALSE(fs.replace_file("/no/such/dir/file", "x").ok());
}

TEST_CASE("fs: read_attribute reads a small file in one go") {
    TempDir t;
    write_file(t / "sys/x/vendor", "0x1002\n");
    DiskFs fs(t.path());
    CHECK(*fs.read_attribute("/sys/x/vendor") == "0x1002\n");
}

TEST_CASE("fs: a write the kernel would block gives up in time") {
    // Opening a FIFO for writing blocks until a reader comes: the same as a
    // driver stuck in unbind, as far as the writer can tell.
    TempDir t;
    REQUIRE(mkfifo((t / "stuck").c_str(), 0600) == 0);
    DiskFs fs(t.path());
    auto start = std::chrono::steady_clock::now();
    Status st = fs.write_bounded("/stuck", "0000:01:00.0", 300);
    auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ETIMEDOUT);
    CHECK(waited < std::chrono::seconds(5));

    write_file(t / "ok", "");
    CHECK_OK(fs.write_bounded("/ok", "0000:01:00.0", 2000));
    CHECK(read_file(t / "ok") == "0000:01:00.0");
    CHECK(fs.write_bounded("/absent/file", "x", 2000).error().code == ENOENT);
}

TEST_CASE("fs: read_in_dir reads attributes and links of one directory, each with its own result") {
    TempDir t;
    write_file(t / "sys/dev/uevent", "PCI_ID=1002:5159\n");
    make_symlink("../../kernel/iommu_groups/3", t / "sys/dev/iommu_group");
    DiskFs fs(t.path());
    auto got =
        fs.read_in_dir("/sys/dev", {{"uevent", false}, {"iommu_group", true}, {"boot_vga", false}, {"driver", true}});
    REQUIRE(got.size() == 4);
    CHECK(*got[0] == "PCI_ID=1002:5159\n");
    CHECK(*got[1] == "../../kernel/iommu_groups/3");
    CHECK(got[2].error().code == ENOENT);
    CHECK(got[3].error().code == ENOENT);
    auto none = fs.read_in_dir("/sys/absent", {{"uevent", false}});
    REQUIRE(none.size() == 1);
    CHECK_FALSE(none[0].ok());
}

TEST_CASE("fs: the backup keeps the original's mode and owner; a fixed mode is forced") {
    // A custom.cfg holding a GRUB password hash is 0600: its backup must not be readable by all.
    TempDir t;
    write_file(t / "boot/grub/custom.cfg", "password_pbkdf2 root grub.pbkdf2.sha512.10000.AB\n");
    REQUIRE(chmod((t / "boot/grub/custom.cfg").c_str(), 0600) == 0);
    REQUIRE(chown((t / "boot/grub/custom.cfg").c_str(), 12345, 54321) == 0);
    DiskFs fs(t.path());
    REQUIRE_OK(fs.replace_file("/boot/grub/custom.cfg", "edited\n", kBackupSuffix));
    struct stat st;
    REQUIRE(stat((t / "boot/grub/custom.cfg.vfio-bind.bak").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_uid == 12345);
    CHECK(st.st_gid == 54321);
    REQUIRE(stat((t / "boot/grub/custom.cfg").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_uid == 12345);

    // A state file is 0600, new or not.
    write_file(t / "var/lib/x.state", "old\n");
    REQUIRE(chmod((t / "var/lib/x.state").c_str(), 0644) == 0);
    REQUIRE_OK(fs.replace_file("/var/lib/x.state", "new\n", "", kStateFileMode));
    REQUIRE_OK(fs.replace_file("/var/lib/y.state", "new\n", "", kStateFileMode));
    REQUIRE(stat((t / "var/lib/x.state").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    REQUIRE(stat((t / "var/lib/y.state").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("fs: replace_file through a symlink writes the target and keeps the link") {
    TempDir t;
    write_file(t / "srv/cm/grub", "GRUB_TIMEOUT=5\n");
    REQUIRE(chmod((t / "srv/cm/grub").c_str(), 0640) == 0);
    make_symlink("/srv/cm/grub", t / "etc/default/grub"); // absolute: inside the root
    make_symlink("../../srv/cm/other", t / "etc/default/other");
    write_file(t / "srv/cm/other", "a\n");
    DiskFs fs(t.path());
    REQUIRE_OK(fs.replace_file("/etc/default/grub", "GRUB_TIMEOUT=1\n", kBackupSuffix));
    CHECK(*fs.read_link("/etc/default/grub") == "/srv/cm/grub");
    CHECK(read_file(t / "srv/cm/grub") == "GRUB_TIMEOUT=1\n");
    CHECK(read_file(t / "etc/default/grub.vfio-bind.bak") == "GRUB_TIMEOUT=5\n");
    struct stat st;
    REQUIRE(stat((t / "srv/cm/grub").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    REQUIRE_OK(fs.replace_file("/etc/default/other", "b\n"));
    CHECK(*fs.read_link("/etc/default/other") == "../../srv/cm/other");
    CHECK(read_file(t / "srv/cm/other") == "b\n");
    // No temporary file left next to the link or the target.
    CHECK(*fs.list_dir("/srv/cm") == std::vector<std::string>{"grub", "other"});
    // A link that leaves the root by ".." stays inside it, as the root's "/" has no parent.
    make_symlink("../../../../../../srv/cm/grub", t / "etc/up");
    REQUIRE_OK(fs.replace_file("/etc/up", "x\n"));
    CHECK(read_file(t / "srv/cm/grub") == "x\n");
    // A loop is an error, not a hang.
    make_symlink("loop2", t / "etc/loop1");
    make_symlink("loop1", t / "etc/loop2");
    CHECK(fs.replace_file("/etc/loop1", "x").error().code == ELOOP);
}

TEST_CASE("fs: probe says absent only for ENOENT and ENOTDIR; a path it cannot look at is an error") {
    TempDir t;
    write_file(t / "etc/file", "x");
    symlink("loop", (t / "etc/loop").c_str()); // looking through it fails (ELOOP), as EIO would
    DiskFs fs(t.path());
    CHECK(*fs.probe("/etc/file"));
    CHECK_FALSE(*fs.probe("/etc/absent"));
    CHECK_FALSE(*fs.probe("/etc/file/below")); // ENOTDIR: absent
    auto r = fs.probe("/etc/loop/x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ELOOP);
    CHECK(r.error().message.find(t / "etc/loop/x") != std::string::npos);
    CHECK(list_dir_if_present(fs, "/etc/absent")->empty());
    CHECK(list_dir_if_present(fs, "/etc/file")->empty());
    CHECK(list_dir_if_present(fs, "/etc/loop/x").error().code == ELOOP);
    CHECK(*list_dir_if_present(fs, "/etc") == std::vector<std::string>{"file", "loop"});
}

TEST_CASE("fs: replace_file removes the temporary files of that file a killed run left, and nothing else") {
    TempDir t;
    const std::string dir = "boot/loader/entries/";
    write_file(t / (dir + "a.conf"), "old\n");
    // A kill between mkostemp and rename leaves ".a.conf.XXXXXX".
    for (const char* stale : {".a.conf.Ab12Z9", ".a.conf.000000"}) write_file(t / (dir + stale), "half");
    // Not ours: another file's, a different suffix, a directory.
    for (const char* other : {".b.conf.Ab12Z9", ".a.conf.Ab12Z", ".a.conf.Ab12Z99", ".a.conf.Ab-12Z", "a.conf.Ab12Z9"})
        write_file(t / (dir + other), "keep");
    make_dirs(t / (dir + ".a.conf.DIR123"));
    DiskFs fs(t.path());
    REQUIRE_OK(fs.replace_file("/" + dir + "a.conf", "new\n"));
    CHECK(read_file(t / (dir + "a.conf")) == "new\n");
    CHECK(*fs.list_dir("/" + dir) == std::vector<std::string>{".a.conf.Ab-12Z", ".a.conf.Ab12Z", ".a.conf.Ab12Z99",
                                                              ".a.conf.DIR123", ".b.conf.Ab12Z9", "a.conf",
                                                              "a.conf.Ab12Z9"});
}
