#include "basic/byte_source.h"

#include <algorithm>
#include <cstring>

namespace vb {

Result<size_t> MemorySource::read(char* out, size_t n) {
    size_t k = std::min(n, data_.size());
    std::memcpy(out, data_.data(), k);
    data_.remove_prefix(k);
    return k;
}

ByteReader::ByteReader(ByteSource& src, uint64_t start, size_t buffer_size)
    : src_(src), buf_(new char[buffer_size > 0 ? buffer_size : 1]), size_(buffer_size > 0 ? buffer_size : 1),
      pos_(start) {}

Result<bool> ByteReader::fill() {
    if (head_ < tail_) return true;
    if (eof_) return false;
    auto n = src_.read(buf_.get(), size_);
    if (!n) return n.error();
    head_ = 0;
    tail_ = *n;
    if (*n == 0) eof_ = true;
    return *n > 0;
}

Result<int> ByteReader::peek() {
    auto more = fill();
    if (!more) return more.error();
    if (!*more) return -1;
    return static_cast<unsigned char>(buf_[head_]);
}

static Error ended_early(std::string_view what, uint64_t pos) {
    return make_error(EINVAL, "truncated: the data ends inside " + std::string(what) + " (at byte " +
                                  std::to_string(pos) + ")");
}

Status ByteReader::read_exact(size_t n, std::string& out, std::string_view what) {
    while (n > 0) {
        auto more = fill();
        if (!more) return more.error();
        if (!*more) return ended_early(what, pos_);
        size_t k = std::min(n, tail_ - head_);
        out.append(buf_.get() + head_, k);
        head_ += k;
        pos_ += k;
        n -= k;
    }
    return {};
}

Status ByteReader::skip(uint64_t n, std::string_view what) {
    while (n > 0) {
        auto more = fill();
        if (!more) return more.error();
        if (!*more) return ended_early(what, pos_);
        size_t k = static_cast<size_t>(std::min<uint64_t>(n, tail_ - head_));
        head_ += k;
        pos_ += k;
        n -= k;
    }
    return {};
}

} // namespace vb
