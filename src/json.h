// Just enough JSON writing for --json outputs: strings escaped per RFC 8259.
#pragma once

#include <string>
#include <string_view>

namespace vb {

// `s` as a quoted JSON string.
std::string json_string(std::string_view s);

} // namespace vb
