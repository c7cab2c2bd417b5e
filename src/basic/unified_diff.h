// `diff -u` style text of a file change, for showing the admin exactly what
// enable/disable write before (or instead of, with --dry-run) writing it.
#pragma once

#include <string>
#include <string_view>

namespace vb {

// Empty when the texts are equal. Lines are compared with their endings, so
// a CRLF line shows as changed only when its content changed.
std::string unified_diff(std::string_view before, std::string_view after, const std::string& old_label,
                         const std::string& new_label, int context = 3);

} // namespace vb
