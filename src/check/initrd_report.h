// vfio-initrd-check's outputs, as text: a table for people, JSON for scripts.
#pragma once

#include <string>

#include "basic/command.h"
#include "check/initrd_check.h"

namespace vb {

// One line per finding: "problem: 6.1.0-56-amd64: what -- fix: command".
std::string finding_line(const Finding& f);

// The images table, then the findings, then a verdict line.
std::string format_table(const CheckReport& r);
std::string format_json(const CheckReport& r);

} // namespace vb
