// Streaming decompressors for the formats the kernel (and dracut) use for an
// initramfs, chosen by magic bytes. Output is pulled in pieces (ByteSource),
// so a caller can stop early and memory stays bounded whatever the input.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "basic/byte_source.h"
#include "basic/result.h"

namespace vb {

enum class Compression {
    none, // "070701"/"070702": a plain cpio archive
    gzip,
    zstd,
    xz,
    lzma,       // legacy .lzma ("lzma -9" in dracut)
    lz4_legacy, // "lz4 -l", what the kernel and dracut use
    lz4_frame,  // the modern lz4 frame
    bzip2,      // recognised, not supported
    lzo,        // recognised, not supported
    unknown,
};

// What the bytes at the start of `head` are (the kernel's decompress_method()).
Compression detect_compression(std::string_view head);
const char* compression_name(Compression c);

class Decompressor : public ByteSource {
public:
    // Compressed bytes used so far; once read() returned 0, the length of the
    // compressed stream (what follows it in the image starts there).
    virtual size_t consumed() const = 0;
};

// gzip is inflated with ISA-L's igzip where the build has it (libisal),
// else with zlib; zlib stays selectable, the reference the tests compare with.
enum class Inflater { fastest, zlib };
bool have_fast_inflate(); // igzip is built in

// A decompressor over `input` (kept alive by the caller). Consecutive streams
// of the same format are read as one, as the kernel does. Fails for
// none/unknown and the unsupported formats.
Result<std::unique_ptr<Decompressor>> open_decompressor(Compression c, std::string_view input,
                                                        Inflater inflater = Inflater::fastest);

// Whole-buffer convenience (tests, small files): the format is detected;
// refused (EFBIG) past max_out bytes.
Result<std::string> decompress(std::string_view input, size_t max_out);

} // namespace vb
