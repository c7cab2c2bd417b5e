// What the firmware says booted us, from efivarfs files as the kernel shows
// them: 4 bytes of attributes, then the variable's data.
#include <doctest/doctest.h>

#include "bootloader/boot_context.h"
#include "lib/faulty_fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

const std::string kAttrs("\x07\x00\x00\x00", 4); // non-volatile, boot service, runtime

std::string utf16(const std::string& ascii, bool nul = true) {
    std::string out;
    for (char c : ascii) out += std::string{c, '\0'};
    if (nul) out += std::string("\0\0", 2);
    return out;
}

// The vendor GUIDs as the specifications give them.
const std::string kGlobal = "8be4df61-93ca-11d2-aa0d-00e098032b8c"; // UEFI: Boot####, BootCurrent
const std::string kLoader = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"; // Boot Loader Interface: Loader*

void efivar(const TempDir& root, const std::string& name, const std::string& guid, const std::string& data) {
    write_file(root / ("sys/firmware/efi/efivars/" + name + "-" + guid), kAttrs + data);
}

// EFI_LOAD_OPTION: attributes, device path length, description, device path.
std::string load_option(const std::string& description) {
    const std::string path("\x04\x04\x06\x00\x7f\xff", 6); // a file path node, then the end node
    return std::string("\x01\x00\x00\x00", 4) + std::string(1, static_cast<char>(path.size())) + std::string(1, '\0') +
           utf16(description) + path;
}

BootContext context_of(const Fs& fs) {
    auto ctx = load_boot_context(fs);
    REQUIRE_OK(ctx);
    return *ctx;
}

} // namespace

TEST_CASE("boot context: systemd-boot's LoaderInfo and the BootCurrent entry's description") {
    TempDir root;
    efivar(root, "LoaderInfo", kLoader, utf16("systemd-boot 252.30-1~deb12u2"));
    efivar(root, "BootCurrent", kGlobal, std::string("\x03\x00", 2));
    efivar(root, "Boot0003", kGlobal, load_option("Linux Boot Manager"));
    efivar(root, "Boot0001", kGlobal, load_option("UEFI Shell"));
    BootContext ctx = context_of(DiskFs(root.path()));
    CHECK(ctx.loader_info == "systemd-boot 252.30-1~deb12u2");
    CHECK(ctx.boot_current == "Linux Boot Manager");
}

TEST_CASE("boot context: GRUB without the Boot Loader Interface: only BootCurrent, BootXXXX in upper-case hex") {
    TempDir root;
    efivar(root, "BootCurrent", kGlobal, std::string("\x1a\x00", 2));
    efivar(root, "Boot001A", kGlobal, load_option("debian"));
    BootContext ctx = context_of(DiskFs(root.path()));
    CHECK(ctx.loader_info.empty());
    CHECK(ctx.boot_current == "debian");
}

TEST_CASE("boot context: BIOS, --root without efivars, damaged variables: nothing known, nothing invented") {
    TempDir none;
    BootContext ctx = context_of(DiskFs(none.path()));
    CHECK(ctx.loader_info.empty());
    CHECK(ctx.boot_current.empty());

    TempDir bad;
    efivar(bad, "LoaderInfo", kLoader, "");                      // attributes only
    efivar(bad, "BootCurrent", kGlobal, std::string("\x05", 1)); // one byte of a u16
    efivar(bad, "Boot0005", kGlobal, load_option("never read"));
    ctx = context_of(DiskFs(bad.path()));
    CHECK(ctx.loader_info.empty());
    CHECK(ctx.boot_current.empty());

    TempDir missing; // BootCurrent names an entry that is not there
    efivar(missing, "BootCurrent", kGlobal, std::string("\x09\x00", 2));
    CHECK(context_of(DiskFs(missing.path())).boot_current.empty());
}

TEST_CASE("boot context: UTF-16 beyond ASCII shows as '?', text ends at the first NUL") {
    CHECK(utf16_to_ascii(std::string("r\0E\0\xe9\0F\0", 8)) == "rE?F");
    CHECK(utf16_to_ascii(utf16("rEFInd") + utf16("junk")) == "rEFInd");
    CHECK(utf16_to_ascii(std::string("a\0b", 3)) == "a"); // an odd trailing byte is dropped
}

TEST_CASE("boot context: a variable that is there but cannot be read is an error, never an absence") {
    TempDir root;
    efivar(root, "LoaderInfo", kLoader, utf16("systemd-boot 252.30-1~deb12u2"));
    efivar(root, "BootCurrent", kGlobal, std::string("\x03\x00", 2));
    efivar(root, "Boot0003", kGlobal, load_option("Linux Boot Manager"));
    for (const auto& [name, vendor] :
         {std::pair{"LoaderInfo", EfiVendor::LoaderInterface}, std::pair{"BootCurrent", EfiVendor::Global},
          std::pair{"Boot0003", EfiVendor::Global}}) {
        CAPTURE(name);
        const std::string path = efi_variable_path(name, vendor);
        auto ctx = load_boot_context(FaultyFs(root.path(), {path}));
        REQUIRE_FALSE(ctx.ok());
        CHECK(ctx.error().code == EIO);
        CHECK(ctx.error().message.find(path) != std::string::npos);
    }
}
