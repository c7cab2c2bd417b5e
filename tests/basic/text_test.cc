#include <doctest/doctest.h>

#include "basic/text.h"

using namespace vb;

TEST_CASE("text: trim, basename, split") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(trim(" \t ").empty());
    CHECK(basename_of("../../../bus/pci/drivers/vfio-pci") == "vfio-pci");
    CHECK(basename_of("/x/y/") == "y");
    CHECK(split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
    CHECK(split("", ',') == std::vector<std::string>{""});
}

TEST_CASE("text: lines keep their endings; the line ending is the file's") {
    auto lines = split_lines("a\r\nb\nc");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "a\r\n");
    CHECK(lines[1] == "b\n");
    CHECK(lines[2] == "c");
    CHECK(split_lines("").empty());
    CHECK(line_ending_of("x=1\r\ny=2\r\n") == "\r\n");
    CHECK(line_ending_of("x=1\ny=2") == "\n");
    CHECK(line_ending_of("no newline") == "\n");
}

TEST_CASE("text: split_blanks drops every run of blanks, tabs and line ends") {
    CHECK(split_blanks("") == std::vector<std::string>{});
    CHECK(split_blanks(" \t\n") == std::vector<std::string>{});
    CHECK(split_blanks("a") == std::vector<std::string>{"a"});
    CHECK(split_blanks("  options\tvfio-pci  ids=1\r\n") == std::vector<std::string>{"options", "vfio-pci", "ids=1"});
}

TEST_CASE("text: dirname_of") {
    CHECK(dirname_of("/etc/default/grub.d/vfio-bind.cfg") == "/etc/default/grub.d");
    CHECK(dirname_of("/etc/default/grub.d/") == "/etc/default");
    CHECK(dirname_of("/x") == "/");
    CHECK(dirname_of("x") == ".");
}
