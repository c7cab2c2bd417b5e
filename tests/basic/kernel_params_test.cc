#include <doctest/doctest.h>

#include "basic/kernel_params.h"
#include "lib/require_ok.h"

using namespace vb;

static std::string edit(std::string_view line, ParamEdit e) {
    auto r = apply_edit(line, e);
    REQUIRE_OK(r);
    return r->cmdline;
}

TEST_CASE("split_cmdline keeps quoted values whole") {
    auto s = split_cmdline("  root=/dev/sda1 dyndbg=\"file x +p\" \"a=b c\"\tquiet ");
    REQUIRE_OK(s);
    CHECK(split_words(*s) == std::vector<std::string>{"root=/dev/sda1", "dyndbg=\"file x +p\"", "\"a=b c\"", "quiet"});
    CHECK((*s)[0].begin == 2);
    CHECK_FALSE(split_cmdline("quiet foo=\"bar").ok());
    CHECK(join_cmdline({"a", "b=c"}) == "a b=c");
}

TEST_CASE("param_key and same_setting") {
    CHECK(param_key("intel_iommu=on") == "intel_iommu");
    CHECK(param_key("\"intel-iommu=on\"") == "intel_iommu");
    CHECK(param_key("quiet") == "quiet");
    CHECK(same_setting("iommu=pt", "iommu=soft"));
    CHECK_FALSE(same_setting("console=tty0", "console=ttyS0"));
    CHECK(same_setting("video=efifb:off", "video=efifb:on"));
    CHECK_FALSE(same_setting("video=efifb:off", "video=HDMI-A-1:1920x1080"));
}

TEST_CASE("apply_edit appends, replaces in place, removes, and is idempotent") {
    CHECK(edit("quiet splash", {{"intel_iommu=on"}, {}}) == "quiet splash intel_iommu=on");
    CHECK(edit("", {{"intel_iommu=on", "iommu=pt"}, {}}) == "intel_iommu=on iommu=pt");
    CHECK(edit("quiet\n", {{"iommu=pt"}, {}}) == "quiet iommu=pt\n");
    CHECK(edit("iommu=soft quiet", {{"iommu=pt"}, {}}) == "iommu=pt quiet");
    CHECK(edit("iommu=soft quiet iommu=nopt", {{"iommu=pt"}, {}}) == "iommu=pt quiet");
    CHECK(edit("quiet intel_iommu=on splash", {{"intel_iommu=on"}, {}}) == "quiet intel_iommu=on splash");
    CHECK(edit("amd_iommu=off quiet", {{}, {"amd_iommu=off"}}) == "quiet");
    CHECK(edit("quiet  amd_iommu=off\tsplash", {{}, {"amd_iommu=off"}}) == "quiet\tsplash");
    CHECK(edit("amd_iommu=off", {{}, {"amd_iommu=off"}}) == "");
    auto r = apply_edit("quiet iommu=soft", {{"iommu=pt", "x=1"}, {}});
    REQUIRE_OK(r);
    CHECK(r->added == std::vector<std::string>{"iommu=pt", "x=1"});
    CHECK(r->removed == std::vector<std::string>{"iommu=soft"});
    CHECK_FALSE(apply_edit("a=\"b", {{"c"}, {}}).ok());
}

TEST_CASE("appending then removing gives back the same bytes") {
    for (std::string line : {"quiet splash", "  quiet   splash  ", "", "\"a b\"", "quiet\r"}) {
        auto add = apply_edit(line, {{"intel_iommu=on", "iommu=pt"}, {}});
        REQUIRE_OK(add);
        auto undo = apply_edit(add->cmdline, {{}, add->added});
        REQUIRE_OK(undo);
        CHECK(undo->cmdline == line);
    }
}

TEST_CASE("validate_param refuses what would break a file format") {
    CHECK_OK(validate_param("video=efifb:off"));
    CHECK_FALSE(validate_param("").ok());
    CHECK_FALSE(validate_param("a b").ok());
    CHECK_FALSE(validate_param("x=\"y\"").ok());
    CHECK_FALSE(validate_param("x=$(reboot)").ok());
    CHECK_FALSE(validate_param("=on").ok());
}
