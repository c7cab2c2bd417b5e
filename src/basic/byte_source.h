// Pull-style byte streams, so that a big image (or its decompressed form) is
// read piece by piece and never held whole, and a reader can stop early.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basic/result.h"

namespace vb {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `n` bytes into `out`; 0 only at the end of the stream.
    virtual Result<size_t> read(char* out, size_t n) = 0;
};

// A source over bytes already in memory (the caller keeps them alive).
class MemorySource : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<size_t> read(char* out, size_t n) override;

private:
    std::string_view data_;
};

// Buffered reading with look-ahead and a running position, on top of a source.
class ByteReader {
public:
    // `start` is the stream position of the first byte (for messages and alignment).
    explicit ByteReader(ByteSource& src, uint64_t start = 0, size_t buffer_size = 256 * 1024);

    // Next byte without consuming it; -1 at the end of the stream.
    Result<int> peek();
    // Exactly n bytes appended to `out`, or an Error naming `what` when the stream ends first.
    Status read_exact(size_t n, std::string& out, std::string_view what);
    // Drops exactly n bytes.
    Status skip(uint64_t n, std::string_view what);
    // Bytes consumed so far, plus `start`.
    uint64_t position() const { return pos_; }

private:
    Result<bool> fill(); // false at the end of the stream

    ByteSource& src_;
    // Not zero-filled: a page is only touched once a read writes to it, so a
    // small stream in a big buffer costs what it reads.
    std::unique_ptr<char[]> buf_;
    size_t size_;
    size_t head_ = 0, tail_ = 0; // unread bytes are buf_[head_, tail_)
    uint64_t pos_;
    bool eof_ = false;
};

} // namespace vb
