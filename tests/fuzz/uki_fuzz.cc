// libFuzzer target for the UKI (PE) reader: any bytes as an image. What it
// returns must lie inside the image, be the section asked for, and agree
// with read_uki; malformed headers are an error, never a read outside.
#include <string>

#include "fuzz_check.h"
#include "image/uki.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view image = fuzz::text_of(data, size);
    const bool pe = vb::is_pe_image(image);
    FUZZ_CHECK(pe == (size >= 2 && data[0] == 'M' && data[1] == 'Z'));
    auto initrd = vb::pe_section(image, ".initrd");
    if (initrd) FUZZ_CHECK(pe && inside(*initrd, image));
    for (const char* name : {".cmdline", ".uname", ".linux", ""}) {
        auto s = vb::pe_section(image, name);
        if (s) FUZZ_CHECK(inside(*s, image));
    }
    auto uki = vb::read_uki(image);
    FUZZ_CHECK(uki.ok() == initrd.ok());
    if (uki) {
        FUZZ_CHECK(uki->initrd.data() == initrd->data() && uki->initrd.size() == initrd->size());
        FUZZ_CHECK(uki->cmdline.size() <= size && uki->uname.size() <= size);
    }
    return 0;
}
