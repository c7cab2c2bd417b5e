// A file's bytes, read once and held while the object lives: mapped
// read-only where the file allows it (an image of tens of MB is then neither
// copied out of the page cache nor faulted into fresh memory), else owned.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace vb {

class FileBytes {
public:
    FileBytes() = default;
    explicit FileBytes(std::string owned) : owned_(std::move(owned)) {}
    // Takes over a mapping made with mmap(2); unmapped when this dies.
    static FileBytes mapped(void* addr, size_t len);
    FileBytes(FileBytes&& o) noexcept
        : owned_(std::move(o.owned_)), map_(std::exchange(o.map_, nullptr)), len_(std::exchange(o.len_, 0)) {}
    FileBytes& operator=(FileBytes&& o) noexcept;
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;
    ~FileBytes() { unmap(); }

    std::string_view view() const { return map_ ? std::string_view(static_cast<const char*>(map_), len_) : owned_; }
    bool is_mapped() const { return map_ != nullptr; }

private:
    void unmap();

    std::string owned_;
    void* map_ = nullptr;
    size_t len_ = 0;
};

} // namespace vb
