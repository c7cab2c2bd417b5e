// Unified kernel images (UKIs): one PE/EFI file holding the kernel and, in
// named sections, its initrd, command line and release.
#pragma once

#include <string>
#include <string_view>

#include "basic/result.h"

namespace vb {

// Starts like a PE image ("MZ").
bool is_pe_image(std::string_view data);

// The bytes of section `name` (".initrd"), as a view into `image`. ENOENT
// when absent; EINVAL when the headers are malformed or point outside the file.
Result<std::string_view> pe_section(std::string_view image, std::string_view name);

struct Uki {
    std::string_view initrd; // into the image
    std::string uname;       // ".uname" (the kernel release); empty when absent
    std::string cmdline;     // ".cmdline"; empty when absent
};

// A UKI's parts; an image without an .initrd section is an error.
Result<Uki> read_uki(std::string_view image);

} // namespace vb
