#include <doctest/doctest.h>

#include "basic/shell_assign.h"
#include "lib/require_ok.h"

using namespace vb;

TEST_CASE("parse_shell_assignments finds top-level and conditional assignments") {
    std::string t = "# c\nA=1\nB=\"x y\" # note\nC=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
                    "if [ -x /x ]; then\n  D=\"$D more\"\nfi\nexport E='q'\necho F=no\nG=\"multi\nline\"\n";
    auto a = parse_shell_assignments(t, "f");
    REQUIRE_OK(a);
    REQUIRE(a->size() == 6);
    CHECK((*a)[0].name == "A");
    CHECK((*a)[1].raw == "\"x y\"");
    CHECK((*a)[1].line == 3);
    CHECK((*a)[3].name == "D");
    CHECK((*a)[3].conditional);
    CHECK((*a)[4].name == "E");
    CHECK_FALSE((*a)[4].conditional);
    CHECK((*a)[5].line == 10);
    CHECK(t.substr((*a)[1].value_begin, (*a)[1].value_end - (*a)[1].value_begin) == "\"x y\"");
}

TEST_CASE("parse errors name the line where the quote opened") {
    auto a = parse_shell_assignments("A=1\nB=\"open\nC=2\n", "/etc/default/grub");
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message == "/etc/default/grub:2: a double quote is never closed");
    CHECK_FALSE(parse_shell_assignments("A=$(echo\n", "f").ok());
    CHECK_FALSE(parse_shell_assignments("A='x\n", "f").ok());
}

TEST_CASE("expand_shell_word") {
    std::map<std::string, std::string> v{{"X", "quiet"}};
    CHECK(*expand_shell_word("\"$X splash\"", v) == "quiet splash");
    CHECK(*expand_shell_word("\"${X} a\"'$X'", v) == "quiet a$X");
    CHECK(*expand_shell_word("a\\ b", v) == "a b");
    CHECK(*expand_shell_word("\"\\$X\"", v) == "$X");
    CHECK(*expand_shell_word("\"$UNSET\"", v) == "");
    CHECK_FALSE(expand_shell_word("\"$(cat /x)\"", v).ok());
    CHECK_FALSE(expand_shell_word("`x`", v).ok());
    CHECK_FALSE(expand_shell_word("${X:-y}", v).ok());
}

TEST_CASE("map_shell_word: the value as the shell reads it, each byte where it is written") {
    auto m = map_shell_word("\"quiet acpi_osi=\\\"!Windows 2012\\\"\"");
    REQUIRE_OK(m);
    CHECK(m->value == "quiet acpi_osi=\"!Windows 2012\"");
    CHECK(m->begin[15] == 16); // the escaped quote's backslash
    CHECK(m->end[15] == 18);
    CHECK(m->quote[0] == '"');
    auto mixed = map_shell_word("\"a 'b c'\"'d \"e'f\\ g");
    REQUIRE_OK(mixed);
    CHECK(mixed->value == "a 'b c'd \"ef g");
    CHECK(mixed->quote.back() == 0);
    auto cont = map_shell_word("\"a \\\n  b\"");
    REQUIRE_OK(cont);
    CHECK(cont->value == "a   b"); // the continued line is nothing
    CHECK(map_shell_word("")->value.empty());
    CHECK(map_shell_word("\"$X y\"")->value == "$X y"); // as written
    CHECK_FALSE(map_shell_word("\"$(x)\"").ok());
    CHECK_FALSE(map_shell_word("`x`").ok());
    CHECK_FALSE(map_shell_word("\"a").ok());
}

TEST_CASE("a file the shell cannot read is refused, with DOS line endings named") {
    auto crlf = parse_shell_assignments("if [ -e /x ]; then\r\nA=1\r\nfi\r\n", "/f");
    REQUIRE_FALSE(crlf.ok());
    CHECK(crlf.error().message.find("/f:1: `if` is never closed (no `fi`): the shell cannot read this file (it has "
                                    "DOS line endings") == 0);
    auto stray = parse_shell_assignments("A=1\nfi\n", "/f");
    REQUIRE_FALSE(stray.ok());
    CHECK(stray.error().message == "/f:2: `fi` closes nothing: the shell cannot read this file");
    CHECK(parse_shell_assignments("for f in a b; do\n  if [ x ]; then A=1; fi\ndone\nf() { B=2; }\n", "/f").ok());
    CHECK(parse_shell_assignments("case $x in\n a) A=1;;\n *) B=2;;\nesac\n", "/f").ok());
    // A carriage return after a value is part of the value, as for the shell.
    auto v = parse_shell_assignments("A=\"x\"\r\n", "/f");
    REQUIRE_OK(v);
    CHECK((*v)[0].raw == "\"x\"\r");
}

TEST_CASE("bash arrays and appends, as mkinitcpio.conf has them") {
    std::string t = "MODULES=()\nHOOKS=(base udev autodetect # early\n       block 'file systems' \"fsck\")\n"
                    "HOOKS+=(resume)\nX+=\" more\"\nif true; then\n  FILES=(a)\nfi\n";
    auto a = parse_shell_assignments(t, "mkinitcpio.conf");
    REQUIRE_OK(a);
    REQUIRE(a->size() == 5);
    CHECK((*a)[0].array);
    CHECK((*a)[0].raw == "()");
    CHECK((*a)[1].name == "HOOKS");
    CHECK((*a)[1].line == 2);
    auto hooks = shell_array_words((*a)[1].raw);
    REQUIRE_OK(hooks);
    CHECK(*hooks == std::vector<std::string>{"base", "udev", "autodetect", "block", "file systems", "fsck"});
    CHECK((*a)[2].append);
    CHECK((*a)[2].array);
    CHECK((*a)[2].line == 4);
    CHECK((*a)[3].append);
    CHECK_FALSE((*a)[3].array);
    CHECK((*a)[3].raw == "\" more\"");
    CHECK((*a)[4].conditional);
    CHECK_FALSE(shell_array_words("(base \"${EXTRA[@]}\")").ok());
    CHECK_FALSE(shell_array_words("(a `b`)").ok());
    auto unclosed = parse_shell_assignments("HOOKS=(base\nudev\n", "c");
    REQUIRE_FALSE(unclosed.ok());
    CHECK(unclosed.error().message == "c:1: an array's ( is never closed");
}
