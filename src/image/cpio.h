// newc cpio archives ("070701", or "070702" with a checksum), read the way
// the kernel unpacks an initramfs: several archives may follow each other,
// each ending with "TRAILER!!!", with zero padding in between.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>

#include "basic/byte_source.h"
#include "basic/result.h"

namespace vb {

inline constexpr size_t kMaxCpioName = 4096;       // PATH_MAX, as the kernel
inline constexpr size_t kMaxEntryData = 64u << 20; // default cap for CpioEntry::data()

struct CpioEntry {
    std::string name;  // without a leading "./" or "/"; "" for the archive's root
    uint32_t mode = 0; // type and permission bits
    uint64_t size = 0; // data bytes (a symlink's data is its target)
    uint32_t nlink = 0;
    uint64_t offset = 0; // stream position of its header, for messages

    bool is_regular() const { return S_ISREG(mode); }
    bool is_dir() const { return S_ISDIR(mode); }
    bool is_symlink() const { return S_ISLNK(mode); }

    // Its data, read from the stream only when asked for (once; later calls
    // return the same). Refused (EFBIG) past max_bytes. Valid only during the visit.
    Result<std::string> data(size_t max_bytes = kMaxEntryData) const { return load_(max_bytes); }

    std::function<Result<std::string>(size_t)> load_; // set by the reader
};

enum class Visit { next, stop };
using CpioVisitor = std::function<Visit(const CpioEntry&)>;

enum class CpioEnd {
    end_of_stream, // the source ended after a complete archive
    foreign_data,  // a byte that starts no archive (e.g. a compressed stream follows)
    stopped,       // the visitor asked to stop
};

// Reads archives from `in` until it ends, calling `visit` for every entry but
// the trailers. Foreign data after an archive is an error unless
// `allow_foreign`; the reader is then left at that byte. `entries` counts.
Result<CpioEnd> read_cpio(ByteReader& in, const CpioVisitor& visit, bool allow_foreign, size_t& entries);

} // namespace vb
