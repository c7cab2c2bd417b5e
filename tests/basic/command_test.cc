#include <doctest/doctest.h>

#include "basic/command.h"

using vb::command_line;

TEST_CASE("command line: plain words as they are, the rest quoted so a shell reads the same argv") {
    CHECK(command_line({"dracut", "-f", "--kver", "6.1.0-56-amd64"}) == "dracut -f --kver 6.1.0-56-amd64");
    CHECK(command_line({"dracut", "-f", "/boot/my image"}) == "dracut -f '/boot/my image'");
    CHECK(command_line({"echo", "it's"}) == "echo 'it'\\''s'");
    CHECK(command_line({"rpm-ostree", "kargs", "--append=intel_iommu=on"}) ==
          "rpm-ostree kargs --append=intel_iommu=on");
    CHECK(command_line({"sh", "-c", "a;b", ""}) == "sh -c 'a;b' ''");
    CHECK(command_line({"<version>"}) == "'<version>'");
}
