#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "generator/mkinitcpio.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

// Arch's mkinitcpio.conf (mkinitcpio 39.2) without its comments.
const std::string kArchConf = "MODULES=()\nBINARIES=()\nFILES=()\n"
                              "HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block "
                              "filesystems fsck)\n";

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

// What bash makes of the config and the drop-ins, sourced as mkinitcpio does (sort -V).
std::string bash_hooks(const TempDir& root) {
    std::string cmd = "cd '" + root.path() +
                      "' && bash -c '. etc/mkinitcpio.conf; for f in etc/mkinitcpio.conf.d/*.conf; "
                      "do [ -e \"$f\" ] && echo \"$f\"; done | sort -V > .order; while read -r f; do . \"$f\"; done < "
                      ".order; read -r -a h <<<\"${HOOKS[*]}\"; echo \"${h[*]}\"'";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        while (fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    return trim(out);
}

} // namespace

TEST_CASE("mkinitcpio: HOOKS of Arch's config, then drop-ins in version order") {
    TempDir t;
    write_file(t / "etc/mkinitcpio.conf", kArchConf);
    DiskFs fs(t.path());
    auto h = mkinitcpio_hooks(fs);
    REQUIRE_OK(h);
    CHECK(joined(*h) ==
          "base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck");
    CHECK_FALSE(hooks_run_vfio_bind(*h));
    write_file(t / "etc/mkinitcpio.conf.d/10-encrypt.conf",
               "# LUKS\nHOOKS=(base udev autodetect modconf block\n       encrypt # the root is on LUKS\n"
               "       filesystems fsck)\n");
    write_file(t / "etc/mkinitcpio.conf.d/9-extra.conf", "HOOKS+=(resume)\n"); // 9 sorts before 10 (sort -V)
    h = mkinitcpio_hooks(fs);
    REQUIRE_OK(h);
    CHECK(joined(*h) == "base udev autodetect modconf block encrypt filesystems fsck");
    CHECK(joined(*h) == bash_hooks(t));
}

TEST_CASE("mkinitcpio: our drop-in puts vfio-bind before udev or systemd, as bash reads it") {
    for (std::string hooks : {"(base udev autodetect modconf block filesystems fsck)",
                              "(base systemd autodetect modconf kms keyboard sd-vconsole block filesystems fsck)",
                              "\"base udev block filesystems\"", // the old string form
                              "(base block filesystems)",        // neither: at the end
                              "(base vfio-bind udev block)"}) {  // in already: unchanged
        CAPTURE(hooks);
        TempDir t;
        write_file(t / "etc/mkinitcpio.conf", "HOOKS=" + hooks + "\n");
        write_file(t / kMkinitcpioDropIn, mkinitcpio_drop_in_text());
        auto h = mkinitcpio_hooks(DiskFs(t.path()));
        REQUIRE_OK(h);
        CHECK(joined(*h) == bash_hooks(t));
        CHECK(std::count(h->begin(), h->end(), "vfio-bind") == 1);
        if (hooks.find("udev") != std::string::npos || hooks.find("systemd") != std::string::npos)
            CHECK(hooks_run_vfio_bind(*h));
    }
}

TEST_CASE("mkinitcpio: what only bash can tell is refused with the line") {
    for (auto [text, says] : std::vector<std::pair<std::string, std::string>>{
             {"HOOKS=(base \"${EXTRA[@]}\" udev)\n", "mkinitcpio.conf:1: HOOKS holds what only bash can evaluate"},
             {"if [ -e /x ]; then\n  HOOKS=(base udev)\nfi\n", "mkinitcpio.conf:2: HOOKS is set inside a block"},
             {"HOOKS=(base udev\n", "mkinitcpio.conf:1: an array's ( is never closed"},
             {"HOOKS=\"$(ls /etc/hooks)\"\n", "is something only bash can evaluate"},
             {"HOOKS=(base udev)\nHOOKS[1]=systemd\n", "mkinitcpio.conf:2: HOOKS is changed in a way only bash"},
             {"read -r -a HOOKS <<< \"base udev\"\n", "mkinitcpio.conf:1: HOOKS is changed in a way only bash"},
         }) {
        CAPTURE(text);
        std::vector<std::string> hooks;
        Status st = apply_hooks_assignments("/etc/mkinitcpio.conf", text, hooks);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().message.find(says) != std::string::npos);
    }
    std::vector<std::string> hooks;
    CHECK_OK(apply_hooks_assignments(
        "c",
        "#HOOKS=(base)\nEARLYHOOKS=(x)\nHOOKS=(base udev) # keep\nMYHOOKS=\"${HOOKS[*]}\"\nHOOKS+=(fsck)\n"
        "HOOKS_FALLBACK=(base)\n",
        hooks));
    CHECK(joined(hooks) == "base udev fsck");
}

TEST_CASE("mkinitcpio: presets: the one that writes an image, and those that turn the drop-ins off") {
    TempDir t;
    write_file(t / "etc/mkinitcpio.d/linux.preset",
               "# mkinitcpio preset file for the 'linux' package\n\n#ALL_config=\"/etc/mkinitcpio.conf\"\n"
               "ALL_kver=\"/boot/vmlinuz-linux\"\n\nPRESETS=('default' 'fallback')\n\n"
               "default_image=\"/boot/initramfs-linux.img\"\n\nfallback_image=\"/boot/initramfs-linux-fallback.img\"\n"
               "fallback_options=\"-S autodetect\"\n");
    write_file(t / "etc/mkinitcpio.d/linux-lts.preset",
               "ALL_config='/etc/mkinitcpio.conf'\nALL_kver='/boot/vmlinuz-linux-lts'\nPRESETS=('default')\n"
               "default_image='/boot/initramfs-linux-lts.img'\n");
    DiskFs fs(t.path());
    CHECK(mkinitcpio_preset_for(fs, "/boot/initramfs-linux-fallback.img") == std::optional<std::string>("linux"));
    CHECK(mkinitcpio_preset_for(fs, "/boot/initramfs-linux-lts.img") == std::optional<std::string>("linux-lts"));
    CHECK_FALSE(mkinitcpio_preset_for(fs, "/boot/other.img"));
    auto off = presets_without_drop_ins(fs);
    REQUIRE(off.size() == 1);
    CHECK(off[0] == "/etc/mkinitcpio.d/linux-lts.preset (ALL_config=/etc/mkinitcpio.conf)");
}
