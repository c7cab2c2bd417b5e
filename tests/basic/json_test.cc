#include <doctest/doctest.h>

#include "basic/json.h"

using namespace vb;

TEST_CASE("json_string escapes quotes, backslashes and control characters") {
    CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_string(std::string("\n\t\x01\x1f", 4)) == "\"\\n\\t\\u0001\\u001f\"");
    CHECK(json_string("Radeon™") == "\"Radeon™\"");
}

TEST_CASE("JsonWriter places commas and nests") {
    JsonWriter j;
    j.begin_object();
    j.key("a").value(1);
    j.key("b").begin_array().value("x").value(true).null().begin_object().end_object().end_array();
    j.key("c").value(false);
    j.end_object();
    CHECK(j.str() == "{\"a\": 1, \"b\": [\"x\", true, null, {}], \"c\": false}");
}

TEST_CASE("JsonWriter: empty containers and negative numbers") {
    JsonWriter j;
    j.begin_array().begin_array().end_array().value(-7).end_array();
    CHECK(j.str() == "[[], -7]");
}

TEST_CASE("valid_utf8 keeps UTF-8 and replaces bad bytes") {
    CHECK(valid_utf8("GeForce™ ü") == "GeForce™ ü");
    CHECK(valid_utf8("\xff") == "\xef\xbf\xbd");
    CHECK(valid_utf8("a\xc3") == "a\xef\xbf\xbd");                               // truncated sequence
    CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                 // overlong '/'
    CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
    CHECK(valid_utf8("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
    JsonWriter j;
    j.value("\xfe\"");
    CHECK(j.str() == "\"\xef\xbf\xbd\\\"\"");
}
