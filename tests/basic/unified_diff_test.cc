#include <doctest/doctest.h>

#include "basic/unified_diff.h"

using namespace vb;

TEST_CASE("unified_diff") {
    CHECK(unified_diff("a\n", "a\n", "x", "y").empty());
    CHECK(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", "a", "b") ==
          "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    CHECK(unified_diff("", "new\n", "/dev/null", "f") == "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+new\n");
    CHECK(unified_diff("x", "y", "a", "b") ==
          "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n");
}
