// vfio-initrd-check's outputs, as text: a table for people, JSON for scripts.
#pragma once

#include <string>

#include "initrd_check.h"

namespace vb {

// A command as a shell line ("dracut -f --kver 6.1.0-56-amd64").
std::string command_line(const std::vector<std::string>& argv);

// One line per finding: "problem: 6.1.0-56-amd64: what -- fix: command".
std::string finding_line(const Finding& f);

// The images table, then the findings, then a verdict line.
std::string format_table(const CheckReport& r);
std::string format_json(const CheckReport& r);

} // namespace vb
