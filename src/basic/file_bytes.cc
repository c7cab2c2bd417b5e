#include "basic/file_bytes.h"

#include <sys/mman.h>

namespace vb {

FileBytes FileBytes::mapped(void* addr, size_t len) {
    FileBytes b;
    b.map_ = addr;
    b.len_ = len;
    return b;
}

FileBytes& FileBytes::operator=(FileBytes&& o) noexcept {
    if (this != &o) {
        unmap();
        owned_ = std::move(o.owned_);
        map_ = std::exchange(o.map_, nullptr);
        len_ = std::exchange(o.len_, 0);
    }
    return *this;
}

void FileBytes::unmap() {
    if (map_) ::munmap(map_, len_);
    map_ = nullptr;
    len_ = 0;
}

} // namespace vb
