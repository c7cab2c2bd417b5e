// Reading an initramfs image in-process, the way the kernel unpacks it:
// uncompressed cpio archives (the early microcode one) followed by
// compressed streams (gzip, zstd, xz, lzma, lz4), each holding cpio
// archives. A UKI is read through its .initrd section. Entries are streamed
// to a visitor that can stop early; nothing is held but the current entry.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"
#include "image/cpio.h"
#include "image/decompress.h"

namespace vb {

struct InitramfsSegment {
    uint64_t offset = 0; // where it starts in the image (in .initrd for a UKI)
    Compression compression = Compression::none;
    size_t entries = 0; // entries seen in it
};

struct InitramfsInfo {
    bool uki = false;
    std::vector<InitramfsSegment> segments;
    size_t entries = 0;
    bool stopped = false; // the visitor stopped before the end
};

struct InitramfsLimits {
    uint64_t max_unpacked = 4ull << 30; // decompressed bytes, all streams together
};

Result<InitramfsInfo> read_initramfs(std::string_view image, const CpioVisitor& visit,
                                     const InitramfsLimits& limits = {});

// The data of the regular files named in `names` (normalized names, such as
// "etc/vfio-devices.ini"); reading stops once all were seen. Absent names are
// absent from the map.
Result<std::map<std::string, std::string>>
read_initramfs_files(std::string_view image, const std::set<std::string>& names, size_t max_each = kMaxEntryData);

} // namespace vb
